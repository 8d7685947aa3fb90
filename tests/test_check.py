"""Checking interpretations: verdicts decided from the statement's elements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.app import Assistant, build_assistant
from assistant.errors import UsageError
from assistant.review.check import Checker
from assistant.settings import Settings

from .fakes import failing_chat, fake_chat
from .test_cli import run
from .test_llm import with_model


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


@pytest.fixture(scope="module")
def checker(assistant: Assistant) -> Checker:
    return Checker(assistant)


@pytest.mark.parametrize(
    ("statement", "verdict", "article", "difference"),
    [
        pytest.param("企业必须参与制定国际标准", "partly_supported", 12, "义务程度",
                     id="zh-must-for-support"),
        pytest.param("县级以上人民政府可以采用弹性年期出让方式供应工业用地", "supported", 17, None,
                     id="zh-may-for-encourage"),
        pytest.param("省人民政府应当分级分类保障制造业项目用地需求", "partly_supported", 17, "主体",
                     id="zh-actor"),
        pytest.param("The regulation requires banks to give manufacturers interest-free loans",
                     "partly_supported", 19, "modality", id="en-requires"),
        pytest.param("All enterprises must adopt the modern apprenticeship system.",
                     "partly_supported", 9, None, id="en-scope-and-modality"),
    ],
)
def test_verdicts(checker: Checker, statement: str, verdict: str, article: int,
                  difference: str | None) -> None:
    result = checker.check(statement)
    assert result.verdict == verdict
    assert result.citations[0].article == article
    if difference:
        assert difference in result.differences


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("本条例规定了制造业企业职工的最低工资标准。", id="zh-wages"),
        pytest.param("The Regulations cut the corporate income tax rate for manufacturers.",
                     id="en-tax"),
        pytest.param("申请首台（套）认定须在销售后六个月内提出。", id="zh-figure"),
    ],
)
def test_unrelated_statements_are_not_stated_without_citations(checker: Checker,
                                                               statement: str) -> None:
    result = checker.check(statement)
    assert result.verdict == "not_stated"
    assert result.citations == []


def test_supported_always_quotes_a_provision(checker: Checker) -> None:
    rows = [json.loads(line) for line in
            (Path(__file__).parent.parent / "eval" / "statements.jsonl").open(encoding="utf-8")]
    for row in rows[:20]:
        result = checker.check(row["statement"], row["lang"])
        if result.verdict != "not_stated":
            assert result.citations, row["id"]
            assert result.citations[0].zh


def test_empty_statement(checker: Checker) -> None:
    with pytest.raises(UsageError, match="empty"):
        checker.check("  ")


def test_llm_verdict_with_checked_citations(assistant: Assistant) -> None:
    model = fake_chat(
        "partly_supported\n根据第十二条第三款，条文是支持而非强制；第二十五条另有规定。")
    result = Checker(with_model(assistant, model)).check("企业必须参与制定国际标准")
    assert result.verdict == "partly_supported"
    assert result.mode == "llm:fake"
    assert [c.article for c in result.citations] == [12]
    assert any("第二十五条" in n for n in result.notes)


def test_llm_failure_falls_back_to_rules_visibly(assistant: Assistant) -> None:
    model = failing_chat(ConnectionError("refused"))
    result = Checker(with_model(assistant, model, timeout=1.0)).check("企业必须参与制定国际标准")
    assert result.verdict == "partly_supported"
    assert result.mode == "rules (fallback: llm:fake failed)"


def test_cli_check_json(capsys) -> None:
    code, out, _ = run(capsys, "check", "企业必须参与制定国际标准", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] != "supported"
    assert data["citations"][0]["article"] == 12
    assert set(data) >= {"statement", "lang", "verdict", "citations", "explanation"}


def test_cli_eval_statements(capsys, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    rows = [
        {"id": "a", "lang": "zh", "statement": "企业必须参与制定国际标准",
         "verdict": "partly_supported", "gold": [12]},
        {"id": "b", "lang": "en", "statement": "The Regulations set the minimum wage.",
         "verdict": "not_stated", "gold": []},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out_file = tmp_path / "out.json"
    code, out, _ = run(capsys, "eval", "--statements", str(path), "--json", str(out_file))
    assert code == 0
    assert "verdict accuracy 1.000" in out
    report = json.loads(out_file.read_text(encoding="utf-8"))["statements"]
    assert report["confusion"]["not_stated"]["not_stated"] == 1
    assert report["unrelated_judged_supported"] == 0


def test_cli_eval_needs_a_file(capsys) -> None:
    code, _, err = run(capsys, "eval")
    assert code == 2
    assert "nothing to evaluate" in err
