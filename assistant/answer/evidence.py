"""What a question asks about, and which of it each provision covers.

A question's terms are its glossary concepts (matched through their Chinese,
their English and its variants, and the shorthand in ``aliases``: 首台套, 技改),
its content words and its numbers. A provision covers a term when its official
text (for a Chinese word) or our aligned English rendering (for an English
word) holds it; a glossary concept is covered in either language, so an English
question about "first units (sets)" meets 首台（套）. Brackets, spaces and
full/half width are ignored on both sides.

Two uses:

- ``evidence``: for each provision an answer cites, the question's terms it
  covers, as the Answer JSON's ``evidence`` (DESIGN.md);
- ``uncovered``: a question whose content terms no provision covers is not
  about the regulation, whatever the embedding margin says.

A content word is a word rarer than ``COMMON_ZIPF`` in general use (wordfreq's
Zipf scale, where 5 is once per 100,000 words): 已经, 知道, 今年, good, time
and year say nothing about what is asked; 啤酒节, 索道, seafood and hiking do.
Words of one Chinese character are left out (too short to match reliably
inside longer words); numbers of three digits or more are (a year, a
figure), shorter ones are not.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..search.chunking import Lang
from ..search.sparse import Tokenizers
from ..text.corpus import Paragraph, Regulation
from ..text.glossary import Term
from ..text.script import HAN, has_han

#: Words at least this common in general use (Zipf scale) are not content words.
COMMON_ZIPF = 5.0
#: When no provision's text holds any of a question's content terms, their anticipated
#: questions must hold at least this share of them for the question to count as covered.
ANTICIPATED_SHARE = 0.3

Kind = Literal["glossary", "word", "number"]

# Spaces, brackets and quotation marks (ASCII and full-width) are ignored in matching.
_FOLD = re.compile("[\\s()\uff08\uff09\\[\\]\u3010\u3011\u3014\u3015<>\u300a\u300b"
                   "\"'\u201c\u201d\u2018\u2019\u00b7]")
_EN_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# How many (term, regulation) pairs ``holders`` remembers before starting afresh.
_HELD_KEPT = 20_000


def fold(text: str) -> str:
    """``text`` for matching: NFKC (full width to half), lower case, no brackets or spaces."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", text).lower())


@functools.lru_cache(maxsize=20_000)
def zipf(word: str, lang: Lang) -> float:
    """How common ``word`` is in general ``lang`` text (wordfreq's Zipf scale; 0 if unknown)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, lang))


@dataclass(frozen=True)
class QTerm:
    """One term of a question: as written, what kind, and how a provision may hold it."""

    term: str  # as the question wrote it
    kind: Kind
    lang: Lang  # the language it is matched in (a glossary term: both)
    key: str  # folded word (zh, number), stem (en), or the glossary entry's zh headword
    content: bool  # whether it can make a question about the regulation


@dataclass(frozen=True)
class _Provision:
    zh: str  # folded official text
    en_stems: frozenset[str]
    en_words: tuple[str, ...]  # its English words, as written (lower case)
    en_seq: tuple[str, ...]  # its English stems in order (a phrase is a run of them)
    numbers: frozenset[str]


class Coverage:
    """The question's terms, and which provisions of the loaded regulations cover them."""

    def __init__(self, regulations: Sequence[Regulation], tokenizers: Tokenizers,
                 terms: Sequence[Term]) -> None:
        self.tokenizers = tokenizers
        self.terms = tuple(terms)
        self._provisions: dict[tuple[str, int, int], _Provision] = {}
        # Each provision with the anticipated questions tied to it (document expansion):
        # what it answers in users' words, for the coverage refusal, never for evidence.
        self._expanded: dict[tuple[str, int, int], _Provision] = {}
        for reg in regulations:
            asked: dict[tuple[int, int], list[str]] = {}
            for q in reg.anticipated:
                asked.setdefault((q.article, q.paragraph), []).append(q.text)
            for article in reg.articles:
                for para in article.paragraphs:
                    key = (reg.id, article.number, para.number)
                    self._provisions[key] = self._read(para)
                    extra = asked.get((article.number, para.number))
                    if extra:
                        self._expanded[key] = self._read(Paragraph(
                            para.number, para.zh + "\n" + "\n".join(extra),
                            (para.en or "") + "\n" + "\n".join(extra)))
        self._by_regulation: dict[str, list[tuple[str, int, int]]] = {}
        for key in self._provisions:
            self._by_regulation.setdefault(key[0], []).append(key)
        self._held: dict[tuple[QTerm, str], tuple[tuple[str, int, int], ...]] = {}
        self._aliases = [(t, [fold(f) for f in (t.zh, *t.aliases)]) for t in self.terms]
        # Each entry's folded Chinese and stemmed English forms, as provisions are matched.
        self._forms = {t.zh: (fold(t.zh), [stems for f in t.english_forms
                                           if (stems := tokenizers.en(f))])
                       for t in self.terms}

    def _read(self, para: Paragraph) -> _Provision:
        en = unicodedata.normalize("NFKC", para.en or "").lower()
        words = tuple(_EN_WORD.findall(en))
        seq = tuple(self.tokenizers.en(" ".join(words)))
        numbers = frozenset(_NUMBER.findall(unicodedata.normalize("NFKC", para.zh + " " + en)))
        return _Provision(fold(para.zh), frozenset(seq), words, seq, numbers)

    # ---------------------------------------------------------------- question terms

    def question_terms(self, question: str, lang: Lang) -> list[QTerm]:
        """The question's glossary concepts, content words and numbers, in order found."""
        out: list[QTerm] = []
        folded = fold(question)
        inside: list[str] = []  # the question's words that a glossary concept already holds
        # The English concepts found, each with the question's words that matched it.
        in_english = {t.zh: words for t, words in self.tokenizers.en_terms_found(question)}
        inside_en: set[str] = set()  # the stems of the English concepts found
        for term, forms in self._aliases:
            hit = next((f for f in forms if f and f in folded), None)
            if hit is None and term.zh in in_english:
                hit = in_english[term.zh]
                inside_en.update(s for stems in self._forms[term.zh][1] for s in stems)
            if hit is not None:
                out.append(QTerm(hit, "glossary", lang, term.zh, True))
                inside.append(hit)
        seen = {q.key for q in out}
        for word in self._words(question, lang):
            key = fold(word) if lang == "zh" or has_han(word) else " ".join(
                self.tokenizers.en(word))
            if not key or key in seen or any(key in h for h in inside if has_han(key)):
                continue
            if not has_han(word) and set(key.split()) <= inside_en:
                continue
            seen.add(key)
            w_lang: Lang = "zh" if has_han(word) else "en"
            if w_lang == "zh" and len(key) < 2:
                continue
            content = zipf(word, w_lang) < COMMON_ZIPF
            out.append(QTerm(word, "word", w_lang, key, content))
        for number in _NUMBER.findall(unicodedata.normalize("NFKC", question)):
            if number not in seen:
                seen.add(number)
                # A year or a longer figure (2024, 300) says what is asked about; 1 or
                # 10 occur in too many provisions to.
                out.append(QTerm(number, "number", lang, number, len(number) >= 3))
        return out

    def _words(self, question: str, lang: Lang) -> list[str]:
        """The question's words; a Chinese word no provision holds (财政资金) gives way to
        its shorter words (财政, 资金), so a compound the text never writes still meets
        the words it does."""
        tok = self.tokenizers
        text = unicodedata.normalize("NFKC", question)
        words: list[str] = []
        for piece in tok.jieba.lcut(text) if has_han(text) else [text]:
            if HAN.search(piece):
                if tok.zh(piece) and not _NUMBER.fullmatch(piece):
                    words += self._held_parts(piece)
            else:
                words += [w for w in _EN_WORD.findall(piece.lower()) if tok.en(w)]
        return words

    def _held_parts(self, word: str) -> list[str]:
        folded = fold(word)
        if len(word) < 3 or any(folded in p.zh for p in self._provisions.values()):
            return [word]
        parts: list[str] = []
        end = 0  # search mode gives overlapping pieces (财政, 政资, 资金): keep those that do not
        for piece, start, stop in self.tokenizers.jieba.tokenize(word, mode="search"):
            if len(piece) >= 2 and piece != word and start >= end and HAN.search(piece):
                parts.append(piece)
                end = stop
        return parts or [word]

    # ---------------------------------------------------------------- coverage

    def covers(self, term: QTerm, key: tuple[str, int, int], questions: bool = False
               ) -> str | None:
        """How provision ``key`` (regulation, article, paragraph) holds ``term``, or None;
        with ``questions``, its anticipated questions count as its words too."""
        p = (self._expanded.get(key) if questions else None) or self._provisions.get(key)
        if p is None:
            return None
        if term.kind == "glossary":
            zh, english = self._forms[term.key]
            # An English form is held as a run of its words (stopwords aside), not as a
            # bag: "leading enterprise" is not in "backbone enterprises … a leading role".
            held = zh in p.zh or any(set(stems) <= p.en_stems and _has_run(p.en_seq, stems)
                                     for stems in english)
            return term.key if held else None
        if term.kind == "number":
            return term.key if term.key in p.numbers else None
        if term.lang == "zh":
            return term.term if term.key in p.zh else None
        stems = term.key.split()
        if stems and all(s in p.en_stems for s in stems):
            return next((w for w in p.en_words if self.tokenizers.en(w) == stems), term.term)
        return None

    def keys(self, regulation: str | None = None) -> list[tuple[str, int, int]]:
        """Every provision (regulation, article, paragraph), in the text's order; with
        ``regulation``, that regulation's only."""
        if regulation is None:
            return list(self._provisions)
        return self._by_regulation.get(regulation, [])

    def holders(self, term: QTerm, regulation: str) -> tuple[tuple[str, int, int], ...]:
        """The provisions of ``regulation`` whose text covers ``term``, in order."""
        found = self._held.get((term, regulation))
        if found is None:
            if len(self._held) > _HELD_KEPT:
                self._held.clear()
            found = self._held[(term, regulation)] = tuple(
                k for k in self.keys(regulation) if self.covers(term, k) is not None)
        return found

    def held(self, terms: Sequence[QTerm], regulation: str) -> list[QTerm]:
        """The content terms of ``terms`` that some provision of ``regulation`` holds."""
        return [t for t in terms if t.content and self.holders(t, regulation)]

    def article_evidence(self, terms: Sequence[QTerm], regulation: str, article: int,
                         questions: bool = False) -> bool:
        """Whether a paragraph of ``regulation``'s ``article`` holds one of ``terms`` in its
        text (any kind), or, with ``questions``, one of their content terms in the
        questions anticipated for it."""
        keys = [k for k in self.keys(regulation) if k[1] == article]
        return any(self.covers(t, k) is not None for t in terms for k in keys) or (
            questions and any(self.covers(t, k, True) is not None
                              for t in terms if t.content for k in keys))

    def share(self, term: QTerm, regulation: str) -> float:
        """The share of ``regulation``'s provisions whose text covers ``term`` (0 to 1)."""
        return len(self.holders(term, regulation)) / max(len(self.keys(regulation)), 1)

    def holds_phrase(self, stems: Sequence[str], key: tuple[str, int, int]) -> bool:
        """Whether provision ``key``'s English rendering holds the stems ``stems`` as a run
        (stopwords aside): "supply chains" in "industrial chains and supply chains"."""
        return _has_run(self._provisions[key].en_seq, stems)

    def evidence(self, terms: Sequence[QTerm], key: tuple[str, int, int]
                 ) -> tuple[dict[str, str], ...]:
        """The Answer JSON's ``evidence`` of one cited provision."""
        out = []
        for term in terms:
            matched = self.covers(term, key)
            if matched is not None:
                out.append({"term": term.term, "matched": matched, "kind": term.kind})
        return tuple(out)

    def uncovered(self, terms: Sequence[QTerm], regulations: Sequence[str] | None = None,
                  questions: bool = True) -> list[str] | None:
        """The question's content terms when it has some and no provision covers any of
        them (the question is not about these regulations); else None. With
        ``questions``, a provision's anticipated questions count as its words."""
        content = [t for t in terms if t.content]
        if not content:
            return None
        keys = [k for k in self._provisions if regulations is None or k[0] in regulations]
        if any(self.covers(t, k) is not None for t in content for k in keys):
            return None
        # Held only in anticipated questions: those vouch for a question when they hold a
        # fair part of it, not one everyday word of six ("周末想带孩子去爬泰山，索道需要提前
        # 预约吗？" meets 提前 in one).
        held = [t for t in content if questions and any(
            self.covers(t, k, True) is not None for k in keys)]
        if held and len(held) >= ANTICIPATED_SHARE * len(content):
            return None
        return [t.term for t in content]


def _has_run(seq: Sequence[str], stems: Sequence[str]) -> bool:
    """Whether ``seq`` holds ``stems`` in a row."""
    n = len(stems)
    return n > 0 and any(tuple(seq[i:i + n]) == tuple(stems) for i in range(len(seq) - n + 1))
