"""Putting the pipeline together: ``build_assistant(settings) -> Assistant``.

The CLI, the page and the tests all call this; nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_regulation
from .corpus import EN_FILE, ZH_FILE, Regulation, load_regulation
from .embeddings import TiaoliEmbeddings, make_embeddings
from .glossary import GLOSSARY_FILE, Term, load_glossary
from .retrieval import HybridRetriever
from .settings import Settings
from .sparse import Tokenizers
from .store import build_index, corpus_hash, load_index


def corpus_files(settings: Settings) -> list[Path]:
    """The files of the selected regulation that shape its index."""
    folder = settings.regulation_dir
    return [p for p in (folder / ZH_FILE, folder / EN_FILE, folder / GLOSSARY_FILE)
            if p.exists()]


@dataclass
class Assistant:
    """Everything a question needs, built once and shared."""

    settings: Settings
    regulation: Regulation
    glossary: tuple[Term, ...]
    embeddings: TiaoliEmbeddings
    retriever: HybridRetriever = field(repr=False)


def build_assistant(settings: Settings, embeddings: TiaoliEmbeddings | None = None) -> Assistant:
    """Load the regulation, its glossary and its index, and wire up the retriever.

    Raises IndexMismatchError (hint: ``tiaoli index build``) when the index is
    missing, damaged or stale; it never rebuilds on its own.
    """
    regulation = load_regulation(settings.regulation_dir)
    glossary = load_glossary(settings.regulation_dir)
    embeddings = embeddings or make_embeddings(settings.embedder)
    index = load_index(settings.index_dir, settings.embedder, embeddings.id,
                       corpus_hash(corpus_files(settings)))
    retriever = HybridRetriever(regulation, index, embeddings, Tokenizers(glossary),
                                rrf_k=settings.rrf_k)
    return Assistant(settings, regulation, glossary, embeddings, retriever)


def rebuild_index(settings: Settings, embeddings: TiaoliEmbeddings | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """Chunk and embed the selected regulation and write its index (atomically)."""
    regulation = load_regulation(settings.regulation_dir)
    load_glossary(settings.regulation_dir)  # a broken glossary fails the build, not the search
    embeddings = embeddings or make_embeddings(settings.embedder)
    return build_index(settings.index_dir, settings.embedder, embeddings,
                       chunk_regulation(regulation), corpus_hash(corpus_files(settings)),
                       progress=progress)
