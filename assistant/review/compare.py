"""Compare a candidate English rendering with the official Chinese, sentence by sentence.

The official text of an article (or paragraph) is split into sentences at
。！？, the candidate at full stops (a translator may render a Chinese comma
as a semicolon, so semicolons do not split) — then the two are aligned
monotonically (in the manner of bertalign/vecalign: dynamic programming over
cross-lingual embedding similarities, allowing one sentence to match one or
two on the other side, or none). Our own rendering is aligned the same way, to
show beside each Chinese sentence. Reported: Chinese sentences with no
counterpart (possible omissions), candidate sentences with no source
(possible additions), glossary terms whose agreed English or a listed variant
is missing from the aligned sentence (terminology drift), and numbers, dates
and list lengths that do not match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..answer.extractive import en_enumerations, zh_enumerations
from ..app import Assistant
from ..errors import UsageError
from ..search.embeddings import TiaoliEmbeddings
from ..search.sparse import Tokenizers
from ..text.corpus import Regulation
from ..text.glossary import Term
from ..text.numerals import parse_number

#: The longest candidate for one article (the longest article's rendering is ~2,800).
MAX_CANDIDATE_CHARS = 20_000
#: Below this similarity an aligned pair is not taken as a translation.
MATCH_THRESHOLD = 0.80
# What skipping a sentence costs in the alignment, against a match's similarity.
_SKIP = MATCH_THRESHOLD
# What joining two sentences into one bead costs: without it, a merge plus a
# skip scores about as well as two matches.
_MERGE = 0.1

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_ZH_DATE = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*([\d一二三四五六七八九十]+)\s*月"
                      r"(?:\s*([\d一二三四五六七八九十]+)\s*日)?")
_EN_DATE = re.compile(rf"\b({'|'.join(_MONTHS)})\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_EN_DATE_DMY = re.compile(rf"\b(\d{{1,2}})\s+({'|'.join(_MONTHS)}),?\s+(\d{{4}})\b",
                          re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Alignment:
    """One Chinese sentence with our rendering and the candidate's aligned sentence(s)."""

    zh: str
    reference: str
    candidate: str
    similarity: float


@dataclass
class Comparison:
    """The report of ``tiaoli compare``."""

    article: int
    paragraph: int | None
    alignments: list[Alignment] = field(default_factory=list)
    omissions: list[dict[str, str]] = field(default_factory=list)
    additions: list[dict[str, str]] = field(default_factory=list)
    terms: list[dict[str, str]] = field(default_factory=list)
    numbers: list[dict[str, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was flagged."""
        return not (self.omissions or self.additions or self.terms or self.numbers)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of the issue: article, alignments, omissions, … , clean."""
        return {
            "article": self.article, "paragraph": self.paragraph,
            "alignments": [a.__dict__ for a in self.alignments],
            "omissions": self.omissions, "additions": self.additions,
            "terms": self.terms, "numbers": self.numbers, "clean": self.clean,
        }


class _Cached:
    """Embeds texts once: the same sentences recur across comparisons."""

    def __init__(self, embeddings: TiaoliEmbeddings) -> None:
        self.embeddings = embeddings
        self.vectors: dict[str, np.ndarray] = {}

    def prime(self, *sides: Sequence[str]) -> None:
        """Embed, in one batch, every text ``align`` may ask for on these sides: each
        sentence and each pair of neighbours joined as the alignment joins them."""
        texts = []
        for side, sep in zip(sides, ("", " ", " "), strict=False):
            texts += list(side) + [side[i] + sep + side[i + 1] for i in range(len(side) - 1)]
        self.encode(texts)

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            for t, v in zip(missing, self.embeddings.encode(missing, query=False), strict=True):
                self.vectors[t] = v
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 1))


def align(zh: Sequence[str], en: Sequence[str], embeddings: TiaoliEmbeddings | _Cached
          ) -> list[tuple[list[int], list[int], float]]:
    """Monotonic alignment of ``zh`` and ``en`` sentences: (zh ids, en ids, similarity) beads.

    Beads are 1-1, 1-2 and 2-1, scored by the similarity of the joined
    sentences' embeddings, and 1-0 and 0-1, scored by a fixed skip cost; the
    path with the highest total wins.
    """
    n, m = len(zh), len(en)
    if n == 0 or m == 0:
        return [([i], [], 0.0) for i in range(n)] + [([], [j], 0.0) for j in range(m)]

    def text(side: Sequence[str], ids: tuple[int, ...], sep: str) -> str:
        return sep.join(side[i] for i in ids)

    def sim(zs: tuple[int, ...], es: tuple[int, ...]) -> float:
        a, b = embeddings.encode([text(zh, zs, ""), text(en, es, " ")], query=False)
        return float(np.dot(a, b))

    best = np.full((n + 1, m + 1), -np.inf)
    back: dict[tuple[int, int], tuple[int, int, float]] = {}
    best[0, 0] = 0.0
    moves = [(1, 1), (1, 2), (2, 1), (1, 0), (0, 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i, j] == -np.inf:
                continue
            for di, dj in moves:
                a, b = i + di, j + dj
                if a > n or b > m:
                    continue
                if di and dj:  # a match earns its similarity for each sentence it covers
                    s = sim(tuple(range(i, a)), tuple(range(j, b)))
                    gain = s * (di + dj) - (_MERGE if di + dj > 2 else 0.0)
                else:  # a skipped sentence earns the threshold: matches below it lose
                    s, gain = 0.0, _SKIP
                if best[i, j] + gain > best[a, b]:
                    best[a, b] = best[i, j] + gain
                    back[(a, b)] = (i, j, s)
    beads = []
    a, b = n, m
    while (a, b) != (0, 0):
        i, j, s = back[(a, b)]
        beads.append((list(range(i, a)), list(range(j, b)), s))
        a, b = i, j
    return beads[::-1]


def _zh_dates(text: str) -> set[str]:
    out = set()
    for m in _ZH_DATE.finditer(text):
        try:
            y, mo = parse_number(m.group(1)), parse_number(m.group(2))
            d = parse_number(m.group(3)) if m.group(3) else None
        except ValueError:
            continue
        out.add(f"{y:04d}-{mo:02d}" + (f"-{d:02d}" if d else ""))
    return out


def _en_dates(text: str) -> set[str]:
    out = set()
    for m in _EN_DATE.finditer(text):
        out.add(f"{int(m.group(3)):04d}-{_MONTHS.index(m.group(1).lower()) + 1:02d}"
                f"-{int(m.group(2)):02d}")
    for m in _EN_DATE_DMY.finditer(text):
        out.add(f"{int(m.group(3)):04d}-{_MONTHS.index(m.group(2).lower()) + 1:02d}"
                f"-{int(m.group(1)):02d}")
    return out


def _numbers(text: str, dates: set[str]) -> set[str]:
    parts = {p for d in dates for p in d.split("-")}
    return {n for n in _NUMBER.findall(text) if n.lstrip("0") not in
            {p.lstrip("0") for p in parts}}


class Comparer:
    """Compares candidate renderings with the official text and our rendering."""

    def __init__(self, regulation: Regulation, embeddings: TiaoliEmbeddings,
                 tokenizers: Tokenizers, glossary: Sequence[Term], pos: Any = None) -> None:
        self.regulation = regulation
        self.embeddings = _Cached(embeddings)
        self.tokenizers = tokenizers
        self.glossary = list(glossary)
        self.pos = pos

    def candidate_for(self, article: int, paragraph: int | None, text: str) -> str:
        """The candidate text for one article: the text itself, or its block in a file
        shaped like our rendering (``Article N …`` blocks)."""
        if re.search(r"(?m)^Article \d+\s", text):
            blocks = article_blocks(text)
            if article not in blocks:
                raise UsageError(f"the candidate file has no Article {article}",
                                 f"it covers Articles {', '.join(map(str, sorted(blocks)))}")
            paras = blocks[article]
            if paragraph is not None:
                if paragraph > len(paras):
                    raise UsageError(f"the candidate's Article {article} has {len(paras)} "
                                     f"paragraph(s), not {paragraph}")
                return paras[paragraph - 1]
            return " ".join(paras)
        if not text.strip():
            raise UsageError("the candidate rendering is empty", "paste the English text")
        if len(text) > MAX_CANDIDATE_CHARS:
            raise UsageError(f"the candidate is {len(text):,} characters long; one article's "
                             f"rendering is at most {MAX_CANDIDATE_CHARS:,}",
                             "paste one article, or give a file of 'Article N' blocks")
        return text

    def compare(self, article: int, paragraph: int | None, candidate: str) -> Comparison:
        """Align ``candidate`` with the article (or paragraph) and report what differs."""
        art = self.regulation.article(article)
        paras = [art.paragraph(paragraph)] if paragraph else list(art.paragraphs)
        zh = [s for p in paras for s in _sentences(p.zh, "zh")]
        ours = [s for p in paras for s in _sentences(p.en or "", "en")]
        cand = _sentences(" ".join(self.candidate_for(article, paragraph, candidate).split()),
                          "en")
        report = Comparison(article, paragraph)
        self.embeddings.prime(zh, ours, cand)
        reference = {i: " ".join(ours[j] for j in es)
                     for zs, es, _ in align(zh, ours, self.embeddings) for i in zs[:1]}
        for zs, es, s in align(zh, cand, self.embeddings):
            z_text = "".join(zh[i] for i in zs)
            c_text = " ".join(cand[j] for j in es)
            if zs and (not es or s < MATCH_THRESHOLD):
                report.omissions.extend({"zh": zh[i]} for i in zs)
            if es and (not zs or s < MATCH_THRESHOLD):
                report.additions.extend({"candidate": cand[j]} for j in es)
            if zs:
                report.alignments.append(Alignment(
                    z_text, " ".join(reference.get(i, "") for i in zs).strip(), c_text,
                    round(s, 4) if es else 0.0))
            if zs and es and s >= MATCH_THRESHOLD:
                self._check_terms(z_text, c_text, report)
                self._check_numbers(z_text, c_text, report)
                self._check_lists(z_text, c_text,
                                  " ".join(reference.get(i, "") for i in zs), report)
        return report

    def _check_terms(self, zh: str, candidate: str, report: Comparison) -> None:
        words = self.tokenizers.en(candidate)
        for term in self.glossary:
            if term.zh not in zh:
                continue
            forms = [self.tokenizers.en(f) for f in term.english_forms]
            if not any(f and contains(words, f) for f in forms):
                report.terms.append({"zh": term.zh, "expected": term.en, "sentence": candidate})

    @staticmethod
    def _check_numbers(zh: str, candidate: str, report: Comparison) -> None:
        zd, cd = _zh_dates(zh), _en_dates(candidate)
        if zd != cd and (zd or cd):
            report.numbers.append({"zh": zh, "expected": ", ".join(sorted(zd)) or "(no date)",
                                   "candidate": ", ".join(sorted(cd)) or "(no date)"})
        zn, cn = _numbers(zh, zd), _numbers(candidate, cd)
        if zn != cn:
            report.numbers.append({"zh": zh, "expected": ", ".join(sorted(zn)) or "(none)",
                                   "candidate": ", ".join(sorted(cn)) or "(none)"})

    def _check_lists(self, zh: str, candidate: str, reference: str,
                     report: Comparison) -> None:
        counts = [len(items) for items in zh_enumerations(zh, self.pos)]
        ours = en_enumerations(reference)
        # Only where our own rendering's lists split into as many items as the
        # Chinese ones does the comma count of a candidate's lists say anything.
        if not counts or ours != counts:
            return
        theirs = en_enumerations(candidate)
        for i, expected in enumerate(counts):
            got = theirs[i] if i < len(theirs) else 0
            if got != expected:
                report.numbers.append({"zh": zh, "expected": f"a list of {expected} items",
                                       "candidate": f"a list of {got} items"})


def comparer_for(assistant: Assistant, regulation: Regulation) -> Comparer:
    """The Comparer of one loaded regulation, with the assistant's embedder, tokenizers,
    the regulation's own glossary and the shared part-of-speech tagger."""
    return Comparer(regulation, assistant.embeddings, assistant.retriever.tokenizers,
                    assistant.library.glossaries.get(regulation.id, ()),
                    assistant.extractive.pos)


def _sentences(text: str, lang: str) -> list[str]:
    """Whole sentences: at 。！？ (zh), or at a full stop before a capital or the end (en)."""
    parts = (re.split(r"(?<=[。！？])", text) if lang == "zh"
             else re.split(r"(?<=[.!?])\s+(?=[A-Z(\"“])", text))
    return [p.strip() for p in parts if p.strip()]


def contains(words: list[str], seq: list[str]) -> bool:
    """Whether ``seq`` occurs in ``words`` as a contiguous run."""
    n = len(seq)
    return any(words[i:i + n] == seq for i in range(len(words) - n + 1))


def article_blocks(text: str) -> dict[int, list[str]]:
    """Article number -> paragraphs, from text shaped like our rendering.

    Blocks are separated by blank lines; a block starting "Article N " opens an
    article; anything before the first such block (a title, a note) is ignored.
    """
    articles: dict[int, list[str]] = {}
    current: int | None = None
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        m = re.match(r"Article (\d+)\s+(.*)", block)
        if m:
            current = int(m.group(1))
            articles.setdefault(current, []).append(m.group(2))
        elif current is not None and block:
            articles[current].append(block)
    return articles
