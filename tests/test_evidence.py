"""Evidence for every citation, and refusals when no provision covers the question."""

from __future__ import annotations

import pytest

from assistant.answer.evidence import ANTICIPATED_SHARE, COMMON_ZIPF, fold, zipf
from assistant.app import Assistant, build_assistant
from assistant.settings import Settings


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


def _evidence(answer_json: dict[str, object]) -> list[list[dict[str, str]]]:
    return [c.get("evidence", []) for c in answer_json["citations"]]  # type: ignore[attr-defined]


def test_brackets_spaces_and_width_are_ignored_in_matching() -> None:
    assert fold("首台（套）") == fold("首台套") == fold("首台 (套)")
    assert fold("\uff21\uff29 应用") == "ai应用"  # full-width AI


def test_common_words_are_not_content_words() -> None:
    for word, lang in (("已经", "zh"), ("知道", "zh"), ("good", "en"), ("time", "en")):
        assert zipf(word, lang) >= COMMON_ZIPF  # type: ignore[arg-type]
    for word, lang in (("啤酒节", "zh"), ("索道", "zh"), ("seafood", "en"), ("hotpot", "en")):
        assert zipf(word, lang) < COMMON_ZIPF  # type: ignore[arg-type]


@pytest.mark.parametrize("question", [
    "青岛啤酒节是几月？",
    "What's the best hotpot place in Chengdu?",
    "周末去泰山坐索道要预约吗？",
    "Any good seafood restaurants near the harbour?",
])
def test_a_question_no_provision_covers_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.citations == ()
    assert any("no provision holds any of the question's terms" in n for n in answer.notes)


def test_one_everyday_word_of_an_anticipated_question_does_not_make_a_question_covered(
        assistant: Assistant) -> None:
    question = "周末想带家人去爬崂山，缆车需要提前买票吗？"
    c = assistant.coverage
    assert c is not None
    content = [t for t in c.question_terms(question, "zh") if t.content]
    keys = c.keys()
    in_questions = [t for t in content if any(c.covers(t, k, True) for k in keys)]
    assert not any(c.covers(t, k) for t in content for k in keys)  # the text holds none
    assert 0 < len(in_questions) < ANTICIPATED_SHARE * len(content)  # 提前, in one
    assert c.uncovered(content, None, questions=True) is not None
    answer = assistant.ask(question)
    assert answer.refused
    assert any("no provision holds any of the question's terms" in n for n in answer.notes)


def test_each_citation_carries_the_terms_it_covers(assistant: Assistant) -> None:
    data = assistant.ask("Can we lease industrial land instead of buying it?").to_json()
    assert not data["refused"]
    first = _evidence(data)[0]
    assert {"term": "lease", "matched": "leasing", "kind": "word"} in first
    assert all(set(e) == {"term", "matched", "kind"} for e in first)


def test_shorthand_meets_its_glossary_term_through_aliases(assistant: Assistant) -> None:
    data = assistant.ask("技改有什么支持？").to_json()
    assert not data["refused"]
    found = [e for ev in _evidence(data) for e in ev]
    assert {"term": "技改", "matched": "技术改造", "kind": "glossary"} in found
    # The alias is for matching only: our rendering never uses it.
    assert all("技改" not in (c["en"] or "") for c in data["citations"])  # type: ignore[attr-defined]


def test_a_year_in_the_question_is_evidence(assistant: Assistant) -> None:
    data = assistant.ask("条例是不是2024年就开始施行了？").to_json()
    assert not data["refused"]
    assert data["citations"][0]["article"] == 20  # type: ignore[index]
    assert {"term": "2024", "matched": "2024", "kind": "number"} in _evidence(data)[0]


def test_a_named_article_is_never_refused_for_coverage(assistant: Assistant) -> None:
    answer = assistant.ask("第三条讲的啤酒节是什么？")
    assert not answer.refused
    assert answer.citations[0].article == 3


def test_an_english_evidence_word_is_marked_on_the_chinese_side_too(
        assistant: Assistant) -> None:
    from assistant.surfaces.web import ChatPage

    page = ChatPage(assistant)
    answer = assistant.ask("Can we lease industrial land instead of buying it?")
    first = answer.citations[0]
    assert (first.article, first.paragraph) == (17, 2)
    zh, en = page._evidence_words(first)
    assert "长期租赁" in zh  # long-term leasing, marked on the Chinese side too
    assert "长期租赁" in first.zh
    assert "long-term leasing" in en
    assert "先租赁后出让" not in zh  # "leasing followed by granting": mostly other words


def test_an_answer_whose_best_article_shares_no_word_with_the_question_is_refused(
        assistant: Assistant) -> None:
    from assistant.search.retrieval import Hit, ParagraphScore

    question = "Is there a scenic cycling route along the coast in spring?"
    c = assistant.coverage
    assert c is not None
    terms = c.question_terms(question, "en")
    reg = assistant.library.regulations[0]
    # "route" is in Article 17(3) (site and route selection), so some provision holds a
    # term of the question; Article 7 holds none, nor do the questions anticipated for it.
    assert c.uncovered(terms, None, questions=True) is None
    assert c.article_evidence(terms, reg.id, 17)
    assert not c.article_evidence(terms, reg.id, 7, questions=True)

    def hit(article: int, referenced: bool = False) -> Hit:
        return Hit(reg.id, article, 1.0, (ParagraphScore(1, 1.0),), referenced=referenced)

    why = assistant.not_covered(terms, [hit(7), hit(17)], [reg])
    assert why is not None
    assert "holds none of the question's words" in why
    assert assistant.not_covered(terms, [hit(17), hit(7)], [reg]) is None
    assert assistant.not_covered(terms, [hit(7, referenced=True)], [reg]) is None  # named
