"""The glossary is product: enough terms, each used consistently by the rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.text.corpus import Regulation
from assistant.text.glossary import Term, load_glossary, search

from .helpers import regulation_dir


@pytest.fixture(scope="module")
def terms(settings) -> tuple[Term, ...]:
    return load_glossary(regulation_dir(settings))


def test_at_least_eighty_terms_with_english(terms: tuple[Term, ...]) -> None:
    assert len(terms) >= 80
    assert all(t.zh and t.en for t in terms)
    assert len({t.zh for t in terms}) == len(terms)


def test_every_term_occurs_in_the_official_text(
    terms: tuple[Term, ...], regulation: Regulation
) -> None:
    text = "".join(p.zh for a in regulation.articles for p in a.paragraphs)
    assert [t.zh for t in terms if t.zh not in text] == []


def test_rendering_uses_the_glossary_english_wherever_the_term_occurs(
    terms: tuple[Term, ...], regulation: Regulation
) -> None:
    drift = [
        f"{t.zh} in {a.number}({p.number}): none of {t.english_forms}"
        for t in terms
        for a in regulation.articles
        for p in a.paragraphs
        if t.zh in p.zh
        and not any(form.casefold() in (p.en or "").casefold() for form in t.english_forms)
    ]
    assert drift == []


def test_consistency_check_catches_drift(terms: tuple[Term, ...]) -> None:
    # The check above can fail: a paragraph rendering 链长制 some other way is drift.
    term = next(t for t in terms if t.zh == "链长制")
    drifted = "establish and improve the chain chief mechanism"
    assert not any(form.casefold() in drifted.casefold() for form in term.english_forms)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("新质生产力", "新质生产力", id="zh"),
        pytest.param("New Quality Productive", "新质生产力", id="en-any-case"),
        pytest.param("flexible", "弹性年期出让", id="en-substring"),
    ],
)
def test_search_both_languages(terms: tuple[Term, ...], query: str, expected: str) -> None:
    assert expected in [t.zh for t in search(terms, query)]


def test_malformed_glossary_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "glossary.json").write_text('[{"zh": "x"', encoding="utf-8")
    with pytest.raises(CorpusError, match="line 1: not valid JSON"):
        load_glossary(tmp_path)
    (tmp_path / "glossary.json").write_text(json.dumps([{"zh": "x", "en": ""}]), "utf-8")
    with pytest.raises(CorpusError, match="entry 1 needs"):
        load_glossary(tmp_path)
