"""Check an interpretation: does the regulation say what a statement says?

Verdicts: ``supported``; ``partly_supported`` when a provision exists but the
statement changes its actor (省 for 县级以上), its modality (必须 for 鼓励,
"may" for "shall"), its scope (所有, only) or adds to a list; ``not_stated``
when nothing in the regulation addresses it (decided by the same scope judge
as refusals). Without an LLM the decision compares the statement's elements
with those of the provision it is closest to; a verdict other than
``not_stated`` always quotes that provision.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ..answer.extractive import split_sentences
from ..answer.llm import LLMError
from ..answer.values import Citation, citation
from ..app import Assistant
from ..errors import UsageError
from ..search.chunking import Lang
from ..search.retrieval import Hit, detect_lang, normalize
from ..text.script import without_surrogates

VERDICTS = ("supported", "partly_supported", "not_stated")


@dataclass
class CheckResult:
    """The verdict on one statement, with the provisions it rests on."""

    statement: str
    lang: Lang
    verdict: str
    citations: list[Citation] = field(default_factory=list)
    explanation: str = ""
    differences: list[str] = field(default_factory=list)  # actor, modality, scope, list
    mode: str = "rules"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``{"statement", "lang", "verdict", "citations", "explanation"}`` (+ differences)."""
        return {"statement": self.statement, "lang": self.lang, "verdict": self.verdict,
                "citations": [c.to_json() for c in self.citations],
                "explanation": self.explanation, "differences": self.differences,
                "mode": self.mode, "notes": self.notes}


def _load_terms() -> dict[str, Any]:
    text = resources.files("assistant").joinpath("data/check_terms.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _find(text: str, words: list[str], lang: Lang) -> list[str]:
    if lang == "zh":
        return [w for w in words if w in text]
    low = text.lower()
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", low)]


class Checker:
    """Compares a statement's actor, modality, scope and terms with the closest provision."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.terms = _load_terms()

    def actors(self, text: str, lang: Lang) -> set[str]:
        """The actors (by id) a text names; the longest phrase wins where phrases nest."""
        found: set[str] = set()
        spans: list[tuple[int, int]] = []
        entries = [(w, a["id"]) for a in self.terms["actors"] for w in a[lang]]
        low = text if lang == "zh" else text.lower()
        for word, actor in sorted(entries, key=lambda e: -len(e[0])):
            needle = word if lang == "zh" else word.lower()
            for m in re.finditer(re.escape(needle), low):
                if any(a <= m.start() < b for a, b in spans):
                    continue
                spans.append(m.span())
                found.add(actor)
        return found

    def modality(self, text: str, lang: Lang) -> set[str]:
        """The modal classes a text uses: obligation, permission, encouragement."""
        return {kind for kind, words in self.terms["modality"].items()
                if _find(text, words[lang], lang)}

    def check(self, statement: str, lang: Lang | None = None) -> CheckResult:
        """The verdict on ``statement``; raises UsageError when it is empty."""
        statement = without_surrogates(statement)
        text = normalize(statement)
        if not text:
            raise UsageError("the statement is empty",
                             "give a statement, e.g. 企业必须参与制定国际标准")
        limit = self.assistant.settings.max_question_chars
        if len(text) > limit:
            raise UsageError(f"the statement is {len(text):,} characters long; the limit is "
                             f"{limit:,}", "check one statement at a time")
        lang = lang or detect_lang(text)
        a = self.assistant
        vector = a.retriever.embed(text)
        hits = a.retriever.search(text, a.settings.answer_k, vector=vector)
        reason = (a.judge.judge(text, vector, hits, a.retriever.scope(text))
                  or self._figures(text, lang))
        if reason is not None or not hits:
            said = a.prompts.phrase("check_not_stated_library" if a.library.multiple
                                    else "check_not_stated", lang, reason=str(reason))
            return CheckResult(statement, lang, "not_stated", [], said)
        if a.llm is not None:
            try:
                verdict, reply = a.llm.judge_statement(text, hits, lang)
            except LLMError as exc:
                result = self._by_rules(statement, text, lang, hits)
                result.mode = f"rules (fallback: {a.llm.mode} failed)"
                result.notes.append(f"{a.llm.mode} failed: {exc.message}")
                return result
            cites = [] if verdict == "not_stated" else reply.citations
            if verdict != "not_stated" and not cites:  # never a verdict without a provision
                return self._by_rules(statement, text, lang, hits)
            return CheckResult(statement, lang, verdict, cites, reply.text, [], a.llm.mode,
                               reply.notes)
        return self._by_rules(statement, text, lang, hits)

    def _by_rules(self, statement: str, text: str, lang: Lang, hits: list[Hit]) -> CheckResult:
        a = self.assistant
        reg, article, paragraph, segment, before = self._closest(text, hits, lang)
        cite = citation(a.library, reg, article, paragraph)
        provision = (cite.zh if lang == "zh" else cite.en) or cite.zh
        differences = self._differences(text, lang, provision, segment, before)
        label = cite.label.split(" | ")[0 if lang == "zh" else 1]
        if differences:
            return CheckResult(statement, lang, "partly_supported", [cite], a.prompts.phrase(
                "check_partly", lang, label=label, elements=", ".join(differences)),
                differences)
        return CheckResult(statement, lang, "supported", [cite], a.prompts.phrase(
            "check_supported", lang, label=label, segment=segment))

    def _figures(self, text: str, lang: Lang) -> str | None:
        """A reason when the statement asserts a figure and the regulation sets none."""
        pattern = re.compile(self.terms["quantity"][lang], re.IGNORECASE)
        asked = pattern.search(text)
        if not asked:
            return None
        body = "\n".join((p.zh if lang == "zh" else p.en) or ""
                         for reg in self.assistant.library.regulations
                         for art in reg.articles for p in art.paragraphs)
        # Dates (of entry into force) are not figures a statement could rely on.
        body = re.sub(r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"
                      r"|[A-Z][a-z]+ \d{1,2}, \d{4}", " ", body)
        if pattern.search(body):
            return None
        return f"it states a figure ({asked.group(0)}) and the text sets none"

    def _closest(self, text: str, hits: list[Hit],
                 lang: Lang) -> tuple[str, int, int, str, str]:
        """(regulation, article, paragraph, clause, the clauses before it) closest to the
        statement."""
        x = self.assistant.extractive
        q = x.question_tokens(text, lang)
        best: tuple[float, Hit | None, int, str, str] = (-1.0, None, 0, "", "")
        for rank, hit in enumerate(hits[:2]):
            article = self.assistant.library.get(hit.regulation).article(hit.article)
            for para in hit.paragraphs[:2] or []:
                p = article.paragraph(para.number)
                body = (p.zh if lang == "zh" else p.en) or p.zh
                for clause, before in _segments(body, lang):
                    score = x.support(q, clause, lang) * (1.0 if rank == 0 else 0.9)
                    if score > best[0]:
                        best = (score, hit, para.number, clause, before)
        if best[1] is None:
            hit = hits[0]
            number = hit.paragraphs[0].number if hit.paragraphs else 1
            return hit.regulation, hit.article, number, "", ""
        return best[1].regulation, best[1].article, best[2], best[3], best[4]

    def _differences(self, text: str, lang: Lang, provision: str, segment: str,
                     before: str) -> list[str]:
        out = []
        if self.actors(text, lang) - self.actors(provision, lang):
            out.append(self._element("actor", lang))
        said = self.modality(text, lang)
        # A clause is read with the clauses governing it: in 应当…，鼓励采用… the
        # government's duty is 应当 and what it encourages is not a duty.
        wrote = self.modality(segment, lang) | self.modality(before, lang)
        if ("obligation" in said and ("obligation" not in wrote or (
                "encouragement" in wrote and "encouragement" not in said))) or (
                "permission" in said and "obligation" not in said
                and wrote == {"obligation"}):
            out.append(self._element("modality", lang))
        scope = self.terms["scope"][lang]
        if set(_find(text, scope, lang)) - set(_find(provision, scope, lang)):
            out.append(self._element("scope", lang))
        if self._extra_items(text, lang, provision) or self._missing_from_list(
                text, lang, provision):
            out.append(self._element("list", lang))
        return out

    def _element(self, element: str, lang: Lang) -> str:
        """The name of a statement's element (actor, modality, scope, list) in ``lang``."""
        return self.assistant.prompts.phrase(f"element_{element}", lang)

    def _missing_from_list(self, text: str, lang: Lang, provision: str) -> list[str]:
        """Items of an enumeration in the statement that the provision does not name."""
        if lang == "zh":
            lists = [c for c in re.split(r"[，,；;。：:]", text) if c.count("、") >= 1]
            items = []
            for clause in lists:
                parts = re.split(r"、|和|及|以及|与|或者", re.sub(r"等.*$", "", clause))
                items += [p for p in parts[1:] if len(p) >= 2]  # the first carries the verb
            return [i for i in items if not self._named(i, provision, lang)]
        m = re.search(r"\b(?:such as|including|include|includes|namely|are|is)\s+(.+?)(?:[.;]|$)",
                      text)
        if not m or "," not in m.group(1):
            return []
        parts = [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+",
                                               m.group(1)) if p.strip()]
        return [p for p in parts[1:] if len(p) > 2 and not self._named(p, provision, lang)]

    def _named(self, item: str, provision: str, lang: Lang) -> bool:
        """Whether the provision names ``item``: verbatim, or most of its words."""
        if item.lower() in provision.lower():
            return True
        tok = self.assistant.retriever.tokenizers
        words = set(tok.tokens(item, lang))
        return bool(words) and len(words & set(tok.tokens(provision, lang))) >= 0.6 * len(words)

    def _extra_items(self, text: str, lang: Lang, provision: str) -> list[str]:
        """Glossary terms the statement names that the provision does not contain."""
        glossary = self.assistant.glossary
        if lang == "zh":
            names = [t.zh for t in glossary if t.zh in text]
            return [z for z in names if z not in provision and not any(
                z in other and z != other for other in names)]
        low = provision.lower()
        terms = [t for t in glossary if any(f.lower() in text.lower() for f in t.english_forms)]
        return [t.en for t in terms if not any(f.lower() in low for f in t.english_forms)]


def _segments(text: str, lang: Lang) -> list[tuple[str, str]]:
    """(clause, governing clause): sentences split at 。；, then at commas.

    The governing clause is the nearest earlier clause of the same sentence:
    in 县级以上人民政府应当…，优先使用存量，…，鼓励采用长期租赁…, "优先使用存量"
    is governed by 应当 and "鼓励采用长期租赁" by 鼓励.
    """
    out = []
    for sentence in split_sentences(text, lang):
        parts = [p for p in re.split(r"(?<=[，,])\s*", sentence) if p.strip()] or [sentence]
        for i, part in enumerate(parts):
            out.append((part, " ".join(parts[:i])))
    return out

