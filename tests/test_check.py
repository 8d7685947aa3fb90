"""Checking interpretations: verdicts decided from the statement's elements."""

from __future__ import annotations

import json
import re
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
        pytest.param("企业必须参与制定国际标准", "partly_supported", 12, "modality",
                     id="zh-must-for-support"),
        pytest.param("县级以上人民政府可以采用弹性年期出让方式供应工业用地", "supported", 17, None,
                     id="zh-may-for-encourage"),
        pytest.param("省人民政府应当分级分类保障制造业项目用地需求", "partly_supported", 17,
                     "actor", id="zh-actor"),
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
        assert difference in [d.element for d in result.differences]


@pytest.mark.parametrize(
    ("statement", "label", "element", "said", "held"),
    [
        pytest.param("The regulation prohibits manufacturers from issuing corporate bonds",
                     "Article 19(1)", "polarity", "prohibits", "supported", id="en-prohibits"),
        pytest.param("Existing manufacturers that expand capacity are excluded from "
                     "investment-promotion incentives", "Article 10(4)", "polarity", "excluded",
                     "enjoy", id="en-excluded"),
        pytest.param("本条例自2025年1月1日起施行", "第二十条", "figure", "2025年1月1日",
                     "2024年12月1日", id="zh-effective-date"),
        pytest.param("These Regulations take effect on October 1, 2024.", "Article 20",
                     "figure", "October 1, 2024", "December 1, 2024", id="en-effective-date"),
        pytest.param("条例第四条列举了八个未来产业", "第四条第一款", "figure", "八个", "七项",
                     id="zh-list-count"),
        pytest.param("Article 15 lists seven kinds of producer services.", "Article 15",
                     "figure", "seven", "6: science and technology services", id="en-list-count"),
        pytest.param("条例排除以租赁方式向制造业企业供应土地", "第十七条第二款", "polarity", "排除",
                     "鼓励", id="zh-rules-out"),
        pytest.param("根据第十九条，银行业金融机构应当降低先进制造业中长期贷款占比",
                     "第十九条第二款", "polarity", "降低", "提高", id="zh-reversed-direction"),
    ],
)
def test_contradicted_with_the_difference(checker: Checker, statement: str, label: str,
                                          element: str, said: str, held: str) -> None:
    result = checker.check(statement)
    assert result.verdict == "contradicted"
    assert result.citations
    assert label in result.citations[0].label
    found = [d for d in result.differences if d.element == element]
    assert found, result.differences
    assert said in found[0].statement
    assert held in found[0].provision
    quoted = re.split(r"规定：“|provides: \"", result.explanation, maxsplit=1)[1][:12]
    assert quoted in result.citations[0].zh + (result.citations[0].en or "")


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("本条例自2024年12月1日起施行。", id="zh-article-20-itself"),
        pytest.param("These Regulations shall come into force on December 1, 2024.",
                     id="en-article-20-itself"),
        pytest.param("条例第四条列举了七个未来产业", id="zh-right-count"),
        pytest.param("Article 2 sets out eight principles for promoting advanced manufacturing.",
                     id="en-right-count"),
        pytest.param("县级以上人民政府应当鼓励采用长期租赁、先租赁后出让等方式为制造业企业供应土地。",
                     id="zh-paraphrase"),
    ],
)
def test_the_provisions_own_words_are_supported(checker: Checker, statement: str) -> None:
    result = checker.check(statement)
    assert result.verdict == "supported", result.differences
    assert result.differences == []


def test_adoption_record_figures(checker: Checker) -> None:
    result = checker.check("条例于2024年9月26日经山东省第十四届人大常委会第十二次会议通过。")
    assert result.verdict == "contradicted"
    assert [(d.statement, d.provision) for d in result.differences] == [("第十二次", "第十一次")]
    assert "第十一次会议" in result.explanation  # the note is quoted
    count = checker.check("The Regulations consist of 22 articles.")
    assert count.verdict == "contradicted"
    assert count.differences[0].provision == "20 articles"


def test_differences_are_objects_in_json(checker: Checker) -> None:
    data = checker.check("省人民政府必须采用长期租赁方式为制造业企业供应土地").to_json()
    assert data["verdict"] == "partly_supported"
    assert {d["element"] for d in data["differences"]} == {"actor", "modality"}
    for d in data["differences"]:
        assert set(d) == {"element", "statement", "provision"}
        assert d["statement"]
        assert d["provision"]


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


def test_llm_supported_is_overruled_by_a_polarity_conflict(assistant: Assistant) -> None:
    model = fake_chat("supported\n根据第十九条第一款，条文支持企业发行公司债。")
    result = Checker(with_model(assistant, model)).check("条例禁止制造业企业发行公司债融资")
    assert result.verdict == "contradicted"
    assert [c.article for c in result.citations] == [19]
    assert "polarity" in [d.element for d in result.differences]
    assert any("judged the statement supported" in n for n in result.notes)
    assert "根据第十九条第一款" in result.explanation  # the model's explanation is kept


def test_llm_contradicted_verdict_is_read(assistant: Assistant) -> None:
    model = fake_chat("contradicted\n第十九条第一款支持企业发行公司债，陈述与之相反。")
    result = Checker(with_model(assistant, model)).check("条例禁止制造业企业发行公司债")
    assert result.verdict == "contradicted"
    assert result.mode == "llm:fake"
    assert [c.article for c in result.citations] == [19]


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
    assert set(data) >= {"statement", "lang", "verdict", "citations", "explanation",
                         "differences"}
    assert data["differences"][0]["element"] == "modality"


def test_cli_eval_statements(capsys, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    rows = [
        {"id": "a", "lang": "zh", "statement": "企业必须参与制定国际标准",
         "verdict": "partly_supported", "gold": [12]},
        {"id": "b", "lang": "en", "statement": "The Regulations set the minimum wage.",
         "verdict": "not_stated", "gold": []},
        {"id": "c", "lang": "zh", "statement": "条例禁止制造业企业发行公司债",
         "verdict": "contradicted", "gold": [19], "kind": "negation"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out_file = tmp_path / "out.json"
    code, out, _ = run(capsys, "eval", "--statements", str(path), "--json", str(out_file))
    assert code == 0
    assert "verdict accuracy 1.000" in out
    assert "contradicted" in out.splitlines()[1]  # the 4 x 4 table's header
    assert "negation" in out  # the table by kind
    report = json.loads(out_file.read_text(encoding="utf-8"))["statements"]
    assert report["confusion"]["not_stated"]["not_stated"] == 1
    assert report["confusion"]["contradicted"]["contradicted"] == 1
    assert report["unrelated_judged_supported"] == 0
    assert report["by_kind"]["negation"] == {"right": 1, "total": 1, "supported": 0}


def test_cli_eval_needs_a_file(capsys) -> None:
    code, _, err = run(capsys, "eval")
    assert code == 2
    assert "nothing to evaluate" in err
