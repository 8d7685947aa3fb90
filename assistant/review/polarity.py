"""Polarity: does a statement say the opposite of the provision it is about?

Two ways a statement turns a provision around. It negates what the provision
permits, supports or requires (不得, 禁止, 无须, 排除, "may not", "is excluded",
"rules out") or affirms what the provision prohibits; or it puts a verb of the
opposite direction on the same thing (提高 … 压降, "step up" … "scale back").
Both are read against the provision's clause and the clause governing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..search.chunking import Lang

# How far after a verb of direction its object is read: characters (zh), words (en).
_OBJECT_CHARS = 8
_OBJECT_WORDS = 4
_PROVISION_SPAN = 24  # characters after the provision's verb where the same object is sought


@dataclass(frozen=True)
class Opposite:
    """The statement's words and the provision's that say opposite things."""

    statement: str
    provision: str


def _clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around ``text[start:end]``."""
    left = max((text.rfind(c, 0, start) for c in "，,；;。.：:"), default=-1)
    rights = [i for i in (text.find(c, end) for c in "，,；;。.：:") if i != -1]
    return text[left + 1:min(rights) if rights else len(text)].strip()


class PolarityReader:
    """Finds negation and reversed direction, with the words of ``check_terms.json``."""

    def __init__(self, terms: dict[str, object]) -> None:
        negation = terms["negation"]
        self.negation = {lang: re.compile("|".join(negation[lang]), re.IGNORECASE)  # type: ignore[index]
                         for lang in ("zh", "en")}
        self.antonyms = terms["antonyms"]

    def negations(self, text: str, lang: Lang) -> list[re.Match[str]]:
        """Every negation ``text`` writes, except those that only set an alternative
        aside (", not by the cities", "but not data", 而不是): those change an actor, a
        list or a modality, and are read as such."""
        out = []
        for m in self.negation[lang].finditer(text):
            clause = _clause(text, m.start(), m.end())
            head = text[:m.start()].rstrip()
            if lang == "zh":
                contrast = bool(re.search(r"而$", head))
            else:
                lead = clause.lower().split(" ", 1)[0]
                contrast = lead in ("but", "not", "rather", "instead") or head.endswith(",")
            if not contrast:
                out.append(m)
        return out

    def compare(self, statement: str, provision: str, lang: Lang,
                affirms: bool) -> Opposite | None:
        """What of ``statement`` says the opposite of ``provision`` (its clause and the
        clause governing it), or None. ``affirms``: the statement permits, supports or
        requires something (its modality), so that it contradicts a prohibition."""
        said = self.negations(statement, lang)
        held = self.negations(provision, lang)
        if said and not held:
            m = said[0]
            return Opposite(_clause(statement, m.start(), m.end()), provision)
        if held and not said and affirms:
            m = held[0]
            return Opposite(statement, _clause(provision, m.start(), m.end()))
        return self._reversed(statement, provision, lang)

    def _reversed(self, statement: str, provision: str, lang: Lang) -> Opposite | None:
        """A verb of one direction in the statement where the provision writes one of the
        other on the same object (the statement's next words reappear after it)."""
        words = self.antonyms[lang]  # type: ignore[index]
        low_s, low_p = statement.lower(), provision.lower()

        def find(word: str, text: str) -> list[re.Match[str]]:
            edge = "" if lang == "zh" else r"\b"
            return list(re.finditer(edge + re.escape(word), text))

        for side, other in (("down", "up"), ("up", "down")):
            for word in words[side]:
                if find(word, low_p):
                    continue
                for m in find(word, low_s):
                    thing = _object(low_s[m.end():], lang)
                    if not thing:
                        continue
                    for opposite in words[other]:
                        if find(opposite, low_s):
                            continue
                        for n in find(opposite, low_p):
                            after = low_p[n.end():n.end() + _PROVISION_SPAN * (
                                1 if lang == "zh" else 4)]
                            if _same_object(thing, after, lang):
                                return Opposite(
                                    _clause(statement, m.start(), m.end()),
                                    _clause(provision, n.start(), n.end()))
        return None


def _object(after: str, lang: Lang) -> str | list[str]:
    """The words right after a verb: its object."""
    if lang == "zh":
        return re.split(r"[，,；;。：:]", after, maxsplit=1)[0][:_OBJECT_CHARS]
    words = [w for w in re.findall(r"[a-z][\w-]+", after) if len(w) > 3
             and w not in ("that", "their", "with", "from", "into", "such", "than", "them")]
    return words[:_OBJECT_WORDS]


def _same_object(thing: str | list[str], after: str, lang: Lang) -> bool:
    """Whether ``after`` (the provision's words after its verb) holds the object: a run
    of 3 characters (zh), or a word sharing its first 5 letters (en)."""
    if lang == "zh":
        text = str(thing)
        return any(text[i:i + 3] in after for i in range(max(0, len(text) - 2)))
    return any(w[:5] in after for w in thing)
