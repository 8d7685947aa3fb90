"""Chunks: the units that are embedded and searched.

One chunk per paragraph (款) and one per whole article of more than one
paragraph, in each language the corpus has. Every chunk carries its article,
paragraph (None for a whole article) and language, so a hit always maps back
to a citable provision.

A regulation's anticipated questions (``anticipated.jsonl``) become chunks of
kind "question", tied to the paragraph that answers them: they are searched
like the text, so a question in plain words can land on the provision, but
they are never quoted. Provision chunks are kind "provision".

Its unaddressed questions (``unaddressed.jsonl``) become chunks of kind
"unaddressed", with article 0: they are embedded with the rest so the scope
judge can read their vectors, but never searched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..text.corpus import Regulation

#: Bump when the way chunks are cut changes; the index manifest records it.
CHUNKING_VERSION = 2

Lang = Literal["zh", "en"]
Kind = Literal["provision", "question", "unaddressed"]


@dataclass(frozen=True)
class Chunk:
    """A searchable piece of a regulation in one language."""

    id: str
    regulation: str
    article: int
    paragraph: int | None
    lang: Lang
    text: str
    kind: Kind = "provision"

    @property
    def is_provision(self) -> bool:
        """Whether the chunk is the regulation's text (not an anticipated question)."""
        return self.kind == "provision"

    @property
    def searchable(self) -> bool:
        """Whether retrieval ranks the chunk: the text and the anticipated questions,
        not the questions the regulation does not address."""
        return self.kind != "unaddressed"

    def to_json(self) -> dict[str, Any]:
        """The chunk as stored in the index's chunks.json."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        """Read a chunk back from chunks.json."""
        return cls(**data)


def chunk_regulation(reg: Regulation) -> list[Chunk]:
    """Paragraph chunks and whole-article chunks, Chinese and (when present) English."""
    chunks: list[Chunk] = []
    for art in reg.articles:
        for lang in ("zh", "en"):
            whole = art.zh if lang == "zh" else art.en
            if whole is None:
                continue
            if len(art.paragraphs) > 1:
                # The whole article, for questions that span its paragraphs.
                chunks.append(Chunk(f"{reg.id}/{art.number}/{lang}", reg.id, art.number,
                                    None, lang, whole))
            for para in art.paragraphs:
                text = para.zh if lang == "zh" else para.en
                chunks.append(Chunk(f"{reg.id}/{art.number}.{para.number}/{lang}", reg.id,
                                    art.number, para.number, lang, text or ""))
    for n, q in enumerate(reg.anticipated, 1):
        chunks.append(Chunk(f"{reg.id}/{q.article}.{q.paragraph}/{q.lang}/q{n}", reg.id,
                            q.article, q.paragraph, q.lang, q.text, "question"))
    for n, u in enumerate(reg.unaddressed, 1):
        chunks.append(Chunk(f"{reg.id}/unaddressed/{u.lang}/{n}", reg.id, 0, None, u.lang,
                            u.text, "unaddressed"))
    return chunks
