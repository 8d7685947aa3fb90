"""Answers: the values, the scope decision and the extractive (default) answerer.

The extractive answerer writes no law of its own: it picks sentences (split
at 。；) from the best provisions and puts them, verbatim, after a lead line
naming the provision ("根据第十七条第二款，" / "Under Article 17(2) of the
Regulations, "), with enumerations repeated as lists. Whether the regulation
addresses a question at all is decided here, in code (``ScopeJudge``), before
any answerer runs; a refused answer puts the closest provisions in
``related``, never in ``citations``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..search.chunking import Chunk, Lang
from ..search.retrieval import Hit, HybridRetriever, normalize
from ..text.corpus import Regulation
from ..text.library import Library
from ..text.references import find_references
from .prompts import Prompts

# How many articles named in a question an answer quotes.
MAX_CITED = 3


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

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md shape: article, paragraph, label, zh, en; with several regulations
        loaded, also the regulation's id."""
        out: dict[str, Any] = {"article": self.article, "paragraph": self.paragraph,
                               "label": self.label, "zh": self.zh, "en": self.en}
        if self.titled:
            out["regulation"] = self.regulation
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


# ------------------------------------------------------------------- scope


def load_topics(path: Path) -> list[str]:
    """Descriptions of subjects regulations commonly leave to other laws (one a line)."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class ScopeRules:
    """What a question may ask that a regulation can or cannot say (data/scope_rules.json)."""

    regions: dict[str, str]  # zh -> en
    subjects: dict[str, dict[str, list[str]]]  # subject -> lang -> words
    asks_figure: re.Pattern[str] | None = None  # a question asking for a figure
    figure: re.Pattern[str] | None = None  # a figure in a provision

    @classmethod
    def load(cls, path: Path) -> ScopeRules:
        """Read the rules file."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        figures = raw.get("figures")
        asks = figure = None
        if figures:
            asks = re.compile("|".join(figures["zh"] + figures["en"]), re.IGNORECASE)
            figure = re.compile(figures["figure_in_text"])
        return cls(raw["regions"], {k: v for k, v in raw.items()
                                    if k not in ("regions", "_comment", "figures")},
                   asks, figure)


def _mentions(text: str, words: Sequence[str]) -> list[str]:
    low = text.lower()
    return [w for w in words if (w in text if re.search(r"[\u3400-\u9fff]", w)
                                 else re.search(rf"\b{re.escape(w.lower())}\b", low))]


#: The scope margin compares the mean similarity of this many nearest neighbours on
#: each side: a subject the regulation addresses has several anticipated questions,
#: so one unaddressed near miss ("what must we file to certify our own workers?")
#: cannot outvote them for "may we certify our own workers?".
NEIGHBOURS = 3

#: A question asking for a figure is answered only when one of this many best
#: articles found states a figure of some kind.
FIGURE_HITS = 3


def _nearest(similarities: np.ndarray) -> float:
    """The mean of the ``NEIGHBOURS`` highest similarities (-1 when there are none)."""
    if not len(similarities):
        return -1.0
    k = min(NEIGHBOURS, len(similarities))
    return float(np.partition(similarities, -k)[-k:].mean())


@dataclass
class ScopeJudge:
    """Decides, in code, whether the regulation addresses a question.

    Three checks, each general to regulations:

    - jurisdiction: a question naming another province-level region (江苏,
      Guangdong) asks about rules this regulation cannot hold;
    - what the text can say: questions about liability and penalties, sums of
      money, taxes or wages are out of scope when no article uses such words
      (this regulation has no penalty article, and names no amounts, taxes or
      wages);
    - closeness: the margin by which the question's embedding is nearer to
      what the regulation addresses (its provisions and anticipated questions)
      than to what it does not (a list of subjects that regulations usually
      leave elsewhere, ``data/scope_topics.txt``, and, when one regulation is
      judged, its unaddressed questions); at or below ``threshold`` the
      question is refused.

    A question naming an existing article is always in scope.
    """

    retriever: HybridRetriever
    library: Library
    topics: list[str]
    rules: ScopeRules
    threshold: float
    _vectors: np.ndarray = field(init=False, repr=False)  # the outside subjects
    _inside: dict[str, np.ndarray] = field(init=False, repr=False)  # reg -> addressed
    _inside_all: np.ndarray = field(init=False, repr=False)  # every regulation's
    _unaddressed: dict[str, np.ndarray] = field(init=False, repr=False)  # reg -> vectors
    _own_regions: set[str] = field(init=False, repr=False)
    _text_has: dict[str, dict[str, bool]] = field(init=False, repr=False)  # reg -> subject

    def __post_init__(self) -> None:
        index = self.retriever.index
        vectors = index.vectors()
        self._vectors = (self.retriever.embeddings.encode(self.topics, query=False)
                         if self.topics else
                         np.zeros((0, vectors.shape[1]), dtype=np.float32))
        title = " ".join(f"{r.title_zh} {r.title_en or ''}" for r in self.library.regulations)
        self._own_regions = {zh for zh, en in self.rules.regions.items()
                             if zh in title or en in title}
        self._text_has, self._inside, self._unaddressed = {}, {}, {}
        by_reg: dict[str, list[tuple[int, Chunk]]] = {}
        for i, c in enumerate(index.chunks):
            by_reg.setdefault(c.regulation, []).append((i, c))
        for reg in self.library.regulations:
            mine = by_reg.get(reg.id, [])
            # What the regulation addresses: its text and its anticipated questions.
            self._inside[reg.id] = vectors[[i for i, c in mine if c.searchable]]
            self._unaddressed[reg.id] = vectors[[i for i, c in mine if not c.searchable]]
            body = "\n".join(c.text for _, c in mine if c.is_provision)
            has = {subject: any(_mentions(body, ws) for ws in words.values())
                   for subject, words in self.rules.subjects.items()}
            # Sums of money are figures, whatever words name them.
            has["money"] = bool(re.search(r"\d\s*(?:万|亿)?元|yuan|RMB", body))
            self._text_has[reg.id] = has
        self._inside_all = np.concatenate(list(self._inside.values()))

    def margin(self, vector: np.ndarray, scope: Sequence[str] | None = None) -> float:
        """Similarity to the nearest things the regulations in ``scope`` (default all)
        address, minus that to the nearest things they do not (each the mean of the
        ``NEIGHBOURS`` nearest).

        A regulation's unaddressed questions count only when it is judged alone:
        what one regulation leaves out, another loaded beside it may address.
        """
        v = vector.reshape(-1)
        regs = list(scope) if scope is not None else list(self._inside)
        inside = (self._inside_all @ v if scope is None
                  else np.concatenate([self._inside[r] @ v for r in regs]))
        outside = self._vectors @ v
        if len(regs) == 1:
            outside = np.concatenate([outside, self._unaddressed[regs[0]] @ v])
        return _nearest(inside) - _nearest(outside)

    def _asks_figure(self, question: str, hits: Sequence[Hit]) -> str | None:
        """The words by which ``question`` asks for a figure (an amount, rate, share, time
        limit or cap), when none of the best ``FIGURE_HITS`` articles found states one;
        else None. An extractive answer can only quote, so a figure the provisions do
        not hold cannot be the answer."""
        if self.rules.asks_figure is None or self.rules.figure is None or not hits:
            return None
        asked = self.rules.asks_figure.search(question)
        if asked is None:
            return None
        figure = self.rules.figure
        for hit in hits[:FIGURE_HITS]:
            art = self.library.get(hit.regulation).article(hit.article)
            if figure.search(art.zh) or figure.search(art.en or ""):
                return None
        return asked.group(0)

    def judge(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
              scope: Sequence[Regulation] = ()) -> str | None:
        """None when the regulation addresses the question, else the reason it does not.

        ``scope`` (default: all loaded) is where the question was searched: a
        subject counts as mentioned when one of those regulations mentions it,
        and the margin is taken against what they alone address (``margin``).
        """
        within = ([r.id for r in scope]
                  if scope and len(scope) < len(self.library.regulations) else None)
        regs = within if within is not None else list(self._text_has)
        if hits and hits[0].referenced:
            return None
        others = [zh for zh, en in self.rules.regions.items() if zh not in self._own_regions
                  and (zh in question or re.search(rf"\b{re.escape(en)}\b", question))]
        if others:
            return f"names another jurisdiction ({others[0]})"
        for kind, words in self.rules.subjects.items():
            asked = _mentions(question, words["zh"] + words["en"])
            if asked and not any(self._text_has[r][kind] for r in regs):
                return f"asks about {kind} ({asked[0]}), which no article mentions"
        figure = self._asks_figure(question, hits)
        if figure:
            return (f"asks for a figure ({figure}), which none of the "
                    f"{min(len(hits), FIGURE_HITS)} provisions found states")
        m = self.margin(vector, within)
        if m <= self.threshold:
            return f"closer to subjects outside the regulation (margin {m:.3f})"
        return None


# -------------------------------------------------------------- extractive

_ZH_SPLIT = re.compile(r"(?<=[。；;！？])")
_EN_SPLIT = re.compile(r"(?<=[.;])\s+")
_ENUM_END = re.compile(r"等")


def split_sentences(text: str, lang: Lang) -> list[str]:
    """Sentences and clauses at 。；(zh) or at . ; (en), punctuation kept."""
    parts = _ZH_SPLIT.split(text) if lang == "zh" else _EN_SPLIT.split(text)
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class _Scored:
    regulation: str
    article: int
    paragraph: int
    index: int  # sentence position in the paragraph
    text: str
    support: float


class ExtractiveAnswerer:
    """Composes an answer from the corpus's own sentences; no model, nothing invented."""

    mode = "extractive"

    def __init__(self, library: Library, retriever: HybridRetriever,
                 prompts: Prompts) -> None:
        self.library = library
        self.retriever = retriever
        self.prompts = prompts
        self._idf = {lang: self._document_frequencies(lang) for lang in ("zh", "en")}
        self.pos = retriever.tokenizers.pos  # jieba's part-of-speech tagger, shared

    def _document_frequencies(self, lang: Lang) -> dict[str, float]:
        texts = [c.text for c in self.retriever.chunks
                 if c.lang == lang and c.paragraph and c.is_provision]
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(self.retriever.tokenizers.tokens(text, lang)))
        n = max(len(texts), 1)
        return {tok: math.log(1 + n / count) for tok, count in df.items()}

    def salient(self, text: str) -> str | None:
        """The word of ``text``, as written, rarest in the regulation (None if none occurs)."""
        lang: Lang = "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"
        tok = self.retriever.tokenizers
        words = tok.jieba.lcut(text) if lang == "zh" else re.findall(r"[A-Za-z][A-Za-z-]*", text)
        best, weight = None, 0.0
        for word in words:
            idf = max((self._idf[lang].get(t, 0.0) for t in tok.tokens(word, lang)), default=0.0)
            if idf > weight:
                best, weight = word, idf
        return best

    def support(self, question_tokens: set[str], sentence: str, lang: Lang) -> float:
        """How much of the question a sentence carries: the IDF of the tokens they share."""
        tokens = set(self.retriever.tokenizers.tokens(sentence, lang))
        idf = self._idf[lang]
        return sum(idf.get(t, 0.0) for t in question_tokens & tokens)

    def question_tokens(self, question: str, lang: Lang) -> set[str]:
        """The question's tokens in ``lang``, glossary terms carried across languages."""
        tok = self.retriever.tokenizers
        q_lang: Lang = "zh" if re.search(r"[\u3400-\u9fff]", question) and lang == "zh" else lang
        own = set(tok.tokens(question, q_lang))
        source: Lang = "zh" if lang == "en" else "en"
        return own | set(tok.across(question, source)) | {
            t for term in tok.terms_in(question, lang) for t in tok.tokens(
                term.zh if lang == "zh" else term.en, lang)}

    def select(self, question: str, hits: Sequence[Hit], lang: Lang) -> list[_Scored]:
        """The sentences the answer quotes, best provision first."""
        if not hits:
            return []
        refs = [h for h in hits if h.referenced]
        if refs:
            return self._referenced(question, refs, lang)
        q_tokens = self.question_tokens(question, lang)
        # Only the first article is quoted: citing a runner-up as well cost more
        # precision than it gained on the development set (docs/answers.md).
        top = hits[0]
        numbers = [p.number for p in top.paragraphs[:2]] or [1]
        candidates = [
            _Scored(top.regulation, top.article, number, i, sentence,
                    self.support(q_tokens, sentence, lang))
            for number in numbers
            for i, sentence in enumerate(split_sentences(
                self._text(top.regulation, top.article, number, lang), lang))]
        best = max(candidates, key=lambda c: (c.support, c.paragraph == numbers[0]))
        chosen = [c for c in candidates if c.paragraph == best.paragraph
                  and c.support >= 0.5 * best.support and c.support > 0]
        return chosen or [best]

    def _referenced(self, question: str, refs: Sequence[Hit], lang: Lang) -> list[_Scored]:
        named = {(a, p) for a, p in find_references(normalize(question))}
        out: list[_Scored] = []
        for hit in refs[:MAX_CITED]:
            article = self.library.get(hit.regulation).article(hit.article)
            paras = [p for a, p in named if a == hit.article and p is not None
                     and p <= len(article.paragraphs)]
            numbers = sorted(paras) or [p.number for p in article.paragraphs]
            for number in numbers:
                for i, sentence in enumerate(split_sentences(
                        self._text(hit.regulation, hit.article, number, lang), lang)):
                    out.append(_Scored(hit.regulation, hit.article, number, i, sentence, 1.0))
        return out

    def _text(self, regulation: str, article: int, paragraph: int, lang: Lang) -> str:
        para = self.library.get(regulation).article(article).paragraph(paragraph)
        return (para.en if lang == "en" else None) or para.zh

    def compose(self, chosen: list[_Scored], lang: Lang) -> tuple[str, list[Citation]]:
        """The answer text and its citations, grouped by provision in quoting order."""
        groups: dict[tuple[str, int, int], list[_Scored]] = {}
        for c in chosen:
            groups.setdefault((c.regulation, c.article, c.paragraph), []).append(c)
        blocks: list[str] = []
        cites: list[Citation] = []
        for (reg, article, paragraph), sentences in groups.items():
            para_label = self.library.label(reg, article, paragraph if len(
                self.library.get(reg).article(article).paragraphs) > 1 else None, lang)
            sentences.sort(key=lambda c: c.index)
            quoted = self._join([c.text for c in sentences],
                                [c.index for c in sentences], lang)
            if lang == "en" and quoted[:1].isupper() and not quoted[1:2].isupper():
                quoted = quoted[0].lower() + quoted[1:]  # it follows "Under Article N, "
            lead = "lead_titled" if self.library.multiple else "lead"
            block = self.prompts.phrase(lead, lang, label=para_label) + quoted
            top = max(sentences, key=lambda c: c.support)
            items = enumeration(top.text, lang, self._zh_count(reg, article, paragraph),
                                self.pos)
            if items:
                block += "\n" + self.prompts.phrase("list_intro", lang) + "\n" + "\n".join(
                    f"- {item}" for item in items)
            blocks.append(block)
            cites.append(citation(self.library, reg, article, paragraph))
        return "\n\n".join(blocks), cites

    def _zh_count(self, regulation: str, article: int, paragraph: int) -> list[int]:
        zh = self.library.get(regulation).article(article).paragraph(paragraph).zh
        return [len(items) for s in split_sentences(zh, "zh")
                if (items := enumeration(s, "zh", None, self.pos))]

    @staticmethod
    def _join(sentences: list[str], positions: list[int], lang: Lang) -> str:
        out = sentences[0]
        for prev, (pos, sentence) in zip(positions, zip(positions[1:], sentences[1:],
                                                         strict=True), strict=False):
            gap = "" if pos == prev + 1 else ("……" if lang == "zh" else " … ")
            out += gap + ("" if lang == "zh" or gap else " ") + sentence
        return out

    def answer(self, question: str, hits: Sequence[Hit], lang: Lang) -> tuple[str, list[Citation]]:
        """The extractive answer text and its citations for an in-scope question."""
        return self.compose(self.select(question, hits, lang), lang)


# ------------------------------------------------------------ enumerations

_EN_LIST = re.compile(r"\b(?:such as|including|namely)\s+(.+?)(?:,? and the like|,? and others"
                      r"|,? and other [a-z ]+?)?(?=[;.]|, (?:and )?(?:to|so as|in order|with)"
                      r"\b|$)")


def enumeration(sentence: str, lang: Lang, zh_counts: list[int] | None,
                pos: Any = None) -> list[str]:
    """The items of an enumeration in a sentence (A、B、C等 / such as A, B and C), or [].

    Items are verbatim substrings. A Chinese list is three or more items
    joined by 、 and closed by 等; the words before its first item are trimmed
    (鼓励采用长期租赁 → 长期租赁) with jieba's part-of-speech tags (``pos``).
    An English list ("such as …") is split at commas, and only when its item
    count equals that of an enumeration in the Chinese paragraph, since "and"
    also joins words inside an item ("textiles and apparel").
    """
    if lang == "zh":
        return _zh_items(sentence, pos)
    m = _EN_LIST.search(sentence)
    if not m or not zh_counts:
        return []
    parts = [re.sub(r"^(?:and|or)\s+", "", p.strip()) for p in m.group(1).split(",")]
    parts = [p for p in parts if p]
    if len(parts) + 1 in zh_counts and " and " in parts[-1]:
        head, _, tail = parts[-1].rpartition(" and ")
        parts[-1:] = [head, tail]
    return parts if len(parts) >= 3 and len(parts) in zh_counts else []


def zh_enumerations(sentence: str, pos: Any = None) -> list[list[str]]:
    """Every enumeration (three or more items joined by 、 and closed by 等), in order."""
    found = []
    for clause in re.split(r"[，,；;。：:]", sentence):
        end = _ENUM_END.search(clause)
        if clause.count("、") < 2 or not end:
            continue
        items = clause[: end.start()].split("、")
        if len(items) < 3:
            continue
        items[0] = _strip_lead(items[0], max(len(i) for i in items[1:]), pos)
        if all(items):
            found.append(items)
    return found


def en_enumerations(sentence: str) -> list[int]:
    """The item count of every "such as …" list in an English sentence, in order (by commas)."""
    return [len([p for p in m.group(1).split(",") if p.strip()])
            for m in _EN_LIST.finditer(sentence)]


def _zh_items(sentence: str, pos: Any) -> list[str]:
    return max(zh_enumerations(sentence, pos), key=len, default=[])


def _strip_lead(first: str, longest: int, pos: Any) -> str:
    """Trim the words before a list's first item: 明确发展目标 -> 发展目标."""
    if pos is None:
        return first
    words = [(w.word, w.flag) for w in pos.cut(first)]
    kept: list[tuple[str, str]] = []
    for word, flag in reversed(words):  # as many words as the longest other item holds
        if kept and sum(len(w) for w, _ in kept) + len(word) > longest:
            break
        kept.insert(0, (word, flag))
    while len(kept) > 1 and kept[0][1] == "v":  # then no leading verb (采用长期租赁)
        kept.pop(0)
    return "".join(w for w, _ in kept)
