"""The index on disk: manifest checks, no pickle, atomic replacement, damage detected."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.app import corpus_files, rebuild_index
from assistant.search import store
from assistant.search.chunking import chunk_regulation
from assistant.search.store import (
    CHUNKS,
    EXTRA_VECTORS,
    EXTRAS,
    MANIFEST,
    TOKENS,
    VECTORS,
    IndexMismatchError,
    IndexWriteError,
    Manifest,
    build_index,
    corpus_hash,
    index_name,
    load_index,
)
from assistant.settings import Settings
from assistant.text.corpus import ANTICIPATED_FILE, UNADDRESSED_FILE, Regulation, load_regulation

from .fakes import HashEmbeddings
from .helpers import regulation_dir


@pytest.fixture
def corpus_copy(tmp_path: Path, settings: Settings) -> Settings:
    """Settings over a private copy of the corpus (its text only: the 122 provision
    chunks, without the anticipated and unaddressed questions) and an empty index folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(regulation_dir(settings), corpus / regulation_dir(settings).name)
    for name in (ANTICIPATED_FILE, UNADDRESSED_FILE):
        (corpus / regulation_dir(settings).name / name).unlink()
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")


def _build(s: Settings, emb: HashEmbeddings | None = None) -> Path:
    return rebuild_index(s, embeddings=emb or HashEmbeddings())


def _load(s: Settings, emb: HashEmbeddings | None = None) -> store.VectorIndex:
    return load_index(s.index_dir, s.embedder, (emb or HashEmbeddings()).id,
                      corpus_hash(corpus_files(s)))


def test_chunks_are_paragraphs_and_whole_articles_in_both_languages(
    regulation: Regulation,
) -> None:
    everything = chunk_regulation(regulation)
    chunks = [c for c in everything if c.is_provision]
    paragraphs = [c for c in chunks if c.paragraph is not None]
    wholes = [c for c in chunks if c.paragraph is None]
    assert len(paragraphs) == 2 * 45
    # The anticipated questions follow the provisions, each tied to a paragraph; then
    # the unaddressed ones.
    questions = everything[len(chunks):len(chunks) + len(regulation.anticipated)]
    assert all(q.kind == "question" and q.paragraph for q in questions)
    assert all(c.kind == "unaddressed" for c in everything[len(chunks) + len(questions):])
    assert len(everything) == len(chunks) + len(questions) + len(regulation.unaddressed)
    # Whole-article chunks for the 16 articles of more than one paragraph.
    assert len(wholes) == 2 * 16
    c = next(c for c in chunks if (c.article, c.paragraph, c.lang) == (17, 2, "en"))
    assert "flexible terms" in c.text
    assert {c.lang for c in chunks} == {"zh", "en"}
    assert len({c.id for c in chunks}) == len(chunks)


def test_build_writes_faiss_chunks_and_manifest(corpus_copy: Settings) -> None:
    folder = _build(corpus_copy)
    assert folder.parent == corpus_copy.index_dir
    assert {p.name for p in folder.iterdir()} == {MANIFEST, CHUNKS, VECTORS, EXTRAS,
                                                  EXTRA_VECTORS, TOKENS, "bm25"}
    manifest = Manifest.read(folder)
    assert manifest.embedder == "hash"
    assert manifest.dim == 64
    assert manifest.chunks == 122
    assert manifest.corpus_sha256 == corpus_hash(corpus_files(corpus_copy))
    index = _load(corpus_copy)
    assert len(index.chunks) == 122
    # Searching a chunk's own vector finds that chunk first.
    vec = HashEmbeddings().encode([index.chunks[7].text], query=False)
    assert index.search(vec, 3)[0][0] == 7


def test_large_indexes_are_hnsw_and_search_alike(corpus_copy: Settings, monkeypatch) -> None:
    import faiss

    _build(corpus_copy)
    exact = _load(corpus_copy)
    assert isinstance(exact._faiss, faiss.IndexFlatIP)
    monkeypatch.setattr(store, "FLAT_MAX_VECTORS", 50)  # 122 chunks: past the line
    _build(corpus_copy)
    approx = _load(corpus_copy)
    assert isinstance(approx._faiss, faiss.IndexHNSWFlat)
    assert np.allclose(approx.vectors(), exact.vectors())
    emb = HashEmbeddings()
    for i in range(0, 122, 10):
        vec = emb.encode([exact.chunks[i].text], query=False)
        assert approx.search(vec, 5)[0][0] == exact.search(vec, 5)[0][0] == i
    assert len(approx.search(vec, 300)) == 122  # asking for more than efSearch still works


def test_load_never_unpickles(corpus_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(corpus_copy)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used on the load path")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    assert len(_load(corpus_copy).chunks) == 122
    source = "".join(p.read_text(encoding="utf-8")
                     for p in Path(store.__file__).parent.glob("*.py"))
    assert "import pickle" not in source
    assert "allow_dangerous_deserialization" not in source


def test_changed_corpus_is_refused_with_the_rebuild_hint(corpus_copy: Settings) -> None:
    _build(corpus_copy)
    en = regulation_dir(corpus_copy) / "en.txt"
    en.write_text(en.read_text(encoding="utf-8").replace("shall", "must", 1), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="corpus has changed") as err:
        _load(corpus_copy)
    assert err.value.hint == "run `tiaoli index build`"


def test_another_embedder_is_refused(corpus_copy: Settings) -> None:
    _build(corpus_copy)
    with pytest.raises(IndexMismatchError, match="built with hash-64, not hash-other"):
        _load(corpus_copy, HashEmbeddings(id="hash-other"))


def test_each_embedder_setting_has_its_own_folder() -> None:
    assert index_name("e5-small") != index_name("sentence-transformers:/m")
    assert index_name("e5-small") == index_name("e5-small")
    assert index_name("e5-small").startswith("e5-small-")


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        pytest.param(lambda f: (f / VECTORS).write_bytes((f / VECTORS).read_bytes()[:1000]),
                     "vectors.faiss is damaged", id="truncated-faiss"),
        pytest.param(lambda f: (f / MANIFEST).unlink(), "no index manifest", id="no-manifest"),
        pytest.param(lambda f: (f / MANIFEST).write_text("{", encoding="utf-8"),
                     "manifest .* is damaged", id="bad-manifest"),
        pytest.param(lambda f: (f / CHUNKS).unlink(), "chunks.json is missing", id="no-chunks"),
    ],
)
def test_damaged_index_is_a_clear_error(corpus_copy: Settings, damage, says: str) -> None:
    damage(_build(corpus_copy))
    with pytest.raises(IndexMismatchError, match=says):
        _load(corpus_copy)


def test_missing_index_says_how_to_build(corpus_copy: Settings) -> None:
    with pytest.raises(IndexMismatchError, match="no index for the embedder 'hash'"):
        _load(corpus_copy)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (its path within it) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_failed_build_leaves_the_previous_index_intact(
    corpus_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _build(corpus_copy)
    before = _files(folder)

    import faiss

    def broken_write(index: object, path: str) -> None:
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken_write)
    with pytest.raises(IndexWriteError, match="disk full"):
        _build(corpus_copy)
    assert _files(folder) == before
    assert [p.name for p in corpus_copy.index_dir.iterdir()] == [folder.name]
    assert len(_load(corpus_copy).chunks) == 122


def test_rebuild_replaces_the_index(corpus_copy: Settings) -> None:
    first = Manifest.read(_build(corpus_copy))
    en = regulation_dir(corpus_copy) / "en.txt"
    en.write_text(en.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = Manifest.read(_build(corpus_copy))
    assert second.corpus_sha256 != first.corpus_sha256
    assert len(list(corpus_copy.index_dir.iterdir())) == 1
    _load(corpus_copy)


def test_progress_is_reported(corpus_copy: Settings) -> None:
    seen: list[tuple[int, int]] = []
    rebuild_index(corpus_copy, embeddings=HashEmbeddings(),
                  progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (122 + 70, 122 + 70)  # the chunks and the 70 outside subjects
    assert len(seen) > 1


def test_build_index_with_no_chunks_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no chunks"):
        build_index(tmp_path, "hash", HashEmbeddings(), [], "0" * 64)
    assert not any(tmp_path.iterdir())


def test_vectors_are_unit_length(corpus_copy: Settings) -> None:
    folder = _build(corpus_copy)
    import faiss

    vectors = faiss.read_index(str(folder / VECTORS)).reconstruct_n(0, 122)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_read_only_index_folder_is_a_clear_error(corpus_copy: Settings,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _build(corpus_copy)
    before = _files(folder)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    # Root ignores file modes, so the refusal is simulated where it would happen.
    monkeypatch.setattr(store.os, "replace", refuse)
    with pytest.raises(IndexWriteError, match="Permission denied") as err:
        _build(corpus_copy)
    assert "TIAOLI_INDEX_DIR" in err.value.hint
    monkeypatch.undo()
    assert _files(folder) == before
    assert len(_load(corpus_copy).chunks) == 122


def test_index_folder_that_cannot_exist(corpus_copy: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    s = Settings(corpus_dir=corpus_copy.corpus_dir, index_dir=blocker / "index",
                 embedder="hash")
    with pytest.raises(IndexWriteError, match="cannot write the index"):
        _build(s)


def test_build_killed_half_way_leaves_the_old_index(tmp_path: Path, settings: Settings) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "corpus"
    shutil.copytree(regulation_dir(settings), corpus / regulation_dir(settings).name)
    index = tmp_path / "index"
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns(".*"))
    env = {**os.environ, "TIAOLI_CORPUS_DIR": str(corpus), "TIAOLI_INDEX_DIR": str(index)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", "build", "--fresh"],
                            env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)  # loading, then embedding: the build takes about 20 s
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # A build killed while writing leaves a temporary folder; make one as it would.
    (index / f".{next(index.iterdir()).name}.build-killed").mkdir()
    from assistant.search.embeddings import E5SmallEmbeddings

    s = Settings(corpus_dir=corpus, index_dir=index)
    loaded = load_index(index, s.embedder, E5SmallEmbeddings().id,
                        corpus_hash(corpus_files(s)))
    # The old index, whole: every chunk of the regulation.
    assert len(loaded.chunks) == len(chunk_regulation(load_regulation(
        corpus / regulation_dir(settings).name)))
    # The next build of that index clears what the killed one left.
    rebuild_index(s, embeddings=HashEmbeddings())
    assert not list(index.glob(".*.build-*"))


def test_start_up_takes_the_outside_subjects_and_the_tokens_from_the_index(
        corpus_copy: Settings) -> None:
    from assistant.app import build_assistant
    from assistant.search.sparse import Tokenizers

    _build(corpus_copy)
    emb = HashEmbeddings()
    assistant = build_assistant(corpus_copy, embeddings=emb)
    assert emb.calls == 0  # the 70 outside subjects were embedded by the build
    tokenizers = assistant.retriever.tokenizers
    assert tokenizers._jieba is None  # BM25 was built from the stored tokens
    # The stored tokens are those cutting would give.
    fresh = Tokenizers(tokenizers.terms)
    for chunk in assistant.retriever.chunks[:40]:
        assert tokenizers.tokens(chunk.text, chunk.lang) == fresh.tokens(chunk.text, chunk.lang)
    hits = assistant.retriever.search("How is industrial land supplied?", 3)
    assert hits
    assert tokenizers._jieba is None  # an English question needs no jieba either


def test_damaged_or_foreign_extras_and_tokens_are_recomputed_not_trusted(
        corpus_copy: Settings) -> None:
    import json

    from assistant.app import build_assistant

    folder = _build(corpus_copy)
    (folder / EXTRA_VECTORS).write_bytes(b"not numpy")
    table = json.loads((folder / TOKENS).read_text(encoding="utf-8"))
    table["fingerprint"] = "another tokenizer"
    (folder / TOKENS).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    (folder / "bm25" / "fingerprint.txt").write_text("another tokenizer\n", encoding="utf-8")
    emb = HashEmbeddings()
    assistant = build_assistant(corpus_copy, embeddings=emb)
    assert emb.calls == 1  # the outside subjects, embedded at start as before
    assert assistant.retriever.tokenizers._jieba is not None  # the texts were cut again
    hits = assistant.retriever.search("工业用地可以长期租赁、先租后让吗？", 3, mode="bm25")
    assert 17 in [h.article for h in hits]


def test_an_edited_extras_text_never_takes_another_texts_vector(corpus_copy: Settings) -> None:
    import json

    folder = _build(corpus_copy)
    texts = json.loads((folder / EXTRAS).read_text(encoding="utf-8"))
    assert len(_load(corpus_copy).extras) == len(texts) == 70
    texts[0], texts[1] = texts[1], texts[0]  # the vectors stay in the old order
    (folder / EXTRAS).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    assert _load(corpus_copy).extras == {}  # embedded at start instead


def _bm25_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the BM25 indexes built from tokens (not loaded) from now on."""
    import bm25s

    built: list[int] = []
    original = bm25s.BM25.index

    def index(self: object, *args: object, **kwargs: object) -> object:
        built.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(bm25s.BM25, "index", index)
    return built


def test_start_up_loads_the_bm25_indexes_the_build_stored(
        corpus_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.app import build_assistant
    from assistant.search.retrieval import SparseIndexes

    folder = _build(corpus_copy)
    assert sorted(p.name for p in (folder / "bm25").iterdir()) == [
        "en", "fingerprint.txt", "zh", "zh-bigrams"]
    built = _bm25_builds(monkeypatch)
    retriever = build_assistant(corpus_copy, embeddings=HashEmbeddings()).retriever
    assert built == []  # all three loaded
    fresh = SparseIndexes.build(retriever.chunks, retriever.tokenizers)
    for question, lang in (("工业用地可以长期租赁吗", "zh"), ("supply chain finance", "en")):
        tokens = retriever.tokenizers.tokens(question, lang)
        assert retriever.sparse.by_lang[lang].search(tokens, 20) == \
            fresh.by_lang[lang].search(tokens, 20)
        assert retriever.sparse.by_lang[lang].vocabulary == fresh.by_lang[lang].vocabulary
    assert retriever.sparse.name_bigrams is not None
    assert fresh.name_bigrams is not None
    assert retriever.sparse.name_bigrams.search(["金沙", "沙市"], 5) == \
        fresh.name_bigrams.search(["金沙", "沙市"], 5)


@pytest.mark.parametrize("damage", ["edited", "removed", "other bm25s"])
def test_damaged_stored_bm25_is_rebuilt_not_trusted(
        corpus_copy: Settings, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    import json

    from assistant.app import build_assistant

    folder = _build(corpus_copy) / "bm25"
    if damage == "edited":
        (folder / "zh" / "positions.json").write_text("[0, 1, 2]\n", encoding="utf-8")
    elif damage == "removed":
        (folder / "en" / "vocab.index.json").unlink()
    else:  # a version of bm25s that wrote it, not the one installed
        import bm25s

        monkeypatch.setattr(bm25s, "__version__", "0.0.1")
        assert json.loads((folder / "zh" / "params.index.json").read_text())["version"] != "0.0.1"
    built = _bm25_builds(monkeypatch)
    assistant = build_assistant(corpus_copy, embeddings=HashEmbeddings())
    assert len(built) == 3  # zh, en and the bigrams, from the stored tokens
    hits = assistant.retriever.search("工业用地可以长期租赁、先租后让吗？", 3, mode="bm25")
    assert 17 in [h.article for h in hits]
