"""What a named department must do (answer/duties.py, Chooser.duties)."""

from __future__ import annotations

import pytest

from assistant.answer.duties import ALL_LEVELS, actor, asks_duties, duty_span
from assistant.answer.extractive import enumeration
from assistant.app import Assistant, build_assistant
from assistant.settings import Settings

from .helpers import cited_provisions


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


def _acting(assistant: Assistant, name: str, county: bool) -> list[tuple[int, int]]:
    """The provisions whose Chinese text makes department ``name`` act, read plainly:
    the name before 部门 in the words before 应当/负责, at the county level when asked."""
    found = []
    for art in assistant.regulation.articles:
        for p in art.paragraphs:
            for sentence in p.zh.replace("\n", "").split("。"):
                head = sentence.split("应当")[0].split("负责")[0]
                if name in head and head.endswith("部门") and (
                        not county or "县级以上" in head):
                    found.append((art.number, p.number))
                    break
    return found


@pytest.mark.parametrize(("sentence", "lang", "departments", "levels"), [
    pytest.param("县级以上人民政府及其工业和信息化、发展改革、生态环境等部门应当推进绿色制造。",
                 "zh", {"工业信息化", "发展改革", "生态环境"}, ALL_LEVELS, id="zh-list"),
    pytest.param("省、设区的市人民政府工业和信息化主管部门应当加强引导。", "zh",
                 {"工业信息化"}, {"province", "city"}, id="zh-province-and-city"),
    pytest.param("省人民政府应当组织有关部门编制规划。", "zh", set(), {"province"},
                 id="zh-government-itself"),
    pytest.param("The departments of development and reform, science and technology, industry "
                 "and information technology and other departments of people's governments at "
                 "or above the county level shall carry out the work.", "en",
                 {"development and reform", "science and technology",
                  "industry and information technology"}, ALL_LEVELS, id="en-list"),
    pytest.param("The competent departments for industry and information technology of the "
                 "people's governments of the Province and of cities divided into districts "
                 "shall strengthen guidance.", "en", {"industry and information technology"},
                 {"province", "city"}, id="en-province-and-city"),
])
def test_a_sentence_names_who_must_act(sentence: str, lang: str, departments: set[str],
                                       levels: frozenset[str]) -> None:
    found = actor(sentence, lang)
    assert found is not None
    assert found.departments == departments
    assert found.levels == levels


def test_a_sentence_without_an_actor_names_none() -> None:
    assert actor("鼓励制造业企业开展低碳技术研发", "zh") is None
    assert actor("Manufacturing enterprises are encouraged to develop low-carbon technology",
                 "en") is None


def test_the_sentences_after_an_actor_share_it() -> None:
    sentences = ["县级以上人民政府教育等部门应当创新培育模式；", "鼓励校企深度合作；",
                 "县级以上人民政府其他有关部门和单位应当做好相关工作。"]
    assert duty_span(sentences, {"教育"}, "zh") == (0, 2)
    assert duty_span(sentences, {"生态环境"}, "zh") is None


def test_question_shapes() -> None:
    assert asks_duties("县级工信部门在条例里负有哪些职责？")
    assert asks_duties("人社局要做什么？")
    assert asks_duties("What are the duties of the education department?")
    assert asks_duties("Which parts give tasks to the ecology and environment department?")
    assert not asks_duties("工信部门是哪个部门？")
    assert not asks_duties("Which department is in charge of green manufacturing?")


def test_a_departments_duties_are_every_provision_it_acts_in_at_the_level_asked(
        assistant: Assistant) -> None:
    county = cited_provisions(assistant, "县级人民政府工业和信息化主管部门负有哪些职责？")
    assert county == _acting(assistant, "工业和信息化", county=True)
    assert len(county) >= 3
    # The province's and cities' department also improves the transformation catalogue
    # (省、设区的市人民政府工业和信息化主管部门), which a county's does not.
    province = cited_provisions(assistant, "省工信厅在条例里要做哪些事？")
    assert province == _acting(assistant, "工业和信息化", county=False)
    assert set(county) < set(province)


def test_a_departments_duties_in_english_and_by_its_short_name(assistant: Assistant) -> None:
    expected = _acting(assistant, "人力资源社会保障", county=False)
    assert expected
    assert cited_provisions(assistant, "What are the duties of the human resources and social "
                             "security department?") == expected
    # 人社 is not in the text, and the question's embedding sits nearer to employment law
    # than to the regulation: the department named decides.
    assert cited_provisions(assistant, "人社局有哪些职责？") == expected


def test_a_duties_question_with_a_subject_is_answered_on_that_subject(
        assistant: Assistant) -> None:
    cited = cited_provisions(assistant, "工信部门在技术改造投资引导方面负有哪些职责？")
    assert cited[0] == (10, 2)
    assert cited != _acting(assistant, "工业和信息化", county=False)


def test_the_quoted_sentence_is_the_departments_own(assistant: Assistant) -> None:
    answer = assistant.ask("县级工信部门有哪些职责？")
    block = answer.answer.split("\n\n")[0]
    assert "第三条第三款" in block
    assert "工业和信息化主管部门负责" in block
    assert "其他有关部门和单位" not in block  # another actor's sentence


def test_a_list_item_never_starts_with_a_conjunction(assistant: Assistant) -> None:
    text = assistant.regulation.article(14).paragraph(1).zh.replace("\n", "")
    items = enumeration(text.split("应当")[0] + "应当推进。", "zh", None, assistant.retriever
                        .tokenizers.pos)
    assert items[0] == "工业和信息化"


def test_a_departments_duties_elsewhere_are_still_refused(assistant: Assistant) -> None:
    answer = assistant.ask("北京市人社局有哪些职责？")
    assert answer.refused
    assert any("北京" in note for note in answer.notes)


def test_a_phrase_with_brackets_or_figures_names_no_department() -> None:
    found = actor("县级以上人民政府发展改革、第2类（试点）等部门应当做好工作。", "zh")
    assert found is not None
    assert found.departments == frozenset({"发展改革"})
