"""Yes/no questions: a lead licensed by the cited provision's modal word (answer/modality.py)."""

from __future__ import annotations

import pytest

from assistant.answer.modality import is_negative, is_yes_no, modality, without_contrast
from assistant.app import Assistant, build_assistant
from assistant.settings import Settings


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


@pytest.mark.parametrize(("question", "expected"), [
    ("企业可以自己组织职业技能等级认定吗？", True),
    ("工业用地能不能先租后让？", True),
    ("条例是否支持企业发行公司债？", True),
    ("Can a county government supply land through a flexible-term grant?", True),
    ("Is it true that the province plans for future industries?", True),
    ("企业融资有什么支持？", False),  # 什么 ends in 么 but asks what
    ("条例有没有规定用地？", False),  # whether the text says it: no lead
    ("Does the regulation say anything about the Belt and Road Initiative?", False),
    ("Can you tell me which article covers land?", False),
])
def test_what_counts_as_a_yes_no_question(question: str, expected: bool) -> None:
    assert is_yes_no(question) is expected


def test_negative_questions_and_contrasts() -> None:
    assert is_negative("企业不能租地吗？")
    assert is_negative("是不是只能走出让？")
    assert is_negative("Can't manufacturers lease land?")
    assert not is_negative("能不能租地？")  # the A-not-A form is not a negative
    assert not is_negative("我们能租地而不是买地吗？")  # one option set against another
    assert without_contrast("Can we lease land instead of buying it?") == "Can we lease land ?"


@pytest.mark.parametrize(("sentence", "lang", "duty", "anchors", "expected"), [
    ("县级以上人民政府应当……鼓励采用长期租赁等方式供应土地。", "zh", False, ["长期租赁"],
     "encourage"),
    ("支持银行业金融机构与政府性融资担保机构等合作，鼓励其开展应收账款质押贷款。", "zh", False,
     ["政府性融资担保机构"], "support"),  # the modal before the words asked about
    ("企业可以申请认定。", "zh", False, ["认定"], "permit"),
    ("县级以上人民政府应当建立制造业重点项目库。", "zh", True, ["重点项目库"], "require"),
    ("县级以上人民政府应当建立制造业重点项目库。", "zh", False, ["重点项目库"], None),
    ("应当督促企业建立健全售后服务制度。", "zh", True, ["售后服务"], None),  # the duty is to urge
    ("企业不得擅自改变土地用途。", "zh", False, ["土地"], None),  # a limit: no yes
    ("Enterprises may not change the use of the land.", "en", False, ["land"], None),
    ("The Province shall encourage the supply of land through flexible-term grants.", "en",
     False, ["grants"], "encourage"),
])
def test_the_modal_word_that_licenses_a_lead(sentence: str, lang: str, duty: bool,
                                             anchors: list[str], expected: str | None) -> None:
    assert modality(sentence, lang, duty, anchors) == expected  # type: ignore[arg-type]


def test_a_yes_no_answer_leads_with_what_the_provision_does(assistant: Assistant) -> None:
    answer = assistant.ask("Can a county government supply land to a manufacturer through a "
                           "flexible-term grant?")
    assert answer.answer.startswith("The Regulations encourage this. Under Article 17(2) of the "
                                    "Regulations, ")
    answer = assistant.ask("企业可以自己组织职业技能等级认定吗？")
    assert answer.answer.startswith("条例对此予以支持。根据第九条第一款，")
    assert [(c.article, c.paragraph) for c in answer.citations][:1] == [(9, 1)]


@pytest.mark.parametrize("question", [
    "制造业企业拿工业用地是不是只能走出让，不能租？",  # put in the negative
    "企业可以用财政资金炒股吗？",  # 炒股: no provision covers it, so no yes
    "企业融资有什么支持？",  # not a yes/no question
])
def test_no_lead_when_the_provision_does_not_license_it(assistant: Assistant,
                                                       question: str) -> None:
    answer = assistant.ask(question)
    leads = [assistant.prompts.phrase(f"yes_{m}", "zh")
             for m in ("permit", "encourage", "support", "require")]
    assert not any(answer.answer.startswith(lead) for lead in leads)
    assert answer.refused or answer.answer.startswith("根据")
