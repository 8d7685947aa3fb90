"""The chat page (Gradio Blocks), mounted on the API's FastAPI app.

Tabs: ask (chat with cited provisions as cards, Chinese and English side by
side), the regulation (article by article, glossary terms marked, a jump box
and ``/?article=17`` deep links, ``/?regulation=ID&article=17`` with several
regulations), compare, check and the glossary (searchable). With several
regulations loaded, the ask, regulation and compare tabs each get a choice of
regulation. The page only formats what ``Assistant`` returns.
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import Any

import gradio as gr
from fastapi import FastAPI

from ..answer.conversation import Turn
from ..answer.evidence import fold
from ..answer.extractive import split_sentences
from ..answer.values import Answer, Citation
from ..app import Assistant
from ..errors import TiaoliError
from ..review.check import Checker
from ..review.compare import comparer_for
from ..review.compare_all import WholeComparer, read_whole
from ..search.chunking import Lang
from ..text.corpus import Article, Regulation
from ..text.glossary import Term, search
from ..text.numerals import label_en, label_zh
from ..text.references import parse_reference
from ..text.script import has_han
from .api import create_api
from .desk import (
    GLOSSARY_DOWNLOADS,
    REGULATION_DOWNLOADS,
    compare_all_html,
    compare_html,
    differences_html,
    downloads_html,
)
from .feedback import FeedbackStore

ALL_REGULATIONS = "*"  # the ask tab's choice meaning every loaded regulation
# Gradio runs at most this many chat events at once. An extractive answer takes
# tens of milliseconds of CPU and the embedder serialises its own calls, so
# more would only queue inside the process; fewer would make one user's long
# LLM answer hold up everyone else's.
CONCURRENCY = 8
# System fonts only: the page works offline and never fetches a web font.
_FONTS = ["Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui",
          "sans-serif"]
_MONO = ["Noto Sans Mono", "ui-monospace", "monospace"]


_log = logging.getLogger("tiaoli.page")


def _refused(message: str) -> gr.Error:
    """A user error shown on the page: our words, one line in the log, no traceback."""
    _log.info("refused: %s", message)
    return gr.Error(message, print_exception=False)


def _guarded(fault: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as an event handler: our own errors pass as they are; anything else is a
    fault, logged with its traceback and shown as ``fault`` (never Python's words)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception:
                _log.exception("fault in %s", fn.__name__)
                raise gr.Error(fault, print_exception=False) from None
        return stream

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception:
            _log.exception("fault in %s", getattr(fn, "__name__", "a handler"))
            raise gr.Error(fault, print_exception=False) from None
    return call


def _asset(name: str) -> str:
    return resources.files("assistant").joinpath(f"data/{name}").read_text(encoding="utf-8")


_EN_WORDS = re.compile(r"[a-z][a-z-]+")
_MINOR = frozenset({"and", "the", "of", "by", "for", "to", "in", "on", "or", "with"})


def _mostly(form: str, words: set[str]) -> bool:
    """Whether at least half the words of ``form`` (minor words aside) are in ``words``."""
    own = [w for w in _EN_WORDS.findall(form.lower()) if w not in _MINOR]
    return bool(own) and 2 * sum(w in words for w in own) >= len(own)


def mark_terms(text: str, terms: Sequence[Term], lang: Lang) -> str:
    """HTML of ``text`` with glossary terms wrapped so hovering shows the other language."""
    if lang == "zh":
        pairs = {t.zh: t.en for t in terms}
    else:
        pairs = {t.en: t.zh for t in terms if len(t.en) > 3}
    if not pairs:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)),
                         0 if lang == "zh" else re.IGNORECASE)
    out, last = [], 0
    lookup = {k.lower(): v for k, v in pairs.items()}
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        other = lookup.get(m.group(0).lower(), "")
        out.append(f'<abbr class="term" title="{html.escape(other)}">'
                   f"{html.escape(m.group(0))}</abbr>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _highlight(text: str, lang: Lang, marked: set[str], evidence: Sequence[str] = ()) -> str:
    """HTML of ``text``: the sentences in ``marked`` highlighted, the words in
    ``evidence`` (the question's terms it holds) in bold."""
    words = sorted({w for w in evidence if w}, key=len, reverse=True)
    edge = "" if lang == "zh" else r"\b"  # an English word, never inside another (land, island)
    pattern = re.compile(edge + "(?:" + "|".join(re.escape(w) for w in words) + ")" + edge,
                         re.IGNORECASE) if words else None
    parts = []
    for sentence in split_sentences(text, lang):
        esc = _bold(sentence, pattern)
        parts.append(f"<mark>{esc}</mark>" if sentence in marked else esc)
    return ("" if lang == "zh" else " ").join(parts)


def _bold(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        out.append(f'<b class="ev">{html.escape(m.group(0))}</b>')
        last = m.end()
    return "".join(out) + html.escape(text[last:])


class ChatPage:
    """The page's callbacks, around one shared assistant."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.library = assistant.library
        self.words = assistant.prompts
        # The answer-language choices, as labelled on the page.
        self.lang_choices: dict[str, Lang | None] = {
            self.t("lang_auto"): None, self.t("lang_zh"): "zh", self.t("lang_en"): "en"}
        try:
            self.regulation = assistant.regulation
        except TiaoliError:  # several loaded, none chosen: the page starts on the first
            self.regulation = self.library.regulations[0]
        self._full_text = {r.id: self._render_regulation(r) for r in self.library.regulations}
        self.comparers = {r.id: comparer_for(assistant, r) for r in self.library.regulations}
        self.checker = Checker(assistant)
        self._terms = {t.zh: t for t in assistant.glossary}

    def t(self, name: str, **values: object) -> str:
        """The page's words for ``name`` (prompts/interface.json), placeholders filled."""
        return self.words.text("page", name, **values)

    def _reg(self, reg_id: str | None) -> Regulation:
        """The regulation a choice names (the page's default when none)."""
        if not reg_id or reg_id == ALL_REGULATIONS:
            return self.regulation
        try:
            return self.library.get(reg_id)
        except TiaoliError as exc:
            raise _refused(exc.message) from None

    # ------------------------------------------------------------------ ask

    def respond(self, message: str, history: list[dict[str, Any]] | None,
                lang_choice: str, reg_choice: str | None = None) -> Iterator[tuple[Any, ...]]:
        """Stream an answer into the chat; then show its provisions as cards."""
        history = list(history or [])
        if not (message or "").strip():
            raise _refused(self.t("empty_question"))
        turns = [Turn(m["role"], _text(m["content"])) for m in history
                 if m.get("role") in ("user", "assistant")]
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": ""})
        text = ""
        try:
            within = None if reg_choice in (None, "", ALL_REGULATIONS) else reg_choice
            for piece in self.assistant.stream(message, lang=self.lang_choices.get(lang_choice),
                                               history=turns, regulation=within):
                if isinstance(piece, Answer):
                    history[-1]["content"] = piece.answer
                    yield (history, self.cards(piece), self._mode(piece), "", piece.to_json(),
                           "")
                else:
                    text += piece
                    history[-1]["content"] = text
                    yield history, gr.update(), gr.update(), "", gr.update(), ""
        except TiaoliError as exc:
            raise _refused(f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None

    def feedback(self, rating: str, comment: str, last: dict[str, Any] | None) -> str:
        """Store a rating of the last answer; only then is anything kept."""
        if not last:
            raise _refused(self.t("no_answer_yet"))
        try:
            ident = FeedbackStore(self.assistant.settings.home).add(
                rating=rating, question=last["question"], answer=last["answer"],
                citations=last["citations"], comment=comment or "", lang=last["lang"],
                mode=last["mode"], index_version=self.assistant.index_version)
        except TiaoliError as exc:
            raise _refused(exc.message) from None
        return self.t("feedback_recorded", ident=ident)

    def _mode(self, answer: Answer) -> str:
        extra = self.t("searched", searched=answer.searched) if answer.searched else ""
        return (f'<span class="mode-badge">{html.escape(self.t("mode", mode=answer.mode))}'
                f'</span>{html.escape(extra)}')

    def cards(self, answer: Answer) -> str:
        """The cited (or, under a refusal, related) provisions, zh and en side by side."""
        items = answer.related if answer.refused or answer.choices else answer.citations
        if not items:
            return ""
        if answer.choices:
            title, note = "cards_which_title", "cards_which_note"
        elif answer.refused:
            title = "cards_related_title"
            note = ("cards_refused_note_library" if self.library.multiple
                    else "cards_refused_note")
        else:
            title, note = "cards_cited_title", ""
        head = f'<div class="cards-title">{html.escape(self.t(title))}</div>' + (
            f'<div class="cards-refused">{html.escape(self.t(note))}</div>' if note else "")
        q_tokens = {lang: self.assistant.extractive.question_tokens(
            answer.searched or answer.question, lang) for lang in ("zh", "en")}
        body = "".join(self._card(c, answer, q_tokens) for c in items)
        return f'<div class="cards">{head}{body}</div>'

    def _card(self, c: Citation, answer: Answer, q_tokens: dict[str, set[str]]) -> str:
        marked = {lang: self._matched(text, lang, answer, q_tokens[lang])  # type: ignore[arg-type]
                  for lang, text in (("zh", c.zh), ("en", c.en or ""))}
        # The language the answer did not quote: mark what corresponds to the quote.
        other: Lang = "en" if answer.lang == "zh" else "zh"
        own_sents = split_sentences((c.zh if answer.lang == "zh" else c.en) or "", answer.lang)
        other_sents = split_sentences((c.zh if other == "zh" else c.en) or "", other)
        quoted = marked[answer.lang]
        if own_sents and quoted == set(own_sents):
            marked[other] = set(other_sents)
        elif len(own_sents) == len(other_sents) and quoted:
            marked[other] = {o for s, o in zip(own_sents, other_sents, strict=True)
                             if s in quoted}
        ev_zh, ev_en = self._evidence_words(c)
        copy = html.escape(f"{c.label}\n{c.zh}\n{c.en or ''}".strip(), quote=True)
        anchor = (f"cite-{c.regulation}-{c.article}-{c.paragraph or 0}" if self.library.multiple
                  else f"cite-{c.article}-{c.paragraph or 0}")
        return (
            f'<article class="card" id="{anchor}">'
            f'<header><span class="label">{html.escape(c.label)}</span>'
            f'<button class="copy" type="button" data-copy="{copy}">'
            f'{html.escape(self.t("copy"))}</button></header>{self._why(c)}'
            f'<div class="sides"><div class="zh" lang="zh-CN"><span class="lang-tag">'
            f'{html.escape(self.t("official_chinese"))}</span>'
            f'{_highlight(c.zh, "zh", marked["zh"], ev_zh)}</div>'
            f'<div class="en" lang="en"><span class="lang-tag">'
            f'{html.escape(self.t("english_rendering"))}</span>'
            f'{_highlight(c.en or "", "en", marked["en"], ev_en)}</div></div></article>')

    def _why(self, c: Citation) -> str:
        """The card's "why this provision": the question's terms the provision holds."""
        if not c.evidence:
            return ""
        chips = "".join(
            f'<span class="ev-chip" title="{html.escape(e["kind"] + ": " + e["matched"])}">'
            f'{html.escape(e["term"])}</span>' for e in c.evidence)
        return f'<div class="why">{html.escape(self.t("why_this"))} {chips}</div>'

    def _evidence_words(self, c: Citation) -> tuple[list[str], list[str]]:
        """What to embolden on each side of a card: each evidence term as the provision
        writes it (a glossary concept in its Chinese and its English forms)."""
        zh: list[str] = []
        en: list[str] = []
        words = {w for e in c.evidence if e["kind"] == "word" and not has_han(e["matched"])
                 for w in _EN_WORDS.findall(e["matched"].lower())}
        for e in c.evidence:
            if e["kind"] == "glossary":
                term = self._terms.get(e["matched"])
                zh.append(e["matched"])
                en.extend(term.english_forms if term else ())
            elif e["kind"] == "number":
                zh.append(e["matched"])
                en.append(e["matched"])
            else:
                word = e["matched"]
                (zh if has_han(word) else en).append(word)
                # The other side's words for it: a glossary concept holding the word
                # that both sides of this provision write ("leasing" -> 长期租赁).
                for other_zh, other_en in self._counterparts(word, c, words):
                    zh.append(other_zh)
                    en.append(other_en)
        return zh, en

    def _counterparts(self, word: str, c: Citation, evidence_words: set[str]
                      ) -> list[tuple[str, str]]:
        """(Chinese, English) of each glossary concept that holds ``word`` in one language
        and that the provision's Chinese and English both write; for an English word,
        only a concept at least half of whose English words are evidence words
        ("long-term leasing" for "leasing", not "innovation chains" for "chains")."""
        out = []
        zh_text, en_text = fold(c.zh), (c.en or "").lower()
        pattern = re.compile(rf"\b{re.escape(word.lower())}\b")
        for term in self._terms.values():
            if has_han(word) and word not in term.zh:
                continue
            forms = [f for f in term.english_forms if f.lower() in en_text
                     and (has_han(word) or (pattern.search(f.lower()) and _mostly(
                         f, evidence_words)))]
            if forms and fold(term.zh) in zh_text:
                out.append((term.zh, forms[0]))
        return out

    def _matched(self, text: str, lang: Lang, answer: Answer, q_tokens: set[str]) -> set[str]:
        """Sentences of ``text`` the answer quotes, else those sharing most with the question."""
        sentences = split_sentences(text, lang)
        quoted = {s for s in sentences if not answer.refused
                  and (s in answer.answer or s[:1].lower() + s[1:] in answer.answer)}
        if quoted or not sentences:
            return quoted
        scores = [self.assistant.extractive.support(q_tokens, s, lang) for s in sentences]
        best = max(scores)
        return {s for s, v in zip(sentences, scores, strict=True) if best > 0 and v == best}

    # ----------------------------------------------------------- regulation

    def _article_html(self, art: Article, reg: Regulation, focus: bool = False) -> str:
        # Terms in most articles (制造业) would underline every line; mark the rest,
        # from the regulation's own glossary.
        common = self.assistant.retriever.common_terms
        terms = [t for t in self.library.glossaries.get(reg.id, ()) if t.zh not in common]
        paras = []
        for p in art.paragraphs:
            label = (f"{label_zh(art.number, p.number)} · {label_en(art.number, p.number)}"
                     if len(art.paragraphs) > 1 else "")
            paras.append(
                '<div class="para">' + (f'<div class="para-label">{label}</div>' if label else "")
                + f'<div class="sides"><div class="zh" lang="zh-CN">'
                f'{mark_terms(p.zh, terms, "zh")}</div>'
                f'<div class="en" lang="en">{mark_terms(p.en or "", terms, "en")}</div>'
                '</div></div>')
        cls = "article focus" if focus else "article"
        return (f'<section class="{cls}" id="art-{art.number}"><h3>{label_zh(art.number)} · '
                f'{label_en(art.number)}</h3>{"".join(paras)}</section>')

    def _render_regulation(self, reg: Regulation) -> str:
        head = (f'<div class="reg-head"><h2>{html.escape(reg.title_zh)}</h2>'
                f'<p>{html.escape(reg.title_en or "")}</p>'
                f'<p>{html.escape(reg.note_zh)}<br>{html.escape(reg.note_en or "")}</p></div>')
        return head + "".join(self._article_html(a, reg) for a in reg.articles)

    def show_article(self, number: float | None, reg_id: str | None = None) -> str:
        """One article, side by side, for the jump box and deep links."""
        if number is None:
            return ""
        reg = self._reg(reg_id)
        n = int(number)
        count = len(reg.articles)
        if not any(a.number == n for a in reg.articles):
            span = {"count": count, "first": reg.articles[0].number,
                    "last": reg.articles[-1].number}
            raise _refused(self.t("no_such_article_titled", title_zh=reg.short_zh,
                                  title_en=reg.short_en, **span) if self.library.multiple
                           else self.t("no_such_article", **span))
        return self._article_html(reg.article(n), reg, focus=True)

    def show_regulation(self, reg_id: str | None) -> tuple[str, Any, str, str]:
        """The full text of the chosen regulation, the jump box reset to its range, and
        the links to its exports."""
        reg = self._reg(reg_id)
        return (self._full_text[reg.id], gr.update(value=None, maximum=len(reg.articles)), "",
                downloads_html(self.t, reg.id, REGULATION_DOWNLOADS))

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """``/?article=17`` (and ``&regulation=ID``) opens the regulation tab at that article."""
        params = request.query_params if request else {}
        raw = params.get("article")
        wanted = params.get("regulation")
        reg = self.regulation
        if wanted:
            try:
                reg = self.library.choose(wanted)
            except TiaoliError:
                wanted = None
        text = self._full_text[reg.id] if wanted else gr.update()
        choice = gr.update(value=reg.id) if wanted else gr.update()
        links = downloads_html(self.t, reg.id, REGULATION_DOWNLOADS) if wanted else gr.update()
        if raw and raw.strip().isdigit() and any(a.number == int(raw) for a in reg.articles):
            n = int(raw)
            return (gr.Tabs(selected="regulation"), gr.update(value=n),
                    self.show_article(n, reg.id), choice, text, links)
        if wanted:
            return gr.Tabs(selected="regulation"), gr.update(), "", choice, text, links
        return gr.Tabs(), gr.update(), "", gr.update(), gr.update(), gr.update()

    # ------------------------------------------------------ compare, check

    def compare(self, reference: str, candidate: str, reg_id: str | None = None) -> str:
        """The comparison as a colour-coded table: official, ours, candidate."""
        try:
            number, para = parse_reference(reference or "")
            report = self.comparers[self._reg(reg_id).id].compare(number, para, candidate or "")
        except TiaoliError as exc:
            raise _refused(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        return compare_html(self.t, report)

    def compare_all(self, rendering: str, reg_id: str | None = None,
                    progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 - Gradio's API
        """A whole rendering compared article by article, and its terms across the text."""
        try:
            reg = self._reg(reg_id)
            parsed = read_whole((rendering or "").encode("utf-8"))
            whole = WholeComparer(self.comparers[reg.id])
            report = whole.compare(parsed, lambda done, total: progress(
                (done, total), desc=self.t("compare_all_button")))
        except TiaoliError as exc:
            raise _refused(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        return compare_all_html(self.t, report)

    def check(self, statement: str) -> str:
        """The verdict on a statement, with the provision it rests on as a card."""
        try:
            result = self.checker.check(statement or "")
        except TiaoliError as exc:
            raise _refused(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        as_answer = Answer(result.statement, result.lang, result.mode, result.explanation,
                           False, tuple(result.citations))
        q_tokens = {lang: self.assistant.extractive.question_tokens(result.statement, lang)
                    for lang in ("zh", "en")}
        cards = "".join(self._card(c, as_answer, q_tokens) for c in result.citations)
        name = self.t(f"verdict_{result.verdict}")
        return (f'<div class="verdict verdict-{result.verdict}">{html.escape(name)}</div>'
                f'<p class="explanation">{html.escape(result.explanation)}</p>'
                f"{differences_html(self.t, result.differences)}"
                f'<div class="cards">{cards}</div>')

    # ------------------------------------------------------------- glossary

    def glossary_rows(self, query: str | None) -> list[list[str]]:
        """Glossary rows matching ``query`` in either language (all when empty)."""
        return [[t.zh, t.en + (self.t("also", variants="; ".join(t.variants))
                               if t.variants else ""),
                 t.note] for t in search(self.assistant.glossary, query)]

    # ---------------------------------------------------------------- build

    def blocks(self) -> gr.Blocks:
        """The Gradio page."""
        reg = self.regulation
        several = self.library.multiple
        named = [(f"{r.short_zh} · {r.short_en}", r.id) for r in self.library.regulations]
        t = self.t
        subtitle = (t("subtitle_library", count=len(self.library.regulations)) if several
                    else t("subtitle", title_zh=reg.title_zh, title_en=reg.title_en or ""))
        with gr.Blocks(title=t("title", subtitle=subtitle)) as demo:
            gr.HTML(f'<div class="tiaoli-header"><h1>{html.escape(t("header"))}</h1><p>'
                    f'{html.escape(subtitle)}</p></div>')
            with gr.Tabs() as tabs:
                with gr.Tab(t("tab_ask"), id="ask"):
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=5, min_width=320):
                            chatbot = gr.Chatbot(label=t("conversation"), height=460,
                                                 elem_id="chat")
                            question = gr.Textbox(
                                show_label=False, elem_id="question", lines=1, max_lines=4,
                                placeholder=t("question_placeholder"))
                            with gr.Row():
                                send = gr.Button(t("send"), variant="primary", elem_id="send")
                                clear = gr.Button(t("clear"), elem_id="clear")
                            lang = gr.Radio(list(self.lang_choices), value=t("lang_auto"),
                                            label=t("answer_language"), elem_id="lang")
                            ask_reg = gr.Dropdown(
                                [(t("all_regulations"), ALL_REGULATIONS), *named],
                                value=ALL_REGULATIONS, label=t("regulation"),
                                visible=several, elem_id="ask-regulation")
                            gr.Examples(self.words.texts("page", "examples"), inputs=question,
                                        label=t("examples_label"))
                        with gr.Column(scale=5, min_width=320):
                            mode = gr.HTML(elem_id="mode")
                            cards = gr.HTML(elem_id="cards")
                            with gr.Group(elem_id="feedback"):
                                comment = gr.Textbox(
                                    show_label=False, elem_id="feedback-comment", max_lines=3,
                                    placeholder=t("feedback_placeholder"))
                                with gr.Row():
                                    up = gr.Button(t("helpful"), size="sm",
                                                   elem_id="feedback-up")
                                    down = gr.Button(t("wrong"), size="sm",
                                                     elem_id="feedback-down")
                                thanks = gr.Markdown(elem_id="feedback-status")
                with gr.Tab(t("tab_regulation"), id="regulation"):
                    view_reg = gr.Dropdown(named, value=reg.id, label=t("regulation"),
                                           visible=several, elem_id="view-regulation")
                    with gr.Row():
                        number = gr.Number(label=t("go_to_article"), minimum=1,
                                           maximum=len(reg.articles), precision=0,
                                           elem_id="article-number", scale=3)
                        go = gr.Button(t("go"), elem_id="article-go", scale=1)
                    downloads = gr.HTML(downloads_html(t, reg.id, REGULATION_DOWNLOADS),
                                        elem_id="downloads")
                    article_view = gr.HTML(elem_id="article-view")
                    full_text = gr.HTML(self._full_text[reg.id], elem_id="regulation-text")
                with gr.Tab(t("tab_compare"), id="compare"):
                    gr.Markdown(t("compare_intro"))
                    cmp_reg = gr.Dropdown(named, value=reg.id, label=t("regulation"),
                                          visible=several, elem_id="compare-regulation")
                    with gr.Row():
                        cmp_ref = gr.Textbox(label=t("article_or_paragraph"), value="17",
                                             elem_id="compare-ref", scale=1)
                        cmp_go = gr.Button(t("compare_button"), variant="primary",
                                           elem_id="compare-go", scale=1)
                    cmp_text = gr.Textbox(label=t("candidate"), lines=8,
                                          elem_id="compare-text")
                    cmp_out = gr.HTML(elem_id="compare-result")
                    with gr.Accordion(t("compare_all_title"), open=False,
                                      elem_id="compare-all"):
                        gr.Markdown(t("compare_all_intro"))
                        all_text = gr.Textbox(label=t("compare_all_text"), lines=10,
                                              max_lines=30, elem_id="compare-all-text")
                        all_go = gr.Button(t("compare_all_button"), variant="primary",
                                           elem_id="compare-all-go")
                        all_out = gr.HTML(elem_id="compare-all-result")
                with gr.Tab(t("tab_check"), id="check"):
                    gr.Markdown(t("check_intro"))
                    chk_text = gr.Textbox(label=t("statement"), elem_id="check-text",
                                          placeholder=t("statement_placeholder"))
                    chk_go = gr.Button(t("check_button"), variant="primary", elem_id="check-go")
                    chk_out = gr.HTML(elem_id="check-result")
                with gr.Tab(t("tab_glossary"), id="glossary"):
                    term = gr.Textbox(label=t("find_term"),
                                      elem_id="glossary-search")
                    gr.HTML(downloads_html(t, reg.id, GLOSSARY_DOWNLOADS),
                            elem_id="glossary-downloads")
                    table = gr.Dataframe(value=self.glossary_rows(None),
                                         headers=[t("col_zh"), t("col_en"), t("col_note")],
                                         interactive=False, wrap=True, elem_id="glossary")
            last = gr.State(None)
            outputs = [chatbot, cards, mode, question, last, thanks]
            g = functools.partial(_guarded, self.t("internal_error"))
            send.click(g(self.respond), [question, chatbot, lang, ask_reg], outputs,
                       concurrency_limit=CONCURRENCY)
            question.submit(g(self.respond), [question, chatbot, lang, ask_reg], outputs,
                            concurrency_limit=CONCURRENCY)
            clear.click(lambda: ([], "", "", "", None, ""), None, outputs)
            up.click(g(lambda c, s: self.feedback("up", c, s)), [comment, last], thanks)
            down.click(g(lambda c, s: self.feedback("down", c, s)), [comment, last], thanks)
            go.click(g(self.show_article), [number, view_reg], article_view)
            number.submit(g(self.show_article), [number, view_reg], article_view)
            view_reg.input(g(self.show_regulation), view_reg,
                           [full_text, number, article_view, downloads])
            term.change(g(self.glossary_rows), term, table)
            cmp_go.click(g(self.compare), [cmp_ref, cmp_text, cmp_reg], cmp_out,
                         concurrency_limit=CONCURRENCY)
            all_go.click(g(self.compare_all), [all_text, cmp_reg], all_out,
                         concurrency_limit=CONCURRENCY)
            chk_go.click(g(self.check), chk_text, chk_out, concurrency_limit=CONCURRENCY)
            chk_text.submit(g(self.check), chk_text, chk_out, concurrency_limit=CONCURRENCY)
            demo.load(g(self.on_load), None,
                      [tabs, number, article_view, view_reg, full_text, downloads])
        return demo  # type: ignore[no-any-return]


def _text(content: Any) -> str:
    """A chat message's text, whatever shape Gradio gives it."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    return str(content)


def create_app(assistant: Assistant) -> FastAPI:
    """The whole server: the JSON API, with the page mounted at ``/``."""
    api = create_api(assistant)
    page = ChatPage(assistant)
    demo = page.blocks()
    demo.queue(default_concurrency_limit=CONCURRENCY)
    app: FastAPI = gr.mount_gradio_app(
        # show_error=False: an error that is not one of ours (a payload Gradio itself
        # cannot read) reaches the user as a bare "Error", never as Python's words.
        api, demo, path="/", css=_asset("page.css"), show_error=False,
        head=f"<script>{_asset('page.js')}</script>",
        theme=gr.themes.Soft(font=_FONTS, font_mono=_MONO))
    return app
