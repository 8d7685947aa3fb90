"""Anticipated questions (corpus/<regulation>/anticipated.jsonl): document expansion;
and unaddressed questions (unaddressed.jsonl), for the scope judge.

Anticipated questions are indexed beside the text so a question in plain words
can find its provision, and are never quoted, cited or counted as provisions.
Unaddressed questions are never searched; the scope judge weighs nearness to
them against nearness to the text and the anticipated questions. The tests use
the invented 江海市河道保护条例 (tests/data/corpora/) with questions written
here, and the real embedder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.app import Assistant, build_assistant, rebuild_index
from assistant.errors import CorpusError
from assistant.evaluation import evaluate, format_table, load_questions
from assistant.search.chunking import chunk_regulation
from assistant.settings import Settings
from assistant.text.corpus import ANTICIPATED_FILE, UNADDRESSED_FILE, load_regulation

from .conftest import DATA
from .helpers import regulation_dir

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


# The text requires the permit; what it costs or how long it takes, it does not say.
UNADDRESSED = [
    {"lang": "en", "text": "How much does a sand extraction permit cost?"},
    {"lang": "zh", "text": "办采砂许可证要交多少钱？"},
    {"lang": "en", "text": "How long does it take to get a sand extraction permit?"},
]
FEE_EN = "What is the fee for a sand extraction permit?"


def _write(folder: Path, rows: list[dict[str, object]] | list[str],
           name: str = ANTICIPATED_FILE) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _assistant(root: Path, with_files: bool) -> Assistant:
    shutil.copytree(DATA / "corpora" / JH, root / "corpus" / JH)
    if with_files:
        _write(root / "corpus" / JH, ANTICIPATED)
        _write(root / "corpus" / JH, UNADDRESSED, UNADDRESSED_FILE)
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    rebuild_index(s)
    return build_assistant(s)


@pytest.fixture(scope="module")
def jh(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The river regulation with anticipated and unaddressed questions."""
    return _assistant(tmp_path_factory.mktemp("with"), with_files=True)


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The same regulation without either file."""
    return _assistant(tmp_path_factory.mktemp("bare"), with_files=False)


def test_loaded_and_chunked_as_questions(jh: Assistant) -> None:
    reg = jh.library.regulations[0]
    assert [(q.article, q.paragraph, q.lang) for q in reg.anticipated] == [
        (6, 2, "en"), (6, 2, "zh"), (5, 1, "en")]
    assert [(u.lang, u.text) for u in reg.unaddressed] == [
        (r["lang"], r["text"]) for r in UNADDRESSED]
    chunks = chunk_regulation(reg)
    questions = [c for c in chunks if c.kind == "question"]
    assert [c.text for c in questions] == [r["text"] for r in ANTICIPATED]
    assert all(c.paragraph is not None and c.searchable for c in questions)
    # Provisions, then anticipated questions, then unaddressed ones.
    assert [c.kind for c in chunks[-len(UNADDRESSED):]] == ["unaddressed"] * len(UNADDRESSED)
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


def test_unaddressed_questions_are_never_searched(jh: Assistant) -> None:
    r = jh.retriever
    hidden = [i for i, c in enumerate(r.chunks) if c.kind == "unaddressed"]
    assert len(hidden) == len(UNADDRESSED)
    assert all(r.chunks[i].article == 0 for i in hidden)
    for row in UNADDRESSED:
        for mode in ("dense", "bm25", "hybrid"):
            lists = r.ranked_lists(str(row["text"]), row["lang"], mode)  # type: ignore[arg-type]
            assert not set(hidden) & {i for ranking in lists for i in ranking}
            assert all(h.article > 0 for h in r.search(str(row["text"]), 9, mode=mode))


def test_the_judge_weighs_what_is_addressed_against_what_is_not(
        jh: Assistant, bare: Assistant) -> None:
    # An anticipated question counts as addressed: word for word, it is nearer.
    v = jh.retriever.embed(GRAVEL_EN)
    assert jh.judge.margin(v) > bare.judge.margin(v)
    # A near miss (the permit is in the text, its fee is not) is refused because an
    # unaddressed question is nearer to it than anything the regulation addresses.
    fee = jh.retriever.embed(FEE_EN)
    assert jh.judge.margin(fee) < bare.judge.margin(fee)
    answer = jh.ask(FEE_EN)
    assert answer.refused
    assert any("closer to subjects outside" in n for n in answer.notes)
    assert [(c.article, c.paragraph) for c in answer.related][:1] == [(6, 2)]


def test_eval_shows_the_text_only_row(jh: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "lang": "en", "gold": [6],
                                "question": "Is a licence needed to dig gravel?"}) + "\n",
                    encoding="utf-8")
    report = evaluate(jh, load_questions(path))
    assert set(report.scores) == {"bm25", "dense", "text-only", "hybrid"}
    assert "fused, text only" in format_table(report)


def test_no_file_no_question_chunks_no_extra_row(bare: Assistant, tmp_path: Path) -> None:
    assert not bare.retriever.has_questions
    assert all(c.is_provision for c in bare.retriever.chunks)
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "lang": "zh", "gold": [5],
                                "question": "河长负责什么？"}) + "\n", encoding="utf-8")
    assert set(evaluate(bare, load_questions(path)).scores) == {"bm25", "dense", "hybrid"}


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
    reg = load_regulation(regulation_dir(settings))
    assert reg.has_english
    assert reg.uncovered() == []


def test_index_build_warns_of_paragraphs_without_questions(
        jh: Assistant, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.surfaces.cli import main

    reg = jh.library.regulations[0]
    assert (6, 2, "en") not in reg.uncovered()
    assert (6, 1, "en") in reg.uncovered()
    monkeypatch.setenv("TIAOLI_CORPUS_DIR", str(jh.settings.corpus_dir))
    monkeypatch.setenv("TIAOLI_INDEX_DIR", str(jh.settings.index_dir))
    with pytest.raises(SystemExit) as exc:
        main(["index", "build"])
    _, err = capsys.readouterr()
    assert exc.value.code in (0, None)
    assert f"warning: {JH}: {len(reg.uncovered())} paragraph(s) have no anticipated" in err


@pytest.mark.parametrize(("line", "says"), [
    ('{"text": "What is the minimum wage?"}', ':1: needs lang "zh" or "en"'),
    ('{"lang": "zh", "text": ""}', ":1: the text is empty"),
    ("最低工资是多少？", ":1: not JSON"),
])
def test_a_bad_unaddressed_line_names_the_file_and_line(tmp_path: Path, line: str,
                                                         says: str) -> None:
    folder = tmp_path / JH
    shutil.copytree(DATA / "corpora" / JH, folder)
    _write(folder, [line], UNADDRESSED_FILE)
    with pytest.raises(CorpusError) as err:
        load_regulation(folder)
    assert UNADDRESSED_FILE in err.value.message
    assert says in err.value.message
