"""The LLM answerer: any LangChain chat model, its citations checked in code.

Chosen by the ``llm`` setting: ``openai:<model>`` (any OpenAI-compatible
endpoint: OpenAI, DeepSeek, Qwen/DashScope, vLLM, llama.cpp's server) or
``ollama:<model>``; both from the ``llm`` extra, imported only when used.

The model sees the retrieved paragraphs in both languages with their labels.
Every citation it writes is parsed: one naming an article or paragraph that
does not exist, or that was not among those provided, is removed from the
text and replaced by a visible marker, and the answer carries a note saying
so (we strip rather than retry: a retry doubles the wait and may invent
again). An answer without a valid citation gets its sources attached.
Scope is decided before the model is called, so a model cannot answer a
question the regulation does not address.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import TiaoliError
from ..search.chunking import Lang
from ..search.retrieval import Hit
from ..text.library import Library
from ..text.numerals import NUMERAL_CHARS, parse_number
from .prompts import Prompts
from .values import Citation, citation

_NUM = f"[{NUMERAL_CHARS}]+"
_CITE = re.compile(
    rf"第\s*({_NUM})\s*条(?:\s*第\s*({_NUM})\s*款)?"
    r"|\bArticles?\s+(\d+)(?:\s*\(\s*(\d+)\s*\))?", re.IGNORECASE)
_PARAGRAPHS_PER_HIT = 2
#: How far before or after a citation a regulation's name is looked for (characters).
_NAME_WINDOW = 60
Provided = tuple[str, int, int]  # (regulation id, article, paragraph) shown to the model


class LLMError(TiaoliError):
    """The language model could not be reached or did not answer in time."""

    default_hint = ("check TIAOLI_LLM, TIAOLI_LLM_BASE_URL and TIAOLI_LLM_API_KEY, "
                    "or unset TIAOLI_LLM")


def make_chat_model(spec: str, base_url: str | None, api_key: str | None,
                    timeout: float) -> Any:
    """A LangChain chat model from ``openai:<model>`` or ``ollama:<model>``."""
    provider, _, model = spec.partition(":")
    if not model.strip():
        raise LLMError(f"unknown LLM setting {spec!r}", "use openai:<model> or ollama:<model>")
    hint = "pip install 'tiaoli[llm]' (in this checkout: .venv/bin/pip install -e '.[llm]')"
    if provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise LLMError(f"the LLM {spec} needs langchain-openai", hint) from None
        kwargs: dict[str, Any] = {"model": model, "timeout": timeout, "max_retries": 0,
                                  "streaming": True}
        if base_url:
            kwargs["base_url"] = base_url
        if api_key:
            kwargs["api_key"] = api_key
        return ChatOpenAI(**kwargs)
    if provider == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise LLMError(f"the LLM {spec} needs langchain-ollama", hint) from None
        return ChatOllama(model=model, base_url=base_url,
                          client_kwargs={"timeout": timeout})
    raise LLMError(f"unknown LLM provider {provider!r}", "use openai:<model> or ollama:<model>")


def stream_reply(model: Any, prompt: str, timeout: float,
                          on_token: Callable[[str], None] | None) -> str:
    """The model's whole reply, streamed; LLMError if it fails or stalls past ``timeout``."""
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            for piece in model.stream(prompt):
                chunks.put(("token", piece.content if hasattr(piece, "content") else str(piece)))
            chunks.put(("done", None))
        except Exception as exc:  # handed to the caller, who raises LLMError
            chunks.put(("error", exc))

    threading.Thread(target=work, daemon=True, name="tiaoli-llm").start()
    parts: list[str] = []
    while True:
        try:
            kind, value = chunks.get(timeout=timeout)
        except queue.Empty:
            raise LLMError(f"the model sent nothing for {timeout:g} s") from None
        if kind == "done":
            return "".join(parts)
        if kind == "error":
            raise LLMError(f"the model call failed: {type(value).__name__}: "
                           f"{str(value).splitlines()[0] if str(value) else ''}".rstrip(": "))
        text = value if isinstance(value, str) else str(value)
        parts.append(text)
        if on_token and text:
            on_token(text)


class _SentenceGate:
    """Buffers streamed text and releases it a sentence at a time, cleaned."""

    _END = re.compile(r"[。！？!?；;\n]|\.(?=\s)")

    def __init__(self, clean: Callable[[str], str],
                 emit: Callable[[str], None] | None) -> None:
        self.clean, self.emit, self.buf, self.started = clean, emit, "", False

    def feed(self, piece: str) -> None:
        self.buf += piece
        last = None
        for m in self._END.finditer(self.buf):
            last = m
        if last is not None:
            head, self.buf = self.buf[: last.end()], self.buf[last.end():]
            self._out(head)

    def flush(self) -> None:
        if self.buf:
            self._out(self.buf)
            self.buf = ""

    def _out(self, text: str) -> None:
        if not self.started:  # the final answer is stripped; so is what streams
            text = text.lstrip()
            self.started = bool(text)
        if text and self.emit:
            self.emit(self.clean(text))


@dataclass
class LLMReply:
    """What the LLM answerer hands back to the assistant."""

    text: str
    citations: list[Citation]
    refused: bool
    notes: list[str] = field(default_factory=list)


class LLMAnswerer:
    """Answers with a chat model from the retrieved paragraphs, and checks what it cites."""

    def __init__(self, model: Any, name: str, library: Library, prompts: Prompts,
                 timeout: float) -> None:
        self.model = model
        self.name = name
        self.library = library
        self.prompts = prompts
        self.timeout = timeout

    @property
    def mode(self) -> str:
        """``llm:<model>``."""
        return f"llm:{self.name}"

    def context(self, hits: Sequence[Hit]) -> tuple[str, list[Provided]]:
        """The paragraphs shown to the model, labelled, in both languages; and their keys."""
        blocks, provided = [], []
        for hit in hits:
            art = self.library.get(hit.regulation).article(hit.article)
            paras = [p.number for p in hit.paragraphs[:_PARAGRAPHS_PER_HIT]] or [1]
            for number in paras:
                para = art.paragraph(number)
                provided.append((hit.regulation, hit.article, number))
                blocks.append(f"[{self.library.label(hit.regulation, hit.article, number)}]\n"
                              f"{para.zh}\n{para.en or ''}")
        return "\n\n".join(blocks), provided

    def _titles(self) -> dict[str, str]:
        """The prompt's title fields: one title, or every loaded regulation's short title."""
        regs = self.library.regulations
        if not self.library.multiple:
            return {"title_zh": regs[0].title_zh, "title_en": regs[0].title_en or ""}
        return {"title_zh": "》、《".join(r.short_zh for r in regs),
                "title_en": "; ".join(r.short_en for r in regs)}

    def prompt(self, question: str, hits: Sequence[Hit],
               lang: Lang) -> tuple[str, list[Provided]]:
        """The filled answer prompt and the provided (regulation, article, paragraph) keys."""
        context, provided = self.context(hits)
        text = self.prompts.template("answer", lang).format(
            **self._titles(), refusal=self.prompts.refusal(lang), context=context,
            question=question)
        return text, provided

    def answer(self, question: str, hits: Sequence[Hit], lang: Lang,
               on_token: Callable[[str], None] | None = None) -> LLMReply:
        """Ask the model; raises LLMError when it cannot be reached in time.

        Streamed text is released a sentence at a time, after that sentence's
        citations have been checked, so an invented article is never shown,
        not even for a moment; the final text is the same as what streamed.
        """
        prompt, provided = self.prompt(question, hits, lang)
        gate = _SentenceGate(lambda s: self._clean(s, provided, lang, [], {}), on_token)
        raw = stream_reply(self.model, prompt, self.timeout,
                                    gate.feed if on_token else None)
        gate.flush()
        return self.check(raw, provided, hits, lang)

    def check(self, raw: str, provided: Sequence[Provided], hits: Sequence[Hit],
              lang: Lang) -> LLMReply:
        """Strip citations outside the corpus or the provided set; attach sources if none."""
        refusal = self.prompts.refusal(lang)
        if refusal in raw or self.prompts.refusal("en" if lang == "zh" else "zh") in raw:
            return LLMReply(refusal, [], True)
        notes: list[str] = []
        cites: dict[tuple[str, int, int | None], Citation] = {}
        text = self._clean(raw, provided, lang, notes, cites).strip()
        found = list(cites.values())
        if not found and hits:
            best = hits[0]
            number = best.paragraphs[0].number if best.paragraphs else None
            found = [citation(self.library, best.regulation, best.article, number)]
            notes.append("the model cited no provision; its sources are attached")
        return LLMReply(text, found, False, notes)

    def _clean(self, raw: str, provided: Sequence[Provided], lang: Lang, notes: list[str],
               cites: dict[tuple[str, int, int | None], Citation]) -> str:
        """``raw`` with invalid citations replaced by a marker; valid ones go to ``cites``.

        With several regulations, a citation belongs to the regulation named
        just before it (《…》第十七条) or after it (Article 17 of the …), else to
        the first provided regulation holding that article.
        """

        def replace(m: re.Match[str]) -> str:
            try:
                if m.group(1):
                    article = parse_number(m.group(1))
                    paragraph = parse_number(m.group(2)) if m.group(2) else None
                else:
                    article, paragraph = int(m.group(3)), int(m.group(4)) if m.group(4) else None
            except ValueError:
                return m.group(0)
            written = m.group(0)
            regs = list(dict.fromkeys(r for r, a, p in provided if a == article and (
                paragraph is None or p == paragraph)))
            if len(regs) > 1:
                near = m.string[max(0, m.start() - _NAME_WINDOW):m.start()] + " " + m.string[
                    m.end():m.end() + _NAME_WINDOW]
                named = [r.id for r in self.library.named_in(near)]
                regs = [r for r in regs if r in named] or regs
            if not regs:
                exists = bool(self.library.holding(article, paragraph))
                why = "was not among the provisions provided" if exists else "does not exist"
                notes.append(f"removed citation {written}: it {why}")
                return self.prompts.phrase("removed_citation", lang, label=written)
            reg = regs[0]
            if paragraph is None:
                own = sorted(p for r, a, p in provided if r == reg and a == article)
                paragraph = own[0] if len(own) == 1 else None
            cites.setdefault((reg, article, paragraph),
                             citation(self.library, reg, article, paragraph))
            return written

        return _CITE.sub(replace, raw)

    def judge_statement(self, statement: str, hits: Sequence[Hit],
                        lang: Lang) -> tuple[str, LLMReply]:
        """(verdict, checked reply) for a statement; raises LLMError when the model fails."""
        context, provided = self.context(hits)
        prompt = self.prompts.template("check", lang).format(
            **self._titles(), context=context, statement=statement)
        raw = stream_reply(self.model, prompt, self.timeout, None).strip()
        first, _, rest = raw.partition("\n")
        verdict = re.sub(r"[^a-z_]", "", first.lower())
        if verdict not in ("supported", "partly_supported", "contradicted", "not_stated"):
            raise LLMError(f"the model gave no verdict (its first line was {first[:60]!r})")
        return verdict, self.check(rest.strip() or first, provided, hits, lang)

    def condense(self, question: str, history: Sequence[Any], lang: Lang) -> str:
        """The follow-up rewritten by the model as a standalone question."""
        transcript = "\n".join(f"{t.role}: {t.content}" for t in history)
        prompt = self.prompts.template("condense", lang).format(history=transcript,
                                                                question=question)
        return stream_reply(self.model, prompt, self.timeout, None).strip() or question

