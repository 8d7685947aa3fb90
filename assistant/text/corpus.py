"""The regulation as typed values, parsed from its official Chinese text.

A regulation lives in a folder of its own under ``corpus/``:

- ``zh.txt``: the official Chinese text, verbatim (as extracted from the PDF,
  or one paragraph a line; both read the same);
- ``en.txt``: our English rendering, one block a paragraph (see ``parse_en``);
- ``glossary.json``: the bilingual glossary (see ``glossary.py``);
- ``meta.json`` (optional): the short titles citations carry when several
  regulations are loaded, and other names a question may use for it:
  ``{"short_title": {"zh": "…", "en": "…"}, "aliases": ["…"]}``;
- ``anticipated.jsonl`` (optional): questions users may ask, each tied to the
  paragraph that answers it, one JSON object a line:
  ``{"article": 17, "paragraph": 2, "lang": "en", "text": "Can we rent the land?"}``.
  They are indexed beside the text (document expansion) so that a question in
  plain words finds the provision; they are never shown or quoted as law;
- ``unaddressed.jsonl`` (optional): questions users may ask that the regulation
  does not answer, ``{"lang": "zh", "text": "最低工资是多少？"}`` a line. The
  scope judge weighs a question's nearness to them against its nearness to the
  text and the anticipated questions; they are never searched or shown.

The parser repairs what PDF extraction does to the text (hard line breaks
inside sentences, page-break spaces) and changes no character of the law.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import CorpusError, UnknownArticleError
from .numerals import label_zh, parse_number, to_chinese
from .textparse import (
    ARTICLE_RE,
    BODY_RE,
    DATE_RE,
    END_PUNCT,
    ITEM_END_PUNCT,
    ITEM_RE,
    WRAPPED_HEADING,
    Line,
    ParsedEn,
    article_start,
    bare_heading,
    chapter_heading,
    clean_line,
    ends,
    full_width,
    item_number,
    join_lines,
    opens_article,
    parse_en,
    starts_paragraph,
    wraps_onto,
)

ZH_FILE = "zh.txt"
EN_FILE = "en.txt"
META_FILE = "meta.json"
ANTICIPATED_FILE = "anticipated.jsonl"
UNADDRESSED_FILE = "unaddressed.jsonl"
MAX_LISTED_QUESTION_CHARS = 500

# National laws are titled 中华人民共和国…法 and called by the rest.
_STATE = "中华人民共和国"


@dataclass(frozen=True)
class Item:
    """A 项 inside a paragraph: （一）, （二）…"""

    number: int
    zh: str


@dataclass(frozen=True)
class Paragraph:
    """A 款: the unit of citation below the article (第十七条第二款)."""

    number: int
    zh: str
    en: str | None = None
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    """A 条, with its paragraphs and the chapter and section it sits in."""

    number: int
    paragraphs: tuple[Paragraph, ...]
    chapter: str | None = None
    section: str | None = None
    heading: str = ""  # the article number as written in the source: 第十七条 or 第17条
    part: str | None = None  # 编 (第二编 物权), in a code such as the 民法典
    subpart: str | None = None  # 分编

    @property
    def zh(self) -> str:
        """The article's Chinese text, paragraphs separated by newlines."""
        return "\n".join(p.zh for p in self.paragraphs)

    @property
    def en(self) -> str | None:
        """The article's English text, or None when there is no rendering."""
        if any(p.en is None for p in self.paragraphs):
            return None
        return "\n".join(p.en or "" for p in self.paragraphs)

    def paragraph(self, number: int) -> Paragraph:
        """Paragraph ``number`` (from 1), or UnknownArticleError naming the range."""
        if not 1 <= number <= len(self.paragraphs):
            count = len(self.paragraphs)
            raise UnknownArticleError(
                f"{label_zh(self.number)} (Article {self.number}) has "
                f"{count} paragraph{'s' if count > 1 else ''}; there is no paragraph {number}",
                f"use {self.number}.1 to {self.number}.{count}" if count > 1
                else f"use {self.number}",
            )
        return self.paragraphs[number - 1]


@dataclass(frozen=True)
class Anticipated:
    """A question users may ask, tied to the paragraph that answers it (not law)."""

    article: int
    paragraph: int
    lang: Literal["zh", "en"]
    text: str


@dataclass(frozen=True)
class Unaddressed:
    """A question users may ask that the regulation does not answer (for the scope judge)."""

    lang: Literal["zh", "en"]
    text: str


@dataclass(frozen=True)
class Regulation:
    """A whole regulation: its titles, dates, issuing body and articles."""

    id: str
    title_zh: str
    title_en: str | None
    note_zh: str
    note_en: str | None
    issuing_body: str | None
    adopted: dt.date | None
    effective: dt.date | None
    articles: tuple[Article, ...] = field(repr=False)
    effective_basis: str | None = None  # "stated", "on_promulgation", or None (no date)
    short_zh: str = ""  # 山东省先进制造业促进条例 (shown in 《》); the full title when unset
    short_en: str = ""  # Shandong Regulations on Promoting Advanced Manufacturing
    aliases: tuple[str, ...] = ()  # other names a question may use for this regulation
    anticipated: tuple[Anticipated, ...] = field(default=(), repr=False)
    unaddressed: tuple[Unaddressed, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.short_zh:
            object.__setattr__(self, "short_zh", self.title_zh.strip("《》"))
        if not self.short_en:
            object.__setattr__(self, "short_en", self.title_en or self.id)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a question may use for this regulation, longest first."""
        title = self.title_zh.strip("《》")
        names = {title, self.short_zh, self.short_en, *self.aliases}
        if title.startswith(_STATE) and len(title) > len(_STATE) + 1:
            names.add(title[len(_STATE):])  # a national law by its usual name: 行政强制法
        if self.title_en:
            names.add(self.title_en)
        return tuple(sorted((n for n in names if n), key=lambda n: (-len(n), n)))

    def article(self, number: int) -> Article:
        """Article ``number``, or UnknownArticleError naming the valid range."""
        for art in self.articles:
            if art.number == number:
                return art
        first, last = self.articles[0].number, self.articles[-1].number
        raise UnknownArticleError(
            f"there is no Article {number}: the regulation has {len(self.articles)} "
            f"articles, {first} to {last}",
            f"choose an article from {first} to {last}",
        )

    def uncovered(self) -> list[tuple[int, int, str]]:
        """(article, paragraph, lang) of each paragraph, in each language of the text,
        that no anticipated question is tied to. A paragraph with questions outranks
        one without for plainly worded questions, so gaps matter once there are any."""
        covered = {(q.article, q.paragraph, q.lang) for q in self.anticipated}
        langs = ("zh", "en") if self.has_english else ("zh",)
        return [(a.number, p.number, lang) for a in self.articles for p in a.paragraphs
                for lang in langs if (a.number, p.number, lang) not in covered]

    @property
    def has_english(self) -> bool:
        """Whether every paragraph carries an English rendering."""
        return self.title_en is not None and all(a.en is not None for a in self.articles)


# --------------------------------------------------------------------------- zh


@dataclass
class _ParsedZh:
    title: str
    note: str
    articles: list[Article]


def parse_zh(text: str, source: str = ZH_FILE) -> _ParsedZh:
    """Parse the official Chinese text into title, adoption note and articles.

    The title is the first line (or lines, when it wraps), up to the note: the
    lines that carry the adoption and amendment dates, bracketed or not. Headings
    are 编, 分编, 章 and 节 lines, numbered (第一章 总则) or standing alone between
    articles without a number (附则); a numbered heading wrapped onto a second
    line is one heading. Invisible characters (U+200B, U+FEFF …) are not text.

    Raises CorpusError naming the line for a missing, merged, repeated or
    out-of-order article number, text before the first article, a text that
    starts past 第一条, or an empty text.
    """
    lines = [Line(i, clean_line(raw)) for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [line for line in lines if line.text]
    if not lines:
        raise CorpusError(f"{source}: the text is empty", "put the official text in the file")

    start = next((i for i, line in enumerate(lines)
                  if ARTICLE_RE.match(line.text) or chapter_heading(line)), None)
    if start is None:
        raise CorpusError(f"{source}: no article found (no line starts with 第一条)",
                          "check that this is the regulation's text; a decision or "
                          "resolution without articles cannot be loaded")
    header = [line for line in lines[:start] if not _CONTENTS.fullmatch(line.text)]
    note_at = next((i for i, line in enumerate(header)
                    if line.text[0] in "（(" or DATE_RE.search(line.text)), len(header))
    if note_at == 0:
        raise CorpusError(f"{source} line {lines[0].number}: the text has no title",
                          "put the regulation's title on the first line")
    # Short plain lines after the note (总　则 before 第一条) are headings of the body.
    body_at = len(header)
    while body_at > note_at + 1 and bare_heading(header[body_at - 1].text):
        body_at -= 1
    title = join_lines([line.text for line in header[:note_at]])
    note_lines = [line.text for line in header[note_at:body_at]]
    # A bracketed note is one note wrapped over lines; bare date lines are one event each.
    note = (join_lines(note_lines) if note_lines and note_lines[0][0] in "（("
            else "\n".join(join_lines([n]) for n in note_lines))
    if not title:
        raise CorpusError(f"{source} line {lines[0].number}: the text has no title",
                          "put the regulation's title on the first line")
    return _ParsedZh(title, note, _articles([*header[body_at:], *lines[start:]], source))


#: A table-of-contents line: 目录, (目录), 目　录.
_CONTENTS = re.compile(r"[(（]?目[\s\u3000]*录[)）]?")

Kind = Literal["part", "subpart", "chapter", "section"]
_LEVELS: tuple[Kind, ...] = ("part", "subpart", "chapter", "section")


def _heading_kinds(body: list[Line]) -> list[str | None]:
    """Each body line's role: "numbered" (第一章 总则), "bare" (a heading without a number,
    standing alone between articles), "wrap" (the second line of a numbered heading), or
    None (article text)."""
    kinds: list[str | None] = [None] * len(body)
    for i, line in enumerate(body):
        prev_kind = kinds[i - 1] if i else "start"
        if not (prev_kind is not None or ends(body[i - 1].text, END_PUNCT)):
            continue  # mid-paragraph: a wrapped line, never a heading
        if chapter_heading(line):
            kinds[i] = "numbered"
            continue
        head = chapter_heading(body[i - 1]) if prev_kind == "numbered" else None
        if head and head[2].endswith(("、", "，", ",")) and len(line.text) <= 2 * WRAPPED_HEADING \
                and not ends(line.text, ITEM_END_PUNCT) and not opens_article(line.text):
            kinds[i] = "wrap"  # a title broken after a comma goes on, whatever it holds
            continue
        nxt = body[i + 1].text if i + 1 < len(body) else None
        if not bare_heading(line.text) or nxt is None or not (
                opens_article(nxt) or chapter_heading(Line(0, nxt)) or bare_heading(nxt)):
            continue
        kinds[i] = "wrap" if head and wraps_onto(head[2]) else "bare"
    return kinds


def _articles(body: list[Line], source: str) -> list[Article]:
    """The articles of the body (headings and article lines), each with its headings."""
    full = full_width(body)
    kinds = _heading_kinds(body)
    articles: list[Article] = []
    seen: dict[int, int] = {}
    place: dict[Kind, str | None] = dict.fromkeys(_LEVELS)
    last: tuple[Kind, str] | None = None  # the heading just read: level, name
    bare_sections = False  # whether the current chapter has sections without numbers
    draft: _Draft | None = None
    prev: Line | None = None
    for i, line in enumerate(body):
        kind = kinds[i]
        if kind is not None:
            if draft:
                articles.append(draft.build(source))
                draft = None
            head = chapter_heading(line) if kind == "numbered" else None
            if kind == "wrap" and last is not None:
                level, name = last[0], last[1] + line.text
            elif head:
                level = head[0]  # type: ignore[assignment]
                word = {"part": "编", "subpart": "分编", "chapter": "章", "section": "节"}[level]
                name = f"第{to_chinese(head[1])}{word} {head[2]}".strip()
            else:
                level = _bare_level(line, body[i + 1], last, bare_sections)
                name = join_lines([line.text])
                bare_sections = bare_sections or level == "section"
            place[level] = name
            for lower in _LEVELS[_LEVELS.index(level) + 1:]:
                place[lower] = None
            if level != "section":
                bare_sections = False
            last, prev = (level, name), line
            continue
        last = None
        expected = draft.number + 1 if draft else (articles[-1].number + 1 if articles else 1)
        after_heading = i > 0 and kinds[i - 1] is not None
        start_ = article_start(line, prev, after_heading, expected)
        if start_ is not None:
            number, rest = start_
            if number in seen:
                raise CorpusError(
                    f"{source} line {line.number}: {label_zh(number)} appears twice "
                    f"(first at line {seen[number]})", "remove or renumber the repeated article")
            if number != expected:
                raise _numbering_error(source, line, number, expected, draft, articles)
            if draft:
                articles.append(draft.build(source))
            seen[number] = line.number
            heading = line.text[: line.text.index("条") + 1]
            draft = _Draft(number, heading, line.number, place["chapter"], place["section"],
                           [[]], place["part"], place["subpart"])
            if rest:
                draft.paragraphs[-1].append(Line(line.number, rest))
            prev = Line(line.number, rest or line.text)
            continue
        if draft is None:
            raise CorpusError(f"{source} line {line.number}: text outside any article",
                              "each paragraph must follow an article number such as 第一条")
        if draft.paragraphs[-1] and starts_paragraph(prev, line, full):
            draft.paragraphs.append([])
        draft.paragraphs[-1].append(line)
        prev = line
    if draft:
        articles.append(draft.build(source))
    return articles


def _bare_level(line: Line, nxt: Line, above: tuple[Kind, str] | None,
                bare_sections: bool) -> Kind:
    """The level of a heading without a number: above a numbered chapter, a 编; above a
    numbered section, a chapter; right below a heading, the level under it; after
    articles, a section in a chapter whose sections have no numbers either, else a
    chapter (a lost 第X章 is likelier than a lost 第X节 among numbered sections)."""
    below = chapter_heading(nxt)
    if below and below[0] in ("subpart", "chapter"):
        return "part"
    if below and below[0] == "section":
        return "chapter"
    if above is not None:
        return _LEVELS[min(_LEVELS.index(above[0]) + 1, len(_LEVELS) - 1)]
    return "section" if bare_sections else "chapter"


# A 第N条 inside a sentence that cites it rather than opens it: after 依照本条例, before 规定.
_CROSS_REFERENCE = re.compile(
    r"(?:本条例|本法|本规定|本办法|依照|按照|根据|依据|违反|适用|和|、|或者|至)$")
_REFERENCE_AFTER = re.compile(r"(?:规定|第|的|、|和|或者|至|中|所)")


def _numbering_error(source: str, line: Line, number: int, expected: int,
                     draft: _Draft | None, articles: list[Article]) -> CorpusError:
    """The error for an article number that is not the next one, naming the defect: the
    text starts past 第一条, the expected number is merged into an earlier line, or it is
    missing (or out of order)."""
    want = label_zh(expected)
    if expected == 1 and not articles and draft is None:
        return CorpusError(
            f"{source} line {line.number}: the text begins at {label_zh(number)}, not 第一条 "
            "(it is part of a longer text)",
            "add every file of the text together, in order (tiaoli corpus add DIR)")
    if draft is not None:
        for held in (line for block in draft.paragraphs for line in block):
            at = held.text.find(want)
            if at > 0 and not _CROSS_REFERENCE.search(held.text[:at]) and not \
                    _REFERENCE_AFTER.match(held.text[at + len(want):]):
                shown = held.text[max(0, at - 8):at + len(want) + 8]
                return CorpusError(
                    f"{source} line {held.number}: {want} is merged into the text of "
                    f"{label_zh(draft.number)} mid-line (\u2026{shown}\u2026): the source "
                    "lost its line break", f"put {want} at the start of its own line")
    what = "missing" if number > expected else "out of order"
    return CorpusError(
        f"{source} line {line.number}: expected {want}, found {label_zh(number)} "
        f"({want} is {what}: the source may have lost the number)",
        "restore the missing article or fix its number")


@dataclass
class _Draft:
    """An article being read: its lines grouped into paragraphs."""

    number: int
    heading: str
    line: int
    chapter: str | None
    section: str | None
    paragraphs: list[list[Line]]
    part: str | None = None
    subpart: str | None = None

    def build(self, source: str) -> Article:
        paras = tuple(_make_paragraph(i, block)
                      for i, block in enumerate(filter(None, self.paragraphs), start=1))
        if not paras:
            raise CorpusError(f"{source} line {self.line}: {self.heading} has no text",
                              "restore the article's text")
        return Article(self.number, paras, self.chapter, self.section, self.heading,
                       self.part, self.subpart)


def _make_paragraph(number: int, lines: list[Line]) -> Paragraph:
    """Build one 款 from its lines, splitting off its 项 items."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if blocks[-1] and ITEM_RE.match(line.text) and ends(blocks[-1][-1], ITEM_END_PUNCT):
            blocks.append([])
        blocks[-1].append(line.text)
    texts = [join_lines(block) for block in blocks]
    items = tuple(Item(item_number(text), text) for text in texts[1:])
    return Paragraph(number, "\n".join(texts), items=items)


# ----------------------------------------------------------------------- dates


def _date(m: re.Match[str]) -> dt.date:
    return dt.date(parse_number(m.group(1)), parse_number(m.group(2)), parse_number(m.group(3)))


def _adoption(note: str) -> tuple[dt.date | None, str | None]:
    m = DATE_RE.search(note)
    if not m:
        return None, None
    body = BODY_RE.search(note[m.start():])
    return _date(m), body.group(1) if body else None


_IN_FORCE = re.compile(r"自(.{2,30}?)(?:起)?(?:施行|实施)")
_HEADER_IN_FORCE = re.compile(r"(?:施行|实施)$")

#: How the effective date was found: written in the text ("stated"), or the text says
#: 自公布之日起施行 and the date is that of adoption or approval ("on_promulgation").
EffectiveBasis = Literal["stated", "on_promulgation"]


def _effective(articles: list[Article], note: str
               ) -> tuple[dt.date | None, EffectiveBasis | None]:
    """The date the regulation takes effect and how it was found: the date of a
    自…起施行/实施 clause in the last three articles; for 自公布之日起施行, the date of
    the note's first approval (批准) or else adoption (通过) line, the nearest date the
    text gives of its promulgation; a date line of the header ending 施行; else none."""
    for art in reversed(articles[-3:]):
        for para in art.paragraphs:
            for clause in _IN_FORCE.finditer(para.zh):
                m = DATE_RE.search(clause.group(1))
                if m:
                    return _date(m), "stated"
                if "公布" in clause.group(1):
                    lines = note.splitlines()
                    for word in ("批准", "通过"):
                        line = next((n for n in lines if word in n and DATE_RE.search(n)), None)
                        date_m = DATE_RE.search(line) if line else None
                        if date_m:
                            return _date(date_m), "on_promulgation"
                    return None, None
    for line in note.splitlines():
        m = DATE_RE.search(line)
        if m and _HEADER_IN_FORCE.search(line):
            return _date(m), "stated"
    return None, None


# ------------------------------------------------------------------------ load


def load_regulation(folder: Path) -> Regulation:
    """Read a regulation folder: zh.txt, and en.txt when present, aligned paragraph by paragraph.

    Raises CorpusError when a file is missing or unreadable, or when the
    English rendering does not have exactly the Chinese articles and paragraphs.
    """
    zh_path = folder / ZH_FILE
    try:
        zh_text = zh_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{zh_path}: no such file",
                          f"put the official Chinese text in {zh_path}") from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{zh_path}: not UTF-8 ({exc.reason} at byte {exc.start})",
                          "save the file as UTF-8") from None
    zh = parse_zh(zh_text, str(zh_path))
    en_path = folder / EN_FILE
    en = parse_en(en_path.read_text(encoding="utf-8"), str(en_path)) if en_path.exists() else None
    articles = zh.articles
    if en is not None:
        articles = _align(zh.articles, en, str(en_path))
    adopted, body = _adoption(zh.note)
    effective, basis = _effective(zh.articles, zh.note)
    short_zh, short_en, aliases = _meta(folder / META_FILE)
    return Regulation(
        id=folder.name,
        title_zh=zh.title,
        title_en=en.title if en else None,
        note_zh=zh.note,
        note_en=en.note if en else None,
        issuing_body=body,
        adopted=adopted,
        effective=effective,
        effective_basis=basis,
        articles=tuple(articles),
        short_zh=short_zh,
        short_en=short_en,
        aliases=aliases,
        anticipated=_anticipated(folder / ANTICIPATED_FILE, articles),
        unaddressed=_unaddressed(folder / UNADDRESSED_FILE),
    )


def _meta(path: Path) -> tuple[str, str, tuple[str, ...]]:
    """(short zh title, short en title, aliases) from meta.json; empty when there is none."""
    if not path.exists():
        return "", "", ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not valid UTF-8 JSON ({exc})",
                          'write {"short_title": {"zh": "…", "en": "…"}, "aliases": []}') from None
    short = data.get("short_title", {}) if isinstance(data, dict) else None
    aliases = data.get("aliases", []) if isinstance(data, dict) else None
    if (not isinstance(short, dict) or not all(isinstance(short.get(k, ""), str)
                                               for k in ("zh", "en"))
            or not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases)):
        raise CorpusError(f"{path}: expected short_title {{zh, en}} strings and a list of "
                          "alias strings", 'write {"short_title": {"zh": "…", "en": "…"}, '
                          '"aliases": []}')
    return (short.get("zh", "").strip().strip("《》"), short.get("en", "").strip(),
            tuple(a.strip() for a in aliases if a.strip()))


def _jsonl(path: Path, hint: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON Lines file; nothing when
    the file does not exist. Raises CorpusError naming the line for anything not an object."""
    if not path.exists():
        return
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})",
                          "save the file as UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{n}: not JSON ({exc.msg})", hint) from None
        if not isinstance(data, dict):
            raise CorpusError(f"{path}:{n}: expected a JSON object", hint)
        yield n, data


def _question(path: Path, n: int, data: dict[str, Any],
              hint: str) -> tuple[Literal["zh", "en"], str]:
    """The checked language and text (whitespace collapsed) of one question line."""
    lang, text = data.get("lang"), data.get("text")
    if lang not in ("zh", "en") or not isinstance(text, str):
        raise CorpusError(f'{path}:{n}: needs lang "zh" or "en" and a text string', hint)
    text = " ".join(text.split())
    if not text or len(text) > MAX_LISTED_QUESTION_CHARS:
        raise CorpusError(f"{path}:{n}: the text is empty or longer than "
                          f"{MAX_LISTED_QUESTION_CHARS} characters", "write one short question")
    return ("zh" if lang == "zh" else "en"), text


def _anticipated(path: Path, articles: list[Article]) -> tuple[Anticipated, ...]:
    """The questions in anticipated.jsonl, each checked against the articles; () without one.

    Raises CorpusError naming the line of anything malformed: bad JSON, a
    missing or mistyped key, a language other than zh/en, an empty or overlong
    text, or an article or paragraph the regulation does not have.
    """
    hint = ('one JSON object a line: {"article": 17, "paragraph": 2, "lang": "en", '
            '"text": "…"}')
    counts = {a.number: len(a.paragraphs) for a in articles}
    found: list[Anticipated] = []
    for n, data in _jsonl(path, hint):
        article, paragraph = data.get("article"), data.get("paragraph")
        if (not isinstance(article, int) or isinstance(article, bool)
                or not isinstance(paragraph, int) or isinstance(paragraph, bool)):
            raise CorpusError(f"{path}:{n}: needs an integer article and paragraph", hint)
        lang, text = _question(path, n, data, hint)
        if article not in counts:
            raise CorpusError(f"{path}:{n}: there is no Article {article}",
                              f"use an article from {min(counts)} to {max(counts)}")
        if not 1 <= paragraph <= counts[article]:
            raise CorpusError(f"{path}:{n}: Article {article} has {counts[article]} "
                              f"paragraph(s), not {paragraph}", "number paragraphs from 1")
        found.append(Anticipated(article, paragraph, lang, text))
    return tuple(found)


def _unaddressed(path: Path) -> tuple[Unaddressed, ...]:
    """The questions in unaddressed.jsonl; () without one. Raises CorpusError naming the
    line of anything malformed."""
    hint = 'one JSON object a line: {"lang": "en", "text": "What is the minimum wage?"}'
    return tuple(Unaddressed(*_question(path, n, data, hint)) for n, data in _jsonl(path, hint))


def _align(articles: list[Article], en: ParsedEn, source: str) -> list[Article]:
    zh_numbers = [a.number for a in articles]
    extra = sorted(set(en.articles) - set(zh_numbers))
    if extra:
        raise CorpusError(f"{source} line {en.lines[extra[0]]}: Article {extra[0]} is not in "
                          "the Chinese text", "remove it or fix its number")
    out = []
    for art in articles:
        paras = en.articles.get(art.number)
        if paras is None:
            raise CorpusError(f"{source}: Article {art.number} is missing",
                              f"add a block starting 'Article {art.number} '")
        if len(paras) != len(art.paragraphs):
            raise CorpusError(
                f"{source} line {en.lines[art.number]}: Article {art.number} has "
                f"{len(paras)} paragraph(s) in English but {len(art.paragraphs)} in Chinese",
                "give each Chinese paragraph exactly one English block")
        out.append(Article(art.number,
                           tuple(Paragraph(p.number, p.zh, e, p.items)
                                 for p, e in zip(art.paragraphs, paras, strict=True)),
                           art.chapter, art.section, art.heading, art.part, art.subpart))
    return out


# ------------------------------------------------------------------------ json


def paragraph_json(para: Paragraph) -> dict[str, object]:
    """A paragraph as in ``tiaoli export``: number, zh, en (and items when it has them)."""
    out: dict[str, object] = {"number": para.number, "zh": para.zh, "en": para.en}
    if para.items:
        out["items"] = [{"number": i.number, "zh": i.zh} for i in para.items]
    return out


def article_json(article: Article) -> dict[str, object]:
    """An article as in ``tiaoli export`` and ``GET /api/articles/{n}``."""
    out: dict[str, object] = {"number": article.number,
                              "paragraphs": [paragraph_json(p) for p in article.paragraphs]}
    if article.part:
        out["part"] = article.part
    if article.subpart:
        out["subpart"] = article.subpart
    if article.chapter:
        out["chapter"] = article.chapter
    if article.section:
        out["section"] = article.section
    return out


def regulation_json(reg: Regulation) -> dict[str, object]:
    """The whole regulation, the shape of ``tiaoli export --json`` (DESIGN.md)."""
    return {
        "id": reg.id,
        "title": {"zh": reg.title_zh, "en": reg.title_en},
        "note": {"zh": reg.note_zh, "en": reg.note_en},
        "issuing_body": reg.issuing_body,
        "adopted": reg.adopted.isoformat() if reg.adopted else None,
        "effective": reg.effective.isoformat() if reg.effective else None,
        "effective_basis": reg.effective_basis,
        "articles": [article_json(a) for a in reg.articles],
    }
