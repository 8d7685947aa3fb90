"""Exports: TMX, TBX, XLIFF and DOCX open in the libraries that read them, with our texts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from translate.storage import tbx, tmx, xliff

from assistant.answer.prompts import Prompts, load_prompts
from assistant.errors import UsageError
from assistant.review.exports import export, read_rendering, rendering_format, to_tbx
from assistant.settings import Settings
from assistant.text.corpus import Regulation
from assistant.text.glossary import Term, load_glossary

from .helpers import regulation_dir
from .test_cli import run


@pytest.fixture(scope="module")
def prompts(settings: Settings) -> Prompts:
    return load_prompts(settings.prompts_dir)


@pytest.fixture(scope="module")
def terms(settings: Settings) -> tuple[Term, ...]:
    return load_glossary(regulation_dir(settings))


def _paragraphs(reg: Regulation) -> list[tuple[int, int, str, str]]:
    return [(a.number, p.number, p.zh, p.en or "") for a in reg.articles for p in a.paragraphs]


def test_tmx_holds_every_paragraph_with_its_article_and_paragraph(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    store = tmx.tmxfile.parsestring(export(regulation, terms, "tmx", prompts))
    units = store.units
    assert len(units) == sum(len(a.paragraphs) for a in regulation.articles) == 45
    read = []
    for unit in units:
        props = {p.get("type"): p.text for p in unit.xmlelement.findall(unit.namespaced("prop"))}
        read.append((int(props["x-article"]), int(props["x-paragraph"]), unit.source,
                     unit.gettarget("en")))
    assert read == _paragraphs(regulation)
    assert units[0].xmlelement.get("srclang") == "zh-CN"
    assert "第十七条第二款 | Article 17(2)" in [u.getnotes() for u in units]


def test_tbx_holds_every_term_with_variants_and_notes(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    store = tbx.tbxfile.parsestring(export(regulation, terms, "tbx", prompts))
    assert len(store.units) == len(terms)
    by_zh = {u.source: u for u in store.units}
    for term in terms:
        unit = by_zh[term.zh]
        english = unit.get_target_terms("en")
        assert [t.text for t in english] == [term.en, *term.variants]
        assert english[0].administrative_status == "preferredTerm-admn-sts"
        assert all(t.administrative_status == "admittedTerm-admn-sts" for t in english[1:])
        assert unit.getnotes() == term.note


def test_tbx_puts_aliases_on_the_chinese_side() -> None:
    term = Term("首台（套）", "first unit (set)", ("first units (sets)",), "A note.",
                ("首台套",))
    unit = tbx.tbxfile.parsestring(to_tbx([term])).units[0]
    chinese = unit.get_source_terms()
    assert [t.text for t in chinese] == ["首台（套）", "首台套"]
    assert chinese[1].administrative_status == "admittedTerm-admn-sts"
    assert [t.text for t in unit.get_target_terms("en")] == ["first unit (set)",
                                                               "first units (sets)"]


def test_xliff_holds_the_chinese_to_translate(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    store = xliff.xlifffile.parsestring(export(regulation, terms, "xliff", prompts))
    units = store.units
    assert [(u.xmlelement.get("id"), u.source) for u in units] == [
        (f"{a}.{p}", zh) for a, p, zh, _ in _paragraphs(regulation)]
    assert all(not u.target for u in units)
    assert store.getsourcelanguage() == "zh-CN"
    assert store.gettargetlanguage() == "en"


def test_a_translated_xliff_reads_back_by_paragraph(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    store = xliff.xlifffile.parsestring(export(regulation, terms, "xliff", prompts))
    for unit in store.units[:3]:
        unit.settarget(f"Rendering of {unit.xmlelement.get('id')}")
    data = bytes(store)
    assert rendering_format(data) == "xliff"
    assert read_rendering(data, "xliff") == {(1, 1): "Rendering of 1.1",
                                             (2, 1): "Rendering of 2.1",
                                             (2, 2): "Rendering of 2.2"}


def test_docx_is_the_side_by_side_table(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    document = docx.Document(io.BytesIO(export(regulation, terms, "docx", prompts)))
    assert document.paragraphs[0].text == regulation.title_zh
    rows = document.tables[0].rows
    assert [c.text for c in rows[0].cells] == ["条款 Provision", "官方中文 Official Chinese",
                                               "英文译文 English rendering"]
    body = [tuple(c.text for c in r.cells) for r in rows[1:]]
    assert [(zh, en) for _, zh, en in body] == [(zh, en) for *_, zh, en in
                                                _paragraphs(regulation)]
    assert body[0][0] == "第一条 | Article 1"
    assert ("第十七条第二款 | Article 17(2)") in [label for label, _, _ in body]


@pytest.mark.parametrize("fmt", ["tmx", "tbx", "xliff", "docx"])
def test_cli_export_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    code, _, err = run(capsys, "export", "--format", fmt, "--output", str(out))
    assert code == 0
    assert f"Wrote {out}" in err
    data = out.read_bytes()
    if fmt == "docx":
        assert docx.Document(io.BytesIO(data)).tables[0].rows
    else:
        reader = {"tmx": tmx.tmxfile, "tbx": tbx.tbxfile, "xliff": xliff.xlifffile}[fmt]
        assert len(reader.parsestring(data).units) > 40


def test_cli_export_json_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--json")
    assert code == 0
    assert json.loads(out)["effective"] == "2024-12-01"
    code, _, err = run(capsys, "export", "--json", "--format", "tmx")
    assert code == 2
    assert "two formats" in err


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b"<?xml version='1.0'?><html/>", "neither XLIFF nor TMX", id="other-xml"),
    pytest.param(b"<?xml version='1.0'?><xliff><file>", "cannot read the XLIFF",
                 id="broken-xliff"),
])
def test_bad_rendering_files_are_named(data: bytes, says: str) -> None:
    def read() -> None:
        fmt = rendering_format(data)
        assert fmt is not None
        read_rendering(data, fmt)

    with pytest.raises(UsageError, match=says):
        read()


def test_an_untranslated_xliff_says_what_to_do(
        regulation: Regulation, terms: tuple[Term, ...], prompts: Prompts) -> None:
    with pytest.raises(UsageError, match="no translated units"):
        read_rendering(export(regulation, terms, "xliff", prompts), "xliff")
