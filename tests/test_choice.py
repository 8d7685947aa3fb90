"""Several provisions when the question needs them (answer/choice.py)."""

from __future__ import annotations

import pytest

from assistant.answer.choice import (
    asks_several,
    asks_where_mentioned,
    listed_subjects,
    sub_questions,
)
from assistant.app import Assistant, build_assistant
from assistant.search.sparse import find_form
from assistant.settings import Settings

from .helpers import cited_provisions


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


def test_which_articles_mention_lists_every_provision_holding_the_term(
        assistant: Assistant) -> None:
    cited = cited_provisions(assistant, "哪些条款提到了人工智能？")
    holders = [(a.number, p.number) for a in assistant.regulation.articles
               for p in a.paragraphs if "人工智能" in p.zh]
    assert len(holders) >= 2
    assert cited == holders  # every one, in article order, nothing else


def test_english_mention_question_matches_the_words_as_a_run(assistant: Assistant) -> None:
    cited = cited_provisions(assistant, "Which provisions mention industry associations?")
    assert len(cited) >= 2
    reg = assistant.regulation
    for article, paragraph in cited:
        assert "行业协会" in reg.article(article).paragraph(paragraph or 1).zh


def test_a_question_with_two_parts_cites_a_provision_for_each(assistant: Assistant) -> None:
    answer = assistant.ask("首台套应用政策和政府采购怎么说的？"
                           "另外企业技术改造重点项目导向目录又是怎么规定的？")
    articles = [c.article for c in answer.citations]
    assert {8, 10} <= set(articles)
    assert articles == sorted(articles)
    # Each provision has its own lead line.
    assert "根据第八条第三款" in answer.answer
    assert "根据第十条第二款" in answer.answer


def test_a_single_question_gets_no_runner_up(assistant: Assistant) -> None:
    found = cited_provisions(assistant, "Which article deals with brand building?")
    assert [a for a, _ in found] == [12]


def test_question_shapes() -> None:
    assert asks_where_mentioned("条例里提到人工智能的有几处？")
    assert asks_where_mentioned("Where in the regulation are supply chains mentioned?")
    assert not asks_where_mentioned("Which article deals with brand building?")
    assert not asks_where_mentioned("条例里哪部分讲到绿色制造？")
    assert asks_several("人才和用地两方面，条例分别有什么支持？")
    assert asks_several("What does it say about talent, and separately about brands?")
    assert not asks_several("Can we lease industrial land instead of buying it?")


def test_glossary_forms_match_inflections_not_other_words() -> None:
    chain = [("chain", "chain")]
    assert find_form([("supply", "suppli"), ("chains", "chain")], chain) == 1
    assert find_form([("factor", "factor")], [("factoring", "factor")]) is None
    assert find_form([("industries", "industri")], [("industry", "industri")]) == 0


@pytest.mark.parametrize(("question", "parts"), [
    ("When did these Regulations come into force, and what is their purpose?",
     ["When did these Regulations come into force", "what is their purpose?"]),
    ("工业用地能不能先租后让？长期租赁也行吗？", ["工业用地能不能先租后让？", "长期租赁也行吗？"]),
    ("一是用地怎么保障，二是排放指标能不能协调？",
     ["一是用地怎么保障", "二是排放指标能不能协调？"]),
    ("条例对专精特新企业和产业链金融分别怎么规定？",
     ["专精特新企业怎么规定？", "产业链金融怎么规定？"]),
    ("企业融资有什么支持？", []),  # one question
    ("Pursuant to the Regulations, what duties do county governments have?", []),
])
def test_a_question_asking_several_things_divides_into_its_questions(
        assistant: Assistant, question: str, parts: list[str]) -> None:
    assert sub_questions(question, assistant.extractive.pos) == parts


@pytest.mark.parametrize(("question", "articles"), [
    ("When did these Regulations come into force, and what do they say about their "
     "legislative purpose?", {1, 20}),
    ("条例对专精特新企业和产业链金融分别怎么规定？", {5, 19}),
])
def test_each_part_searched_on_its_own_adds_its_provision(
        assistant: Assistant, question: str, articles: set[int]) -> None:
    cited = cited_provisions(assistant, question)
    assert {a for a, _ in cited} == articles
    assert cited == sorted(cited)  # article order


def test_a_listed_subject_held_in_one_place_is_cited_whatever_its_score(
        assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    # 龙头企业 is in one paragraph only (7(3)), which retrieval ranks well below 5(1).
    question = "条例对龙头企业和单项冠军企业分别有什么要求？"
    cited = cited_provisions(assistant, question)
    assert {a for a, _ in cited} == {5, 7}
    assert "龙头企业" in assistant.regulation.article(7).paragraph(cited[-1][1] or 1).zh
    import assistant.answer.choice as choice
    monkeypatch.setattr(choice, "SPECIFIC_HOLDERS", 0)
    assert {a for a, _ in cited_provisions(assistant, question)} == {5}  # score alone leaves it out



@pytest.mark.parametrize(("question", "subjects"), [
    ("条例对龙头企业和单项冠军企业分别有什么要求？", ["龙头企业", "单项冠军企业"]),
    ("在人才和用地两方面有什么支持？", ["人才", "用地"]),
    ("我们做农机配件，县里会安排资金支持设备更新和数字化改造吗？", []),  # no list to answer
])
def test_listed_subjects(assistant: Assistant, question: str, subjects: list[str]) -> None:
    assert listed_subjects(question, assistant.extractive.pos) == subjects


def test_a_question_naming_an_article_and_asking_more_gets_both(assistant: Assistant) -> None:
    cited = cited_provisions(assistant, "第十七条讲什么？另外，人才培养方面条例怎么规定？")
    articles = [a for a, _ in cited]
    assert 17 in articles
    assert 9 in articles  # talent cultivation, found for that part alone
    assert articles == sorted(articles)
    # Naming the article alone, the article alone.
    assert {a for a, _ in cited_provisions(assistant, "第十七条讲什么？")} == {17}
