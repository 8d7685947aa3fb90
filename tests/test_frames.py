"""Questions about the regulation itself (text/frames.py)."""

from __future__ import annotations

import pytest

from assistant.app import Assistant, build_assistant
from assistant.settings import Settings
from assistant.text.frames import asked_frames, frame_article


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings)


@pytest.mark.parametrize(("question", "frames"), [
    pytest.param("这部条例从哪天起开始生效？", ["in_force"], id="zh-in-force"),
    pytest.param("When did these rules start to apply?", ["in_force"], id="en-start-to-apply"),
    pytest.param("这部条例的立法目的是什么？", ["purpose"], id="zh-purpose"),
    pytest.param("条例是根据什么制定的？", ["purpose"], id="zh-basis"),
    pytest.param("本条例的制定目的及制定依据是什么？", ["purpose"], id="zh-made-for"),
    pytest.param("Why was this law enacted?", ["purpose"], id="en-why-enacted"),
    pytest.param("本条例的适用范围是什么？", ["applies"], id="zh-applies"),
    pytest.param("When did the regulation take effect, and what is its purpose?",
                 ["in_force", "purpose"], id="en-both"),
    pytest.param("这个规定是根据什么定的？", ["purpose"], id="zh-this-rule"),
    pytest.param("What is the stated purpose of the Shandong Provincial Regulations on "
                 "Promoting Advanced Manufacturing?", ["purpose"], id="en-purpose-of-title"),
    pytest.param("Why were these rules made?", ["purpose"], id="en-why-made"),
    # The question must ask it of the regulation, not of something in it.
    pytest.param("What is the purpose of the chain leader system under the regulation?", [],
                 id="en-purpose-of-a-system-under-it"),
    pytest.param("What is the purpose of the key project database?", [], id="en-other-purpose"),
    pytest.param("条例里链长制的目的是什么？", [], id="zh-other-purpose"),
    pytest.param("啥时候开始施行", [], id="zh-no-regulation-named"),
])
def test_what_a_question_asks_of_the_regulation(question: str, frames: list[str]) -> None:
    assert asked_frames(question) == frames


def test_the_articles_are_found_by_their_formulas(assistant: Assistant) -> None:
    reg = assistant.regulation
    assert frame_article(reg, "purpose") == 1  # 为了……制定本条例
    last = reg.articles[-1]
    assert "施行" in last.zh
    assert frame_article(reg, "in_force") == last.number
    assert frame_article(reg, "applies") is None  # it has no article saying so


@pytest.mark.parametrize("question", [
    "When did these rules start to apply?",
    "Which part of this regulation gives its commencement date?",
    "这部条例从哪天起开始实施？",
])
def test_a_question_on_when_it_takes_effect_cites_that_article(
        assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.notes
    assert [c.article for c in answer.citations] == [assistant.regulation.articles[-1].number]


def test_a_question_on_its_purpose_cites_the_first_article(assistant: Assistant) -> None:
    answer = assistant.ask("Which part of the law explains what it is for?")
    assert not answer.refused, answer.notes
    assert [c.article for c in answer.citations] == [1]
