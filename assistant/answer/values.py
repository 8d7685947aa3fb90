"""The values answers are made of: ``Citation`` and ``Answer``.

Every edge (CLI, page, API, eval) formats these; nothing below them depends on
how they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..search.chunking import Lang
from ..text.library import Library


@dataclass(frozen=True)
class Citation:
    """A provision an answer rests on (or, under a refusal, one shown as related)."""

    article: int
    paragraph: int | None
    label: str
    zh: str
    en: str | None
    regulation: str = ""  # the regulation's id (its folder name)
    titled: bool = False  # several regulations are loaded: the label names this one
    # The question's terms this provision covers: {"term", "matched", "kind"} (evidence.py).
    evidence: tuple[dict[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md shape: article, paragraph, label, zh, en; with several regulations
        loaded, also the regulation's id."""
        out: dict[str, Any] = {"article": self.article, "paragraph": self.paragraph,
                               "label": self.label, "zh": self.zh, "en": self.en}
        if self.titled:
            out["regulation"] = self.regulation
        if self.evidence:
            out["evidence"] = [dict(e) for e in self.evidence]
        return out


@dataclass(frozen=True)
class Answer:
    """What every edge (CLI, page, API, eval) formats."""

    question: str
    lang: Lang
    mode: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    notes: tuple[str, ...] = ()
    searched: str | None = None  # the standalone question searched, when a follow-up was rewritten
    # When a reference could mean an article of several regulations: their ids, and
    # the answer asks which (``related`` shows the candidates).
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The Answer JSON of DESIGN.md, plus ``notes``, ``searched`` and ``choices`` when set."""
        out: dict[str, Any] = {
            "question": self.question, "lang": self.lang, "mode": self.mode,
            "answer": self.answer, "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.searched:
            out["searched"] = self.searched
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def citation(library: Library, regulation: str, article: int,
             paragraph: int | None) -> Citation:
    """The citation of a paragraph (or a whole article when ``paragraph`` is None)."""
    art = library.get(regulation).article(article)
    if paragraph is None and len(art.paragraphs) == 1:
        paragraph = 1
    if paragraph is None:
        return Citation(article, None, library.label(regulation, article), art.zh, art.en,
                        regulation, library.multiple)
    para = art.paragraph(paragraph)
    return Citation(article, paragraph, library.label(regulation, article, paragraph),
                    para.zh, para.en, regulation, library.multiple)
