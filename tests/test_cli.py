"""The CLI as a user meets it: output, JSON shapes, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.surfaces.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_show_both_prints_chinese_above_english_paragraph_by_paragraph(capsys) -> None:
    code, out, _ = run(capsys, "show", "17", "--lang", "both")
    assert code == 0
    blocks = out.strip().split("\n\n")
    assert blocks[0] == "第十七条 | Article 17"
    assert len(blocks) == 4
    for n, block in enumerate(blocks[1:], start=1):
        heading, zh, en = block.split("\n")
        assert heading.endswith(f"Article 17({n})")
        assert zh.startswith("县级以上人民政府")
        assert en.startswith(("When organizing", "People's governments"))


@pytest.mark.parametrize(
    ("lang", "has_zh", "has_en"),
    [pytest.param("zh", True, False, id="zh"), pytest.param("en", False, True, id="en")],
)
def test_show_one_language(capsys, lang: str, has_zh: bool, has_en: bool) -> None:
    _, out, _ = run(capsys, "show", "3", "--lang", lang)
    assert ("县级以上人民政府" in out) is has_zh
    assert ("people's governments" in out.lower()) is has_en


@pytest.mark.parametrize("ref", ["17.2", "第十七条第二款", "Art. 17(2)"])
def test_show_one_paragraph_json(capsys, ref: str) -> None:
    code, out, _ = run(capsys, "show", ref, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["article"] == 17
    assert data["paragraph"] == 2
    assert data["label"] == "第十七条第二款 | Article 17(2)"
    assert "弹性年期出让" in data["zh"]
    assert "flexible terms" in data["en"]


def test_show_article_json_in_one_language(capsys) -> None:
    _, out, _ = run(capsys, "show", "10", "--json", "--lang", "en")
    data = json.loads(out)
    assert data["number"] == 10
    assert len(data["paragraphs"]) == 4
    assert all(set(p) == {"number", "en"} for p in data["paragraphs"])


def test_export_has_twenty_articles_each_paragraph_in_both_languages(capsys) -> None:
    code, out, _ = run(capsys, "export", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["title"] == {
        "zh": "山东省先进制造业促进条例",
        "en": "Shandong Provincial Regulations on Promoting Advanced Manufacturing",
    }
    assert data["adopted"] == "2024-09-26"
    assert data["effective"] == "2024-12-01"
    assert len(data["articles"]) == 20
    paragraphs = [p for a in data["articles"] for p in a["paragraphs"]]
    assert len(paragraphs) == 45
    assert all(p["zh"] and p["en"] for p in paragraphs)


def test_glossary_search_in_both_languages(capsys) -> None:
    _, out, _ = run(capsys, "glossary", "链长制", "--json")
    terms = json.loads(out)
    assert [t["zh"] for t in terms] == ["链长制"]
    assert {"zh", "en", "note"} <= set(terms[0])
    _, out, _ = run(capsys, "glossary", "CHAIN LEADER", "--json")
    assert "链长制" in [t["zh"] for t in json.loads(out)]


def test_glossary_table(capsys) -> None:
    code, out, _ = run(capsys, "glossary", "专精特新")
    assert code == 0
    assert "专精特新" in out
    assert "specialized" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["show", "25"], "the regulation has 20 articles, 1 to 20", id="article-25"),
        pytest.param(["show", "0"], "1 to 20", id="article-0"),
        pytest.param(["show", "17.9"], "has 3 paragraphs", id="paragraph-9"),
        pytest.param(["show", "land"], "not an article reference", id="not-a-reference"),
        pytest.param(["show", "3", "--lang", "fr"], "Invalid value for '--lang'", id="bad-lang"),
        pytest.param(["glossary", "zzzz-no-such-term"], "no glossary term matches",
                     id="no-term"),
        pytest.param(["frobnicate"], "No such command", id="no-command"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, args: list[str], says: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("tiaoli: ")
    assert says in err


def test_installed_entry_point_prints_no_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "assistant", "show", "99"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("tiaoli: there is no Article 99: the regulation has 20 "
                                   "articles, 1 to 20 (choose an article from 1 to 20)")


def test_missing_corpus_is_a_clear_error(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(tmp_path))
    code, _, err = run(capsys, "show", "1")
    assert code == 2
    assert "no regulation folder in it" in err
    (tmp_path / "river").mkdir()
    code, _, err = run(capsys, "show", "1")
    assert code == 2
    assert "river: no zh.txt" in err
