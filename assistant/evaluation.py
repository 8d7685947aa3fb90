"""The evaluation harness: retrieval quality per language, each retriever side by side.

A question set is JSON lines ``{"id", "lang", "question", "gold": [int]}``
(extra keys ignored; ``gold: []`` means the regulation does not address it).

Metrics, over the answerable questions (non-empty gold):

- recall@k: the share of a question's gold articles in the top k, with at most
  k of them counted (a two-article question is fully recalled at k=1 when
  the first hit is either of them), averaged over questions;
- MRR: the mean reciprocal rank of the first gold article (0 beyond the list);
- reference accuracy: among questions that name an article (第三条, Art. 17(2)),
  or are marked ``"kind": "reference"``, the share whose first hit is gold.

Answers, from the assistant's configured answerer:

- citation precision: among answered (not refused) answerable questions, the
  share whose cited articles are all gold;
- invalid citations: citations naming an article or paragraph the regulation
  does not have (must be 0);
- refusals: the share of out-of-scope questions refused, and of answerable
  questions refused;
- answer language: the share of answers in the question's language (an English
  answer holds no Chinese; a Chinese answer reads as Chinese).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .answer.values import Answer, Citation
from .app import Assistant
from .errors import UsageError
from .search.retrieval import Mode, detect_lang
from .text.corpus import Regulation
from .text.library import Library
from .text.references import find_references
from .text.script import has_han

K_RETRIEVED = 5
T = TypeVar("T")


@dataclass(frozen=True)
class Question:
    """One line of a question set."""

    id: str
    lang: str
    question: str
    gold: tuple[int, ...]
    kind: str = ""
    gold_paragraphs: tuple[tuple[int, int], ...] = ()  # (article, paragraph): "17.2"
    style: str = ""


def _paragraphs(values: list[str]) -> tuple[tuple[int, int], ...]:
    """ "17.2" -> (17, 2); anything else is a ValueError naming it."""
    out = []
    for value in values:
        article, _, paragraph = str(value).partition(".")
        if not (article.isdigit() and paragraph.isdigit()):
            raise ValueError(f"gold paragraph {value!r} is not ARTICLE.PARAGRAPH, e.g. 17.2")
        out.append((int(article), int(paragraph)))
    return tuple(out)


#: Styles whose questions the regulation does not address and that are plainly off-topic.
OFF_TOPIC = "off-topic"


def _read_jsonl(path: Path, build: Callable[[dict[str, Any]], T], what: str,
                shape: str) -> list[tuple[int, T]]:
    """(line number, value) for each non-blank line; a line ``build`` cannot read is a
    UsageError naming it, as is an unreadable or empty file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", f"give a JSON-lines {what} file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text", "save the file as UTF-8") from None
    out = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append((no, build(json.loads(line))))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path} line {no}: not a {what} ({type(exc).__name__}: {exc})",
                             f"each line must be {shape}") from None
    if not out:
        raise UsageError(f"{path}: no {what}s", "add one JSON object per line")
    return out


def load_questions(path: Path) -> list[Question]:
    """Read a question set; a malformed line is a UsageError naming it."""
    rows = _read_jsonl(path, lambda d: Question(
        str(d["id"]), d["lang"], d["question"], tuple(int(g) for g in d["gold"]),
        str(d.get("kind", "")), _paragraphs(d.get("gold_paragraphs", [])),
        str(d.get("style", ""))), "question", '{"id", "lang", "question", "gold": [int]}')
    questions: list[Question] = []
    seen: set[str] = set()
    for no, q in rows:
        if q.lang not in ("zh", "en"):
            raise UsageError(f"{path} line {no}: lang must be zh or en, not {q.lang!r}")
        if q.id in seen:
            raise UsageError(f"{path} line {no}: the id {q.id!r} is used twice")
        seen.add(q.id)
        questions.append(q)
    return questions


@dataclass
class Scores:
    """Retrieval metrics of one retriever on one language's questions."""

    n: int = 0
    recall1: float = 0.0
    recall3: float = 0.0
    mrr: float = 0.0
    refs: int = 0
    ref_correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Rounded figures, as printed."""
        lat = sorted(self.latencies_ms)
        return {
            "questions": self.n,
            "recall@1": round(self.recall1, 4), "recall@3": round(self.recall3, 4),
            "mrr": round(self.mrr, 4),
            "reference_questions": self.refs,
            "reference_accuracy": round(self.ref_correct / self.refs, 4) if self.refs else None,
            "p50_ms": round(statistics.median(lat), 2) if lat else None,
            "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2) if lat else None,
        }


@dataclass
class AnswerScores:
    """Answer metrics for one language."""

    answered: int = 0
    precise: int = 0
    invalid: int = 0
    oos: int = 0
    oos_refused: int = 0
    answerable: int = 0
    answerable_refused: int = 0
    right_lang: int = 0
    total: int = 0
    first_right: int = 0  # answerable questions whose first citation is a gold article
    with_paragraphs: int = 0  # answerable questions with gold paragraphs
    paragraph_cited: int = 0  # ... whose citations include one of them
    multi: int = 0  # questions with several gold articles
    multi_complete: int = 0  # ... that cite every one
    cited: int = 0  # distinct articles cited by answered answerable questions
    cited_gold: int = 0  # ... of which gold
    off_topic: int = 0
    off_topic_refused: int = 0

    def to_json(self) -> dict[str, Any]:
        """Rates and the counts behind them."""
        def rate(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None
        return {
            "citation_precision": rate(self.precise, self.answered), "answered": self.answered,
            "invalid_citations": self.invalid,
            "out_of_scope_refused": rate(self.oos_refused, self.oos), "out_of_scope": self.oos,
            "answerable_refused": rate(self.answerable_refused, self.answerable),
            "answerable": self.answerable,
            "answer_language": rate(self.right_lang, self.total),
            "first_citation_right": rate(self.first_right, self.answerable),
            "gold_paragraph_cited": rate(self.paragraph_cited, self.with_paragraphs),
            "with_gold_paragraphs": self.with_paragraphs,
            "multi_article_complete": rate(self.multi_complete, self.multi),
            "multi_article": self.multi,
            "article_precision": rate(self.cited_gold, self.cited),
            "off_topic_refused": rate(self.off_topic_refused, self.off_topic),
            "off_topic": self.off_topic,
        }


@dataclass
class Report:
    """Scores per retriever and language, answer scores, and each question's result."""

    scores: dict[str, dict[str, Scores]]  # mode -> lang -> scores
    rows: list[dict[str, Any]]
    out_of_scope: dict[str, int]
    answers: dict[str, AnswerScores] = field(default_factory=dict)
    mode: str = ""
    # The same answers from the text alone (no anticipated or unaddressed questions).
    answers_text: dict[str, AnswerScores] = field(default_factory=dict)
    # answers key ("hybrid", "text-only") -> style -> [questions, right]: right is the first
    # citation a gold article, or, for a question the regulation does not address, refused.
    styles: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``tiaoli eval --json`` shape of DESIGN.md."""
        return {
            "summary": {
                "retrieval": {mode: {lang: s.to_json() for lang, s in langs.items()}
                              for mode, langs in self.scores.items()},
                "out_of_scope_questions": self.out_of_scope,
                "answers": {"mode": self.mode,
                            **{lang: s.to_json() for lang, s in self.answers.items()}},
                "answers_text_only": {lang: s.to_json() for lang, s in self.answers_text.items()},
                "by_style": {key: {style: {"questions": n, "right": right}
                                   for style, (n, right) in sorted(styles.items())}
                             for key, styles in self.styles.items()},
            },
            "questions": self.rows,
        }


@dataclass(frozen=True)
class Row:
    """One retriever of the table: a search mode, with or without the anticipated questions."""

    key: str  # its key in the JSON summary
    name: str  # as printed
    mode: Mode
    questions: bool = True


ROWS = (Row("bm25", "BM25 alone", "bm25"), Row("dense", "dense alone", "dense"),
        Row("text-only", "fused, text only", "hybrid", questions=False),
        Row("hybrid", "fused (hybrid)", "hybrid"))


def _recall(ranked: list[int], gold: tuple[int, ...], k: int) -> float:
    return len(set(ranked[:k]) & set(gold)) / min(len(gold), k)


def _names_article(q: Question) -> bool:
    return q.kind == "reference" or bool(find_references(q.question))


def evaluate(assistant: Assistant, questions: list[Question], across: bool = False) -> Report:
    """Run every question through BM25 alone, dense alone and the fused retriever, and
    (when the index holds anticipated questions) the fused retriever over the text only.

    Gold article numbers belong to ``assistant.regulation`` (the only one
    loaded, or the ``regulation`` setting); with several loaded, every search
    and answer is limited to it, unless ``across``: then the questions are asked
    of the whole library, as a user who names no regulation asks them, and a
    citation of another regulation counts as a wrong one (not an invalid one). A
    question naming an article several regulations hold is answered by asking
    which one is meant; the evaluation then picks the regulation, as the user would.
    """
    retriever = assistant.retriever
    reg = assistant.regulation
    within = reg.id if assistant.library.multiple and not across else None
    total = len(reg.articles)
    rows_run = [r for r in ROWS if r.questions or retriever.has_questions]
    scores: dict[str, dict[str, Scores]] = {r.key: {} for r in rows_run}
    rows: list[dict[str, Any]] = []
    out_of_scope: dict[str, int] = {}
    answers: dict[str, AnswerScores] = {}
    answers_text: dict[str, AnswerScores] = {}
    styles: dict[str, dict[str, list[int]]] = {}
    modes_seen: set[str] = set()
    for q in questions:
        for row in rows_run:
            started = time.perf_counter()
            hits = retriever.search(q.question, total, lang=q.lang,  # type: ignore[arg-type]
                                    mode=row.mode, within=within, questions=row.questions)
            elapsed = (time.perf_counter() - started) * 1000
            ranked = [h.article if h.regulation == reg.id else 0 for h in hits]
            if row.key in ("text-only", "hybrid"):
                answer = assistant.ask(q.question, lang=q.lang,  # type: ignore[arg-type]
                                       regulation=within, questions=row.questions)
                if answer.choices and reg.id in answer.choices:
                    # "Which regulation's Article 20?": the user picks the one meant.
                    answer = assistant.ask(q.question, lang=q.lang,  # type: ignore[arg-type]
                                           regulation=reg.id, questions=row.questions)
                table = answers if row.key == "hybrid" else answers_text
                right = _score_answer(table.setdefault(q.lang, AnswerScores()), q, answer, reg,
                                      assistant.library)
                _tally(styles, row.key, q, right)
            if row.key == "hybrid":
                cited = list(dict.fromkeys(_cited(c, reg) for c in answer.citations))
                rows.append({"id": q.id, "lang": q.lang, "retrieved": ranked[:max(K_RETRIEVED, 1)],
                             "gold": list(q.gold), "cited": cited,
                             "cited_paragraphs": [f"{c.article}.{c.paragraph}" if c.paragraph
                                                  else str(c.article) for c in answer.citations],
                             "refused": answer.refused, "answer": answer.answer,
                             "mode": answer.mode, **({"style": q.style} if q.style else {})})
                modes_seen.add(answer.mode)
                if not q.gold:
                    out_of_scope[q.lang] = out_of_scope.get(q.lang, 0) + 1
            s = scores[row.key].setdefault(q.lang, Scores())
            s.latencies_ms.append(elapsed)
            if not q.gold:
                continue
            s.n += 1
            s.recall1 += _recall(ranked, q.gold, 1)
            s.recall3 += _recall(ranked, q.gold, 3)
            first = next((i for i, a in enumerate(ranked, start=1) if a in q.gold), None)
            s.mrr += 1 / first if first else 0.0
            if _names_article(q):
                s.refs += 1
                s.ref_correct += int(bool(ranked) and ranked[0] in q.gold)
    for langs in scores.values():
        for s in langs.values():
            if s.n:
                s.recall1, s.recall3, s.mrr = s.recall1 / s.n, s.recall3 / s.n, s.mrr / s.n
    return Report(scores, rows, out_of_scope, answers, ", ".join(sorted(modes_seen)),
                  answers_text, styles if any(q.style for q in questions) else {})


def _tally(styles: dict[str, dict[str, list[int]]], key: str, q: Question, right: bool
           ) -> None:
    if q.style:
        counts = styles.setdefault(key, {}).setdefault(q.style, [0, 0])
        counts[0] += 1
        counts[1] += int(right)


def _cited(c: Citation, reg: Regulation) -> int | str:
    """A citation's article number, or "regulation:number" when it is of another
    regulation than ``reg``."""
    return c.article if c.regulation == reg.id else f"{c.regulation}:{c.article}"


def _valid(c: Citation, library: Library) -> bool:
    """Whether ``c`` names a loaded regulation's existing article and paragraph."""
    return c.regulation in library.ids and bool(
        library.holding(c.article, c.paragraph, [library.get(c.regulation)]))


def _score_answer(s: AnswerScores, q: Question, answer: Answer, reg: Regulation,
                  library: Library) -> bool:
    """Count one answer into ``s``; whether it was right (the first citation a gold
    article of ``reg``, or, for a question the regulation does not address, a
    refusal). Gold articles are ``reg``'s: a citation of another loaded regulation
    is valid but never gold."""
    s.total += 1
    lang_ok = (not has_han(answer.answer)) if q.lang == "en" else (
        detect_lang(answer.answer) == "zh")
    s.right_lang += int(lang_ok)
    s.invalid += sum(1 for c in answer.citations if not _valid(c, library))
    mine = [c for c in answer.citations if c.regulation == reg.id]
    if not q.gold:
        s.oos += 1
        s.oos_refused += int(answer.refused)
        if q.style == OFF_TOPIC:
            s.off_topic += 1
            s.off_topic_refused += int(answer.refused)
        return answer.refused
    s.answerable += 1
    s.answerable_refused += int(answer.refused)
    cited = ({_cited(c, reg) for c in answer.citations} if not answer.refused
             else set[int | str]())
    right = bool(cited) and _cited(answer.citations[0], reg) in q.gold
    s.first_right += int(right)
    if q.gold_paragraphs:
        s.with_paragraphs += 1
        gold = set(q.gold_paragraphs)
        s.paragraph_cited += int(not answer.refused and any(
            (c.article, c.paragraph) in gold
            or (c.paragraph is None and any(a == c.article for a, _ in gold))
            for c in mine))
    if len(q.gold) > 1:
        s.multi += 1
        s.multi_complete += int(set(q.gold) <= cited)
    if not answer.refused:
        s.answered += 1
        s.precise += int(bool(answer.citations)
                         and all(_cited(c, reg) in q.gold for c in answer.citations))
        s.cited += len(cited)
        s.cited_gold += len(cited & set(q.gold))
    return right


def format_table(report: Report) -> str:
    """The printed table: one block per language, one row per retriever."""
    lines = []
    langs = sorted({lang for langs in report.scores.values() for lang in langs})
    for lang in langs:
        oos = report.out_of_scope.get(lang, 0)
        lines.append(f"{lang}: {report.scores['hybrid'][lang].n} answerable questions"
                     f" (+{oos} out of scope, not scored here)")
        lines.append(f"  {'retriever':<16}{'R@1':>7}{'R@3':>7}{'MRR':>7}{'ref acc':>14}"
                     f"{'p50 ms':>9}{'p95 ms':>9}")
        for row in ROWS:
            if row.key not in report.scores:
                continue
            s = report.scores[row.key][lang].to_json()
            ref = (f"{s['reference_accuracy']:.3f} ({s['reference_questions']})"
                   if s["reference_accuracy"] is not None else "-")
            lines.append(f"  {row.name:<16}{s['recall@1']:>7.3f}{s['recall@3']:>7.3f}"
                         f"{s['mrr']:>7.3f}{ref:>14}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}")
        lines.append("")
    lines.append(f"answers ({report.mode}):")
    lines.append(f"  {'lang':<6}{'cite prec':>12}{'invalid':>9}{'OOS refused':>16}"
                 f"{'answerable refused':>22}{'answer lang':>13}")
    for lang in langs:
        a = report.answers.get(lang)
        if a is None:
            continue
        j = a.to_json()
        answerable = f" ({a.answerable_refused}/{a.answerable})"
        lines.append(f"  {lang:<6}{_pct(j['citation_precision']):>12}"
                     f"{j['invalid_citations']:>9}"
                     f"{_pct(j['out_of_scope_refused'], f' ({a.oos_refused}/{a.oos})'):>16}"
                     f"{_pct(j['answerable_refused'], answerable):>22}"
                     f"{_pct(j['answer_language']):>13}")
    lines += _more_table(report)
    lines += _style_table(report)
    return "\n".join(lines).rstrip()


def _pct(x: float | None, counts: str = "") -> str:
    """A rate as printed (three decimals, then ``counts``), or "-" when there is none."""
    return "-" if x is None else f"{x:.3f}{counts}"


def _more_table(report: Report) -> list[str]:
    """First citation, gold paragraph, multi-article completeness, article precision and
    off-topic refusals, with the anticipated questions and from the text alone."""
    lines = ["", "  lang  answers      first right   gold para  multi complete  art prec"
             "  OOS refused  off-topic  answerable refused"]
    for lang in sorted(report.answers):
        for name, table in (("hybrid", report.answers), ("text only", report.answers_text)):
            a = table.get(lang)
            if a is None:
                continue
            j = a.to_json()
            lines.append(
                f"  {lang:<6}{name:<11}{_pct(j['first_citation_right']):>13}"
                f"{_pct(j['gold_paragraph_cited']):>12}"
                f"{_pct(j['multi_article_complete'], f' ({a.multi_complete}/{a.multi})'):>16}"
                f"{_pct(j['article_precision']):>10} "
                f"{_pct(j['out_of_scope_refused'], f' ({a.oos_refused}/{a.oos})'):>13}"
                f"{f'{a.off_topic_refused}/{a.off_topic}':>11}"
                f"{_pct(j['answerable_refused'], f' ({a.answerable_refused}/{a.answerable})'):>20}")
    return lines


def _style_table(report: Report) -> list[str]:
    """Right answers by the set's ``style`` (a gold first citation; for a question the
    regulation does not address, a refusal)."""
    if not report.styles:
        return []
    keys = [k for k in ("hybrid", "text-only") if k in report.styles]
    lines = ["", "by style (right: first citation gold; unaddressed: refused)",
             f"  {'style':<14}" + "".join(f"{k:>16}" for k in keys)]
    for style in sorted(report.styles[keys[0]]):
        cells = []
        for k in keys:
            n, right = report.styles[k].get(style, [0, 0])
            cells.append(f"{right}/{n} {right / n if n else 0:.2f}")
        lines.append(f"  {style:<14}" + "".join(f"{c:>16}" for c in cells))
    return lines


# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Statement:
    """One line of a statement set."""

    id: str
    lang: str
    statement: str
    verdict: str
    gold: tuple[int, ...]
    kind: str = ""  # faithful, actor, modality, scope, list, negation, figure, unrelated


def load_statements(path: Path) -> list[Statement]:
    """Read a statement set; a malformed line is a UsageError naming it."""
    from .review.check import VERDICTS

    rows = _read_jsonl(path, lambda d: Statement(
        str(d["id"]), d["lang"], d["statement"], d["verdict"],
        tuple(int(g) for g in d.get("gold", [])), str(d.get("kind") or "")), "statement",
        '{"id", "lang", "statement", "verdict", "gold"}')
    for no, s in rows:
        if s.verdict not in VERDICTS or s.lang not in ("zh", "en"):
            raise UsageError(f"{path} line {no}: verdict must be one of {', '.join(VERDICTS)} "
                             "and lang zh or en")
    return [s for _, s in rows]


def evaluate_statements(assistant: Assistant, statements: list[Statement]) -> dict[str, Any]:
    """Verdict accuracy (overall and per language), the confusion table, and each result."""
    from .review.check import VERDICTS, Checker

    checker = Checker(assistant)
    text_only = Checker(assistant, questions=False)
    rows = []
    confusion = {gold: dict.fromkeys(VERDICTS, 0) for gold in VERDICTS}
    plain = {"right": 0, "contradictions_judged_supported": 0, "unrelated_judged_other": 0}
    for s in statements:
        result = checker.check(s.statement, s.lang)  # type: ignore[arg-type]
        bare = text_only.check(s.statement, s.lang)  # type: ignore[arg-type]
        plain["right"] += bare.verdict == s.verdict
        plain["contradictions_judged_supported"] += (s.verdict == "contradicted"
                                                     and bare.verdict == "supported")
        plain["unrelated_judged_other"] += (s.verdict == "not_stated"
                                            and bare.verdict != "not_stated")
        confusion[s.verdict][result.verdict] += 1
        rows.append({"id": s.id, "lang": s.lang, "kind": s.kind, "gold_verdict": s.verdict,
                     "verdict": result.verdict, "gold": list(s.gold),
                     "cited": [c.article for c in result.citations],
                     "differences": [d.to_json() for d in result.differences]})
    by_lang = {}
    for lang in sorted({str(r["lang"]) for r in rows}):
        sub = [r for r in rows if r["lang"] == lang]
        by_lang[lang] = round(sum(r["verdict"] == r["gold_verdict"] for r in sub) / len(sub), 4)
    by_kind = {}
    for kind in sorted({str(r["kind"]) for r in rows if r["kind"]}):
        sub = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {"right": sum(r["verdict"] == r["gold_verdict"] for r in sub),
                         "total": len(sub),
                         "supported": sum(r["verdict"] == "supported" for r in sub)}
    right = sum(r["verdict"] == r["gold_verdict"] for r in rows)
    return {"accuracy": round(right / len(rows), 4), "accuracy_by_lang": by_lang,
            "unrelated_judged_supported": confusion["not_stated"]["supported"],
            "contradictions_judged_supported": confusion["contradicted"]["supported"],
            "confusion": confusion, "by_kind": by_kind,
            "text_only": {"accuracy": round(plain["right"] / len(rows), 4),
                          "contradictions_judged_supported":
                              plain["contradictions_judged_supported"],
                          "unrelated_judged_other": plain["unrelated_judged_other"]},
            "results": rows}


def format_statements(report: dict[str, Any]) -> str:
    """The printed statement table: accuracy, then gold verdict (rows) by verdict (columns)."""
    from .review.check import VERDICTS

    by_lang = ", ".join(f"{k} {v:.3f}" for k, v in report["accuracy_by_lang"].items())
    lines = [f"statements: verdict accuracy {report['accuracy']:.3f} ({by_lang}); "
             f"unrelated judged supported: {report['unrelated_judged_supported']}; "
             f"contradictions judged supported: "
             f"{report['contradictions_judged_supported']}",
             f"  {'gold / verdict':<18}" + "".join(f"{v:>18}" for v in VERDICTS)]
    for gold in VERDICTS:
        lines.append(f"  {gold:<18}" + "".join(f"{report['confusion'][gold][v]:>18}"
                                               for v in VERDICTS))
    plain = report["text_only"]
    lines.append(f"  text only (no anticipated questions): accuracy {plain['accuracy']:.3f}; "
                 f"contradictions judged supported: "
                 f"{plain['contradictions_judged_supported']}; unrelated judged otherwise: "
                 f"{plain['unrelated_judged_other']}")
    if report["by_kind"]:
        lines.append(f"  {'by kind':<18}{'right':>10}{'judged supported':>18}")
        for kind, row in report["by_kind"].items():
            lines.append(f"  {kind:<18}{row['right']:>5}/{row['total']:<4}"
                         f"{row['supported']:>18}")
    return "\n".join(lines)
