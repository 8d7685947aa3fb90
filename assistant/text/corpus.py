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
    Line,
    ParsedEn,
    article_start,
    chapter_heading,
    ends,
    full_width,
    item_number,
    join_lines,
    parse_en,
    starts_paragraph,
)

ZH_FILE = "zh.txt"
EN_FILE = "en.txt"
META_FILE = "meta.json"
ANTICIPATED_FILE = "anticipated.jsonl"
UNADDRESSED_FILE = "unaddressed.jsonl"
MAX_LISTED_QUESTION_CHARS = 500


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
        names = {self.title_zh.strip("《》"), self.short_zh, self.short_en, *self.aliases}
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

    Raises CorpusError naming the line for a missing, repeated or out-of-order
    article number, text before the first article, or an empty text.
    """
    lines = [Line(i, raw.strip(" \t\r\u3000\u00a0\ufeff"))
             for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [line for line in lines if line.text]
    if not lines:
        raise CorpusError(f"{source}: the text is empty", "put the official text in the file")

    # Header: title lines, then the adoption note in brackets, until the first
    # heading or article.
    start = next((i for i, line in enumerate(lines)
                  if ARTICLE_RE.match(line.text) or chapter_heading(line)), None)
    if start is None:
        raise CorpusError(f"{source}: no article found (no line starts with 第一条)",
                          "check that this is the regulation's text")
    header = lines[:start]
    note_at = next((i for i, line in enumerate(header) if line.text[0] in "（("), len(header))
    title = join_lines([line.text for line in header[:note_at]])
    note = join_lines([line.text for line in header[note_at:]])
    if not title:
        raise CorpusError(f"{source} line {lines[0].number}: the text has no title",
                          "put the regulation's title on the first line")
    if re.fullmatch(r"[(（]?目\s*录[)）]?", note):
        note = ""

    body = lines[start:]
    full = full_width(body)
    articles: list[Article] = []
    seen: dict[int, int] = {}
    chapter: str | None = None
    section: str | None = None
    draft: _Draft | None = None
    prev: Line | None = None
    prev_heading = False
    for line in body:
        head = chapter_heading(line)
        if head and (prev is None or prev_heading or ends(prev.text, END_PUNCT)):
            if draft:
                articles.append(draft.build(source))
                draft = None
            kind, number, title = head
            name = f"第{to_chinese(number)}{'章' if kind == 'chapter' else '节'} {title}".strip()
            if kind == "chapter":
                chapter, section = name, None
            else:
                section = name
            prev, prev_heading = line, True
            continue
        expected = draft.number + 1 if draft else (articles[-1].number + 1 if articles else 1)
        start_ = article_start(line, prev, prev_heading, expected)
        prev_heading = False
        if start_ is not None:
            number, rest = start_
            if number in seen:
                raise CorpusError(
                    f"{source} line {line.number}: {label_zh(number)} appears twice "
                    f"(first at line {seen[number]})", "remove or renumber the repeated article")
            if number != expected:
                what = "missing" if number > expected else "out of order"
                raise CorpusError(
                    f"{source} line {line.number}: expected {label_zh(expected)}, found "
                    f"{label_zh(number)} ({label_zh(expected)} is {what})",
                    "restore the missing article or fix its number")
            if draft:
                articles.append(draft.build(source))
            seen[number] = line.number
            heading = line.text[: line.text.index("条") + 1]
            draft = _Draft(number, heading, line.number, chapter, section, [[]])
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
    return _ParsedZh(title, note, articles)


@dataclass
class _Draft:
    """An article being read: its lines grouped into paragraphs."""

    number: int
    heading: str
    line: int
    chapter: str | None
    section: str | None
    paragraphs: list[list[Line]]

    def build(self, source: str) -> Article:
        paras = tuple(_make_paragraph(i, block)
                      for i, block in enumerate(filter(None, self.paragraphs), start=1))
        if not paras:
            raise CorpusError(f"{source} line {self.line}: {self.heading} has no text",
                              "restore the article's text")
        return Article(self.number, paras, self.chapter, self.section, self.heading)


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


def _effective(articles: list[Article]) -> dt.date | None:
    for art in reversed(articles[-3:]):
        for para in art.paragraphs:
            tail = re.search(r"自(.{6,24}?)起施行", para.zh)
            if tail:
                m = DATE_RE.search(tail.group(1))
                if m:
                    return _date(m)
    return None


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
    short_zh, short_en, aliases = _meta(folder / META_FILE)
    return Regulation(
        id=folder.name,
        title_zh=zh.title,
        title_en=en.title if en else None,
        note_zh=zh.note,
        note_en=en.note if en else None,
        issuing_body=body,
        adopted=adopted,
        effective=_effective(zh.articles),
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
                           art.chapter, art.section, art.heading))
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
        "articles": [article_json(a) for a in reg.articles],
    }
