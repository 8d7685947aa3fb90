"""The bilingual glossary: the English our rendering uses for each Chinese term.

``glossary.json`` in a regulation's folder is a list of
``{"zh", "en", "variants", "note"}``, optionally with ``aliases``; ``variants``
are other accepted renderings (and inflected forms) a translator may meet,
``aliases`` the Chinese shorthand people write for the term (首台套, 技改),
which is never our rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError

GLOSSARY_FILE = "glossary.json"


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    zh: str
    en: str
    variants: tuple[str, ...] = ()
    note: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def english_forms(self) -> tuple[str, ...]:
        """The agreed English followed by its accepted variants."""
        return (self.en, *self.variants)

    def matches(self, query: str) -> bool:
        """Whether ``query`` occurs in the term's Chinese, English or variants (any case)."""
        q = query.strip().casefold()
        return bool(q) and any(q in text.casefold() for text in (self.zh, *self.english_forms))

    def to_json(self) -> dict[str, str | list[str]]:
        """The contract shape: ``{"zh", "en", "note"}`` (variants follow the note, then
        aliases when there are any)."""
        out: dict[str, str | list[str]] = {"zh": self.zh, "en": self.en, "note": self.note,
                                           "variants": list(self.variants)}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        return out


def load_glossary(folder: Path) -> tuple[Term, ...]:
    """Read ``glossary.json`` from a regulation folder; an absent file is an empty glossary."""
    path = folder / GLOSSARY_FILE
    if not path.exists():
        return ()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})",
                          "fix the JSON syntax") from None
    if not isinstance(raw, list):
        raise CorpusError(f"{path}: expected a JSON list of terms", "wrap the entries in [ ]")
    terms: list[Term] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not entry.get("zh") or not entry.get("en"):
            raise CorpusError(f"{path}: entry {i} needs non-empty \"zh\" and \"en\"",
                              "give every term its Chinese and English")
        if entry["zh"] in seen:
            raise CorpusError(f"{path}: entry {i} repeats the term {entry['zh']}",
                              "merge the two entries")
        seen.add(entry["zh"])
        for key in ("variants", "aliases"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise CorpusError(f"{path}: entry {i} ({entry['zh']}): \"{key}\" must be a "
                                  "list of non-empty strings", f"write \"{key}\": [\"…\"]")
        terms.append(Term(entry["zh"], entry["en"], tuple(entry.get("variants", ())),
                          entry.get("note", ""), tuple(entry.get("aliases", ()))))
    return tuple(terms)


def search(terms: tuple[Term, ...], query: str | None) -> list[Term]:
    """Terms matching ``query`` in either language; all terms when the query is empty."""
    if not query or not query.strip():
        return list(terms)
    return [t for t in terms if t.matches(query)]
