"""The LLM answerer, offline, with LangChain's fake chat models."""

from __future__ import annotations

import dataclasses
import socket
import time

import pytest

from assistant.answer.conversation import Turn
from assistant.answer.llm import LLMError, make_chat_model
from assistant.app import Assistant, build_assistant
from assistant.settings import Settings

from .fakes import failing_chat, fake_chat, stalled_chat


@pytest.fixture(scope="module")
def base(settings: Settings) -> Assistant:
    return build_assistant(settings)


def with_model(base: Assistant, model: object, timeout: float = 5.0) -> Assistant:
    """The shared assistant with another chat model (building the index again is slow)."""
    from assistant.answer.llm import LLMAnswerer

    return dataclasses.replace(
        base, llm=LLMAnswerer(model, "fake", base.library, base.prompts, timeout))


def test_cited_answer_streams_and_keeps_valid_citations(base: Assistant) -> None:
    reply = ("Yes. Under Article 17(2) of the Regulations, land may be supplied by "
             "long-term leasing or leasing followed by granting.")
    pieces: list[str] = []
    answer = with_model(base, fake_chat(reply)).ask(
        "Can we lease industrial land instead of buying it?", on_token=pieces.append)
    assert answer.mode == "llm:fake"
    assert len(pieces) == 2  # streamed a sentence at a time
    assert "".join(pieces) == reply
    assert answer.answer == reply
    assert [(c.article, c.paragraph) for c in answer.citations] == [(17, 2)]
    assert "弹性年期出让" in answer.citations[0].zh
    assert answer.notes == ()


def test_invented_article_is_stripped_and_marked(base: Assistant) -> None:
    reply = "根据第十七条第二款和第二十五条，企业可以租赁土地。"
    answer = with_model(base, fake_chat(reply)).ask("企业可以租地吗？")
    marker = base.prompts.phrase("removed_citation", "zh", label="第二十五条")
    assert marker in answer.answer
    assert "第二十五条" not in answer.answer.replace(marker, "")
    assert [(c.article, c.paragraph) for c in answer.citations] == [(17, 2)]
    assert any("第二十五条" in n and "does not exist" in n for n in answer.notes)


def test_invented_article_never_streams(base: Assistant) -> None:
    pieces: list[str] = []
    reply = "根据第十七条第二款，可以租赁。另见第二十五条。"
    answer = with_model(base, fake_chat(reply)).ask("企业可以租地吗？", on_token=pieces.append)
    marker = base.prompts.phrase("removed_citation", "zh", label="第二十五条")
    assert not any("第二十五条" in p.replace(marker, "") for p in pieces)
    assert "".join(pieces) == answer.answer


def test_article_not_provided_is_stripped(base: Assistant) -> None:
    # Article 20 exists but retrieval did not hand it to the model for this question.
    reply = "Under Article 17(2) land can be leased; Article 20 also applies."
    answer = with_model(base, fake_chat(reply)).ask(
        "Can we lease industrial land instead of buying it?")
    assert "[invalid citation removed: Article 20]" in answer.answer
    assert [c.article for c in answer.citations] == [17]
    assert any("was not among the provisions provided" in n for n in answer.notes)


def test_answer_without_citation_gets_its_sources(base: Assistant) -> None:
    answer = with_model(base, fake_chat("Yes, leasing is encouraged.")).ask(
        "Can we lease industrial land instead of buying it?")
    assert [c.article for c in answer.citations] == [17]
    assert any("sources are attached" in n for n in answer.notes)


def test_model_answering_out_of_scope_is_never_asked(base: Assistant) -> None:
    model = fake_chat("The minimum wage in Shandong is 2,200 yuan, see Article 16.")
    answer = with_model(base, model).ask("What is the minimum wage?")
    assert answer.refused
    assert answer.citations == ()
    assert "2,200" not in answer.answer
    assert answer.answer.startswith("These Regulations do not address this.")
    assert len(answer.related) >= 1


def test_model_refusal_is_a_refusal_with_related(base: Assistant) -> None:
    answer = with_model(base, fake_chat("本条例未对此作出规定。")).ask("企业可以租地吗？")
    assert answer.refused
    assert answer.mode == "llm:fake"
    assert answer.citations == ()
    assert answer.related


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(failing_chat(ConnectionError("connection refused")), id="down"),
        pytest.param(stalled_chat(30), id="hangs"),
    ],
)
def test_endpoint_failure_falls_back_visibly_within_the_timeout(base: Assistant,
                                                                model: object) -> None:
    started = time.monotonic()
    answer = with_model(base, model, timeout=1.0).ask(
        "Can we lease industrial land instead of buying it?")
    assert time.monotonic() - started < 10
    assert answer.mode == "extractive (fallback: llm:fake failed)"
    assert answer.answer.startswith("(The language model is unavailable: ")
    assert "Under Article 17(2) of the Regulations, " in answer.answer
    assert any(n.startswith("llm:fake failed: ") for n in answer.notes)
    assert answer.citations[0].article == 17
    # The fallback's citations carry their evidence like any extractive answer's.
    assert {"term": "lease", "matched": "leasing", "kind": "word"} in answer.citations[0].evidence


def test_follow_up_condensed_by_the_model(base: Assistant) -> None:
    model = fake_chat("企业可以租赁土地吗？", "根据第十七条第二款，鼓励采用长期租赁。")
    answer = with_model(base, model).ask("那土地呢？",
                                         history=[Turn("user", "企业融资有什么支持？")])
    assert answer.searched == "企业可以租赁土地吗?"  # NFKC-normalised
    assert [c.article for c in answer.citations] == [17]


def test_prompt_carries_both_languages_with_labels(base: Assistant) -> None:
    llm = with_model(base, fake_chat("x")).llm
    assert llm is not None
    hits = base.retriever.search("Can we lease land?", 3)
    prompt, provided = llm.prompt("Can we lease land?", hits, "en")
    assert "[第十七条第二款 | Article 17(2)]" in prompt
    assert "弹性年期出让" in prompt
    assert "granting for flexible terms" in prompt
    assert "These Regulations do not address this." in prompt
    assert (base.regulation.id, 17, 2) in provided


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_openai_client_against_a_closed_local_port(base: Assistant) -> None:
    pytest.importorskip("langchain_openai", reason="the llm extra installs it")
    model = make_chat_model("openai:test-model", f"http://127.0.0.1:{_closed_port()}/v1",
                            "test-key", timeout=3.0)
    answer = with_model(base, model, timeout=5.0).ask("第十七条第二款讲什么？")
    assert answer.mode == "extractive (fallback: llm:fake failed)"
    assert any("ConnectionError" in n for n in answer.notes), answer.notes


@pytest.mark.parametrize("spec", ["gpt-4o", "openai:", "anthropic:claude"])
def test_unknown_llm_setting(spec: str) -> None:
    with pytest.raises(LLMError):
        make_chat_model(spec, None, None, 5.0)
