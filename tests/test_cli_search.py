"""search, eval and index build through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import data
from .test_cli import run


def test_search_puts_article_17_first_for_leasing_land(capsys) -> None:
    code, out, _ = run(capsys, "search", "Can we lease land instead of buying it?", "--json")
    assert code == 0
    hits = json.loads(out)["hits"]
    assert hits[0]["article"] == 17
    assert len(hits) == 5
    para = hits[0]["paragraphs"][0]
    assert para["label"] == "第十七条第二款 | Article 17(2)"
    assert "长期租赁" in para["zh"]
    assert {"article", "score", "paragraphs"} <= set(hits[0])


def test_search_article_reference(capsys) -> None:
    code, out, _ = run(capsys, "search", "第三条", "--k", "2")
    assert code == 0
    lines = [line for line in out.splitlines() if line[:2] in ("1.", "2.")]
    assert lines[0].startswith("1. 第三条 | Article 3")
    assert "(referenced)" in lines[0]
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["search", "   "], "the question is empty", id="empty"),
        pytest.param(["search", "x", "--k", "0"], "Invalid value for '--k'", id="k-zero"),
    ],
)
def test_search_bad_input(capsys, args: list[str], says: str) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert says in err
    assert err.count("\n") == 1


def test_search_without_an_index_says_how_to_build_it(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TIAOLI_INDEX_DIR", str(tmp_path))
    code, _, err = run(capsys, "search", "土地")
    assert code == 2
    assert "run `tiaoli index build`" in err


def test_eval_prints_each_retriever_and_writes_json(capsys, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "lang": "en", "question": "Can we lease land instead of buying it?",
         "gold": [17], "extra": "ignored"},
        {"id": "b", "lang": "zh", "question": "第三条是什么？", "gold": [3]},
        {"id": "c", "lang": "zh", "question": "最低工资是多少？", "gold": []},
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                         encoding="utf-8")
    out_file = tmp_path / "out.json"
    code, out, _ = run(capsys, "eval", "--questions", str(questions), "--json", str(out_file))
    assert code == 0
    # The bundled index holds anticipated questions, so the text-only row is shown too.
    for name in ("BM25 alone", "dense alone", "fused, text only", "fused (hybrid)"):
        assert out.count(name) == 2  # one row per language
    report = json.loads(out_file.read_text(encoding="utf-8"))
    assert [q["id"] for q in report["questions"]] == ["a", "b", "c"]
    assert report["questions"][0]["retrieved"][0] == 17
    assert len(report["questions"][0]["retrieved"]) >= 5
    assert set(report["summary"]["retrieval"]) == {"bm25", "dense", "text-only", "hybrid"}
    zh = report["summary"]["retrieval"]["hybrid"]["zh"]
    assert zh["recall@1"] == 1.0
    assert zh["reference_accuracy"] == 1.0
    assert report["summary"]["out_of_scope_questions"] == {"zh": 1}
    rows = {q["id"]: q for q in report["questions"]}
    assert rows["a"]["cited"] == [17]
    assert rows["a"]["refused"] is False
    assert "Under Article 17(2)" in rows["a"]["answer"].split("\n")[0]  # after a yes/no lead
    assert rows["c"]["refused"] is True
    answers = report["summary"]["answers"]
    assert answers["mode"] == "extractive"
    assert answers["zh"]["invalid_citations"] == 0
    assert answers["zh"]["out_of_scope_refused"] == 1.0
    assert answers["en"]["citation_precision"] == 1.0
    assert "cite prec" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param('{"id": "a", "lang": "zh"}', "line 1: not a question", id="no-gold"),
        pytest.param('{"id": "a", "lang": "fr", "question": "x", "gold": []}',
                     "lang must be zh or en", id="bad-lang"),
        pytest.param("not json", "line 1: not a question", id="not-json"),
        pytest.param("", "no questions", id="empty"),
    ],
)
def test_eval_bad_question_file(capsys, tmp_path: Path, content: str, says: str) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "eval", "--questions", str(questions))
    assert code == 2
    assert says in err


def test_index_build_writes_an_index_search_can_use(capsys, monkeypatch, tmp_path) -> None:
    # A three-article text keeps the real embedder's build short.
    (tmp_path / "corpus" / "river").mkdir(parents=True)
    (tmp_path / "corpus" / "river" / "zh.txt").write_text(data("arabic.zh.txt"), "utf-8")
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("TIAOLI_REGULATION", "river")
    monkeypatch.setenv("TIAOLI_INDEX_DIR", str(tmp_path / "index"))
    code, out, _ = run(capsys, "index", "build")
    assert code == 0
    # 3 articles, one of 2 paragraphs; and the scope judge's 70 outside subjects.
    assert "5 chunks and 70 outside-subject descriptions (75 texts embedded" in out
    assert "384 dimensions" in out
    code, out, _ = run(capsys, "search", "河道包括哪些？", "--json")
    assert code == 0
    assert json.loads(out)["hits"][0]["article"] == 2


def test_ask_prints_answer_and_citations(capsys) -> None:
    code, out, err = run(capsys, "ask", "Can we lease industrial land instead of buying it?")
    assert code == 0
    assert out.startswith("Under Article 17(2) of the Regulations, ")
    assert "Citations:\n  第十七条第二款 | Article 17(2)" in out
    assert "弹性年期出让" in out
    assert "[extractive]" in err


def test_ask_json_refusal(capsys) -> None:
    code, out, _ = run(capsys, "ask", "What is the minimum wage?", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["refused"] is True
    assert data["citations"] == []
    assert data["related"]
    assert data["mode"] == "extractive"


def test_ask_with_history_file(capsys, tmp_path: Path) -> None:
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"role": "user", "content": "第十七条讲什么？"}],
                                  ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "ask", "下一条呢？", "--history", str(history), "--json")
    assert code == 0
    assert json.loads(out)["citations"][0]["article"] == 18


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param("[{", "not valid JSON", id="broken"),
        pytest.param('[{"role": "bot", "content": "x"}]', "expected a JSON list", id="bad-role"),
        pytest.param('{"role": "user"}', "expected a JSON list", id="not-a-list"),
    ],
)
def test_ask_bad_history(capsys, tmp_path: Path, content: str, says: str) -> None:
    history = tmp_path / "h.json"
    history.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "ask", "下一条呢？", "--history", str(history))
    assert code == 2
    assert says in err


def test_index_build_stops_at_a_broken_folder_unless_told_to_skip_it(
        capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "corpus" / "river").mkdir(parents=True)
    (tmp_path / "corpus" / "river" / "zh.txt").write_text(data("arabic.zh.txt"), "utf-8")
    (tmp_path / "corpus" / "broken").mkdir()
    (tmp_path / "corpus" / "broken" / "zh.txt").write_text(data("missing.zh.txt"), "utf-8")
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("TIAOLI_INDEX_DIR", str(tmp_path / "index"))
    code, _, err = run(capsys, "index", "build")
    assert code == 2
    assert "broken" in err  # the folder is named, and nothing is built
    assert "--skip-broken" in err
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())
    code, out, err = run(capsys, "index", "build", "--skip-broken")
    assert code == 0
    assert "skipped broken:" in err
    assert "5 chunks" in out  # the readable regulation alone
    monkeypatch.setenv("TIAOLI_SKIP_BROKEN", "1")
    code, out, _ = run(capsys, "search", "河道包括哪些？", "--json")
    assert code == 0
    assert json.loads(out)["hits"][0]["article"] == 2
