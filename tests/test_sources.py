"""Real regulations in (text/sources.py, parse_zh): every file of tests/data/regulations/
(LawRefBook's Markdown, copied from ../shared/regulations with its defects) parses with its
own title, or fails naming its own line and defect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.surfaces.cli import main
from assistant.text.corpus import parse_zh
from assistant.text.numerals import NUMERAL_CHARS, label_zh, parse_number
from assistant.text.sources import prepare, read_source

DATA = Path(__file__).parent / "data" / "regulations"
FILES = sorted(p for p in DATA.rglob("*.md") if p.name not in ("README.md", "_index.md"))
_OPENS = re.compile(rf"^第([{NUMERAL_CHARS}]+)条(?!之)", re.MULTILINE)  # 条之一: see docs


def _expected(path: Path) -> tuple[str, list[int]]:
    """What the file says of itself, read without the parser: the '# ' title and the
    article numbers that open a line."""
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.MULTILINE)
    assert title
    return title.group(1).strip(), [parse_number(n) for n in _OPENS.findall(text)]


def test_the_material_is_all_there() -> None:
    assert len([f for f in FILES if "shandong" in f.parts]) == 69
    assert len([f for f in FILES if "民法典" in f.parts]) == 8


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_real_file_parses_with_its_title_or_names_its_defect(path: Path) -> None:
    title, numbers = _expected(path)
    text = read_source(path).text
    whole = numbers == list(range(1, len(numbers) + 1))
    if whole and numbers:
        parsed = parse_zh(text, str(path))
        assert parsed.title == title  # never a heading's
        assert [a.number for a in parsed.articles] == numbers
        headings = {a.chapter for a in parsed.articles} | {a.section for a in parsed.articles}
        assert not any(h and re.search(r"第[一二三四五六七八九十百]+条", h) for h in headings)
        for article in parsed.articles:  # no heading left inside an article's text
            assert not any(re.match(r"第[一二三四五六七八九十]+[章节编] ", p.zh)
                           for p in article.paragraphs)
        return
    with pytest.raises(CorpusError) as err:
        parse_zh(text, str(path))
    message = str(err.value)
    if not numbers:
        assert "no article found" in message
    elif numbers[0] != 1:
        assert f"begins at {label_zh(numbers[0])}" in message
    else:
        missing = next(n for i, n in enumerate(range(1, len(numbers) + 2))
                       if i >= len(numbers) or numbers[i] != n)
        assert label_zh(missing) in message
        line = int(re.search(r" line (\d+):", message).group(1))  # type: ignore[union-attr]
        source_lines = path.read_text(encoding="utf-8").splitlines()
        assert 1 <= line <= len(source_lines)
        # the line named is the one where the defect shows: the merged number, or the
        # article after the gap
        named = source_lines[line - 1]
        assert label_zh(missing) in named or _OPENS.match(named)


def test_wrapped_headings_and_headings_without_numbers() -> None:
    reg = parse_zh(read_source(DATA / "shandong" / "德州市制定地方性法规条例(2017-03-31).md").text)
    chapter = "第三章 市人民代表大会及其常务委员会制定地方性法规程序"  # wrapped onto two lines
    sections = list(dict.fromkeys(a.section for a in reg.articles if a.chapter == chapter))
    assert sections == ["市人民代表大会制定地方性法规程序",
                        "市人民代表大会常务委员会制定地方性法规程序", "其他规定"]
    heze = parse_zh(read_source(
        DATA / "shandong" / "菏泽市城镇容貌和环境卫生管理条例(2021-02-01).md").text)
    chapters = list(dict.fromkeys(a.chapter for a in heze.articles if a.chapter))
    # bare chapter lines beside numbered sections: after 第四节, 城镇环境卫生管理 is a chapter
    assert chapters == ["责任区管理", "城镇容貌管理", "城镇环境卫生管理", "法律责任"]


def test_invisible_characters_are_not_text() -> None:
    text = ("\ufeff某市测试条例\n\u200b\n2024年1月1日 某市人民代表大会常务委员会第一次会议通过\n"
            "\u200b\n第一章\u00a0总则\n\u200b\u200b\n第一条 为了测试，\u200b制定本条例。\n"
            "\u3000\n第二条 本条例自2024年3月1日起施行。\u00a0\n")
    parsed = parse_zh(text)
    assert parsed.title == "某市测试条例"
    assert [p.zh for a in parsed.articles for p in a.paragraphs] == [
        "为了测试，制定本条例。", "本条例自2024年3月1日起施行。"]
    assert parsed.articles[0].chapter == "第一章 总则"


def test_the_civil_code_goes_in_as_one() -> None:
    prepared = prepare([DATA / "national" / "民法典"])
    reg = prepared.regulation
    assert reg.title_zh == "中华人民共和国民法典"
    assert [a.number for a in reg.articles] == list(range(1, 1261))
    assert reg.effective is not None
    assert reg.effective.isoformat() == "2021-01-01"
    assert reg.article(205).part == "物权编"
    assert reg.article(205).subpart == "第一分编 通则"
    assert reg.article(1).part == "总则"


@pytest.mark.parametrize(("name", "effective", "basis"), [
    ("山东省物业管理条例(2021-12-03).md", None, "stated"),  # 自…起施行
    ("烟台市制定地方性法规条例(2016-03-30).md", "2016-03-30", "on_promulgation"),
    ("滨州市城区道路管理条例(2016-11-28).md", None, None),  # the source is cut short
])
def test_effective_dates(name: str, effective: str | None, basis: str | None) -> None:
    reg = prepare([DATA / "shandong" / name]).regulation
    assert reg.effective_basis == basis
    if basis is None:
        assert reg.effective is None
    elif effective:
        assert reg.effective is not None
        assert reg.effective.isoformat() == effective


def test_corpus_add_dry_run_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(tmp_path / "corpus"))
    source = DATA / "shandong" / "潍坊市物业管理条例(2022-01-21).md"
    with pytest.raises(SystemExit) as done:
        main(["corpus", "add", str(source), "--dry-run", "--json"])
    assert done.value.code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["title"] == "潍坊市物业管理条例"
    assert shown["articles"].startswith("79 (1 to 79)")
    assert shown["written"] is None
    assert not (tmp_path / "corpus").exists()


def test_corpus_add_a_defective_source_names_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(tmp_path / "corpus"))
    source = DATA / "shandong" / "山东省高速公路交通安全条例(2014-05-30).md"
    with pytest.raises(SystemExit) as done:
        main(["corpus", "add", str(source)])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "line 201" in err
    assert "第四十四条 is merged" in err
    assert not (tmp_path / "corpus").exists()


_SMALL = ["某市测试条例", "（2024年1月1日某市第一届人民代表大会常务委员会第二次会议通过）",
          "第一章　总则", "第一条　为了测试导入，制定本条例。", "第二条　本条例适用于本市。",
          "附则", "第三条　本条例自2024年3月1日起施行。"]


def _small_txt(path: Path) -> Path:
    path.write_text("\n".join(_SMALL) + "\n", encoding="utf-8")
    return path


def _small_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in _SMALL:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _small_pdf(path: Path) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 11)
    for i, line in enumerate(_SMALL):
        page.drawString(40, 800 - 20 * i, line)
    page.save()
    return path


@pytest.mark.parametrize("make", [_small_txt, _small_docx, _small_pdf],
                         ids=["txt", "docx", "pdf"])
def test_corpus_add_reads_each_kind_and_writes_the_folder(
        make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(corpus))
    suffix = {"_small_txt": ".txt", "_small_docx": ".docx", "_small_pdf": ".pdf"}[make.__name__]
    source = make(tmp_path / f"test{suffix}")
    with pytest.raises(SystemExit) as done:
        main(["corpus", "add", str(source), "--id", "test-city"])
    assert done.value.code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "某市测试条例" in out
    assert "3 (1 to 3)" in out
    assert "2024-03-01" in out
    from assistant.text.corpus import load_regulation

    reg = load_regulation(corpus / "test-city")
    assert reg.title_zh == "某市测试条例"
    assert [a.chapter for a in reg.articles] == ["第一章 总则", "第一章 总则", "附则"]
    assert reg.article(3).paragraphs[0].zh == "本条例自2024年3月1日起施行。"
    assert json.loads((corpus / "test-city" / "meta.json").read_text("utf-8"))["sources"] == [
        source.name]
    with pytest.raises(SystemExit) as again:  # never over an existing folder
        main(["corpus", "add", str(source), "--id", "test-city"])
    assert again.value.code == 2
    assert "already exists" in capsys.readouterr().err


def test_corpus_add_refuses_what_it_cannot_read(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"not a zip")
    for args in (["corpus", "add", str(bad)], ["corpus", "add", str(tmp_path / "none.md")],
                 ["corpus", "add", str(tmp_path / "x.rtf")]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 2
        assert capsys.readouterr().err.startswith("tiaoli: ")


def test_show_without_a_reference_says_how_the_effective_date_was_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(corpus))
    no_date = tmp_path / "no-date.txt"
    no_date.write_text("\n".join(_SMALL[:-1]) + "\n第三条　本条例由市人民政府负责解释。\n",
                       encoding="utf-8")
    for source, reg_id in ((_small_txt(tmp_path / "dated.txt"), "dated"), (no_date, "undated")):
        with pytest.raises(SystemExit):
            main(["corpus", "add", str(source), "--id", reg_id])
    capsys.readouterr()
    shown = {}
    for reg_id in ("dated", "undated"):
        with pytest.raises(SystemExit) as done:
            main(["show", "--json", "-r", reg_id])
        assert done.value.code == 0
        shown[reg_id] = json.loads(capsys.readouterr().out)
    assert (shown["dated"]["effective"], shown["dated"]["effective_basis"]) == (
        "2024-03-01", "stated")
    assert (shown["undated"]["effective"], shown["undated"]["effective_basis"]) == (None, None)
    assert shown["undated"]["articles"] == 3
