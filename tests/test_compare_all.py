"""Comparing a whole rendering: ours is clean; three planted faults are flagged, and only they."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from translate.storage import xliff

from assistant.answer.prompts import load_prompts
from assistant.app import build_assistant
from assistant.errors import UsageError
from assistant.review.compare import comparer_for
from assistant.review.compare_all import WholeComparer, WholeComparison, read_whole
from assistant.review.exports import export
from assistant.settings import Settings

from .helpers import regulation_dir
from .test_cli import run

# Three faults planted in a copy of our rendering, each a (before, after) replacement. The
# term: 新质生产力 in 2(1) as the glossary's variant, though 1(1) has the agreed English;
# each is acceptable alone, and the two together are an inconsistency.
TERM = ("Article 2 This Province supports and guides the manufacturing industry",
        "new quality productive forces", "new productive forces")
DATE = ("December 1, 2024", "January 1, 2025")
ITEM = ("light industry, building materials,", "building materials,")


@pytest.fixture(scope="module")
def whole(settings: Settings) -> WholeComparer:
    a = build_assistant(settings)
    return WholeComparer(comparer_for(a, a.regulation))


@pytest.fixture(scope="module")
def ours(settings: Settings) -> str:
    return (regulation_dir(settings) / "en.txt").read_text(encoding="utf-8")


def _planted(ours: str, term: str = TERM[2]) -> str:
    blocks = ours.split("\n\n")
    at = next(i for i, b in enumerate(blocks) if b.startswith(TERM[0]))
    assert TERM[1] in blocks[at]
    blocks[at] = blocks[at].replace(TERM[1], term)
    text = "\n\n".join(blocks)
    for before, after in (DATE, ITEM):
        assert text.count(before) == 1
        text = text.replace(before, after)
    return text


@pytest.fixture(scope="module")
def planted(whole: WholeComparer, ours: str) -> WholeComparison:
    return whole.compare(read_whole(_planted(ours).encode()))


def test_our_whole_rendering_is_clean(whole: WholeComparer, ours: str) -> None:
    report = whole.compare(read_whole(ours.encode()))
    assert report.clean, report.to_json()
    assert len(report.articles) == 20


def test_three_planted_faults_are_flagged_and_nothing_else(planted: WholeComparison) -> None:
    # The variant is accepted in Article 2 alone; only the consistency check sees it.
    assert planted.flagged == [4, 20]
    by_article = {c.article: c for c in planted.articles}
    assert [n["expected"] for n in by_article[20].numbers] == ["2024-12-01"]
    assert [n["candidate"] for n in by_article[20].numbers] == ["2025-01-01"]
    assert by_article[4].numbers[0]["expected"].startswith("a list of 6")
    # The dropped item is a glossary term (轻工): its absence is the same fault, seen twice.
    assert [t["zh"] for t in by_article[4].terms] == ["轻工"]
    assert not by_article[20].terms
    assert not any(c.omissions or c.additions for c in planted.articles)
    assert [t["zh"] for t in planted.inconsistent_terms] == ["新质生产力"]


def test_the_term_rendered_two_ways_names_both_and_where(planted: WholeComparison) -> None:
    term = planted.inconsistent_terms[0]
    assert term["renderings"] == ["new quality productive forces", TERM[2]]
    assert term["where"] == {"new quality productive forces": ["1.1"], TERM[2]: ["2.1"]}


def test_a_rendering_outside_the_glossary_is_shown_as_written(
        whole: WholeComparer, ours: str) -> None:
    report = whole.compare(read_whole(_planted(ours, "novel productivity").encode()))
    assert 2 in report.flagged
    assert [t["zh"] for t in report.articles[1].terms] == ["新质生产力"]
    term = next(t for t in report.inconsistent_terms if t["zh"] == "新质生产力")
    assert term["where"]["novel productivity"] == ["2.1"]


def test_a_missing_and_an_extra_article(whole: WholeComparer, ours: str) -> None:
    blocks = [b for b in ours.split("\n\n") if not b.startswith("Article 19 ")]
    text = "\n\n".join(blocks) + "\n\nArticle 21 These Regulations are interpreted by no one.\n"
    report = whole.compare(read_whole(text.encode()))
    assert report.missing == [19]
    assert report.extra == [21]
    data = report.to_json()
    assert data["clean"] is False
    assert data["extra_articles"] == [21]
    assert next(a for a in data["articles"] if a["article"] == 19)["missing"] is True


def test_an_xliff_translated_back_compares_like_the_text(
        whole: WholeComparer, settings: Settings) -> None:
    reg = whole.regulation
    store = xliff.xlifffile.parsestring(
        export(reg, (), "xliff", load_prompts(settings.prompts_dir)))
    ours = {f"{a.number}.{p.number}": p.en for a in reg.articles for p in a.paragraphs}
    for unit in store.units:
        unit.settarget(ours[unit.xmlelement.get("id")])
    assert whole.compare(read_whole(bytes(store))).clean


def test_cli_compare_all_json(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              ours: str) -> None:
    path = tmp_path / "rendering.en.txt"
    path.write_text(_planted(ours), encoding="utf-8")
    code, out, _ = run(capsys, "compare", "--all", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["clean"] is False
    assert [a["article"] for a in data["articles"] if not a["clean"]] == [4, 20]
    assert [t["zh"] for t in data["inconsistent_terms"]] == ["新质生产力"]
    assert set(data["articles"][0]) >= {"article", "clean", "alignments", "omissions",
                                        "additions", "terms", "numbers", "missing"}


@pytest.mark.parametrize(("args", "says"), [
    pytest.param(["compare", "--all", "a.txt", "b.txt"], "--all takes one file", id="two-files"),
    pytest.param(["compare", "17"], "needs an article and a candidate", id="no-candidate"),
    pytest.param(["compare", "--all", "/no/such/file"], "No such file", id="no-file"),
])
def test_cli_compare_all_bad_input(capsys: pytest.CaptureFixture[str], args: list[str],
                                   says: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert says in err


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b"Just a paragraph of English.", "no 'Article N' blocks", id="no-blocks"),
    pytest.param(b"\xff\xfeA\x00", "neither UTF-8", id="not-utf8"),
])
def test_read_whole_names_what_is_wrong(data: bytes, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        read_whole(data)
