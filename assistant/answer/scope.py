"""Whether a regulation addresses a question, decided in code (``ScopeJudge``).

It runs before any answerer: word checks first (jurisdiction, subjects no
article mentions, figures none of the provisions found states), then the
question's nearness to what the regulations address against its nearness to
what they leave to other laws.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..search.chunking import Chunk
from ..search.retrieval import Hit, HybridRetriever
from ..text.corpus import Regulation
from ..text.library import Library
from ..text.script import has_han


def load_topics(path: Path) -> list[str]:
    """Descriptions of subjects regulations commonly leave to other laws (one a line)."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Place:
    """A province-level region or a city, as a question or a title names it."""

    zh: str
    en: str
    province: str  # the province-level region it lies in (its own name for a region)

    @property
    def city(self) -> bool:
        """Whether this is a city (not a province-level region)."""
        return self.province != self.zh

    def within(self, where: Place | None) -> bool:
        """Whether a regulation of ``where`` (None: a national one) applies here, at
        least in part: a national law anywhere, a province's in its cities, a city's
        in that city and where its province is named."""
        if where is None or where.zh == self.zh:
            return True
        return (not where.city and self.province == where.zh) or (
            where.city and not self.city and where.province == self.zh)


@dataclass(frozen=True)
class ScopeRules:
    """What a question may ask that a regulation can or cannot say (data/scope_rules.json)."""

    regions: dict[str, str]  # zh -> en
    subjects: dict[str, dict[str, list[str]]]  # subject -> lang -> words
    asks_figure: re.Pattern[str] | None = None  # a question asking for a figure
    figure: re.Pattern[str] | None = None  # a figure in a provision
    cities: dict[str, dict[str, str]] = field(default_factory=dict)  # region -> zh -> en

    @classmethod
    def load(cls, path: Path) -> ScopeRules:
        """Read the rules file."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        figures = raw.get("figures")
        asks = figure = None
        if figures:
            asks = re.compile("|".join(figures["zh"] + figures["en"]), re.IGNORECASE)
            figure = re.compile(figures["figure_in_text"])
        return cls(raw["regions"], {k: v for k, v in raw.items()
                                    if k not in ("regions", "cities", "_comment", "figures")},
                   asks, figure, raw.get("cities", {}))

    @functools.cached_property
    def places(self) -> tuple[Place, ...]:
        """Every region and city, longest Chinese name first."""
        out = [Place(zh, en, zh) for zh, en in self.regions.items()]
        out += [Place(zh, en, region) for region, cities in self.cities.items()
                for zh, en in cities.items()]
        return tuple(sorted(out, key=lambda p: -len(p.zh)))

    def where(self, regulation: Regulation) -> Place | None:
        """The place a regulation is made for: the region or city its Chinese title
        begins with (山东省…, 济南市…; a city not listed, as 江海市… made by 江海市's
        people's congress, is a city of an unknown province); None for a national law
        (no place first)."""
        title = regulation.title_zh.strip("《》 ")
        known = next((p for p in self.places if title.startswith(p.zh)), None)
        if known is not None:
            return known
        found = _PLACE_TITLE.match(title)
        # Only when the body that made it is that place's (江海市…人民代表大会…): 证券市场…
        # is not a city.
        if found is None or found.group(0) not in f"{regulation.issuing_body or ''}" \
                f"{regulation.note_zh}":
            return None
        name, level = found.groups()
        return Place(name, "", "" if _CITY_LEVEL.fullmatch(level) else name)


#: A title beginning with a place's name and level: 江海市…, 某某自治州….
_PLACE_TITLE = re.compile(r"^(\w{2,8}?)(省|自治区|市|自治州|地区|盟)(?=\w{2})")
_CITY_LEVEL = re.compile(r"市|自治州|地区|盟")


def _mentions(text: str, words: Sequence[str]) -> list[str]:
    low = text.lower()
    return [w for w in words if (w in text if has_han(w)
                                 else re.search(rf"\b{re.escape(w.lower())}\b", low))]


#: The scope margin compares the mean similarity of this many nearest neighbours on
#: each side: a subject the regulation addresses has several anticipated questions,
#: so one unaddressed near miss ("what must we file to certify our own workers?")
#: cannot outvote them for "may we certify our own workers?".
NEIGHBOURS = 3

#: A question asking for a figure is answered only when one of this many best
#: articles found states a figure of some kind.
FIGURE_HITS = 3


def _sentences(text: str) -> list[str]:
    """``text`` cut after each full stop, question or exclamation mark."""
    return [p for p in re.split(r"(?<=[。？！?!])\s*|(?<=\.)\s+", text.strip()) if p.strip()]


def _nearest(similarities: np.ndarray) -> float:
    """The mean of the ``NEIGHBOURS`` highest similarities (-1 when there are none)."""
    if not len(similarities):
        return -1.0
    k = min(NEIGHBOURS, len(similarities))
    return float(np.partition(similarities, -k)[-k:].mean())


@dataclass
class ScopeJudge:
    """Decides, in code, whether the regulation addresses a question.

    Three checks, each general to regulations:

    - jurisdiction: a question naming a region or city (江苏, Shenzhen) where
      none of the regulations judged applies asks about rules they cannot hold
      (a national law applies everywhere, a province's in its cities, a city's
      in that city: ``Place.within``);
    - what the text can say: questions about liability and penalties, sums of
      money, taxes, wages or permits and licences are out of scope when no
      article uses such words (this regulation has no penalty article, and
      names no amounts, taxes, wages or permits);
    - closeness: the margin by which the question's embedding is nearer to
      what the regulation addresses (its provisions and anticipated questions)
      than to what it does not (a list of subjects that regulations usually
      leave elsewhere, ``data/scope_topics.txt``, and, when one regulation is
      judged, its unaddressed questions); at or below ``threshold`` the
      question is refused.

    A question naming an existing article is in scope unless it asks what that
    article cannot hold: a figure it does not state, or taxes, penalties, sums,
    wages or permits it does not mention.
    """

    retriever: HybridRetriever
    library: Library
    topics: list[str]
    rules: ScopeRules
    threshold: float
    _vectors: np.ndarray = field(init=False, repr=False)  # the outside subjects
    _inside: dict[str, np.ndarray] = field(init=False, repr=False)  # reg -> addressed
    _text: dict[str, np.ndarray] = field(init=False, repr=False)  # reg -> its provisions
    _inside_all: np.ndarray = field(init=False, repr=False)  # every regulation's
    _unaddressed: dict[str, np.ndarray] = field(init=False, repr=False)  # reg -> vectors
    _where: dict[str, Place | None] = field(init=False, repr=False)  # reg -> its place
    _places: tuple[Place, ...] = field(init=False, repr=False)
    _text_has: dict[str, dict[str, bool]] = field(init=False, repr=False)  # reg -> subject

    def __post_init__(self) -> None:
        index = self.retriever.index
        vectors = index.vectors()
        # Embedded by the index build (``extras``); only a topic edited since is embedded here.
        self._vectors = index.passages(self.topics, self.retriever.embeddings)
        self._where = {r.id: self.rules.where(r) for r in self.library.regulations}
        listed = {p.zh for p in self.rules.places}
        # A regulation's own place counts as a place a question may name, listed or not.
        self._places = self.rules.places + tuple(dict.fromkeys(
            p for p in self._where.values() if p is not None and p.zh not in listed))
        self._text_has, self._inside, self._unaddressed, self._text = {}, {}, {}, {}
        by_reg: dict[str, list[tuple[int, Chunk]]] = {}
        for i, c in enumerate(index.chunks):
            by_reg.setdefault(c.regulation, []).append((i, c))
        for reg in self.library.regulations:
            mine = by_reg.get(reg.id, [])
            # What the regulation addresses: its text and its anticipated questions.
            self._inside[reg.id] = vectors[[i for i, c in mine if c.searchable]]
            self._unaddressed[reg.id] = vectors[[i for i, c in mine if not c.searchable]]
            self._text[reg.id] = vectors[[i for i, c in mine if c.is_provision]]
            body = "\n".join(c.text for _, c in mine if c.is_provision)
            has = {subject: any(_mentions(body, ws) for ws in words.values())
                   for subject, words in self.rules.subjects.items()}
            # Sums of money are figures, whatever words name them.
            has["money"] = bool(re.search(r"\d\s*(?:万|亿)?元|yuan|RMB", body))
            self._text_has[reg.id] = has
        self._inside_all = np.concatenate(list(self._inside.values()))

    def margin(self, vector: np.ndarray, scope: Sequence[str] | None = None,
               questions: bool = True, unaddressed: Sequence[str] | None = None) -> float:
        """Similarity to the nearest things the regulations in ``scope`` (default all)
        address, minus that to the nearest things they do not (each the mean of the
        ``NEIGHBOURS`` nearest).

        The unaddressed questions of the regulations ``unaddressed`` (default:
        those of ``scope``) count: ``Assistant.in_scope`` judges only the regulations
        a question reaches, so what one regulation leaves out weighs only on
        questions that reach it.
        Without ``questions``, only the provisions and the outside subjects count (what
        a regulation added without anticipated or unaddressed questions gets).
        """
        v = vector.reshape(-1)
        regs = list(scope) if scope is not None else list(self._inside)
        if not questions:
            inside = np.concatenate([self._text[r] @ v for r in regs])
        elif scope is None:
            inside = self._inside_all @ v
        else:
            inside = np.concatenate([self._inside[r] @ v for r in regs])
        outside = self._vectors @ v
        if questions:
            outside = np.concatenate([outside, *(self._unaddressed[r] @ v for r in (
                regs if unaddressed is None else unaddressed))])
        return _nearest(inside) - _nearest(outside)

    def _asks_figure(self, question: str, hits: Sequence[Hit]) -> str | None:
        """The words by which ``question`` asks for a figure (an amount, rate, share, time
        limit or cap), when none of the best ``FIGURE_HITS`` articles found states one;
        else None. An extractive answer can only quote, so a figure the provisions do
        not hold cannot be the answer."""
        if self.rules.asks_figure is None or self.rules.figure is None or not hits:
            return None
        asked = self.rules.asks_figure.search(question)
        if asked is None:
            return None
        figure = self.rules.figure
        for hit in hits[:max(FIGURE_HITS, sum(h.referenced for h in hits))]:
            art = self.library.get(hit.regulation).article(hit.article)
            if figure.search(art.zh) or figure.search(art.en or ""):
                return None
        return asked.group(0)

    def places_named(self, text: str) -> list[Place]:
        """The regions and cities ``text`` names. A Chinese name counts only where a word
        begins (jieba's cut): 山东营商环境 names 山东, not 东营; 完成都 names no 成都."""
        low = text.lower()
        found = [p for p in self._places
                 if p.en and re.search(rf"\b{re.escape(p.en.lower())}\b", low)]
        candidates = [p for p in self._places if p.zh in text and p not in found]
        if candidates:
            starts = {start for _, start, _ in
                      self.retriever.tokenizers.jieba.tokenize(text)}
            found += [p for p in candidates
                      if any(m.start() in starts for m in re.finditer(re.escape(p.zh), text))]
        return found

    def _applies(self, place: Place, regs: Sequence[str]) -> bool:
        return any(place.within(self._where.get(r)) for r in regs)

    def place_reason(self, question: str, regs: Sequence[str]) -> str | None:
        """The reason when ``question`` asks about a place where none of ``regs``
        applies; None when it names none, or only where the asker comes from, said
        before a question about a place where one applies ("我在江苏有个厂，考虑来山东
        建基地。…会在哪些方面给支持？")."""
        named = self.places_named(question)
        others = [p for p in named if not self._applies(p, regs)]
        if not others:
            return None
        said = _sentences(question)
        if len(said) > 1 and len(others) < len(named) and not any(
                not self._applies(p, regs) for p in self.places_named(said[-1])):
            return None
        return f"names another jurisdiction ({others[0].zh})"

    def _named(self, question: str, named: Sequence[Hit]) -> str | None:
        """For a question naming articles: the reason when it asks what those articles
        cannot hold (a figure none of them states, or taxes, penalties, sums, wages or
        permits none of them mentions: "第十条第四款…税收返还几年？", "Under Article 17,
        what is the maximum number of years …?"); else None. Nearness is not judged:
        the article named is the subject."""
        arts = [self.library.get(h.regulation).article(h.article) for h in named]
        text = "\n".join(f"{a.zh}\n{a.en or ''}" for a in arts)
        shown = ", ".join(f"Article {a.number}" for a in arts)
        for kind, words in self.rules.subjects.items():
            asked = _mentions(question, words["zh"] + words["en"])
            if asked and not _mentions(text, words["zh"] + words["en"]):
                return f"asks about {kind} ({asked[0]}), which {shown} does not mention"
        figure = self._asks_figure(question, named)
        if figure:
            return f"asks for a figure ({figure}), which {shown} does not state"
        return None

    def judge(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
              scope: Sequence[Regulation] = (), questions: bool = True) -> str | None:
        """None when the regulation addresses the question, else the reason it does not.

        ``scope`` (default: all loaded) is where the question was searched: a
        subject counts as mentioned when one of those regulations mentions it,
        and the margin is taken against what they alone address (``margin``).
        """
        within = ([r.id for r in scope]
                  if scope and len(scope) < len(self.library.regulations) else None)
        if hits and hits[0].referenced:
            return self._named(question, [h for h in hits if h.referenced])
        reason = self.words(question, hits, within)
        if reason is not None:
            return reason
        return self.near(vector, within, questions)

    def near(self, vector: np.ndarray, scope: Sequence[str] | None = None,
             questions: bool = True, unaddressed: Sequence[str] | None = None) -> str | None:
        """The reason when the question (``vector``) is no nearer to what the regulations
        ``scope`` address than to what they do not (``margin`` at or below the
        threshold); else None."""
        m = self.margin(vector, scope, questions, unaddressed)
        if m <= self.threshold:
            return f"closer to subjects outside the regulation (margin {m:.3f})"
        return None

    def words(self, question: str, hits: Sequence[Hit], scope: Sequence[str] | None = None,
              places: bool = True) -> str | None:
        """The reason the regulations ``scope`` (ids; default all) cannot address
        ``question`` by its words alone: a place where none applies (unless not
        ``places``: the caller has asked ``place_reason``), a subject none mentions, a
        figure none of ``hits`` states; None when nothing rules them out."""
        regs = list(scope) if scope is not None else list(self._text_has)
        reason = self.place_reason(question, regs) if places else None
        if reason is not None:
            return reason
        for kind, words in self.rules.subjects.items():
            asked = _mentions(question, words["zh"] + words["en"])
            if asked and not any(self._text_has[r][kind] for r in regs):
                return f"asks about {kind} ({asked[0]}), which no article mentions"
        figure = self._asks_figure(question, hits)
        if figure:
            return (f"asks for a figure ({figure}), which none of the "
                    f"{min(len(hits), FIGURE_HITS)} provisions found states")
        return None
