"""The regulation and its glossary in the formats translators' and officials' tools read.

- TMX 1.4, a translation memory: one unit per paragraph, zh-CN → en, each with
  the article and paragraph as properties (``x-article``, ``x-paragraph``) and
  the label as a note;
- TBX, the glossary as a term base: the Chinese term, then the agreed English
  (preferred) and its variants (admitted), the shorthand people write
  (``aliases``, on the Chinese side) and the translator's note;
- XLIFF 1.1 of the whole regulation, targets empty, for a translator starting a
  rendering of their own from the Chinese (unit ids are ``17.2``);
- DOCX, the side-by-side text as a Word table, as officials circulate drafts.

TMX, TBX and XLIFF are written and read with translate-toolkit, DOCX with
python-docx. ``read_rendering`` reads a translator's rendering back from an
XLIFF or TMX file, for ``tiaoli compare --all``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from ..answer.prompts import Prompts
from ..errors import UsageError
from ..text.corpus import Regulation, regulation_json
from ..text.glossary import Term
from ..text.numerals import label

SOURCE_LANG = "zh-CN"
TARGET_LANG = "en"

#: Format -> (file extension, media type).
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("json", "application/json"),
    "tmx": ("tmx", "application/x-tmx+xml"),
    "tbx": ("tbx", "application/x-tbx+xml"),
    "xliff": ("xlf", "application/x-xliff+xml"),
    "docx": ("docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
#: Formats that are bytes no terminal should print.
BINARY = frozenset({"docx"})


def _ref(article: int, paragraph: int) -> str:
    return f"{article}.{paragraph}"


def _label(article: int, paragraph: int, paragraphs: int) -> str:
    """第十七条第二款 | Article 17(2); the article alone when it has one paragraph."""
    return label(article, paragraph if paragraphs > 1 else None)


def to_tmx(reg: Regulation) -> bytes:
    """A TMX translation memory: one unit per paragraph with our English as its target."""
    from lxml import etree
    from translate.storage import tmx

    store = tmx.tmxfile(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
    store.addheader()
    for art in reg.articles:
        for para in art.paragraphs:
            if not para.en:
                continue
            unit = store.addsourceunit(para.zh, SOURCE_LANG)
            unit.settarget(para.en, TARGET_LANG, append=True)
            unit.xmlelement.set("tuid", _ref(art.number, para.number))
            unit.addnote(_label(art.number, para.number, len(art.paragraphs)))
            unit.setcontext(_ref(art.number, para.number))
            first_tuv = unit.xmlelement.find(unit.namespaced("tuv"))
            for kind, value in (("x-article", art.number), ("x-paragraph", para.number)):
                prop = etree.Element(unit.namespaced("prop"), type=kind)
                prop.text = str(value)
                first_tuv.addprevious(prop)
    return bytes(store)


def to_tbx(terms: Sequence[Term]) -> bytes:
    """The glossary as a TBX term base."""
    from lxml import etree
    from translate.storage import tbx

    store = tbx.tbxfile(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)

    def status(unit: Any, lang_node: Any, statuses: Sequence[str]) -> None:
        for tig, value in zip(lang_node.findall(unit.namespaced("tig")), statuses,
                              strict=True):
            note = etree.SubElement(tig, unit.namespaced("termNote"),
                                    type="administrativeStatus")
            note.text = value

    for n, term in enumerate(terms, start=1):
        unit = store.addsourceunit(term.zh)
        unit.setid(f"term-{n}")
        if term.aliases:
            unit.set_source_terms([term.zh, *term.aliases], SOURCE_LANG)
        unit.set_target_terms([term.en, *term.variants], TARGET_LANG)
        if term.note:
            unit.set_common_note(term.note)
        status(unit, unit.source_dom, ["preferredTerm-admn-sts"]
               + ["admittedTerm-admn-sts"] * len(term.aliases))
        status(unit, unit.target_dom, ["preferredTerm-admn-sts"]
               + ["admittedTerm-admn-sts"] * len(term.variants))
    return bytes(store)


def to_xliff(reg: Regulation) -> bytes:
    """XLIFF of the whole regulation: the Chinese of each paragraph, targets empty."""
    from translate.storage import xliff

    store: Any = xliff.xlifffile(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
    for art in reg.articles:
        for para in art.paragraphs:
            unit = store.addsourceunit(para.zh, filename=reg.id, createifmissing=True)
            unit.setid(_ref(art.number, para.number))
            unit.addnote(_label(art.number, para.number, len(art.paragraphs)),
                         origin="developer")
    return bytes(store)


def to_docx(reg: Regulation, prompts: Prompts) -> bytes:
    """The side-by-side text as a Word document: titles, the adoption note, then a table
    of every paragraph (label, official Chinese, our English)."""
    import docx

    document = docx.Document()
    document.core_properties.title = reg.title_zh
    document.add_heading(reg.title_zh, level=1)
    if reg.title_en:
        document.add_heading(reg.title_en, level=2)
    for note in (reg.note_zh, reg.note_en):
        if note:
            document.add_paragraph(note)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, ("docx_provision", "docx_zh", "docx_en"),
                          strict=True):
        cell.text = prompts.text("export", name)
    for art in reg.articles:
        for para in art.paragraphs:
            row = table.add_row().cells
            row[0].text = _label(art.number, para.number, len(art.paragraphs))
            row[1].text = para.zh
            row[2].text = para.en or ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export(reg: Regulation, terms: Sequence[Term], fmt: str, prompts: Prompts) -> bytes:
    """The regulation (or, for ``tbx``, its glossary) in ``fmt``; UsageError for another."""
    if fmt == "json":
        return (json.dumps(regulation_json(reg), ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "tmx":
        return to_tmx(reg)
    if fmt == "tbx":
        if not terms:
            raise UsageError(f"{reg.id} has no glossary to export", "add glossary.json")
        return to_tbx(terms)
    if fmt == "xliff":
        return to_xliff(reg)
    if fmt == "docx":
        return to_docx(reg, prompts)
    raise UsageError(f"no export format {fmt!r}", f"choose one of: {', '.join(FORMATS)}")


def file_name(reg: Regulation, fmt: str) -> str:
    """The name a download of ``fmt`` gets: ``<id>.tmx``, ``<id>.glossary.tbx``, …"""
    ext = FORMATS[fmt][0]
    return f"{reg.id}.glossary.{ext}" if fmt == "tbx" else f"{reg.id}.{ext}"


# ------------------------------------------------------------ reading back


def rendering_format(data: bytes) -> str | None:
    """``xliff`` or ``tmx`` when ``data`` is such a file, else None (plain text)."""
    head = data[:2048].lstrip().lower()
    if not head.startswith((b"<?xml", b"<xliff", b"<tmx")):
        return None
    if b"<xliff" in head:
        return "xliff"
    if b"<tmx" in head:
        return "tmx"
    raise UsageError("the file is XML but neither XLIFF nor TMX",
                     "give an XLIFF or TMX file, or a text shaped like en.txt")


def read_rendering(data: bytes, fmt: str) -> dict[tuple[int, int], str]:
    """(article, paragraph) -> English, from an XLIFF (unit ids ``17.2``, as exported) or
    a TMX (``x-article``/``x-paragraph`` properties, or a ``17.2`` tuid) file."""
    from lxml import etree
    from translate.storage import tmx, xliff

    try:
        store: Any = (xliff.xlifffile if fmt == "xliff" else tmx.tmxfile).parsestring(data)
    except (etree.LxmlError, ValueError) as exc:
        raise UsageError(f"cannot read the {fmt.upper()} file: {exc}") from None
    out: dict[tuple[int, int], str] = {}
    for unit in store.units:
        ref = _unit_ref(unit, fmt)
        target = unit.gettarget(TARGET_LANG) if fmt == "tmx" else unit.target
        if ref is not None and target:
            out[ref] = " ".join(str(target).split())
    if not out:
        raise UsageError(f"the {fmt.upper()} file has no translated units with an article "
                         "and paragraph", "export one with `tiaoli export --format "
                         f"{fmt}`, translate it and give it back")
    return out


def _unit_ref(unit: Any, fmt: str) -> tuple[int, int] | None:
    if fmt == "tmx":
        props = {p.get("type"): (p.text or "").strip()
                 for p in unit.xmlelement.findall(unit.namespaced("prop"))}
        raw = (f"{props['x-article']}.{props['x-paragraph']}"
               if "x-article" in props and "x-paragraph" in props
               else unit.xmlelement.get("tuid") or "")
    else:
        raw = unit.xmlelement.get("id") or ""
    article, _, paragraph = raw.partition(".")
    if article.isdigit() and paragraph.isdigit():
        return int(article), int(paragraph)
    return None
