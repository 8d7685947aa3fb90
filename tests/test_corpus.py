"""The parser: the bundled regulation, and what other regulations contain."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.errors import CorpusError, UnknownArticleError
from assistant.text.corpus import Regulation, join_lines, load_regulation, parse_en, parse_zh
from assistant.text.numerals import to_chinese

from .conftest import data
from .helpers import regulation_dir

# The published regulation's paragraph (款) count, article by article.
PARAGRAPHS = [1, 2, 3, 2, 2, 2, 3, 3, 3, 4, 2, 3, 2, 2, 1, 1, 3, 2, 3, 1]


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_paragraphs_concatenated_equal_the_source_without_whitespace(
    regulation: Regulation, settings
) -> None:
    source = (regulation_dir(settings) / "zh.txt").read_text(encoding="utf-8")
    rebuilt = regulation.title_zh + regulation.note_zh + "".join(
        art.heading + "".join(p.zh for p in art.paragraphs) for art in regulation.articles
    )
    assert _no_space(rebuilt) == _no_space(source)


def test_bundled_regulation_has_the_published_structure(regulation: Regulation) -> None:
    assert [a.number for a in regulation.articles] == list(range(1, 21))
    assert [len(a.paragraphs) for a in regulation.articles] == PARAGRAPHS
    assert all(p.number == i for a in regulation.articles
               for i, p in enumerate(a.paragraphs, start=1))


def test_bundled_regulation_metadata(regulation: Regulation) -> None:
    assert regulation.title_zh == "山东省先进制造业促进条例"
    assert regulation.title_en == (
        "Shandong Provincial Regulations on Promoting Advanced Manufacturing")
    assert regulation.adopted == dt.date(2024, 9, 26)
    assert regulation.effective == dt.date(2024, 12, 1)
    assert regulation.issuing_body == "山东省第十四届人民代表大会常务委员会"
    assert regulation.note_en is not None
    assert "September 26, 2024" in regulation.note_en


def test_pdf_line_breaks_are_repaired(regulation: Regulation) -> None:
    # Art. 3(2) runs over a page break (a line with a leading space); Art. 20
    # has typesetting spaces around the digits of its date.
    art3 = regulation.article(3).paragraph(2).zh
    assert "推动先进制造业扩量提质增效，保持制造业增加值" in art3
    assert not any(ch.isspace() for a in regulation.articles for p in a.paragraphs for ch in p.zh)
    assert regulation.article(20).paragraph(1).zh.endswith("2024年12月1日起施行。")


def test_sentence_ending_at_the_margin_does_not_split_a_paragraph(
    regulation: Regulation,
) -> None:
    # In the PDF, Art. 8(1) ends exactly at the margin and the next line starts
    # Art. 8(2); Art. 13(2) has a line ending in a semicolon at the margin.
    art8 = regulation.article(8)
    assert art8.paragraphs[0].zh.endswith("加快实现高水平科技自立自强。")
    assert art8.paragraphs[1].zh.startswith("县级以上人民政府及其有关部门应当强化")
    assert "研发应用智能装备和智能产品；鼓励企业" in regulation.article(13).paragraph(2).zh


def test_every_chinese_paragraph_has_exactly_one_english_paragraph(
    regulation: Regulation, settings
) -> None:
    en = parse_en((regulation_dir(settings) / "en.txt").read_text(encoding="utf-8"))
    assert sorted(en.articles) == [a.number for a in regulation.articles]
    for art in regulation.articles:
        assert len(en.articles[art.number]) == len(art.paragraphs), art.number
        for para in art.paragraphs:
            assert para.en, (art.number, para.number)
    assert regulation.has_english


def test_english_rendering_keeps_the_register(regulation: Regulation) -> None:
    assert regulation.article(20).paragraph(1).en == (
        "These Regulations shall come into force on December 1, 2024.")
    assert "people's governments at or above the county level" in (
        regulation.article(17).paragraph(2).en or "").lower()
    assert not any(re.search(r"[\u4e00-\u9fff]", p.en or "")
                   for a in regulation.articles for p in a.paragraphs)


def test_chapters_sections_items_and_mixed_punctuation() -> None:
    parsed = parse_zh(data("chapters.zh.txt"))
    arts = {a.number: a for a in parsed.articles}
    assert list(arts) == [1, 2, 3, 4, 5]
    assert arts[1].chapter == "第一章 总则"
    assert arts[2].chapter == "第一章 总则"
    assert arts[3].chapter == "第二章 倡导与鼓励"
    assert arts[3].section == "第一节 基本规范"
    assert arts[4].section == "第二节 鼓励措施"
    # Items （一）, （二） and half-width (三) stay inside the first paragraph.
    first, second = arts[3].paragraphs
    assert [i.number for i in first.items] == [1, 2, 3]
    assert first.items[2].zh.startswith("(三)")
    assert second.zh == "有关部门应当为前款规定提供便利条件。"
    # Half-width colon, semicolons and full stop; "1." items.
    assert [i.number for i in arts[4].paragraphs[0].items] == [1, 2]
    assert len(arts[4].paragraphs) == 1
    assert len(arts[2].paragraphs) == 2


def test_amendment_note_and_dates(tmp_path: Path) -> None:
    folder = tmp_path / "civility"
    folder.mkdir()
    (folder / "zh.txt").write_text(data("chapters.zh.txt"), encoding="utf-8")
    reg = load_regulation(folder)
    assert reg.adopted == dt.date(2023, 3, 1)
    assert reg.issuing_body == "某市第十六届人民代表大会常务委员会"
    assert reg.effective == dt.date(2025, 1, 1)
    assert reg.title_en is None
    assert not reg.has_english


def test_arabic_article_numbers_and_chinese_numeral_dates(tmp_path: Path) -> None:
    folder = tmp_path / "river"
    folder.mkdir()
    (folder / "zh.txt").write_text(data("arabic.zh.txt"), encoding="utf-8")
    reg = load_regulation(folder)
    assert [a.heading for a in reg.articles] == ["第1条", "第2条", "第3条"]
    assert len(reg.article(2).paragraphs) == 2
    assert reg.effective == dt.date(2025, 7, 1)


def test_article_numbers_up_to_one_hundred_ninety_nine() -> None:
    template = data("line.zh.txt").strip()
    body = "\n".join(template.format(cn=to_chinese(n), n=n) for n in range(1, 200))
    parsed = parse_zh("长条例\n" + body)
    assert [a.number for a in parsed.articles] == list(range(1, 200))
    assert parsed.articles[-1].heading == "第一百九十九条"
    assert parsed.articles[104].heading == "第一百零五条"
    assert parsed.articles[109].heading == "第一百一十条"


def test_reference_to_another_article_at_line_start_is_not_a_new_article() -> None:
    parsed = parse_zh(data("reference-at-line-start.zh.txt"))
    assert [a.number for a in parsed.articles] == [1, 2]
    assert "本条例第二条所称单位" in parsed.articles[0].paragraphs[0].zh


@pytest.mark.parametrize(
    ("name", "line", "says"),
    [
        pytest.param("missing.zh.txt", 5, "expected 第三条, found 第四条", id="missing-number"),
        pytest.param("duplicate.zh.txt", 8, "第五条 appears twice (first at line 7)",
                     id="two-fifth-articles"),
    ],
)
def test_malformed_text_names_the_line(name: str, line: int, says: str) -> None:
    with pytest.raises(CorpusError) as err:
        parse_zh(data(name), name)
    assert f"{name} line {line}: " in err.value.message
    assert says in err.value.message


def test_empty_and_articleless_texts_are_errors() -> None:
    with pytest.raises(CorpusError, match="empty"):
        parse_zh("  \n\u3000\n")
    with pytest.raises(CorpusError, match="no article"):
        parse_zh("某条例\n只有一段文字。")


def test_english_rendering_out_of_step_is_an_error(tmp_path: Path, settings) -> None:
    folder = tmp_path / "reg"
    folder.mkdir()
    src = regulation_dir(settings)
    (folder / "zh.txt").write_text((src / "zh.txt").read_text(encoding="utf-8"), "utf-8")
    en = (src / "en.txt").read_text(encoding="utf-8")
    # Merge Article 17's first two paragraphs: the rendering loses a paragraph.
    merged = en.replace("safeguard land space for manufacturing.\n\n",
                        "safeguard land space for manufacturing. ", 1)
    assert merged != en
    (folder / "en.txt").write_text(merged, "utf-8")
    with pytest.raises(CorpusError, match=r"Article 17 has 2 paragraph\(s\) in English but 3"):
        load_regulation(folder)


def test_unknown_article_and_paragraph_name_the_range(regulation: Regulation) -> None:
    with pytest.raises(UnknownArticleError, match="20 articles, 1 to 20"):
        regulation.article(21)
    with pytest.raises(UnknownArticleError, match="has 3 paragraphs"):
        regulation.article(17).paragraph(4)


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        pytest.param(["推进新型", "工业化"], "推进新型工业化", id="chinese-no-space"),
        pytest.param([" 保持制造业", "比重基本稳定。"], "保持制造业比重基本稳定。",
                     id="page-break"),
        pytest.param(["自 2024 年 12 月", "1 日起施行"], "自2024年12月1日起施行", id="date"),
        pytest.param(["适用 WTO", "rules 的"], "适用WTO rules的", id="latin-words-keep-one-space"),
    ],
)
def test_join_lines(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined
