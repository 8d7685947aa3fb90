"""Compare a whole rendering: every article, and each term's renderings across the text.

The rendering comes as text shaped like our en.txt ("Article N …" blocks, blank
lines between paragraphs) or as an XLIFF or TMX file a translator exports back
(``exports.read_rendering``). Each article goes through ``Comparer.compare``
(omissions, additions, terms, numbers, dates and list lengths). Across the
whole text, each glossary term is followed through every paragraph whose
Chinese holds it, and the renderings the candidate uses there are collected:
more than one, inflections aside, is an inconsistency — the first thing a
reviser checks. Articles the candidate lacks are omissions as a whole; articles
the official text does not have are additions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..text.glossary import Term
from .compare import Comparer, Comparison, article_blocks, contains
from .exports import read_rendering, rendering_format

#: The longest whole rendering read (ours is ~45,000 characters).
MAX_RENDERING_CHARS = 400_000
#: What the report says where a term's rendering could not be made out.
UNKNOWN = "(none of the glossary's forms)"


@dataclass
class WholeComparison:
    """The report of ``tiaoli compare --all``."""

    articles: list[Comparison]
    missing: list[int] = field(default_factory=list)  # articles the rendering lacks
    extra: list[int] = field(default_factory=list)  # its articles the official text lacks
    # {"zh", "renderings": [...], "where": {rendering: ["17.2", ...]}}
    inconsistent_terms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> list[int]:
        """The articles with anything flagged, in order."""
        return [c.article for c in self.articles if not c.clean]

    @property
    def clean(self) -> bool:
        """True when no article is flagged and every term is rendered one way."""
        return not (self.flagged or self.extra or self.inconsistent_terms)

    def to_json(self) -> dict[str, Any]:
        """``{"clean", "articles": [{"article", "clean", …}], "inconsistent_terms",
        "extra_articles"}`` (the one-article JSON for each article, plus ``missing``)."""
        return {
            "clean": self.clean,
            "articles": [{**c.to_json(), "missing": c.article in self.missing}
                         for c in self.articles],
            "inconsistent_terms": self.inconsistent_terms,
            "extra_articles": self.extra,
        }


def read_whole(data: bytes) -> dict[int, list[str]]:
    """Article -> its paragraphs' English, from en.txt-shaped text, XLIFF or TMX."""
    if len(data) > MAX_RENDERING_CHARS * 4:
        raise UsageError(f"the rendering is {len(data):,} bytes; a whole regulation's is far "
                         f"less (at most {MAX_RENDERING_CHARS:,} characters are read)")
    fmt = rendering_format(data)
    if fmt is not None:
        out: dict[int, list[str]] = {}
        for (article, _), text in sorted(read_rendering(data, fmt).items()):
            out.setdefault(article, []).append(text)
        return out
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError("the rendering is neither UTF-8 text nor XLIFF/TMX",
                         "save it as UTF-8") from None
    if len(text) > MAX_RENDERING_CHARS:
        raise UsageError(f"the rendering is {len(text):,} characters long; the limit is "
                         f"{MAX_RENDERING_CHARS:,}")
    blocks = article_blocks(text) if re.search(r"(?m)^Article \d+\s", text) else {}
    if not blocks:
        raise UsageError("the rendering has no 'Article N' blocks",
                         "give the whole text shaped like en.txt (each article's first "
                         "paragraph starting 'Article N '), or an XLIFF/TMX file")
    return blocks


class WholeComparer:
    """Compares a whole rendering with the official text, article by article."""

    def __init__(self, comparer: Comparer) -> None:
        self.comparer = comparer
        self.regulation = comparer.regulation
        self.tokenizers = comparer.tokenizers

    def compare(self, rendering: dict[int, list[str]],
                progress: Callable[[int, int], None] | None = None) -> WholeComparison:
        """The report on ``rendering`` (article -> paragraphs, as ``read_whole`` gives);
        ``progress`` hears (articles done, articles in all) after each article."""
        numbers = {a.number for a in self.regulation.articles}
        report = WholeComparison([], extra=sorted(set(rendering) - numbers))
        total = len(self.regulation.articles)
        for done, art in enumerate(self.regulation.articles, start=1):
            if progress is not None:
                progress(done - 1, total)
            paras = rendering.get(art.number)
            if not paras or not " ".join(paras).strip():
                report.missing.append(art.number)
                report.articles.append(Comparison(art.number, None, omissions=[
                    {"zh": p.zh} for p in art.paragraphs]))
                continue
            report.articles.append(self.comparer.compare(art.number, None, " ".join(paras)))
        if progress is not None:
            progress(total, total)
        report.inconsistent_terms = self.inconsistent_terms(rendering)
        return report

    def inconsistent_terms(self, rendering: dict[int, list[str]]) -> list[dict[str, Any]]:
        """Glossary terms the rendering renders more than one way, with where it does."""
        out = []
        glossary = self.comparer.glossary
        for term in glossary:
            longer = [t.zh for t in glossary if term.zh in t.zh and t.zh != term.zh]
            uses: dict[tuple[str, ...], tuple[str, list[str]]] = {}
            stems = {form: self.tokenizers.en(form) for form in term.english_forms}
            for art in self.regulation.articles:
                paras = rendering.get(art.number)
                if not paras:
                    continue
                for para in art.paragraphs:
                    if not _stands_alone(term.zh, para.zh, longer):
                        continue
                    candidate = (paras[para.number - 1] if len(paras) == len(art.paragraphs)
                                 else " ".join(paras))
                    key, shown = self._rendering(term, stems, candidate, para.en or "")
                    uses.setdefault(key, (shown, []))[1].append(f"{art.number}.{para.number}")
            if len(uses) > 1:
                out.append({"zh": term.zh, "renderings": [shown for shown, _ in uses.values()],
                            "where": {shown: refs for shown, refs in uses.values()}})
        return out

    def _rendering(self, term: Term, stems: dict[str, list[str]], candidate: str,
                   ours: str) -> tuple[tuple[str, ...], str]:
        """(key, as shown) of the way ``candidate`` renders ``term``: the longest glossary
        form it contains (forms alike but for inflection share a key), else the words it
        puts where ``ours`` has the term."""
        tokens = self.tokenizers.en(candidate)
        for form in sorted(stems, key=lambda f: -len(stems[f])):
            if stems[form] and contains(tokens, stems[form]):
                # A form inside another ("chain leader system" in "industrial chain leader
                # system") is the same rendering with a word more: one key for both.
                inner = min((g for g in stems if stems[g] and contains(stems[form], stems[g])),
                            key=lambda g: len(stems[g]))
                return tuple(stems[inner]), inner
        replaced = _replacement(ours, candidate, term.english_forms)
        return ("?", replaced.lower()), replaced


def _stands_alone(term: str, text: str, longer: list[str]) -> bool:
    """Whether ``term`` occurs in ``text`` outside every occurrence of a longer glossary
    term holding it (汽车 outside 新能源汽车)."""
    covered: set[int] = set()
    for other in longer:
        for m in re.finditer(re.escape(other), text):
            covered.update(range(m.start(), m.end()))
    return any(not set(range(m.start(), m.end())) <= covered
               for m in re.finditer(re.escape(term), text))


def _replacement(ours: str, candidate: str, forms: tuple[str, ...]) -> str:
    """The candidate's words standing where ``ours`` has one of ``forms``, by a word diff
    of the two paragraphs; ``UNKNOWN`` when they cannot be lined up."""
    mine = re.findall(r"[\w()'-]+", ours)
    theirs = re.findall(r"[\w()'-]+", candidate)
    low = [w.lower() for w in mine]
    span = None
    for form in forms:
        words = form.lower().split()
        for i in range(len(low) - len(words) + 1):
            if low[i:i + len(words)] == words:
                span = (i, i + len(words))
                break
        if span:
            break
    if span is None:
        return UNKNOWN
    matcher = difflib.SequenceMatcher(None, low, [w.lower() for w in theirs], autojunk=False)
    picked: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 <= span[0] or i1 >= span[1]:
            continue
        if op == "equal":
            lo, hi = max(i1, span[0]), min(i2, span[1])
            picked += theirs[j1 + lo - i1:j1 + hi - i1]
        elif op in ("replace", "insert"):
            picked += theirs[j1:j2]
    return " ".join(picked) if picked and len(picked) <= 3 * (span[1] - span[0]) else UNKNOWN
