"""Reading the layout of Chinese legal text and of our English rendering.

Line joining (PDF line breaks, page-break spaces), 章/节 headings, where an
article starts, where a paragraph (款) or item (项) starts, and the blocks of
``en.txt``. ``corpus.py`` builds the typed values from what these find.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ..errors import CorpusError
from .numerals import NUMERAL_CHARS, parse_number

_NUM = f"[{NUMERAL_CHARS}]+"
_SPACE = "[ \t\u3000\u00a0]"
ARTICLE_RE = re.compile(rf"^第({_NUM})条(?:{_SPACE}+(.*))?$")
_ARTICLE_TIGHT_RE = re.compile(rf"^第({_NUM})条(.+)$")
_PART_RE = re.compile(rf"^第({_NUM})编(?:{_SPACE}*(.*))?$")
_SUBPART_RE = re.compile(rf"^第({_NUM})分编(?:{_SPACE}*(.*))?$")
_CHAPTER_RE = re.compile(rf"^第({_NUM})章(?:{_SPACE}*(.*))?$")
_SECTION_RE = re.compile(rf"^第({_NUM})节(?:{_SPACE}*(.*))?$")
#: Characters that are never text: zero-width spaces and joiners, the byte-order mark, the
#: word joiner and the soft hyphen. A line holding only these is an empty line.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
#: Spaces stripped from the ends of a line (inside it, join_lines reads them as spaces).
LINE_SPACES = " \t\r\u3000\u00a0\u2002\u2003\u2009"
#: Nothing a heading holds: sentence and list punctuation, item brackets.
_NOT_IN_HEADING = re.compile("[，。；：、,.;:！？!?（）()“”\"《》]")
#: A heading standing alone without 第X章/第X节 is at most this many characters.
_MAX_BARE_HEADING = 30
#: The first line of a numbered heading with a title this long (or ending in 、，和及与的)
#: that is followed by a short plain line wrapped onto it: the two are one heading.
WRAPPED_HEADING = 10
ITEM_RE = re.compile(rf"^(?:[（(]({_NUM})[）)]|({_NUM})[、.．])")
DATE_RE = re.compile(rf"([\d〇零一二三四五六七八九]{{4}}){_SPACE}*年{_SPACE}*({_NUM}){_SPACE}*月"
                      rf"{_SPACE}*({_NUM}){_SPACE}*日")
BODY_RE = re.compile(r"日(.+?)第[一二三四五六七八九十百\d]+次(?:全体)?会议")
_EN_ARTICLE_RE = re.compile(r"^Article (\d+)\s+(.+)$", re.DOTALL)

# A paragraph (款) or item (项) ends at one of these, optionally followed by a
# closing quote or bracket.
END_PUNCT = "。！？!?：:."
ITEM_END_PUNCT = END_PUNCT + "；;"
_CLOSERS = "”’」』）)】"
# Headings are short and carry no sentence punctuation.
_MAX_HEADING = 30


@dataclass
class Line:
    """A non-empty line of the source, stripped, with its line number."""

    number: int  # 1-based line number in the source file
    text: str  # stripped


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between Chinese, one space between Latin words.

    Whitespace that touches a Chinese character or full-width punctuation is
    a typesetting artefact (2024 年 9 月) and goes; whitespace between two
    Latin letters or digits is kept as one space.
    """
    text = " ".join(line.strip() for line in lines)

    def space(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        if start == 0 or end == len(text) or _is_wide(text[start - 1]) or _is_wide(text[end]):
            return ""
        return " "

    return _SPACES.sub(space, text)


_SPACES = re.compile(r"\s+")


def ends(text: str, punct: str) -> bool:
    """Whether ``text`` ends with one of ``punct``, closing quotes and brackets aside."""
    text = text.rstrip(_CLOSERS)
    return bool(text) and text[-1] in punct


def clean_line(raw: str) -> str:
    """A source line without invisible characters and without spaces at its ends."""
    return raw.translate(INVISIBLE).strip(LINE_SPACES)


def chapter_heading(line: Line) -> tuple[str, int, str] | None:
    """('part'|'subpart'|'chapter'|'section', number, title) when the line is a 编, 分编,
    章 or 节 heading."""
    for kind, pattern in (("part", _PART_RE), ("subpart", _SUBPART_RE),
                          ("chapter", _CHAPTER_RE), ("section", _SECTION_RE)):
        m = pattern.match(line.text)
        if m and len(line.text) <= _MAX_HEADING and not ends(line.text, ITEM_END_PUNCT + "，,"):
            try:
                return kind, parse_number(m.group(1)), join_lines([m.group(2) or ""])
            except ValueError:
                return None
    return None


def bare_heading(text: str) -> bool:
    """Whether ``text`` could be a heading without 第X章/第X节: short, without any
    punctuation, not an article or item opening, not a date."""
    plain = re.sub(f"{_SPACE}+", "", text)
    return (0 < len(plain) <= _MAX_BARE_HEADING and not _NOT_IN_HEADING.search(text)
            and not opens_article(text) and not ITEM_RE.match(text) and not DATE_RE.search(text)
            and not re.search(r"\d", plain))


def opens_article(text: str) -> bool:
    """Whether ``text`` begins with an article number (第五条, with or without a space)."""
    return bool(ARTICLE_RE.match(text) or _ARTICLE_TIGHT_RE.match(text))


def wraps_onto(title: str) -> bool:
    """Whether a numbered heading's title is long enough, or ends so, that a short plain
    line after it continues it rather than naming a heading below it."""
    return len(title) >= WRAPPED_HEADING or title.endswith(tuple("、，,和及与的"))


def full_width(lines: list[Line]) -> int | None:
    """The line width of wrapped (PDF) text, or None for one-paragraph-a-line text.

    Wrapped text has many lines at one width (give or take hanging
    punctuation), and most of them break off mid-sentence; paragraphs that
    merely happen to be of equal length each end a sentence.
    """
    widths = Counter(_width(line.text) for line in lines)
    if not widths:
        return None
    width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
    at_margin = [line for line in lines if abs(_width(line.text) - width) <= 2]
    if count < 5 or len(at_margin) < 0.25 * len(lines):
        return None
    if sum(ends(line.text, END_PUNCT) for line in at_margin) > 0.5 * len(at_margin):
        return None
    return width


def article_start(line: Line, prev: Line | None, after_heading: bool,
                   expected: int) -> tuple[int, str] | None:
    """(number, rest of the line) when ``line`` opens an article, else None.

    第五条 followed by a space opens an article. Without the space (第五条规定…)
    it is read as a reference inside a wrapped sentence, unless it is exactly
    the next number and the previous line closed a sentence or a heading.
    """
    m = ARTICLE_RE.match(line.text)
    tight = None if m else _ARTICLE_TIGHT_RE.match(line.text)
    match = m or tight
    if match is None:
        return None
    try:
        number = parse_number(match.group(1))
    except ValueError:
        return None
    if tight and (number != expected or not (
            prev is None or after_heading or ends(prev.text, END_PUNCT))):
        return None
    return number, (match.group(2) or "").strip()


def starts_paragraph(prev: Line | None, line: Line, full: int | None) -> bool:
    """Whether ``line`` begins a new 款 (or item) rather than continuing ``prev``."""
    if prev is None:
        return False
    if ITEM_RE.match(line.text) and ends(prev.text, ITEM_END_PUNCT):
        return False  # the next 项 of the same 款
    if not ends(prev.text, END_PUNCT):
        return False
    if full is None:
        return True
    # Wrapped text: a sentence can end exactly at the margin. The next line then
    # continues the paragraph when it too runs to the margin, since a new
    # paragraph's first line is indented by two characters.
    return not (_width(prev.text) >= full - 2 and _width(line.text) >= full - 2)


def item_number(text: str) -> int:
    """The number of a 项 item: 3 for （三）, (三) or 3."""
    m = ITEM_RE.match(text)
    if m is None:  # pragma: no cover - blocks are only split at item markers
        raise ValueError(text)
    return parse_number(m.group(1) or m.group(2))


# --------------------------------------------------------------------------- en


@dataclass
class ParsedEn:
    """Our English rendering as read: title, note, and each article's paragraphs."""

    title: str
    note: str
    articles: dict[int, list[str]]  # article number -> paragraphs
    lines: dict[int, int]  # article number -> line of its heading


def parse_en(text: str, source: str = "en.txt") -> ParsedEn:
    """Parse our English rendering.

    Blocks are separated by blank lines. The first block is the title, the
    second the adoption note in brackets; then one block a paragraph, each
    article's first paragraph beginning ``Article N``. Lines inside a block
    (items) are kept as lines.
    """
    blocks: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for i, raw in enumerate([*text.splitlines(), ""], start=1):
        if raw.strip():
            if not buf:
                start = i
            buf.append(raw.strip())
        elif buf:
            blocks.append((start, "\n".join(buf)))
            buf = []
    if len(blocks) < 3:
        raise CorpusError(f"{source}: expected a title, an adoption note and articles",
                          "see corpus/README.md for the file's shape")
    title = blocks[0][1]
    note = blocks[1][1] if blocks[1][1].startswith("(") else ""
    rest = blocks[2:] if note else blocks[1:]
    articles: dict[int, list[str]] = {}
    lines: dict[int, int] = {}
    current: int | None = None
    for line_no, block in rest:
        m = _EN_ARTICLE_RE.match(block)
        if m:
            current = int(m.group(1))
            if current in articles:
                raise CorpusError(f"{source} line {line_no}: Article {current} appears twice "
                                  f"(first at line {lines[current]})",
                                  "remove or renumber the repeated article")
            articles[current] = [m.group(2).strip()]
            lines[current] = line_no
        elif current is None:
            raise CorpusError(f"{source} line {line_no}: text before Article 1",
                              "start the first article's block with 'Article 1 '")
        else:
            articles[current].append(block)
    return ParsedEn(title, note, articles, lines)
