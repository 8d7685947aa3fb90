"""Putting the pipeline together: ``build_assistant(settings) -> Assistant``.

The CLI, the page and the tests all call this; nothing is built at import time.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .answer.conversation import Turn, rewrite
from .answer.evidence import Coverage, QTerm
from .answer.extractive import ExtractiveAnswerer
from .answer.llm import LLMAnswerer, LLMError, make_chat_model
from .answer.prompts import Prompts, load_prompts
from .answer.scope import ScopeJudge, ScopeRules, load_topics
from .answer.values import Answer, Citation, citation
from .errors import TiaoliError, UsageError
from .search.chunking import Lang, chunk_regulation
from .search.embeddings import TiaoliEmbeddings, make_embeddings
from .search.lexicon import Lexicon
from .search.retrieval import Hit, HybridRetriever, SparseIndexes, detect_lang, normalize
from .search.sparse import Tokenizers
from .search.store import build_index, corpus_hash, load_index
from .settings import Settings
from .text.corpus import Regulation
from .text.frames import asked_frames, frame_articles
from .text.glossary import Term
from .text.library import Library, load_library
from .text.library import corpus_files as library_files
from .text.numerals import label_en, label_zh, to_chinese
from .text.references import find_references, without_references
from .text.script import without_surrogates

RELATED_SHOWN = 3

#: With several regulations searched, those holding one of this many best hits are
#: the ones judged (``Assistant.in_scope``).
REACHED = 3

#: With several regulations searched, this many times ``answer_k`` hits are searched
#: for, so that the answer has ``answer_k`` of those that address the question.
LIBRARY_DEPTH = 3

#: An answer asking which regulation is meant names at most this many in its text; the
#: rest are counted ("…等62部"), and every one is listed under ``related``.
TITLES_NAMED = 8


def corpus_files(settings: Settings) -> list[Path]:
    """The files of every regulation under the corpus folder that shape the index."""
    return library_files(settings.corpus_dir)


def _data(name: str) -> Path:
    return Path(str(resources.files("assistant").joinpath(f"data/{name}")))


@dataclass
class Assistant:
    """Everything a question needs, built once and shared."""

    settings: Settings
    library: Library
    glossary: tuple[Term, ...]
    embeddings: TiaoliEmbeddings
    retriever: HybridRetriever = field(repr=False)
    prompts: Prompts = field(repr=False)
    judge: ScopeJudge = field(repr=False)
    extractive: ExtractiveAnswerer = field(repr=False)
    llm: LLMAnswerer | None = field(default=None, repr=False)
    coverage: Coverage | None = field(default=None, repr=False)

    @property
    def regulation(self) -> Regulation:
        """The regulation commands act on: the only one, or the ``regulation`` setting.

        Raises AmbiguousRegulationError when several are loaded and none is set.
        """
        return self.library.choose(self.settings.regulation)

    def ask(self, question: str, *, lang: Lang | None = None,
            history: Sequence[Turn] = (),
            on_token: Callable[[str], None] | None = None, use_llm: bool = True,
            regulation: str | None = None, questions: bool = True) -> Answer:
        """Answer ``question`` in ``lang`` (default: the question's language).

        ``history`` is the conversation so far; a follow-up is rewritten with it
        before retrieval. ``use_llm=False`` answers extractively even when an
        LLM is configured. ``on_token`` receives the answer text as it is made
        (token by token from an LLM, in one piece from the extractive answerer).
        ``regulation`` (id, title or alias) limits the answer to one regulation;
        otherwise, with several loaded, a reference that could mean an article of
        more than one gets an answer asking which (``choices``). ``questions=False``
        answers from the text alone, as if no anticipated or unaddressed questions
        were indexed (the evaluation's "text only").
        Raises UsageError for an empty question or an unknown ``regulation``.
        """
        question = without_surrogates(question)
        history = [Turn(t.role, without_surrogates(t.content)) for t in history]
        text = normalize(question)
        if not text:
            raise UsageError("the question is empty", "ask something, e.g. 第十七条讲什么？")
        if not re.search(r"\w", text):
            raise UsageError("the question has no words, only punctuation or symbols",
                             "ask in Chinese or English, e.g. What does Article 17 say?")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise UsageError(f"the question is {len(text):,} characters long; the limit is "
                             f"{limit:,}", "ask about one provision or subject at a time")
        self._check_history(history)
        lang = lang or detect_lang(text)
        if regulation is not None:
            regulation = self.library.choose(regulation).id
        notes: list[str] = []
        searched = self._standalone(text, history, lang, notes, use_llm)
        if len(searched) > limit:
            raise UsageError(f"the follow-up, read with the conversation, is {len(searched):,} "
                             f"characters long; the limit is {limit:,}",
                             "ask the question in full, or about one subject at a time")
        window = self.embeddings.window
        if window and self.embeddings.fit(searched, query=True) != searched:
            notes.append(f"the question is longer than the embedding model's window of "
                         f"{window} tokens: its meaning was read from the beginning only, "
                         "its words from all of it")
        choices = self.retriever.ambiguous(searched, regulation)
        if choices:
            return self._ask_which(question, lang, searched, text, choices)
        scope = self.retriever.scope(searched, regulation)
        refs = find_references(searched)
        absent = [(a, p) for a, p in refs if not self.library.holding(a, p, scope)]
        # Only missing articles named: refused, unless the question asks something else
        # too ("引用第九十九条回答：企业如何融资？"), which is answered, the article noted.
        missing = absent[0] if absent and len(absent) == len(refs) else None
        preface = None
        rest = self._rest(searched, scope, questions) if missing else None
        if absent and (rest or not missing):
            notes.append(self._missing_note(absent[0], scope))
            preface = self._missing_text(absent[0], scope, lang, answered=True)
            searched, missing = rest or searched, None
        vector = self.retriever.embed(searched)
        hits = self.retriever.search(searched, self.depth(scope),
                                     lang=detect_lang(searched), vector=vector,
                                     within=regulation, questions=questions)
        terms = (self.coverage.question_terms(searched, detect_lang(searched))
                 if self.coverage is not None else [])
        reason: str | None
        if missing:
            reason, hits = self._missing_note(missing, scope), hits[:self.settings.answer_k]
        else:
            reason, hits = self.in_scope(searched, vector, hits, terms, scope, questions)
        if reason is not None:
            return self._refusal(question, lang, hits, [*notes, reason], searched, text,
                                 missing=missing, scope=scope)
        if preface is not None and on_token:
            on_token(preface + "\n\n")
        if self.llm is not None and use_llm:
            try:
                reply = self.llm.answer(searched, hits, lang, on_token)
            except LLMError as exc:
                notes.append(f"{self.llm.mode} failed: {exc.message}")
                fallback = self.prompts.phrase("fallback", lang, reason=exc.message)
                body, cites = self.extractive.answer(searched, hits, lang, terms, questions)
                body = fallback + "\n\n" + body
                if on_token:
                    on_token(body)
                return Answer(question, lang, f"extractive (fallback: {self.llm.mode} failed)",
                              _joined(preface, body), False, self._evidence(cites, terms), (),
                              tuple(notes),
                              searched if searched != text else None)
            if reply.refused:
                return self._refusal(question, lang, hits, [*notes, *reply.notes,
                                     f"{self.llm.mode} found no answer in the provisions"],
                                     searched, text, mode=self.llm.mode)
            return Answer(question, lang, self.llm.mode, _joined(preface, reply.text), False,
                          self._evidence(reply.citations, terms), (),
                          tuple(notes + reply.notes),
                          searched if searched != text else None)
        body, cites = self.extractive.answer(searched, hits, lang, terms, questions)
        if on_token:
            on_token(body)
        return Answer(question, lang, self.extractive.mode, _joined(preface, body), False,
                      self._evidence(cites, terms), (),
                      tuple(notes), searched if searched != text else None)

    def depth(self, scope: Sequence[Regulation]) -> int:
        """How many hits to search for: ``answer_k``, or with several regulations
        searched ``LIBRARY_DEPTH`` times that, so that ``answer_k`` remain of the
        regulations that address the question once the others are dropped."""
        k = self.settings.answer_k
        return k * LIBRARY_DEPTH if len(scope) > 1 else k

    def in_scope(self, text: str, vector: np.ndarray, hits: list[Hit],
                 terms: Sequence[QTerm], scope: Sequence[Regulation], questions: bool = True
                 ) -> tuple[str | None, list[Hit]]:
        """Whether the regulations searched address ``text``: (None, the hits of those that
        do) or (the refusal reason, ``hits``).

        With several regulations searched, each one holding one of the best
        ``REACHED`` hits, and the one holding more of the question's terms than any
        of those, is judged as it would be alone: on its own words (it covers
        one of the question's terms, applies in the places named, mentions the
        subject asked about, states a figure asked for) and on its own nearness (its
        provisions and anticipated questions against the outside subjects and the
        unaddressed questions of every regulation reached). The answer draws only on
        the regulations that pass; with none, the question is refused. A regulation
        that holds fewer of the question's terms than one ruled out on what the
        question asks (not on a place) does not pass either: the question is about
        the other's subject, and the other does not address it. So a
        regulation reached no higher lends a question neither its words nor its
        nearness, what one leaves out counts wherever it is reached, and a library
        of many refuses what one regulation alone would. A question naming articles
        is judged on them.
        """
        if len(scope) < 2 or not hits or hits[0].referenced:
            hits = hits[:self.settings.answer_k]
            if hits and not hits[0].referenced and self.names_duties(text, terms,
                                                                     hits[0].regulation):
                # Its words still rule (a place where it does not apply, a penalty).
                return self.judge.words(text, hits, [r.id for r in scope] or None), hits
            reason = (self.not_covered(terms, hits, scope, questions)
                      or self.judge.judge(text, vector, hits, scope, questions))
            return reason, hits
        reached = [self.library.get(r)
                   for r in dict.fromkeys(h.regulation for h in hits[:REACHED])]
        held = {r.id: len(self.coverage.held(terms, r.id)) if self.coverage else 0
                for r in scope}
        # Reached by its words: the one regulation holding more of the question's terms
        # than any the best hits reach, though its text ranks lower.
        most_held = max(held.values())
        wordiest = [r for r in scope if held[r.id] == most_held]
        if len(wordiest) == 1 and most_held > max(held[r.id] for r in reached):
            reached.append(wordiest[0])
            hits = hits + [h for h in self.retriever.search(
                text, self.settings.answer_k, vector=vector, within=wordiest[0].id,
                questions=questions) if h.regulation == wordiest[0].id and h not in hits]
        ids = [r.id for r in reached]
        reasons: dict[str, str] = {}
        most = -1  # the most terms a regulation ruled out on its content holds
        for reg in reached:
            why = self.judge.place_reason(text, [reg.id])
            if why is not None:
                reasons[reg.id] = why  # a place: nothing about what the question asks
                continue
            own = [h for h in hits if h.regulation == reg.id]
            if self.names_duties(text, terms, reg.id):
                continue
            why = (self.judge.words(text, own, [reg.id], places=False)
                   or self.not_covered(terms, own, [reg], questions)
                   or self.judge.near(vector, [reg.id], questions, ids))
            if why is not None:
                reasons[reg.id] = why
                most = max(most, held[reg.id])
        for reg in reached:
            # What the question asks is another regulation's subject, which that one does not
            # address: one holding fewer of its terms does not answer in its place.
            if reg.id not in reasons and held[reg.id] < most:
                reasons[reg.id] = (f"holds {held[reg.id]} of the question's terms, fewer than "
                                   f"a regulation that does not address it ({most})")
        k = self.settings.answer_k
        if len(reasons) == len(reached):
            return "; ".join(f"{self.library.get(r).short_zh}: {why}"
                             for r, why in reasons.items()), hits[:k]
        return None, [h for h in hits
                      if h.regulation in ids and h.regulation not in reasons][:k]

    def names_duties(self, text: str, terms: Sequence[QTerm], regulation: str) -> bool:
        """Whether ``text`` asks what a department that ``regulation`` makes act must do,
        and nothing else (choice.Chooser.duties): the regulation's own words answer it,
        whatever the embedding margin says, as a question naming an article."""
        chooser = self.extractive.chooser
        return chooser is not None and bool(chooser.duties(text, terms, regulation))

    def not_covered(self, terms: Sequence[QTerm], hits: Sequence[Any],
                     scope: Sequence[Regulation], questions: bool = True) -> str | None:
        """The refusal reason when no provision searched covers any of the question's
        content terms (evidence.py); None when one does, or an article is named."""
        if self.coverage is None or (hits and hits[0].referenced):
            return None
        missing = self.coverage.uncovered(terms, [r.id for r in scope] if scope else None,
                                          questions)
        if missing is not None:
            shown = ", ".join(missing[:6]) + (", …" if len(missing) > 6 else "")
            return f"no provision holds any of the question's terms ({shown})"
        # The article an answer would quote first shares nothing with the question: not
        # one of its words in the text, nor one of its content terms in the questions
        # anticipated for it. Only the embedding's nearness would stand behind it.
        best = hits[0] if hits else None
        if best is not None and terms and not self.coverage.article_evidence(
                terms, best.regulation, best.article, questions):
            label = self.library.label(best.regulation, best.article)
            return f"the best match, {label}, holds none of the question's words"
        return None

    def _evidence(self, cites: Sequence[Citation], terms: Sequence[QTerm]
                  ) -> tuple[Citation, ...]:
        """``cites`` with the question's terms each covers (a whole article: any paragraph)."""
        if self.coverage is None:
            return tuple(cites)
        out = []
        for c in cites:
            paragraphs = [c.paragraph] if c.paragraph is not None else [
                p.number for p in self.library.get(c.regulation).article(c.article).paragraphs]
            found: dict[str, dict[str, str]] = {}
            for number in paragraphs:
                for e in self.coverage.evidence(terms, (c.regulation, c.article, number)):
                    found.setdefault(e["term"], e)
            out.append(replace(c, evidence=tuple(found.values())))
        return tuple(out)

    def _check_history(self, history: Sequence[Turn]) -> None:
        """UsageError when a turn, or the whole conversation, is longer than the settings
        allow: a follow-up is read with every turn, so this bounds its work."""
        s = self.settings
        for n, turn in enumerate(history, start=1):
            # An earlier question was held to the question limit when it was asked.
            if turn.role == "user" and len(turn.content) > s.max_question_chars:
                raise UsageError(f"turn {n} of the conversation, a question, is "
                                 f"{len(turn.content):,} characters long; a question may have "
                                 f"at most {s.max_question_chars:,}",
                                 "send the earlier questions as they were asked")
            if len(turn.content) > s.max_turn_chars:
                raise UsageError(f"turn {n} of the conversation is {len(turn.content):,} "
                                 f"characters long; the limit is {s.max_turn_chars:,}",
                                 "send the earlier questions and answers as they were")
        total = sum(len(t.content) for t in history)
        if total > s.max_history_chars:
            raise UsageError(f"the conversation is {total:,} characters long; the limit is "
                             f"{s.max_history_chars:,}", "start a new conversation")

    def stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        """``ask`` as a generator: text pieces as the answer is made, then the Answer.

        The answer is made on a worker thread, so a slow model does not block
        the caller between pieces. A TiaoliError is raised here, in the caller.
        """
        pieces: queue.Queue[str | None] = queue.Queue()
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["answer"] = self.ask(question, on_token=pieces.put, **kwargs)
            except TiaoliError as exc:
                result["error"] = exc
            finally:
                pieces.put(None)

        threading.Thread(target=work, daemon=True, name="tiaoli-answer").start()
        while (piece := pieces.get()) is not None:
            yield piece
        if "error" in result:
            raise result["error"]
        yield result["answer"]

    def _standalone(self, text: str, history: Sequence[Turn], lang: Lang,
                    notes: list[str], use_llm: bool = True) -> str:
        if not history:
            return text
        if self.llm is not None and use_llm and not find_references(text):
            try:
                return normalize(self.llm.condense(text, history, lang)) or text
            except LLMError as exc:
                notes.append(f"follow-up rewritten by rules: {exc.message}")
        # The regulation the conversation was last about, for "the next article".
        current = next((named[-1] for turn in reversed(history)
                        if (named := self.library.named_in(turn.content))), None)
        if current is None and not self.library.multiple:
            current = self.library.regulations[0]
        count = len(current.articles) if current else max(
            len(r.articles) for r in self.library.regulations)
        standalone = rewrite(text, history, count, self.extractive.salient)
        # A reference the rewrite added, or a question about the regulation itself
        # ("它什么时候施行？"), is about the regulation the conversation is on.
        if current is not None and self.library.multiple and not self.library.named_in(
                standalone):
            refs = find_references(standalone)
            if ((refs and standalone != text)
                    or (not refs and frame_articles(current, asked_frames(standalone)))):
                standalone = f"《{current.short_zh}》{standalone}"
        return standalone

    def _ask_which(self, question: str, lang: Lang, searched: str, text: str,
                   choices: Sequence[Regulation]) -> Answer:
        """The answer to a reference several regulations hold, or to a question about a
        regulation itself that names none of several (its purpose, when it takes effect):
        which one is meant? Each one's article is shown."""
        titles = self.prompts.phrase("list_separator", lang).join(
            self.prompts.phrase("listed_regulation", lang,
                                title=r.short_zh if lang == "zh" else r.short_en)
            for r in choices[:TITLES_NAMED])
        if len(choices) > TITLES_NAMED:
            titles += self.prompts.phrase("listed_more", lang, count=str(len(choices)))
        ref = next(((a, p) for a, p in find_references(searched)
                    if len(self.library.holding(a, p, choices)) > 1), None)
        if ref is not None:
            a, p = ref
            plain = label_zh(a, p) if lang == "zh" else label_en(a, p)
            body = self.prompts.phrase("ambiguous", lang, label=plain, titles=titles,
                                       example=self.library.label(choices[0].id, a, p, lang))
            related = tuple(citation(self.library, r.id, a, p) for r in choices)
            note = f"{plain} is in {len(choices)} regulations; asked which"
        else:
            frames = asked_frames(searched)  # names no regulation, or it would not be asked
            keys = [(r.id, n) for r in choices for n in frame_articles(r, frames)]
            first = keys[0]
            body = self.prompts.phrase("ambiguous_itself", lang, count=str(len(choices)),
                                       titles=titles,
                                       example=self.library.label(*first, None, lang))
            related = tuple(citation(self.library, r, n, None) for r, n in keys)
            note = (f"asks about a regulation itself and names none of the {len(choices)} "
                    "that say it; asked which")
        return Answer(question, lang, self.extractive.mode, body, False, (), related,
                      (note,), searched if searched != text else None,
                      tuple(r.id for r in choices))

    @property
    def index_version(self) -> str:
        """What the answers were built from: embedder, corpus hash and build time."""
        m = self.retriever.index.manifest
        return f"{m.embedder_id}; corpus {m.corpus_sha256[:12]}; built {m.built_at}"

    def _labels(self, ref: tuple[int, int | None]) -> tuple[str, str]:
        a, p = ref
        return label_zh(a, p), label_en(a, p)

    @staticmethod
    def _count(n: int, lang: Lang) -> str:
        """A count as the answer's language writes it in running text (二十 / 20)."""
        return to_chinese(n) if lang == "zh" else str(n)

    def _missing_note(self, ref: tuple[int, int | None], scope: Sequence[Regulation]) -> str:
        zh, en = self._labels(ref)
        if len(scope) > 1:
            return f"{zh} / {en} does not exist in any of the {len(scope)} regulations searched"
        count = len(scope[0].articles)
        return f"{zh} / {en} does not exist: the regulation has {count} articles, 1 to {count}"

    def _rest(self, text: str, scope: Sequence[Regulation], questions: bool) -> str | None:
        """What a question asks beside the missing articles it names, when a provision
        covers one of its content terms ("引用第九十九条回答：企业如何融资？"); else None."""
        if self.coverage is None:
            return None
        rest = without_references(text)
        asked = self.library.strip_names(rest)  # a regulation's title is not a question
        terms = self.coverage.question_terms(asked, detect_lang(asked))
        if not any(t.content for t in terms) or self.coverage.uncovered(
                terms, [r.id for r in scope] if scope else None, questions) is not None:
            return None
        return rest

    def _missing_text(self, ref: tuple[int, int | None], scope: Sequence[Regulation],
                      lang: Lang, refusal: str = "", answered: bool = False) -> str:
        """What the answer says of a missing article: after a refusal, or (``answered``)
        before the answer to the rest of the question."""
        label = self._labels(ref)[0 if lang == "zh" else 1]
        suffix = "_answered" if answered else ""
        if len(scope) > 1:
            return self.prompts.phrase("missing_everywhere" + suffix, lang, refusal=refusal,
                                       label=label, count=str(len(scope)))
        reg = scope[0] if scope else self.library.regulations[0]
        name = (self.prompts.phrase("named_regulation", lang, title=reg.short_zh
                                    if lang == "zh" else reg.short_en)
                if self.library.multiple else self.prompts.phrase("this_regulation", lang))
        return self.prompts.phrase("missing_article" + suffix, lang, refusal=refusal,
                                   regulation=name, label=label,
                                   count=self._count(len(reg.articles), lang))

    def _refusal(self, question: str, lang: Lang, hits: Sequence[Any], notes: list[str],
                 searched: str, text: str, missing: tuple[int, int | None] | None = None,
                 mode: str | None = None, scope: Sequence[Regulation] = ()) -> Answer:
        body = self.prompts.phrase("refusal_library", lang) if self.library.multiple else (
            self.prompts.refusal(lang))
        if missing:
            body = self._missing_text(missing, scope, lang, refusal=body)
        related = tuple(
            citation(self.library, h.regulation, h.article,
                     h.paragraphs[0].number if h.paragraphs else None)
            for h in hits[:RELATED_SHOWN])
        if related:
            body += "\n\n" + self.prompts.phrase("related_intro", lang) + "\n" + "\n".join(
                f"- {c.label.split(' | ')[0 if lang == 'zh' else 1]}" for c in related)
        return Answer(question, lang, mode or self.extractive.mode, body, True, (), related,
                      tuple(notes), searched if searched != text else None)


def _joined(preface: str | None, body: str) -> str:
    """An answer's text after the preface, if any (a note on a missing article)."""
    return body if preface is None else preface + "\n\n" + body


def build_assistant(settings: Settings, embeddings: TiaoliEmbeddings | None = None,
                    chat_model: Any | None = None) -> Assistant:
    """Load the regulation, its glossary, its index and the prompts; wire up the answerers.

    ``chat_model`` replaces the model the ``llm`` setting names (tests pass
    LangChain's fake chat models here). Raises IndexMismatchError (hint:
    ``tiaoli index build``) when the index is missing, damaged or stale; it
    never rebuilds on its own. Raises PromptError for a broken prompt file.
    """
    library = load_library(settings.corpus_dir, settings.skip_broken)
    if settings.regulation is not None:
        library.choose(settings.regulation)  # a setting naming nothing loaded fails here
    glossary = library.glossary()
    prompts = load_prompts(settings.prompts_dir)
    embeddings = embeddings or make_embeddings(settings.embedder)
    index = load_index(settings.index_dir, settings.embedder, embeddings.id,
                       corpus_hash(corpus_files(settings)))
    retriever = HybridRetriever(library, index, embeddings,
                                Tokenizers(glossary, lexicon_dir=settings.cache_dir),
                                rrf_k=settings.rrf_k)
    judge = ScopeJudge(retriever, library, load_topics(_data("scope_topics.txt")),
                       ScopeRules.load(_data("scope_rules.json")), settings.scope_threshold)
    llm = None
    if chat_model is not None or settings.llm:
        name = settings.llm.partition(":")[2] if settings.llm else getattr(
            chat_model, "model_name", None) or type(chat_model).__name__
        model = chat_model or make_chat_model(settings.llm or "", settings.llm_base_url,
                                              settings.llm_api_key, settings.llm_timeout)
        llm = LLMAnswerer(model, name, library, prompts, settings.llm_timeout)
    coverage = Coverage(library.regulations, retriever.tokenizers, glossary)
    return Assistant(settings, library, glossary, embeddings, retriever, prompts, judge,
                     ExtractiveAnswerer(library, retriever, prompts, coverage), llm, coverage)


def rebuild_index(settings: Settings, embeddings: TiaoliEmbeddings | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  fresh: bool = False) -> Path:
    """Chunk and embed every regulation under the corpus folder and write the index
    (atomically). A broken text or glossary fails the build, not a later search.

    Texts the previous index of this embedder holds keep their vectors unless
    ``fresh``; ``progress`` counts the texts embedded.
    """
    library = load_library(settings.corpus_dir, settings.skip_broken)
    embeddings = embeddings or make_embeddings(settings.embedder)
    chunks = [c for reg in library.regulations for c in chunk_regulation(reg)]
    texts: dict[Lang, list[str]] = {"zh": [], "en": []}
    for c in chunks:
        if c.searchable:
            texts[c.lang].append(c.text)
    tokenizers = Tokenizers(library.glossary())  # the whole dictionary: it cuts every text
    Lexicon.open(settings.cache_dir)  # written now if missing, for the questions to come
    tokens = tokenizers.table(texts)
    tokenizers.remember(tokens)
    sparse = SparseIndexes.build(chunks, tokenizers)
    return build_index(settings.index_dir, settings.embedder, embeddings, chunks,
                       corpus_hash(corpus_files(settings)), progress=progress, reuse=not fresh,
                       extras=load_topics(_data("scope_topics.txt")), tokens=tokens,
                       bm25=lambda folder: sparse.save(folder, tokenizers.fingerprint))
