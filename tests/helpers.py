"""Small helpers several test modules share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings
from assistant.text.library import load_library

if TYPE_CHECKING:
    from assistant.app import Assistant


def regulation_dir(settings: Settings) -> Path:
    """The folder of the regulation ``settings`` select (the only one, or ``regulation``),
    chosen as every command chooses it (``Library.choose``); a regulation's id is its
    folder's name."""
    return settings.corpus_dir / load_library(settings.corpus_dir).choose(settings.regulation).id


def cited_provisions(assistant: Assistant, question: str) -> list[tuple[int, int | None]]:
    """The (article, paragraph) of each citation of ``question``'s answer, which must not
    be a refusal."""
    answer = assistant.ask(question)
    assert not answer.refused, answer.notes
    return [(c.article, c.paragraph) for c in answer.citations]
