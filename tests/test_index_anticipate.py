"""``tiaoli index anticipate`` (answer/anticipate.py): anticipated and unaddressed questions
written by a chat model (here LangChain's fake, answering from the prompt it is sent), every
line checked, each batch written as it comes, and a second run going on where one stopped.

The regulation is the invented 江海市河道保护条例 (tests/data/corpora/), copied without
questions, so every paragraph needs them."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.answer import llm
from assistant.answer.anticipate import Checker, json_lines
from assistant.surfaces.cli import main
from assistant.text.corpus import ANTICIPATED_FILE, UNADDRESSED_FILE, load_regulation

from .conftest import DATA
from .fakes import prompted_chat

JH = "jianghai-river-protection"
# A paragraph as the prompt shows it: [6.2] the Chinese, then (our English) on a line.
_LABEL = re.compile(r"^\[(\d+)\.(\d+)\] (.+)\n\s+\((.+)\)$", re.MULTILINE)
NEAR_MISSES = {
    "zh": ["河道采砂许可证的申请费是多少钱？", "在外省河道倾倒渣土怎么处罚？",
           "河长每个月要巡河几次？", "举报破坏河道的行为有奖金吗？",
           "企业在河边建厂要交什么税？", "湖泊周边的房子能不能出租？"],
    "en": ["How much does a sand extraction permit cost?",
           "What is the fine for dumping waste into a river in another province?",
           "How often must a river chief patrol the river?",
           "Is there a cash reward for reporting damage to a river?",
           "Which taxes does a factory on the riverbank pay?",
           "Can we rent out a house beside the lake?"],
}


def _anticipated_reply(prompt: str) -> str:
    """Two good questions per paragraph shown, and one line of each kind the checks turn
    down: a copy of the provision, a paragraph that does not exist, one not shown, the
    other language, a repeat, prose that is not JSON."""
    zh = "请为每一款" in prompt
    lines = ["以下是问题：" if zh else "Here are the questions:"]
    first = None
    for a, p, text, english in _LABEL.findall(prompt):
        key = {"article": int(a), "paragraph": int(p)}
        if zh:
            asks = [f"关于“{text[:6]}”，我们企业要注意什么？", f"{text[:4]}这件事归哪个单位管？"]
        else:
            words = " ".join(english.split()[:3])
            asks = [f"What does the rule on {words} mean for a company like ours?",
                    f"Who is in charge when it comes to {words}?"]
        lines += [json.dumps({**key, "text": t}, ensure_ascii=False) for t in asks]
        first = first or (key, asks[0], text)
    assert first is not None
    key, ask, text = first
    elsewhere = 9 if "[9.1]" not in prompt else 1  # an article this batch does not show
    lines += [json.dumps({**key, "text": text}, ensure_ascii=False),  # a copy (zh)
              json.dumps({"article": 99, "paragraph": 1, "text": ask}, ensure_ascii=False),
              json.dumps({"article": elsewhere, "paragraph": 1, "text": ask},
                         ensure_ascii=False),
              json.dumps({**key, "text": "Who enforces this?" if zh else "这个由谁管？"},
                         ensure_ascii=False),
              json.dumps({**key, "text": ask + ("呢" if zh else " then")}, ensure_ascii=False)]
    return "\n".join(lines)


def _unaddressed_reply(prompt: str) -> str:
    zh = "请写" in prompt
    lang = "zh" if zh else "en"
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in NEAR_MISSES[lang]]
    lines.append(json.dumps({"text": "第六条的罚款能减免吗？" if zh
                             else "Can the fine of Article 8 be waived?"}, ensure_ascii=False))
    return "```json\n" + "\n".join(lines) + "\n```"


def reply(prompt: str) -> str:
    """The fake model's answer to either prompt."""
    return _anticipated_reply(prompt) if _LABEL.search(prompt) else _unaddressed_reply(prompt)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus folder holding the 江海 regulation without questions; TIAOLI_* set to it."""
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "corpora" / JH, folder / JH)
    for name in (ANTICIPATED_FILE, UNADDRESSED_FILE):
        (folder / JH / name).unlink(missing_ok=True)
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(folder))
    monkeypatch.setenv("TIAOLI_LLM", "openai:fake-model")
    return folder / JH


def _with_model(monkeypatch: pytest.MonkeyPatch, model: Any) -> Any:
    monkeypatch.setattr(llm, "make_chat_model", lambda *args: model)
    return model


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(["index", "anticipate", *args])
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_writes_checked_questions_that_load_and_a_second_run_has_nothing_to_do(
        corpus: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model = _with_model(monkeypatch, prompted_chat(reply))
    code, out, err = _run(["--per-paragraph", "2", "--unaddressed", "5"], capsys)
    assert code == 0, err
    reg = load_regulation(corpus)  # every line written passes the loader's own checks
    paragraphs = sum(len(a.paragraphs) for a in reg.articles)
    assert len(reg.anticipated) == 2 * 2 * paragraphs  # two per paragraph, per language
    for article in reg.articles:
        for para in article.paragraphs:
            for lang in ("zh", "en"):
                asked = [q for q in reg.anticipated
                         if (q.article, q.paragraph, q.lang) == (article.number, para.number, lang)]
                assert len(asked) == 2
                assert para.zh not in {q.text for q in asked}
    assert {u.lang for u in reg.unaddressed} == {"zh", "en"}
    assert sorted(u.text for u in reg.unaddressed if u.lang == "en") == sorted(
        NEAR_MISSES["en"][:5])
    # 12 paragraphs in batches of 6, per language, then one unaddressed call per language.
    assert len(model.prompts) == 2 * 2 + 2
    assert "[6.2]" in model.prompts[1]
    assert "采砂许可证" in model.prompts[1]
    for reason in ("copies the provision", "no such paragraph", "a paragraph not in the batch",
                   "wrong language", "repeats a question", "not a JSON object", "names an article",
                   "more than asked for"):
        assert reason in out
    assert "next: tiaoli index build" in out

    again = _with_model(monkeypatch, prompted_chat(reply))
    code, out, _ = _run([], capsys)
    assert code == 0
    # Three a paragraph are wanted now: one more each, and unaddressed up to 30.
    assert "24 paragraph-language pair(s) short of 3" in out
    code, out, _ = _run(["--per-paragraph", "2", "--unaddressed", "5"], capsys)
    assert (code, "nothing to do" in out) == (0, True)
    assert len(again.prompts) == 4 + 2 * 2  # only the first of those two runs called it


def test_an_interrupted_run_keeps_its_batches_and_the_next_one_goes_on(
        corpus: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    calls = [0]

    def failing_second(prompt: str) -> str:
        calls[0] += 1
        if calls[0] == 2:
            raise ConnectionError("connection reset by peer")
        return reply(prompt)

    _with_model(monkeypatch, prompted_chat(failing_second))
    code, out, err = _run(["--per-paragraph", "1", "--unaddressed", "0", "--lang", "zh"], capsys)
    assert code == 2
    assert "stopped after 1 of 2 model call(s)" in err
    assert "run the command again" in err
    assert "wrote 6 line(s)" in out
    assert len(load_regulation(corpus).anticipated) == 6

    model = _with_model(monkeypatch, prompted_chat(reply))
    code, out, _ = _run(["--per-paragraph", "1", "--unaddressed", "0", "--lang", "zh"], capsys)
    assert code == 0
    assert len(model.prompts) == 1
    assert "[1.1]" not in model.prompts[0]
    reg = load_regulation(corpus)
    assert {(q.article, q.paragraph) for q in reg.anticipated} == {
        (a.number, p.number) for a in reg.articles for p in a.paragraphs}


def test_without_a_model_it_says_how_to_configure_one_and_exits_2(
        corpus: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TIAOLI_LLM")
    code, _, err = _run([], capsys)
    assert code == 2
    assert "TIAOLI_LLM=openai:<model>" in err
    assert "ollama:<model>" in err
    assert not (corpus / ANTICIPATED_FILE).exists()
    code, out, _ = _run(["--dry-run"], capsys)  # counting needs no model
    assert code == 0
    assert "model call(s)" in out


@pytest.mark.parametrize(("line", "lang", "reason"), [
    pytest.param({"article": 6, "paragraph": 2, "text": "挖沙要先办证吗？"}, "zh", None,
                 id="kept"),
    pytest.param({"article": 6, "paragraph": 2, "text": "Do we need a permit to dig sand?"},
                 "zh", "wrong language", id="language"),
    pytest.param({"article": 6, "paragraph": 2,
                  "text": "在河道管理范围内采砂的，应当依法取得采砂许可证吗？"}, "zh",
                 "copies the provision", id="copy"),
    pytest.param({"article": 6, "paragraph": 3, "text": "挖沙要先办证吗？"}, "zh",
                 "no such paragraph", id="no-paragraph"),
    pytest.param({"article": 6, "paragraph": 1, "text": "能往河里倒垃圾吗？"}, "zh",
                 "a paragraph not in the batch", id="not-shown"),
    pytest.param({"article": "6", "paragraph": 2, "text": "挖沙要先办证吗？"}, "zh",
                 "no article or paragraph number", id="string-number"),
    pytest.param({"article": 6, "paragraph": 2, "text": "证？"}, "zh",
                 "too short or too long", id="short"),
])
def test_each_anticipated_line_is_checked(line: dict[str, Any], lang: str,
                                          reason: str | None) -> None:
    reg = load_regulation(DATA / "corpora" / JH)
    assert Checker(reg).anticipated(line, lang, {(6, 2)}) == reason


def test_a_near_repeat_is_turned_down_and_so_is_a_repeat_of_what_the_file_holds() -> None:
    reg = load_regulation(DATA / "corpora" / JH)
    checker = Checker(reg)
    ask: Callable[[str], str | None] = lambda text: checker.anticipated(  # noqa: E731
        {"article": 6, "paragraph": 2, "text": text}, "zh", {(6, 2)})
    assert ask("在河道里挖沙，要先去办什么证？") is None
    assert ask("在河道里挖沙，要先去办什么证呢？") == "repeats a question"
    assert ask("采砂的话需要申请哪个许可？") is None
    assert checker.unaddressed({"text": "第六条的罚款能减免吗？"}, "zh") == "names an article"


def test_replies_are_read_as_lines_arrays_or_fenced_blocks() -> None:
    rows = [{"text": "a"}, {"text": "b"}]
    for reply_text in ("\n".join(json.dumps(r) for r in rows),
                       "```json\n" + json.dumps(rows) + "\n```",
                       json.dumps(rows[0]) + ",\n" + json.dumps(rows[1]) + ","):
        assert [data for _, data in json_lines(reply_text)] == rows
    assert [data for _, data in json_lines("Sure! Here they are:\n{\"text\": \"a\"}")] == [
        None, {"text": "a"}]
