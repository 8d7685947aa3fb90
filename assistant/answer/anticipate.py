"""Document expansion by a language model: ``tiaoli index anticipate``.

A regulation someone adds has no anticipated questions (questions in plain
words tied to the paragraph that answers them, indexed beside the text) and
no unaddressed questions (near misses the scope judge weighs). This module
asks the configured chat model for both, with the prompts in ``prompts/``
(``anticipate`` and ``unaddressed``, one file per language of the questions),
and keeps only lines that pass every check:

- a JSON object with a text (and, for anticipated questions, an article and
  paragraph that exist and were among those the model was shown);
- in the language asked for, of a question's length;
- not a copy of the provision's words (the longest run shared with the
  paragraph is under ``COPY_SHARE`` of the question), and for unaddressed
  questions not a copy of any paragraph nor naming an article;
- not a repeat, or a near repeat (``REPEAT_RATIO``), of a question the file
  already holds or the run has just written.

Work goes in batches of paragraphs, one model call each. After every batch
the file is rewritten whole (written beside it, then renamed over it), so an
interruption loses at most the batch in flight, and a second run goes on
where the first stopped: a paragraph that already has its questions in a
language is not asked for again, nor are unaddressed questions past the
count.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ..search.retrieval import detect_lang
from ..text.corpus import (
    ANTICIPATED_FILE,
    MAX_LISTED_QUESTION_CHARS,
    UNADDRESSED_FILE,
    Regulation,
)
from ..text.numerals import NUMERAL_CHARS
from .llm import stream_reply
from .prompts import Prompts

#: A question sharing a run of at least this share of its characters with the
#: provision copies it rather than asking in the user's words.
COPY_SHARE = 0.6
#: Two questions this alike (difflib ratio of their folded texts) are one question.
REPEAT_RATIO = 0.9
#: A question shorter than this (folded characters) says too little to be asked.
MIN_QUESTION_CHARS = 5
#: How much of the regulation the unaddressed prompt's outline shows (characters).
OUTLINE_CHARS = 6000
#: Characters of each article shown in that outline.
GIST_CHARS = 40
#: How many of the questions already written the unaddressed prompt lists to avoid.
EXAMPLES_SHOWN = 30

_ARTICLE_NAMED = re.compile(rf"第\s*[{NUMERAL_CHARS}]+\s*条|\bArticles?\s+\d+", re.IGNORECASE)
_FOLD_DROP = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """The text compared for copies and repeats: NFKC, case-folded, no punctuation or spaces."""
    return _FOLD_DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Target:
    """A paragraph that needs ``need`` more questions in ``lang``."""

    article: int
    paragraph: int
    lang: str
    need: int


@dataclass
class Report:
    """What a run asked for, wrote and turned down."""

    batches: int = 0  # model calls made
    written: Counter[str] = field(default_factory=Counter)  # file name -> lines added
    rejected: Counter[str] = field(default_factory=Counter)  # reason -> lines turned down
    examples: dict[str, str] = field(default_factory=dict)  # reason -> one line turned down

    def reject(self, reason: str, line: str) -> None:
        """Count a line turned down, keeping the first of each reason as an example."""
        self.rejected[reason] += 1
        self.examples.setdefault(reason, line[:120])


@dataclass(frozen=True)
class Plan:
    """The model calls a run will make: batches of paragraphs, then rounds of unaddressed
    questions, each (language, how many)."""

    batches: tuple[tuple[Target, ...], ...]
    unaddressed: tuple[tuple[str, int], ...]

    @property
    def calls(self) -> int:
        """How many model calls the plan makes."""
        return len(self.batches) + len(self.unaddressed)


def make_plan(reg: Regulation, langs: Iterable[str], per_paragraph: int, unaddressed: int,
              batch: int, per_call: int) -> Plan:
    """What is still missing: paragraphs short of ``per_paragraph`` questions in a language,
    in batches of ``batch`` paragraphs; unaddressed questions short of ``unaddressed`` a
    language, in calls of at most ``per_call`` questions."""
    langs = tuple(langs)
    have: Counter[tuple[int, int, str]] = Counter(
        (q.article, q.paragraph, q.lang) for q in reg.anticipated)
    batches: list[tuple[Target, ...]] = []
    for lang in langs:
        targets = [Target(a.number, p.number, lang, per_paragraph - have[a.number, p.number, lang])
                   for a in reg.articles for p in a.paragraphs
                   if have[a.number, p.number, lang] < per_paragraph]
        batches += [tuple(targets[i:i + batch]) for i in range(0, len(targets), batch)]
    rounds: list[tuple[str, int]] = []
    counted: Counter[str] = Counter(u.lang for u in reg.unaddressed)
    for lang in langs:
        missing = max(unaddressed - counted[lang], 0)
        calls = math.ceil(missing / per_call) if missing else 0
        rounds += [(lang, min(per_call, missing - i * per_call)) for i in range(calls)]
    return Plan(tuple(batches), tuple(rounds))


def json_lines(reply: str) -> Iterator[tuple[str, Any]]:
    """(raw line, parsed value or None) for each line of a reply that is not blank or a
    code fence. A reply that is one JSON array yields its elements."""
    text = reply.strip()
    if text.startswith("```"):
        text = re.sub(r"^```\w*\s*|\s*```$", "", text)
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            for item in items:
                yield json.dumps(item, ensure_ascii=False), item
            return
    for raw in text.splitlines():
        line = raw.strip().rstrip(",")
        if not line or line.startswith("```"):
            continue
        try:
            yield line, json.loads(line)
        except json.JSONDecodeError:
            yield line, None


class Checker:
    """The checks every line passes before it is written (see the module docstring)."""

    def __init__(self, reg: Regulation) -> None:
        self.reg = reg
        self.paragraphs = {(a.number, p.number): p for a in reg.articles for p in a.paragraphs}
        self.seen: dict[str, list[str]] = {}  # key -> folded questions already held
        for q in reg.anticipated:
            self._hold(f"{q.article}.{q.paragraph}.{q.lang}", q.text)
        for u in reg.unaddressed:
            self._hold(f"unaddressed.{u.lang}", u.text)

    def _hold(self, key: str, text: str) -> None:
        self.seen.setdefault(key, []).append(_fold(text))

    def text_fault(self, text: object, lang: str) -> str | None:
        """Why a question's text cannot be used, or None."""
        if not isinstance(text, str) or not text.strip():
            return "no text"
        folded = _fold(text)
        if len(folded) < MIN_QUESTION_CHARS or len(text) > MAX_LISTED_QUESTION_CHARS:
            return "too short or too long"
        if detect_lang(text) != lang:
            return "wrong language"
        return None

    def _copies(self, text: str, source: str | None) -> bool:
        if not source:
            return False
        q, s = _fold(text), _fold(source)
        run = SequenceMatcher(None, q, s, autojunk=False).find_longest_match(0, len(q), 0, len(s))
        return run.size >= COPY_SHARE * len(q)

    def _repeats(self, key: str, text: str) -> bool:
        folded = _fold(text)
        return any(folded == old or SequenceMatcher(None, folded, old).ratio() >= REPEAT_RATIO
                   for old in self.seen.get(key, ()))

    def anticipated(self, data: Any, lang: str, shown: set[tuple[int, int]]) -> str | None:
        """Why an anticipated line cannot be used (None: it is held, and the next
        repeat of it is turned down)."""
        if not isinstance(data, dict):
            return "not a JSON object"
        article, paragraph = data.get("article"), data.get("paragraph")
        if not (isinstance(article, int) and isinstance(paragraph, int)) \
                or isinstance(article, bool) or isinstance(paragraph, bool):
            return "no article or paragraph number"
        if (article, paragraph) not in self.paragraphs:
            return "no such paragraph"
        if (article, paragraph) not in shown:
            return "a paragraph not in the batch"
        para = self.paragraphs[article, paragraph]
        return self._kept(data.get("text"), lang, f"{article}.{paragraph}.{lang}",
                          (para.zh, para.en))

    def unaddressed(self, data: Any, lang: str) -> str | None:
        """Why an unaddressed line cannot be used (None: it is held)."""
        if not isinstance(data, dict):
            return "not a JSON object"
        return self._kept(data.get("text"), lang, f"unaddressed.{lang}",
                          (t for p in self.paragraphs.values() for t in (p.zh, p.en)),
                          may_name_articles=False)

    def _kept(self, text: object, lang: str, key: str, sources: Iterable[str | None],
              may_name_articles: bool = True) -> str | None:
        """The checks every question's text passes; a text that passes is held under
        ``key``, so that a repeat of it is turned down."""
        fault = self.text_fault(text, lang)
        if fault:
            return fault
        assert isinstance(text, str)
        if not may_name_articles and _ARTICLE_NAMED.search(text):
            return "names an article"
        if any(self._copies(text, source) for source in sources):
            return "copies the provision"
        if self._repeats(key, text):
            return "repeats a question"
        self._hold(key, text)
        return None


def paragraphs_block(reg: Regulation, targets: Iterable[Target]) -> str:
    """The paragraphs of a batch as the prompt shows them: [17.2] the Chinese text (and our
    English rendering, when the regulation has one)."""
    out = []
    for t in targets:
        para = reg.article(t.article).paragraphs[t.paragraph - 1]
        out.append(f"[{t.article}.{t.paragraph}] {para.zh}"
                   + (f"\n      ({para.en})" if para.en else ""))
    return "\n".join(out)


def outline(reg: Regulation) -> str:
    """The regulation in brief for the unaddressed prompt: its headings and the opening
    words of each article, cut at ``OUTLINE_CHARS``."""
    lines: list[str] = []
    heading: str | None = None
    for art in reg.articles:
        now = " ".join(h for h in (art.part, art.chapter, art.section) if h)
        if now and now != heading:
            lines.append(now)
            heading = now
        first = art.paragraphs[0].zh
        lines.append(f"- {first[:GIST_CHARS]}{'…' if len(first) > GIST_CHARS else ''}")
    text, used = [], 0
    for line in lines:
        used += len(line) + 1
        if used > OUTLINE_CHARS:
            text.append("…")
            break
        text.append(line)
    return "\n".join(text)


def _write(path: Path, lines: list[str]) -> None:
    """Add ``lines`` to the file at ``path``, keeping what it holds, by writing the whole
    file beside it and renaming it over the old one."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(old + "".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)


def run(reg: Regulation, folder: Path, model: Any, prompts: Prompts, plan: Plan,
        timeout: float, per_paragraph: int, report: Report,
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Make the plan's model calls in turn, writing each call's accepted lines to
    ``folder`` before the next call, and count them in ``report``. LLMError from a call
    stops the run; what the calls before it wrote stays, and ``report`` says how much."""
    checker = Checker(reg)
    title_en = reg.title_en or reg.short_en

    def finish(name: str, kept: list[str]) -> None:
        """Write one call's accepted lines, count them, and say so."""
        _write(folder / name, kept)
        report.written[name] += len(kept)
        report.batches += 1
        if progress:
            progress(report.batches, plan.calls)

    for targets in plan.batches:
        lang = targets[0].lang
        prompt = prompts.template("anticipate", lang).format(
            title_zh=reg.short_zh, title_en=title_en, count=per_paragraph,
            paragraphs=paragraphs_block(reg, targets))
        reply = stream_reply(model, prompt, timeout, None)
        shown = {(t.article, t.paragraph) for t in targets}
        room = Counter({(t.article, t.paragraph): t.need for t in targets})
        kept = []
        for raw, data in json_lines(reply):
            fault = checker.anticipated(data, lang, shown)
            if fault is None and room[data["article"], data["paragraph"]] <= 0:
                fault = "more than asked for"
            if fault:
                report.reject(fault, raw)
                continue
            room[data["article"], data["paragraph"]] -= 1
            kept.append(json.dumps({"article": data["article"], "paragraph": data["paragraph"],
                                    "lang": lang, "text": " ".join(data["text"].split())},
                                   ensure_ascii=False))
        finish(ANTICIPATED_FILE, kept)
    held: dict[str, list[str]] = {}
    for u in reg.unaddressed:
        held.setdefault(u.lang, []).append(u.text)
    for lang, count in plan.unaddressed:
        shown_before = held.setdefault(lang, [])
        examples = "\n".join(f"- {t}" for t in shown_before[-EXAMPLES_SHOWN:]) or "-"
        prompt = prompts.template("unaddressed", lang).format(
            title_zh=reg.short_zh, title_en=title_en, count=count, outline=outline(reg),
            examples=examples)
        reply = stream_reply(model, prompt, timeout, None)
        kept = []
        for raw, data in json_lines(reply):
            fault = checker.unaddressed(data, lang)
            if fault is None and len(kept) >= count:
                fault = "more than asked for"
            if fault:
                report.reject(fault, raw)
                continue
            text = " ".join(data["text"].split())
            shown_before.append(text)
            kept.append(json.dumps({"lang": lang, "text": text}, ensure_ascii=False))
        finish(UNADDRESSED_FILE, kept)
    return report
