"""Putting the pipeline together: ``build_assistant(settings) -> Assistant``.

The CLI, the page and the tests all call this; nothing is built at import time.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .answering import (
    Answer,
    ExtractiveAnswerer,
    ScopeJudge,
    ScopeRules,
    citation,
    load_topics,
)
from .chunking import Lang, chunk_regulation
from .conversation import Turn, rewrite
from .corpus import EN_FILE, ZH_FILE, Regulation, load_regulation
from .embeddings import TiaoliEmbeddings, make_embeddings
from .errors import TiaoliError, UsageError
from .glossary import GLOSSARY_FILE, Term, load_glossary
from .llm import LLMAnswerer, LLMError, make_chat_model
from .numerals import label_en, label_zh, to_chinese
from .prompts import Prompts, load_prompts
from .references import find_references
from .retrieval import HybridRetriever, detect_lang, normalize
from .settings import Settings
from .sparse import Tokenizers
from .store import build_index, corpus_hash, load_index

RELATED_SHOWN = 3


def corpus_files(settings: Settings) -> list[Path]:
    """The files of the selected regulation that shape its index."""
    folder = settings.regulation_dir
    return [p for p in (folder / ZH_FILE, folder / EN_FILE, folder / GLOSSARY_FILE)
            if p.exists()]


def _data(name: str) -> Path:
    return Path(str(resources.files("assistant").joinpath(f"data/{name}")))


@dataclass
class Assistant:
    """Everything a question needs, built once and shared."""

    settings: Settings
    regulation: Regulation
    glossary: tuple[Term, ...]
    embeddings: TiaoliEmbeddings
    retriever: HybridRetriever = field(repr=False)
    prompts: Prompts = field(repr=False)
    judge: ScopeJudge = field(repr=False)
    extractive: ExtractiveAnswerer = field(repr=False)
    llm: LLMAnswerer | None = field(default=None, repr=False)

    def ask(self, question: str, *, lang: Lang | None = None,
            history: Sequence[Turn] = (),
            on_token: Callable[[str], None] | None = None, use_llm: bool = True) -> Answer:
        """Answer ``question`` in ``lang`` (default: the question's language).

        ``history`` is the conversation so far; a follow-up is rewritten with it
        before retrieval. ``use_llm=False`` answers extractively even when an
        LLM is configured. ``on_token`` receives the answer text as it is made
        (token by token from an LLM, in one piece from the extractive answerer).
        Raises UsageError for an empty question.
        """
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
        lang = lang or detect_lang(text)
        notes: list[str] = []
        searched = self._standalone(text, history, lang, notes, use_llm)
        hits = []
        vector = self.retriever.embed(searched)
        hits = self.retriever.search(searched, self.settings.answer_k,
                                     lang=detect_lang(searched), vector=vector)
        missing = self._missing_references(searched)
        reason = self._missing_note(missing) if missing else self.judge.judge(
            searched, vector, hits)
        if reason is not None:
            return self._refusal(question, lang, hits, [*notes, reason], searched, text,
                                 missing=missing)
        if self.llm is not None and use_llm:
            try:
                reply = self.llm.answer(searched, hits, lang, on_token)
            except LLMError as exc:
                notes.append(f"{self.llm.mode} failed: {exc.message}")
                fallback = self.prompts.phrase("fallback", lang, reason=exc.message)
                body, cites = self.extractive.answer(searched, hits, lang)
                body = fallback + "\n\n" + body
                if on_token:
                    on_token(body)
                return Answer(question, lang, f"extractive (fallback: {self.llm.mode} failed)",
                              body, False, tuple(cites), (), tuple(notes),
                              searched if searched != text else None)
            if reply.refused:
                return self._refusal(question, lang, hits, [*notes, *reply.notes,
                                     f"{self.llm.mode} found no answer in the provisions"],
                                     searched, text, mode=self.llm.mode)
            return Answer(question, lang, self.llm.mode, reply.text, False,
                          tuple(reply.citations), (), tuple(notes + reply.notes),
                          searched if searched != text else None)
        body, cites = self.extractive.answer(searched, hits, lang)
        if on_token:
            on_token(body)
        return Answer(question, lang, self.extractive.mode, body, False, tuple(cites), (),
                      tuple(notes), searched if searched != text else None)

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
        count = len(self.regulation.articles)
        if self.llm is not None and use_llm and not find_references(text):
            try:
                return normalize(self.llm.condense(text, history, lang)) or text
            except LLMError as exc:
                notes.append(f"follow-up rewritten by rules: {exc.message}")
        return rewrite(text, history, count, self.extractive.salient)

    @property
    def index_version(self) -> str:
        """What the answers were built from: embedder, corpus hash and build time."""
        m = self.retriever.index.manifest
        return f"{m.embedder_id}; corpus {m.corpus_sha256[:12]}; built {m.built_at}"

    def _missing_references(self, text: str) -> tuple[int, int | None] | None:
        """The first reference when the question names only provisions that do not exist."""
        refs = find_references(text)
        numbers = {a.number: len(a.paragraphs) for a in self.regulation.articles}
        bad = [(a, p) for a, p in refs if a not in numbers or (p is not None and p > numbers[a])]
        return bad[0] if refs and len(bad) == len(refs) else None

    def _labels(self, ref: tuple[int, int | None]) -> tuple[str, str]:
        a, p = ref
        zh = label_zh(a, p) if 1 <= a <= 9999 and (p is None or 1 <= p <= 9999) else f"第{a}条"
        return zh, label_en(a, p)

    def _missing_note(self, ref: tuple[int, int | None]) -> str:
        count = len(self.regulation.articles)
        zh, en = self._labels(ref)
        return f"{zh} / {en} does not exist: the regulation has {count} articles, 1 to {count}"

    def _refusal(self, question: str, lang: Lang, hits: Sequence[Any], notes: list[str],
                 searched: str, text: str, missing: tuple[int, int | None] | None = None,
                 mode: str | None = None) -> Answer:
        body = self.prompts.refusal(lang)
        if missing:
            count = len(self.regulation.articles)
            zh, en = self._labels(missing)
            body += (f"本条例没有{zh}，共{to_chinese(count)}条。" if lang == "zh"
                     else f" There is no {en}: the Regulations have {count} articles.")
        related = tuple(
            citation(self.regulation, h.article, h.paragraphs[0].number if h.paragraphs else None)
            for h in hits[:RELATED_SHOWN])
        if related:
            body += "\n\n" + self.prompts.phrase("related_intro", lang) + "\n" + "\n".join(
                f"- {c.label.split(' | ')[0 if lang == 'zh' else 1]}" for c in related)
        return Answer(question, lang, mode or self.extractive.mode, body, True, (), related,
                      tuple(notes), searched if searched != text else None)


def build_assistant(settings: Settings, embeddings: TiaoliEmbeddings | None = None,
                    chat_model: Any | None = None) -> Assistant:
    """Load the regulation, its glossary, its index and the prompts; wire up the answerers.

    ``chat_model`` replaces the model the ``llm`` setting names (tests pass
    LangChain's fake chat models here). Raises IndexMismatchError (hint:
    ``tiaoli index build``) when the index is missing, damaged or stale; it
    never rebuilds on its own. Raises PromptError for a broken prompt file.
    """
    regulation = load_regulation(settings.regulation_dir)
    glossary = load_glossary(settings.regulation_dir)
    prompts = load_prompts(settings.prompts_dir)
    embeddings = embeddings or make_embeddings(settings.embedder)
    index = load_index(settings.index_dir, settings.embedder, embeddings.id,
                       corpus_hash(corpus_files(settings)))
    retriever = HybridRetriever(regulation, index, embeddings, Tokenizers(glossary),
                                rrf_k=settings.rrf_k)
    judge = ScopeJudge(retriever, regulation, load_topics(_data("scope_topics.txt")),
                       ScopeRules.load(_data("scope_rules.json")), settings.scope_threshold)
    llm = None
    if chat_model is not None or settings.llm:
        name = settings.llm.partition(":")[2] if settings.llm else getattr(
            chat_model, "model_name", None) or type(chat_model).__name__
        model = chat_model or make_chat_model(settings.llm or "", settings.llm_base_url,
                                              settings.llm_api_key, settings.llm_timeout)
        llm = LLMAnswerer(model, name, regulation, prompts, settings.llm_timeout)
    return Assistant(settings, regulation, glossary, embeddings, retriever, prompts, judge,
                     ExtractiveAnswerer(regulation, retriever, prompts), llm)


def rebuild_index(settings: Settings, embeddings: TiaoliEmbeddings | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """Chunk and embed the selected regulation and write its index (atomically)."""
    regulation = load_regulation(settings.regulation_dir)
    load_glossary(settings.regulation_dir)  # a broken glossary fails the build, not the search
    embeddings = embeddings or make_embeddings(settings.embedder)
    return build_index(settings.index_dir, settings.embedder, embeddings,
                       chunk_regulation(regulation), corpus_hash(corpus_files(settings)),
                       progress=progress)
