from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.text.corpus import Regulation, load_regulation

from .helpers import regulation_dir

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One cache folder for the session (jieba's lexicon is written there once), not the
    user's: set before any Settings is made."""
    before = os.environ.get("TIAOLI_CACHE_DIR")
    os.environ["TIAOLI_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["TIAOLI_CACHE_DIR"]
    else:
        os.environ["TIAOLI_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test runs writes outside its own temp dir."""
    monkeypatch.setenv("TIAOLI_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def regulation(settings: Settings) -> Regulation:
    return load_regulation(regulation_dir(settings))


def data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")
