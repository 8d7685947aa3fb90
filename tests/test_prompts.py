from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answer.prompts import PromptError, load_prompts
from assistant.settings import Settings


@pytest.fixture
def prompts_copy(tmp_path: Path, settings: Settings) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(settings.prompts_dir, target)
    return target


def test_bundled_prompts_load_with_one_refusal_per_language(settings: Settings) -> None:
    prompts = load_prompts(settings.prompts_dir)
    assert prompts.refusal("zh") == "本条例未对此作出规定。"
    assert prompts.refusal("en") == "These Regulations do not address this."
    for lang in ("zh", "en"):
        assert "{refusal}" in prompts.template("answer", lang)


def test_unknown_placeholder_names_the_file(prompts_copy: Path) -> None:
    path = prompts_copy / "answer.en.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n{articles}\n", encoding="utf-8")
    says = r"answer\.en\.txt: unknown placeholder\(s\) \['articles'\]"
    with pytest.raises(PromptError, match=says):
        load_prompts(prompts_copy)


def test_missing_prompt_file(prompts_copy: Path) -> None:
    (prompts_copy / "condense.zh.txt").unlink()
    with pytest.raises(PromptError, match=r"condense\.zh\.txt: no such prompt file"):
        load_prompts(prompts_copy)


def test_phrase_missing_a_language(prompts_copy: Path) -> None:
    path = prompts_copy / "phrases.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"en": "These Regulations do not '
                                                             'address this."', '"en": ""'),
                    encoding="utf-8")
    with pytest.raises(PromptError, match="'refusal' needs a zh and an en phrase"):
        load_prompts(prompts_copy)
