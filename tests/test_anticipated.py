"""Anticipated questions (corpus/<regulation>/anticipated.jsonl): document expansion.

They are indexed beside the text so a question in plain words can find its
provision, and are never quoted, cited or counted as provisions. The tests
use the invented 江海市河道保护条例 (tests/data/corpora/) with questions
written here, and the real embedder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.app import Assistant, build_assistant, rebuild_index
from assistant.chunking import chunk_regulation
from assistant.corpus import ANTICIPATED_FILE, load_regulation
from assistant.errors import CorpusError
from assistant.evaluation import evaluate, format_table, load_questions
from assistant.settings import Settings

from .conftest import DATA

JH = "jianghai-river-protection"

# Words a river keeper would use; the text says 采砂许可证 / "sand extraction permit".
GRAVEL_EN = "Do we need a licence before digging gravel out of the riverbed?"
GRAVEL_ZH = "想在河床里挖石子卖钱，要先去办什么证吗？"
ANTICIPATED = [
    {"article": 6, "paragraph": 2, "lang": "en", "text": GRAVEL_EN},
    {"article": 6, "paragraph": 2, "lang": "zh", "text": GRAVEL_ZH},
    {"article": 5, "paragraph": 1, "lang": "en",
     "text": "Is a named official answerable for the upkeep of each river?"},
]


def _write(folder: Path, rows: list[dict[str, object]] | list[str]) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / ANTICIPATED_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def jh_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("anticipated")
    shutil.copytree(DATA / "corpora" / JH, root / "corpus" / JH)
    _write(root / "corpus" / JH, ANTICIPATED)
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    rebuild_index(s)
    return s


@pytest.fixture(scope="module")
def jh(jh_settings: Settings) -> Assistant:
    return build_assistant(jh_settings)


def test_loaded_and_chunked_as_questions(jh: Assistant) -> None:
    reg = jh.library.regulations[0]
    assert [(q.article, q.paragraph, q.lang) for q in reg.anticipated] == [
        (6, 2, "en"), (6, 2, "zh"), (5, 1, "en")]
    chunks = chunk_regulation(reg)
    questions = [c for c in chunks if not c.is_provision]
    assert [c.text for c in questions] == [r["text"] for r in ANTICIPATED]
    assert all(c.kind == "question" and c.paragraph is not None for c in questions)
    # The provisions are the same chunks as without the file.
    bare = load_regulation(DATA / "corpora" / JH)
    assert [c for c in chunks if c.is_provision] == chunk_regulation(bare)


@pytest.mark.parametrize(("question", "lang"), [
    ("Is a licence needed to dig gravel from the riverbed?", "en"),
    ("在河床挖石子要办证吗？", "zh"),
])
def test_a_plain_words_question_finds_its_paragraph(jh: Assistant, question: str,
                                                    lang: str) -> None:
    r = jh.retriever
    hits = r.search(question, 3, lang=lang)  # type: ignore[arg-type]
    assert (hits[0].article, hits[0].paragraphs[0].number) == (6, 2)
    # It got there through the anticipated question: the keyword list ranks it first.
    bm25 = r.ranked_lists(question, lang, "bm25")[0]  # type: ignore[arg-type]
    assert not r.chunks[bm25[0]].is_provision
    assert r.chunks[bm25[0]].article == 6
    text_only = r.ranked_lists(question, lang, "bm25", questions=False)  # type: ignore[arg-type]
    assert all(r.chunks[i].is_provision for ranking in text_only for i in ranking)


@pytest.mark.parametrize("question", [GRAVEL_EN, GRAVEL_ZH])
def test_answers_quote_the_law_never_the_question(jh: Assistant, question: str) -> None:
    answer = jh.ask(question)
    assert not answer.refused
    assert [(c.article, c.paragraph) for c in answer.citations][:1] == [(6, 2)]
    para = jh.library.regulations[0].article(6).paragraph(2)
    assert answer.citations[0].zh == para.zh
    assert answer.citations[0].en == para.en
    assert question not in answer.answer
    assert ("采砂许可证" if answer.lang == "zh" else "sand extraction permit") in answer.answer


def test_the_scope_judge_measures_against_provisions_only(jh: Assistant) -> None:
    provisions = [c for c in jh.retriever.chunks if c.is_provision]
    assert jh.retriever.has_questions
    assert jh.judge._chunk_vectors.shape[0] == len(provisions)
    # An anticipated question asked word for word is near the question's own chunk
    # (similarity 1), but the margin is taken to the text, so it stays below 1.
    vector = jh.retriever.embed(GRAVEL_EN)
    assert jh.judge.margin(vector) < 0.5


def test_eval_shows_the_text_only_row(jh: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "lang": "en", "gold": [6],
                                "question": "Is a licence needed to dig gravel?"}) + "\n",
                    encoding="utf-8")
    report = evaluate(jh, load_questions(path))
    assert set(report.scores) == {"bm25", "dense", "text-only", "hybrid"}
    assert "fused, text only" in format_table(report)


def test_no_file_no_question_chunks_no_extra_row(tmp_path: Path) -> None:
    shutil.copytree(DATA / "corpora" / JH, tmp_path / "corpus" / JH)
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    rebuild_index(s)
    a = build_assistant(s)
    assert not a.retriever.has_questions
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "lang": "zh", "gold": [5],
                                "question": "河长负责什么？"}) + "\n", encoding="utf-8")
    assert set(evaluate(a, load_questions(path)).scores) == {"bm25", "dense", "hybrid"}


@pytest.mark.parametrize(("line", "says"), [
    ("{not json", ":1: not JSON"),
    ('["a list"]', ":1: expected a JSON object"),
    ('{"article": 6, "paragraph": 2, "lang": "fr", "text": "?"}', "lang"),
    ('{"article": "6", "paragraph": 2, "lang": "en", "text": "?"}', "integer article"),
    ('{"article": 6, "paragraph": 2, "lang": "en", "text": "  "}', "empty"),
    ('{"article": 6, "paragraph": 2, "lang": "en", "text": "' + "x" * 600 + '"}', "longer"),
    ('{"article": 60, "paragraph": 1, "lang": "en", "text": "?"}', "no Article 60"),
    ('{"article": 6, "paragraph": 3, "lang": "en", "text": "?"}', "has 2 paragraph"),
])
def test_a_bad_line_names_the_file_and_line(tmp_path: Path, line: str, says: str) -> None:
    folder = tmp_path / JH
    shutil.copytree(DATA / "corpora" / JH, folder)
    _write(folder, [line])
    with pytest.raises(CorpusError) as err:
        load_regulation(folder)
    assert ANTICIPATED_FILE in err.value.message
    assert says in err.value.message


def test_bundled_questions_cover_every_paragraph(settings: Settings) -> None:
    reg = load_regulation(settings.regulation_dir)
    covered = {(q.article, q.paragraph, q.lang) for q in reg.anticipated}
    missing = [(a.number, p.number, lang) for a in reg.articles for p in a.paragraphs
               for lang in ("zh", "en") if (a.number, p.number, lang) not in covered]
    assert missing == []
