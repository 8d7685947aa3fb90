"""Small helpers several test modules share."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings
from assistant.text.library import load_library


def regulation_dir(settings: Settings) -> Path:
    """The folder of the regulation ``settings`` select (the only one, or ``regulation``),
    chosen as every command chooses it (``Library.choose``); a regulation's id is its
    folder's name."""
    return settings.corpus_dir / load_library(settings.corpus_dir).choose(settings.regulation).id
