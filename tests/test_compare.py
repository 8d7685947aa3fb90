"""Comparing renderings: planted faults are flagged, and nothing else is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.app import Assistant, build_assistant
from assistant.review.compare import Comparer
from assistant.settings import Settings

from .helpers import regulation_dir
from .test_cli import run

RENDERINGS = Path(__file__).parent / "data" / "renderings"


@pytest.fixture(scope="module")
def comparer(settings: Settings) -> Comparer:
    a: Assistant = build_assistant(settings)
    return Comparer(a.regulation, a.embeddings, a.retriever.tokenizers, a.glossary,
                    a.extractive.pos)


def test_our_rendering_of_every_article_is_clean(comparer: Comparer) -> None:
    flagged = {}
    for art in comparer.regulation.articles:
        report = comparer.compare(art.number, None, art.en or "")
        if not report.clean:
            flagged[art.number] = report.to_json()
    assert flagged == {}


def _report(comparer: Comparer, article: int, name: str) -> dict:
    return comparer.compare(article, None,
                            (RENDERINGS / name).read_text(encoding="utf-8")).to_json()


def _flags(report: dict) -> dict[str, int]:
    return {k: len(report[k]) for k in ("omissions", "additions", "terms", "numbers")
            if report[k]}


def test_omission_is_flagged_and_nothing_else(comparer: Comparer) -> None:
    report = _report(comparer, 9, "omission.en.txt")
    assert _flags(report) == {"omissions": 1}
    assert report["omissions"][0]["zh"] == "支持先进制造业企业自主开展职业技能等级认定。"
    assert report["clean"] is False


def test_term_drift_is_flagged_and_nothing_else(comparer: Comparer) -> None:
    report = _report(comparer, 6, "term-drift.en.txt")
    assert _flags(report) == {"terms": 1}
    assert report["terms"][0]["zh"] == "链长制"
    assert report["terms"][0]["expected"] == "chain leader system"
    assert "chain boss mechanism" in report["terms"][0]["sentence"]


def test_wrong_date_is_flagged_and_nothing_else(comparer: Comparer) -> None:
    report = _report(comparer, 20, "wrong-date.en.txt")
    assert _flags(report) == {"numbers": 1}
    assert report["numbers"][0]["expected"] == "2024-12-01"
    assert report["numbers"][0]["candidate"] == "2025-12-01"


def test_dropped_list_item_is_flagged_and_nothing_else(comparer: Comparer) -> None:
    report = _report(comparer, 4, "dropped-item.en.txt")
    assert _flags(report) == {"numbers": 1}
    assert report["numbers"][0]["expected"] == "a list of 6 items"
    assert report["numbers"][0]["candidate"] == "a list of 5 items"


def test_alignment_shows_our_rendering_beside_the_candidate(comparer: Comparer) -> None:
    report = _report(comparer, 9, "omission.en.txt")
    first = report["alignments"][0]
    assert first["zh"].startswith("县级以上人民政府应当推动创新链")
    assert first["reference"].startswith("People's governments at or above the county level")
    assert first["candidate"] == first["reference"]
    assert first["similarity"] > 0.8


def test_a_paragraph_from_a_file_shaped_like_our_rendering(comparer: Comparer,
                                                          settings: Settings) -> None:
    whole = (regulation_dir(settings) / "en.txt").read_text(encoding="utf-8")
    report = comparer.compare(17, 2, whole)
    assert report.clean
    assert len(report.alignments) == 1


def test_cli_compare_json_from_stdin(capsys, monkeypatch) -> None:
    import io

    text = (RENDERINGS / "wrong-date.en.txt").read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, _ = run(capsys, "compare", "20", "-", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["article"] == 20
    assert data["clean"] is False
    assert set(data) >= {"alignments", "omissions", "additions", "terms", "numbers", "clean"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["compare", "25", "-"], "there is no Article 25", id="no-article"),
        pytest.param(["compare", "17", "/no/such/file"], "No such file", id="no-file"),
    ],
)
def test_cli_compare_bad_input(capsys, monkeypatch, args: list[str], says: str) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Some text."))
    code, _, err = run(capsys, *args)
    assert code == 2
    assert says in err
