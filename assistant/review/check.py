"""Check an interpretation: does the regulation say what a statement says?

Verdicts: ``supported`` when no element of the statement differs from the
provision it is about; ``partly_supported`` when a provision exists but the
statement changes its actor (省 for 县级以上), its modality (必须 for 鼓励,
"may" for "shall"), its scope (所有, only) or a list; ``contradicted`` when it
says the opposite (不得 for 支持, "rules out" for "encourages", 压降 for 提高) or
gets a figure wrong (a date, the count of a list, an ordinal of the adoption
record); ``not_stated`` when nothing in the regulation addresses it (decided by
the coverage of its terms and the scope judge, as for refusals). Without an LLM
the decision compares the statement's elements with those of the provision it is
closest to; with one, the model's verdict stands unless the code finds a polarity
or figure conflict it called ``supported``. Every verdict but ``not_stated``
quotes the provision, and each difference is listed element by element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
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
from ..text.corpus import Regulation
from ..text.numerals import to_chinese
from ..text.references import without_references
from ..text.script import without_surrogates
from .figures import FigureReader, Found, month_name
from .polarity import PolarityReader

VERDICTS = ("supported", "partly_supported", "contradicted", "not_stated")
ELEMENTS = ("polarity", "figure", "actor", "modality", "scope", "list")
CONTRARY = ("polarity", "figure")  # elements that make a statement contradicted
STATED_SHARE = 0.5  # of a statement's content terms the text must hold (else not_stated)
_ITEM_WORDS = 6  # an English "item" longer than this is a clause, not a list item
_SUBJECT_REACH = 40  # characters after a modal word where its subject may stand (要求X…)
_TAIL_ITEM = re.compile(r"^(?:and\s+)?(?:others?|other \w+|similar \w+|the like|so on|etc\.?)$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Difference:
    """One element on which a statement departs from the provision: each side's words."""

    element: str  # one of ELEMENTS
    statement: str
    provision: str

    def to_json(self) -> dict[str, str]:
        """``{"element", "statement", "provision"}``."""
        return {"element": self.element, "statement": self.statement,
                "provision": self.provision}


def verdict_of(differences: Sequence[Difference]) -> str:
    """The verdict the differences make: contradicted, partly_supported or supported."""
    if any(d.element in CONTRARY for d in differences):
        return "contradicted"
    return "partly_supported" if differences else "supported"


@dataclass
class CheckResult:
    """The verdict on one statement, with the provisions it rests on."""

    statement: str
    lang: Lang
    verdict: str
    citations: list[Citation] = field(default_factory=list)
    explanation: str = ""
    differences: list[Difference] = field(default_factory=list)
    mode: str = "rules"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md check contract."""
        return {"statement": self.statement, "lang": self.lang, "verdict": self.verdict,
                "citations": [c.to_json() for c in self.citations],
                "explanation": self.explanation,
                "differences": [d.to_json() for d in self.differences],
                "mode": self.mode, "notes": self.notes}


def _load_terms() -> dict[str, Any]:
    text = resources.files("assistant").joinpath("data/check_terms.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _find(text: str, words: list[str], lang: Lang) -> list[str]:
    if lang == "zh":
        return [w for w in words if w in text]
    low = text.lower()
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", low)]


@dataclass(frozen=True)
class _Closest:
    """The provision a statement is closest to, and the clause of it that is."""

    regulation: str
    article: int
    paragraph: int
    segment: str  # the clause
    before: str  # the clauses governing it in the same sentence


class Checker:
    """Compares a statement's actor, modality, scope, terms, polarity and figures with
    the closest provision."""

    def __init__(self, assistant: Assistant, questions: bool = True) -> None:
        self.assistant = assistant
        self.questions = questions  # whether the anticipated questions count (False: text only)
        self.terms = _load_terms()
        self.figures = FigureReader(self.terms)
        self.polarity = PolarityReader(self.terms)

    def actor_words(self, text: str, lang: Lang) -> dict[str, str]:
        """{actor id: the phrase naming it} for a text; the longest phrase wins."""
        out: dict[str, str] = {}
        for _, actor, phrase in self.actor_spans(text, lang):
            out.setdefault(actor, phrase)
        return out

    def subject(self, text: str, lang: Lang) -> set[str]:
        """The actors a text gives the duty or power to: those named before its first
        modal word (县级以上人民政府应当…), else the first named after it ("requires
        governments at or above the county level to …")."""
        named = self.actor_spans(text, lang)
        if not named:
            return set()
        modal = [m.start() for kind in self.terms["modality"].values() for w in kind[lang]
                 for m in re.finditer(re.escape(w) if lang == "zh"
                                      else rf"(?<![\w-]){re.escape(w)}(?![\w-])",
                                      text if lang == "zh" else text.lower())]
        if not modal:
            return set()
        first = min(modal)
        clause = max((text.rfind(c, 0, first) for c in "，,；;：:"), default=-1)
        own = {actor for start, actor, _ in named if clause < start < first}
        after = [actor for start, actor, _ in named if first < start <= first + _SUBJECT_REACH]
        # An earlier clause names the subject (县级以上人民政府组织编制…时，应当…) unless
        # it is a topic set before it (对制造业重点企业…，条例鼓励银行…; "For key projects, …").
        earlier = set() if re.match(self.terms["topic_lead"][lang], text, re.IGNORECASE) else {
            actor for start, actor, _ in named if start < first}
        return own or set(after[:1]) or earlier

    def actor_spans(self, text: str, lang: Lang) -> list[tuple[int, str, str]]:
        """(position, actor id, phrase) of each actor a text names; nested phrases count
        once, as the longest."""
        out: list[tuple[int, str, str]] = []
        spans: list[tuple[int, int]] = []
        entries = [(w, a["id"]) for a in self.terms["actors"] for w in a[lang]]
        low = text if lang == "zh" else text.lower()
        for word, actor in sorted(entries, key=lambda e: -len(e[0])):
            needle = word if lang == "zh" else word.lower()
            for m in re.finditer(re.escape(needle), low):
                if any(a <= m.start() < b for a, b in spans):
                    continue
                spans.append(m.span())
                out.append((m.start(), actor, text[m.start():m.end()]))
        if lang == "zh":  # 人力资源社会保障、教育、科学技术等部门: each is a department
            phrases = dict(entries)
            listed = self.terms["department_list"]
            for m in re.finditer(listed["zh"], text):
                at = m.start(1)
                for item in re.split(r"、", m.group(1)):
                    actor = next((phrases[item + suffix] for suffix in listed["suffixes"]
                                  if item + suffix in phrases), None)
                    if actor and not any(a <= at < b for a, b in spans):
                        out.append((at, actor, item))
                    at += len(item) + 1
        return sorted(out)

    def modal_words(self, text: str, lang: Lang) -> dict[str, list[str]]:
        """{modal class: the words of it a text uses}; a negated one (无须, "not obliged")
        is no duty and is left out."""
        negated = re.compile(self.terms["negated_modal"][lang], re.IGNORECASE)
        low = text if lang == "zh" else text.lower()
        out: dict[str, list[str]] = {}
        for kind, words in self.terms["modality"].items():
            for w in _find(text, words[lang], lang):
                needle = w if lang == "zh" else w.lower()
                starts = [m.start() for m in re.finditer(re.escape(needle), low)]
                if any(not negated.search(low[:i]) for i in starts):
                    out.setdefault(kind, []).append(w)
        found = [w for ws in out.values() for w in ws]
        # 须 inside 必须, "required" inside "is required to": the longer word counts.
        return {k: kept for k, ws in out.items()
                if (kept := [w for w in ws if not any(w != o and w in o for o in found)])}

    def first_modal(self, text: str, lang: Lang) -> dict[str, list[str]]:
        """The modal class of the earliest modal word in ``text`` (the paragraph's main
        verb, which governs clauses without one of their own)."""
        low = text if lang == "zh" else text.lower()
        best: tuple[int, str, str] | None = None
        for kind, words in self.modal_words(text, lang).items():
            for w in words:
                i = low.find(w if lang == "zh" else w.lower())
                if i != -1 and (best is None or i < best[0]):
                    best = (i, kind, w)
        return {best[1]: [best[2]]} if best else {}

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
        scope = a.retriever.scope(text)
        hits = a.retriever.search(text, a.depth(scope), vector=vector,
                                  questions=self.questions)
        record = self._record(text, lang, scope[0] if len(scope) == 1 else None)
        if record is not None:  # a figure of the regulation itself: its dates, its articles
            return record
        terms = a.coverage.question_terms(text, lang) if a.coverage is not None else []
        judged, hits = a.in_scope(text, vector, hits, terms, scope, self.questions)
        reason = judged or self._unstated(text, lang, scope) or self._unset_figures(text, lang)
        if reason is not None or not hits:
            said = a.prompts.phrase("check_not_stated_library" if a.library.multiple
                                    else "check_not_stated", lang, reason=str(reason))
            return CheckResult(statement, lang, "not_stated", [], said)
        if a.llm is not None:
            return self._by_model(statement, text, lang, hits)
        return self._by_rules(statement, text, lang, hits)

    def _by_model(self, statement: str, text: str, lang: Lang, hits: list[Hit]) -> CheckResult:
        """The model's verdict under the citation checks; the code's findings beside it,
        and a polarity or figure conflict it found never shown as supported."""
        a = self.assistant
        assert a.llm is not None
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
        notes = list(reply.notes)
        found: list[Difference] = []
        if cites:
            first = cites[0]
            found = self._differences_at(text, lang, first.regulation, first.article,
                                         first.paragraph)
            ruled = verdict_of(found)
            if ruled == "contradicted" and verdict != "contradicted":
                notes.append(f"the model judged the statement {verdict}; the rules found a "
                             f"{'/'.join(d.element for d in found if d.element in CONTRARY)} "
                             "conflict with the provision, so it is shown as contradicted")
                verdict = "contradicted"
        return CheckResult(statement, lang, verdict, cites, reply.text, found, a.llm.mode,
                           notes)

    def _by_rules(self, statement: str, text: str, lang: Lang, hits: list[Hit]) -> CheckResult:
        a = self.assistant
        near = self._closest(text, hits, lang)
        cite = citation(a.library, near.regulation, near.article, near.paragraph)
        others = [a.library.get(h.regulation).article(h.article).paragraph(p.number)
                  for h in hits[:2] for p in h.paragraphs[:2]
                  if (h.article, p.number) != (near.article, near.paragraph)]
        also = "\n".join((p.zh if lang == "zh" else p.en) or p.zh for p in others)
        differences = self._differences(text, lang, near, also)
        verdict = verdict_of(differences)
        label = cite.label.split(" | ")[0 if lang == "zh" else 1]
        segment = (near.segment or ((cite.zh if lang == "zh" else cite.en) or cite.zh)
                   ).rstrip("，,；;。. ")
        if verdict == "supported":
            said = a.prompts.phrase("check_supported", lang, label=label, segment=segment)
        else:
            said = a.prompts.phrase("check_" + ("contradicted" if verdict == "contradicted"
                                                else "partly"), lang, label=label,
                                    segment=segment, elements=self._elements(differences, lang))
        return CheckResult(statement, lang, verdict, [cite], said, differences)

    def _elements(self, differences: Sequence[Difference], lang: Lang) -> str:
        names = dict.fromkeys(self._element(d.element, lang) for d in differences)
        return self.assistant.prompts.phrase("list_separator", lang).join(names)

    def _record(self, text: str, lang: Lang, reg: Regulation | None) -> CheckResult | None:
        """A contradicted verdict when the statement gets a figure of the regulation itself
        wrong (its entry into force, its adoption, how many articles it has)."""
        if reg is None:
            return None
        found = [f for f in self.figures.compare(text, lang, reg, [])
                 if f.where in ("effective", "adopted", "ordinal", "articles")]
        if not found:
            return None
        differences = [Difference("figure", f.statement, self._truth(f, lang)) for f in found]
        first = found[0]
        prompts = self.assistant.prompts
        elements = self._elements(differences, lang)
        if first.article is not None and first.paragraph is not None:
            cite = citation(self.assistant.library, reg.id, first.article, first.paragraph)
            label = cite.label.split(" | ")[0 if lang == "zh" else 1]
            said = prompts.phrase("check_contradicted", lang, label=label, elements=elements,
                                  segment=((cite.zh if lang == "zh" else cite.en) or cite.zh
                                           ).rstrip("，,；;。. "))
            return CheckResult(text, lang, "contradicted", [cite], said, differences)
        if first.where == "articles":
            count = len(reg.articles)
            said = prompts.phrase("check_contradicted_articles", lang, said=first.statement,
                                  count=to_chinese(count) if lang == "zh" else str(count))
        else:
            note = (reg.note_zh if lang == "zh" else reg.note_en) or reg.note_zh
            said = prompts.phrase("check_contradicted_note", lang, note=note.strip("（）()"),
                                  elements=elements)
        return CheckResult(text, lang, "contradicted", [], said, differences)

    def _truth(self, found: Found, lang: Lang) -> str:
        """What the regulation states, for a figure the statement got wrong."""
        p = self.assistant.prompts
        truth = found.truth
        if isinstance(truth, str):
            return truth
        if not isinstance(truth, int):  # a date
            return p.phrase("figure_date", lang, year=str(truth.year), day=str(truth.day),
                            month=str(truth.month) if lang == "zh" else month_name(truth.month))
        count = to_chinese(truth) if lang == "zh" else str(truth)
        if found.where == "list":
            return p.phrase("figure_list", lang, count=count,
                            items=p.phrase("list_separator", lang).join(found.items))
        return p.phrase(f"figure_{found.where}", lang, count=count)

    def _unstated(self, text: str, lang: Lang, scope: Sequence[Regulation]) -> str | None:
        """A reason when most of what the statement asserts is in no provision: fewer
        than STATED_SHARE of its content terms (article numbers, the regulation's title
        and figures aside) are held by the text. A paraphrase says the provision's
        things in other words, but not most of them."""
        a = self.assistant
        if a.coverage is None:
            return None
        asked = self.figures.without_counts(
            a.library.strip_names(without_references(text)), lang)
        terms = [t for t in a.coverage.question_terms(asked, lang) if t.content]
        if not terms:
            return None
        regs = [r.id for r in scope] or [r.id for r in a.library.regulations]
        held = [t for t in terms if any(a.coverage.holders(t, r) for r in regs)]
        if len(held) >= STATED_SHARE * len(terms):
            return None
        return (f"only {len(held)} of its {len(terms)} terms are in the text "
                f"({', '.join(t.term for t in terms if t not in held)[:80]} are not)")

    def _unset_figures(self, text: str, lang: Lang) -> str | None:
        """A reason when the statement asserts a figure and the regulation sets none.

        Dates, counts of lists and ordinals are read by the figure reader and compared
        with what the regulation states, so they are no reason to call a statement
        not_stated; amounts, rates and time limits the text never sets are."""
        pattern = re.compile(self.terms["quantity"][lang], re.IGNORECASE)
        asked = pattern.search(self.figures.without_figures(text, lang))
        if not asked:
            return None
        body = "\n".join((p.zh if lang == "zh" else p.en) or ""
                         for reg in self.assistant.library.regulations
                         for art in reg.articles for p in art.paragraphs)
        body = self.figures.without_figures(body, lang)
        if pattern.search(body):
            return None
        return f"it states a figure ({asked.group(0)}) and the text sets none"

    def _closest(self, text: str, hits: list[Hit], lang: Lang) -> _Closest:
        """The clause of the top hits' paragraphs closest to the statement; an article the
        statement names comes first."""
        named = [(h.regulation, h.article, [p.number for p in h.paragraphs[:2]] or [1], 1.0)
                 for h in hits[:1] if h.referenced]
        candidates = named or [
            (h.regulation, h.article, [p.number for p in h.paragraphs[:2]] or [1],
             1.0 if rank == 0 else 0.9) for rank, h in enumerate(hits[:2])]
        best: tuple[float, _Closest | None] = (-1.0, None)
        for reg, number, paragraphs, weight in candidates:
            for para in paragraphs:
                near = self._clause_in(text, lang, reg, number, para, weight)
                if near[0] > best[0]:
                    best = near
        if best[1] is None:
            hit = hits[0]
            return _Closest(hit.regulation, hit.article,
                            hit.paragraphs[0].number if hit.paragraphs else 1, "", "")
        return best[1]

    def _clause_in(self, text: str, lang: Lang, reg: str, article: int, paragraph: int,
                   weight: float = 1.0) -> tuple[float, _Closest | None]:
        """(score, clause) of the clause of one paragraph closest to the statement."""
        x = self.assistant.extractive
        q = x.question_tokens(text, lang)
        p = self.assistant.library.get(reg).article(article).paragraph(paragraph)
        body = (p.zh if lang == "zh" else p.en) or p.zh
        best: tuple[float, _Closest | None] = (-1.0, None)
        for clause, before in _segments(body, lang):
            score = x.support(q, clause, lang) * weight
            if score > best[0]:
                best = (score, _Closest(reg, article, paragraph, clause, before))
        return best

    def _differences_at(self, text: str, lang: Lang, reg: str, article: int,
                        paragraph: int | None) -> list[Difference]:
        """The differences from a provision the model cited (its closest paragraph when
        it cited a whole article)."""
        numbers = ([paragraph] if paragraph is not None else
                   [p.number for p in self.assistant.library.get(reg).article(article).paragraphs])
        best: tuple[float, _Closest | None] = (-1.0, None)
        for number in numbers:
            near = self._clause_in(text, lang, reg, article, number)
            if near[0] > best[0]:
                best = near
        return self._differences(text, lang, best[1]) if best[1] is not None else []

    def _differences(self, text: str, lang: Lang, near: _Closest,
                     also: str = "") -> list[Difference]:
        """Each element on which the statement departs from the provision's clause.
        ``also``: the text of other provisions found for the statement, where a term it
        names from the glossary may be (a statement may sum up two articles)."""
        reg = self.assistant.library.get(near.regulation)
        para = reg.article(near.article).paragraph(near.paragraph)
        provision = (para.zh if lang == "zh" else para.en) or para.zh
        segment, before = near.segment or provision, near.before
        sep = self.assistant.prompts.phrase("list_separator", lang)
        out: list[Difference] = []
        modal = self.modal_words(text, lang)
        opposite = self.polarity.compare(text, f"{before} {segment}".strip(), lang,
                                         affirms=bool(modal))
        if opposite is not None:
            out.append(Difference("polarity", opposite.statement, opposite.provision))
        for found in self.figures.compare(text, lang, reg, [reg.article(near.article)]):
            if found.where in ("list", "paragraphs"):
                out.append(Difference("figure", found.statement, self._truth(found, lang)))
        said, held = self.actor_words(text, lang), self.actor_words(provision, lang)
        extra = [w for k, w in said.items() if k not in held]
        # The duty given to another: the statement's subject is none of the provision's
        # (its sentence's), though the provision may name it elsewhere.
        sentence = next((x for x in split_sentences(provision, lang) if segment in x), provision)
        mine, theirs = self.subject(text, lang), self.subject(sentence, lang)
        if not extra and mine and theirs and not mine & theirs:
            extra = [said[k] for k in mine if k in said]
        if extra:  # the provision's side: whom its sentence gives the duty to
            named = {a: w for _, a, w in self.actor_spans(sentence, lang)}
            duty = [named[a] for a in theirs if a in named] or list(held.values())
            out.append(Difference("actor", sep.join(extra), sep.join(duty)))
        # A clause is read with the clauses governing it: in 应当…，鼓励采用… the
        # government's duty is 应当 and what it encourages is not a duty; a clause
        # with no modal word of its own is governed by the next one in its sentence
        # (…时，应当…), else by the paragraph's first before it.
        wrote = {**self.modal_words(before, lang), **self.modal_words(segment, lang)}
        if not wrote and segment in provision:  # 县级以上人民政府组织编制…时，应当…
            at = provision.index(segment)
            rest = next((x for x in split_sentences(provision[at:], lang)), "")
            wrote = self.first_modal(rest, lang) or self.first_modal(provision[:at], lang)
        if opposite is None and (("obligation" in modal and (
                "obligation" not in wrote or ("encouragement" in wrote
                                              and "encouragement" not in modal))) or (
                "permission" in modal and "obligation" not in modal
                and set(wrote) == {"obligation"})):
            out.append(Difference("modality", sep.join(w for ws in modal.values() for w in ws),
                                  sep.join(w for ws in wrote.values() for w in ws)))
        scope = self.terms["scope"][lang]
        widened = _longest([w for w in _find(text, scope, lang)
                            if w not in _find(provision, scope, lang)])
        if widened:
            out.append(Difference("scope", sep.join(widened), segment))
        # An actor the statement names is the actor element, not a list item.
        actors = {w for _, _, w in self.actor_spans(text, lang)}
        items = [i for i in self._extra_items(text, lang, f"{provision}\n{also}")
                 if not any(i in w or w in i for w in actors)] + self._missing_from_list(
            text, lang, provision)
        if items:
            out.append(Difference("list", sep.join(dict.fromkeys(items)), segment))
        return [Difference(d.element, _tidy(d.statement), _tidy(d.provision)) for d in out]

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
                # The first item carries the verb: what follows a listing verb is the item.
                first = re.split(self.terms["list_verbs"]["zh"], parts[0])
                if len(first) > 1 and len(first[-1]) >= 2:
                    items.append(first[-1])
                items += [p for p in parts[1:] if len(p) >= 2]
            return [i for i in items if not self._named(i, provision, lang)]
        out = []
        for clause in re.split(r"[.;]", text):
            if clause.count(",") + clause.count(" and ") < 2:
                continue
            parts = [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+",
                                                   clause) if p.strip()]
            # The first part carries the verb: its item is what follows the last listing
            # word ("calls for the deep integration of artificial intelligence").
            first = re.split(self.terms["list_verbs"]["en"], parts[0])
            items = ([first[-1].strip()] if len(first) > 1 else []) + parts[1:]
            out += [p for p in items if 2 < len(p) and len(p.split()) <= _ITEM_WORDS
                    and not _TAIL_ITEM.match(p) and not self._named(p, provision, lang)]
        return out

    def _named(self, item: str, provision: str, lang: Lang) -> bool:
        """Whether the provision names ``item``: verbatim, or most of its words (in
        English, words sharing their first five letters: administering, administration)."""
        if item.lower() in provision.lower():
            return True
        tok = self.assistant.retriever.tokenizers
        words = set(tok.tokens(item, lang))
        held = set(tok.tokens(provision, lang))
        if lang == "en":
            prefixes = {w[:5] for w in held}
            found = {w for w in words if w in held or w[:5] in prefixes}
        else:
            found = words & held
        return bool(words) and len(found) >= 0.6 * len(words)

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


def _longest(words: list[str]) -> list[str]:
    """``words`` without those inside another of them (只 inside 只能)."""
    return [w for w in words if not any(w != o and w in o for o in words)]


def _tidy(words: str) -> str:
    """Words quoted in a difference, without the clause's trailing punctuation."""
    return words.strip().rstrip("，,；;。.：: ")


def _segments(text: str, lang: Lang) -> list[tuple[str, str]]:
    """(clause, governing clause): sentences split at 。；, then at commas.

    The governing clause is the nearest earlier clause of the same sentence:
    in 县级以上人民政府应当…，优先使用存量，…，鼓励采用长期租赁…, "优先使用存量"
    is governed by 应当 and "鼓励采用长期租赁" by 鼓励.
    """
    out = []
    for sentence in split_sentences(text, lang):
        # Not inside a date: "December 1, 2024".
        parts = [p for p in re.split(r"(?<=[，,])(?!\s*\d{4}\b)\s*", sentence)
                 if p.strip()] or [sentence]
        for i, part in enumerate(parts):
            out.append((part, " ".join(parts[:i])))
    return out

