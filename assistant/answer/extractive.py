"""The extractive (default) answerer: the law's own sentences, verbatim.

It writes no law of its own: it picks sentences (split at 。；) from the best
provisions and puts them, verbatim, after a lead line naming the provision
("根据第十七条第二款，" / "Under Article 17(2) of the Regulations, "), with
enumerations repeated as lists. Whether the regulation addresses a question
at all is decided before it runs (``scope.ScopeJudge``); a refused answer puts
the closest provisions in ``related``, never in ``citations``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..search.chunking import Lang
from ..search.retrieval import Hit, HybridRetriever, detect_lang, normalize
from ..text.frames import asked_frames
from ..text.library import Library
from ..text.references import find_references
from ..text.script import has_han
from .choice import MAX_CHOSEN, Chooser, Key, sub_questions
from .duties import Duties, duty_span
from .evidence import Coverage, QTerm, fold
from .modality import asks_duty, is_negative, is_yes_no, modality, without_contrast
from .prompts import Prompts
from .values import Citation, citation

# How many articles named in a question an answer quotes.
MAX_CITED = 3
# How many articles found for one part of a several-part question are tried for it.
PART_CANDIDATES = 1


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
                 prompts: Prompts, coverage: Coverage | None = None) -> None:
        self.library = library
        self.retriever = retriever
        self.prompts = prompts
        self._idf = {lang: self._document_frequencies(lang) for lang in ("zh", "en")}
        self.pos = retriever.tokenizers.pos  # jieba's part-of-speech tagger, shared
        self.coverage = coverage
        self.chooser = (Chooser(coverage, self.pos, Duties(library))
                        if coverage is not None else None)

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
        lang: Lang = "zh" if has_han(text) else "en"
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
        q_lang: Lang = "zh" if has_han(question) and lang == "zh" else lang
        own = set(tok.tokens(question, q_lang))
        source: Lang = "zh" if lang == "en" else "en"
        return own | set(tok.across(question, source)) | {
            t for term in tok.terms_in(question, lang) for t in tok.tokens(
                term.zh if lang == "zh" else term.en, lang)}

    def select(self, question: str, hits: Sequence[Hit], lang: Lang,
               terms: Sequence[QTerm] = (), questions: bool = True) -> list[_Scored]:
        """The sentences the answer quotes: from the best provision, and (choice.py) from
        every provision a "which articles mention" question asks for, every provision
        making the department asked about act ("工信部门有哪些职责？"), or each that covers
        a part of the question the others do not; several provisions in article order."""
        if not hits:
            return []
        refs = [h for h in hits if h.referenced]
        if refs:
            named = self._referenced(question, refs, lang)
            others = [s for reg, article, number, part in self._other_parts(question, refs,
                                                                            questions)
                      for s in self._quoted(reg, article, [number],
                                            self.question_tokens(part, lang), lang)]
            # With another part answered, in article order as any answer of several.
            return sorted(named + others, key=lambda c: (c.article, c.paragraph, c.index)
                          ) if others else named
        q_tokens = self.question_tokens(question, lang)
        top = hits[0]
        numbers = [p.number for p in top.paragraphs[:2]] or [1]
        first = self._quoted(top.regulation, top.article, numbers, q_tokens, lang)
        if self.chooser is None or not terms:
            return first
        listed = self.chooser.mentioning(question, terms, top.regulation)
        # What a department must do: its provisions are the whole answer.
        duties = [] if listed else self.chooser.duties(question, terms, top.regulation)
        keys = listed or duties or [(top.regulation, top.article, first[0].paragraph)]
        if not duties:
            keys += self._by_part(question, hits, keys, questions)
            keys += self.chooser.complement(question, keys, terms, hits)
        listed = listed or duties
        if len(keys) == 1 and not listed:
            return first
        keys.sort(key=lambda k: k[1:])
        reader = self.chooser.duty_reader
        names = reader.named(question, top.regulation) if duties and reader else set()
        return [s for reg, article, number in keys
                for s in (self._duty(reg, article, number, names, lang) if names else None)
                or self._quoted(reg, article, [number], q_tokens, lang)]

    def _duty(self, regulation: str, article: int, number: int, names: set[str], lang: Lang
              ) -> list[_Scored]:
        """The sentences of a provision that give the departments ``names`` their duties
        (duties.duty_span); [] when none can be told apart."""
        sentences = split_sentences(self._text(regulation, article, number, lang), lang)
        span = duty_span(sentences, names, lang)
        if span is None:
            return []
        return [_Scored(regulation, article, number, i, sentences[i], 1.0)
                for i in range(*span)]

    def _by_part(self, question: str, hits: Sequence[Hit], chosen: Sequence[Key],
                 questions: bool) -> list[Key]:
        """For a question that asks several things (choice.sub_questions), the best
        provision for each part, searched on its own: of the part's ``PART_CANDIDATES``
        best articles, the first that is among those found for the whole question and
        covers a content term of the part no provision chosen so far covers; at most
        ``MAX_CHOSEN`` provisions in all."""
        if self.coverage is None or self.chooser is None:
            return []
        regulation = chosen[0][0]
        found = {h.article for h in hits if h.regulation == regulation}
        added: list[Key] = []
        for part in sub_questions(question, self.pos):
            if len(chosen) + len(added) >= MAX_CHOSEN:
                break
            part_lang = detect_lang(part)
            ranked = self.retriever.search(part, PART_CANDIDATES, lang=part_lang,
                                           questions=questions, within=regulation
                                           if self.library.multiple else None)
            so_far = [*chosen, *added]
            new = [t for t in self.coverage.question_terms(part, part_lang) if t.content
                   and all(self.coverage.covers(t, k) is None for k in so_far)]
            for hit in ranked:  # the best-ranked article that covers something new
                if hit.referenced or hit.article not in found:
                    continue
                key = self._covering(hit, new)
                if key is not None:
                    added.append(key)
                    break
        return added

    def _covering(self, hit: Hit, terms: Sequence[QTerm]) -> Key | None:
        """The paragraph of ``hit`` covering most of ``terms`` (the best-ranked on a tie),
        or None when none covers any."""
        assert self.coverage is not None
        keys = [(hit.regulation, hit.article, p.number) for p in hit.paragraphs]
        gains = [sum(self.coverage.covers(t, k) is not None for t in terms) for k in keys]
        return keys[gains.index(max(gains))] if gains and max(gains) > 0 else None

    def _other_parts(self, question: str, refs: Sequence[Hit], questions: bool
                     ) -> list[tuple[str, int, int, str]]:
        """For a question naming articles that also asks something else ("第十七条讲什么？
        另外人才培养方面怎么规定？", "When did it take effect, and what does it say about
        talent?"): for each part that names no article and asks nothing of the regulation
        itself (frames.py), the best provision found for it alone, when it covers one of
        the part's content terms, as (regulation, article, paragraph, part); at most
        ``MAX_CHOSEN`` in all."""
        if self.coverage is None:
            return []
        regulation = refs[0].regulation
        cited = {h.article for h in refs}
        out: list[tuple[str, int, int, str]] = []
        for part in sub_questions(question, self.pos):
            if len(refs) + len(out) >= MAX_CHOSEN:
                break
            if find_references(part) or asked_frames(part, True):
                continue
            part_lang = detect_lang(part)
            terms = [t for t in self.coverage.question_terms(part, part_lang) if t.content]
            # The part's best article not cited already (the named one may be its best).
            for hit in self.retriever.search(part, PART_CANDIDATES + len(cited), lang=part_lang,
                                             questions=questions, within=regulation
                                             if self.library.multiple else None):
                if hit.referenced or hit.article in cited:
                    continue
                key = self._covering(hit, terms)
                if key is not None:
                    out.append((*key, part))
                    cited.add(hit.article)
                break  # only the best article not cited already is tried
        return out

    def _quoted(self, regulation: str, article: int, numbers: Sequence[int],
                q_tokens: set[str], lang: Lang) -> list[_Scored]:
        """The sentences of the best of ``numbers`` (paragraphs of one article, the first
        preferred on a tie) that carry at least half as much of the question as its best."""
        candidates = [
            _Scored(regulation, article, number, i, sentence,
                    self.support(q_tokens, sentence, lang))
            for number in numbers
            for i, sentence in enumerate(split_sentences(
                self._text(regulation, article, number, lang), lang))]
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

    def answer(self, question: str, hits: Sequence[Hit], lang: Lang,
               terms: Sequence[QTerm] = (), questions: bool = True
               ) -> tuple[str, list[Citation]]:
        """The extractive answer text and its citations for an in-scope question;
        ``terms`` (the question's, evidence.py) let it quote several provisions."""
        chosen = self.select(question, hits, lang, terms, questions)
        body, cites = self.compose(chosen, lang)
        return self.yes_no_lead(question, chosen, terms, lang) + body, cites

    def yes_no_lead(self, question: str, chosen: Sequence[_Scored], terms: Sequence[QTerm],
                    lang: Lang) -> str:
        """"可以。" / "Yes. " and the like before a yes/no question's answer, when the first
        provision quoted covers every content term of the question and its first quoted
        sentence's modal word licenses it (modality.py); else ""."""
        asked = fold(without_contrast(question))
        content = [t for t in terms if t.content and fold(t.term) in asked]
        if (not chosen or not content or self.coverage is None or not is_yes_no(question)
                or is_negative(question)):
            return ""
        first = chosen[0]
        key = (first.regulation, first.article, first.paragraph)
        held = [self.coverage.covers(t, key) for t in content]
        if any(h is None for h in held):
            return ""
        top = max((c for c in chosen if (c.regulation, c.article, c.paragraph) == key),
                  key=lambda c: c.support)
        anchors = [h for h, t in zip(held, content, strict=True)
                   if h and (t.kind != "glossary" or lang == "zh")]
        found = modality(top.text, lang, asks_duty(question), anchors)
        return self.prompts.phrase("yes_" + found, lang) if found else ""


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
    if kept and kept[0][1] == "c" and len(kept) < len(words):
        # A conjunction joins words inside the item (工业和信息化), never starts it.
        kept.insert(0, words[len(words) - len(kept) - 1])
    while len(kept) > 1 and kept[0][1] == "v":  # then no leading verb (采用长期租赁)
        kept.pop(0)
    return "".join(w for w, _ in kept)
