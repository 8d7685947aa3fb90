"""Figures a statement asserts and the regulation states: dates, counts and ordinals.

A statement that gets one wrong is contradicted, not "partly" right: 本条例自
2025年1月1日起施行 against the 2024年12月1日 of Article 20, "Article 4 names six
emerging industries" against the seven it lists, 第十二次会议 against the note's
第十一次会议. Each finding pairs the statement's words with the provision's.

Counts are read from the enumerations a provision writes: items joined by 、
(甲、乙、丙等…) in Chinese, by commas in the English rendering; the enumeration a
count is about is the one whose clause shares the count's noun.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..search.chunking import Lang
from ..text.corpus import Article, Regulation
from ..text.numerals import parse_number

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ZH_NUM = r"[0-9〇零一二三四五六七八九十两]"
_ZH_DATE = re.compile(rf"({_ZH_NUM}{{4}})\s*年(?:\s*({_ZH_NUM}{{1,3}})\s*月"
                      rf"(?:\s*({_ZH_NUM}{{1,3}})\s*[日号])?)?")
_EN_DATES = (
    re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I),
    re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\s*,?\s+(\d{{4}})\b", re.I),
    re.compile(rf"\b({_MONTH})\s+(?:of\s+)?(\d{{4}})\b", re.I),
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
    re.compile(r"\b(?:in|from|by|since|of|year)\s+(\d{4})\b", re.I),
)
_EN_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()
_EN_ORDINALS = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                "eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
                "eighteenth nineteenth twentieth").split()
# A count and the words after it, up to the clause's end (six categories of talent teams).
_EN_COUNT = re.compile(r"(?<![\w(.-])(?<!article )(?<!paragraph )(?<!item )"
                       r"(\d{1,3}|" + "|".join(_EN_NUMBERS[2:]) + r")\s+"
                       r"((?:[a-z][\w'-]*\s+){0,3}?[a-z][\w'-]*s\b(?:\s+[a-z][\w'-]*){0,6})",
                       re.I)
_EN_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b|\b(" + "|".join(_EN_ORDINALS[1:])
                         + r")\b", re.I)
# An English list item this long is the clause going on, not an item.
_LONGEST_ITEM = 7
_EN_TAIL_ITEM = re.compile(r"^(?:others?|other \w+|the like|so on|so forth|etc\.?)$", re.I)


@dataclass(frozen=True)
class Found:
    """A figure the statement gets wrong: as it writes it, and what the regulation states."""

    statement: str
    where: str  # "effective", "adopted", "articles", "paragraphs", "list", "ordinal"
    truth: int | dt.date | str  # a date, a count, or an ordinal as the note writes it
    items: tuple[str, ...] = ()  # the list a count is about
    article: int | None = None
    paragraph: int | None = None


# ----------------------------------------------------------------------- dates


@dataclass(frozen=True)
class Written:
    """A date as a text writes it: year, and month and day when given."""

    text: str
    year: int
    month: int | None
    day: int | None

    def agrees(self, date: dt.date) -> bool:
        """Whether this (possibly partial) date names ``date``."""
        return (self.year == date.year and self.month in (None, date.month)
                and self.day in (None, date.day))


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    for i, name in enumerate(_MONTHS, 1):
        if name.startswith(word[:3]):
            return i
    return None


def dates(text: str, lang: Lang) -> list[Written]:
    """Every date ``text`` writes (2024年12月1日, December 1, 2024, 1 December 2024, 2024)."""
    out: list[Written] = []
    if lang == "zh":
        for m in _ZH_DATE.finditer(text):
            try:
                year = parse_number(m.group(1))
                month = parse_number(m.group(2)) if m.group(2) else None
                day = parse_number(m.group(3)) if m.group(3) else None
            except ValueError:
                continue
            out.append(Written(m.group(0), year, month, day))
        return out
    taken: list[tuple[int, int]] = []
    for n, pattern in enumerate(_EN_DATES):
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            g = m.groups()
            if n == 0:
                year, month, day = int(g[2]), _month(g[0]), int(g[1])
            elif n == 1:
                year, month, day = int(g[2]), _month(g[1]), int(g[0])
            elif n == 2:
                year, month, day = int(g[1]), _month(g[0]), None
            elif n == 3:
                year, month, day = int(g[0]), int(g[1]), int(g[2])
            else:
                year, month, day = int(g[0]), None, None
            if month is None and n < 4:
                continue
            taken.append(m.span())
            out.append(Written(m.group(0) if n < 4 else g[0], year, month, day))
    return out


def month_name(month: int) -> str:
    """The English name of a month (1 → January)."""
    return _MONTHS[month - 1].capitalize()


# ---------------------------------------------------------------------- counts


def _number(word: str) -> int | None:
    word = word.lower()
    if word in _EN_NUMBERS:
        return _EN_NUMBERS.index(word)
    try:
        return parse_number(word)
    except ValueError:
        return None


@dataclass(frozen=True)
class Count:
    """A count a statement asserts: the number, as written, and the words it counts."""

    text: str
    number: int
    noun: str  # the counted words (个未来产业 → 未来产业; "emerging industries")
    unit: str  # zh classifier (个, 项, 条, 款…) or "" in English
    named: bool  # the noun follows the count (八个未来产业), not before it (原则共六项)


@dataclass(frozen=True)
class Enumeration:
    """The items a provision lists together, and the clause they sit in."""

    items: tuple[str, ...]
    clause: str
    article: int
    paragraph: int


def counts(text: str, lang: Lang, zh_units: str, zh_count_after: str) -> list[Count]:
    """The counts a statement asserts (八个未来产业, 原则共六项, "six emerging industries").

    ``zh_units`` is a regex alternation of classifiers; ``zh_count_after`` the verbs
    and particles that may stand between a noun and its count (有, 共, 包括…).
    """
    out: list[Count] = []
    if lang == "zh":
        number = rf"(?<![第\d〇零一二三四五六七八九十百]){_ZH_NUM}{{1,3}}(?!\s*[年月日号])"
        for m in re.finditer(rf"({number})\s*({zh_units})", text):
            value = _number(m.group(1))
            if value is None or value < 2:
                continue
            after = re.split(r"[，,；;。：:（(）)、\s]", text[m.end():], maxsplit=1)[0]
            before = re.split(r"[，,；;。：:]", text[:m.start()])[-1]
            named = len(after) >= 2
            noun = after if named else re.sub(rf"(?:{zh_count_after})+$", "", before)
            out.append(Count(m.group(0), value, noun, m.group(2), named))
        return out
    for m in _EN_COUNT.finditer(text):
        value = _number(m.group(1))
        if value is None or value < 2 or re.search(r"(?:article|paragraph|item)\s*$",
                                                   text[:m.start()], re.I):
            continue
        out.append(Count(m.group(0), value, m.group(2), "", True))
    return out


def enumerations(article: Article, lang: Lang) -> list[Enumeration]:
    """The lists each paragraph of ``article`` writes, in either language."""
    out = []
    for para in article.paragraphs:
        body = para.zh if lang == "zh" else (para.en or "")
        for clause in re.split(r"[。；;]|\.(?:\s|$)", body):
            items = _zh_items(clause) if lang == "zh" else _en_items(clause)
            for found, context in items:
                out.append(Enumeration(tuple(found), context, article.number, para.number))
    return out


def _zh_items(clause: str) -> list[tuple[list[str], str]]:
    out = []
    for part in re.split(r"[，,：:]", clause):
        if not re.search(r"、", part):
            continue
        items = re.split(r"、", part)
        items[-1] = re.split(r"等", items[-1])[0]
        last = re.split(r"以及", items[-1])
        items = [i for i in items[:-1] + last if i.strip()]
        if len(items) >= 2:
            out.append((items, part))
    return out


def _en_items(clause: str) -> list[tuple[list[str], str]]:
    """Comma lists: "such as A, B, C and D", "principles of A, B, and C".

    A list ends at an item much longer than its first, or with an article inside it
    (the clause going on: ", and accelerate the cultivation of …"); without a comma
    before its last "and", the last item holds two ("human resources and legal
    services")."""
    found: list[tuple[int, int, list[str]]] = []
    for m in re.finditer(r"\b(?:such (?:[a-z]+ ){0,2}as|including|namely|of)\s+|:\s*", clause):
        parts = [p.strip() for p in clause[m.end():].split(",")]
        if len(parts) < 3:
            continue
        items: list[str] = []
        oxford = False
        for p in parts:
            last = p.lower().startswith("and ")
            if last:
                p = p[4:]
            words = p.split()
            limit = max(_LONGEST_ITEM, 2 * len(items[0].split())) if items else _LONGEST_ITEM
            # An article inside an item is a clause going on: "accelerate the cultivation".
            if not words or len(words) > limit or any(
                    w.lower() in ("the", "a", "an") for w in words[1:]):
                break
            items.append(p)
            if last:
                oxford = True
                break
        if len(items) < 3:
            continue
        if not oxford and " and " in items[-1]:
            items[-1:] = items[-1].split(" and ", 1)
        items = [i for i in items if not _EN_TAIL_ITEM.match(i)]
        found.append((m.start(), m.end(), items))
    # Anchors nest ("building of talent teams of entrepreneurs, …"): a list whose first
    # item holds another list's anchor is that list, read from too far back.
    kept = [(start, end, items) for start, end, items in found
            if not any(end <= o_start < end + len(items[0]) for o_start, _, _ in found)]
    # A list read from an anchor inside another's items ("a combination of leasing and
    # granting, …") is part of that list.
    kept = [(start, end, items) for start, end, items in kept
            if not any(o_end <= start and o_items[-1] == items[-1] and len(o_items) > len(items)
                       for _, o_end, o_items in kept)]
    return [(items, clause[max(0, start - 80):start + 40 + len(", ".join(items))])
            for start, _, items in kept]


# -------------------------------------------------------------------- ordinals


def ordinals(text: str, lang: Lang) -> dict[str, tuple[int, str]]:
    """The ordinals of an adoption record: {"session": (14, "第十四届"), "meeting": (11, …)}."""
    out: dict[str, tuple[int, str]] = {}
    if lang == "zh":
        for m in re.finditer(rf"第({_ZH_NUM}{{1,3}})\s*(?:(?P<session>届)|次)", text):
            value = _number(m.group(1))
            if value is not None:
                out.setdefault("session" if m.group("session") else "meeting",
                               (value, m.group(0)))
        return out
    for m in _EN_ORDINAL.finditer(text):
        value = int(m.group(1)) if m.group(1) else _EN_ORDINALS.index(m.group(2).lower())
        after = text[m.end():m.end() + 60].lower()
        kind = ("meeting" if re.match(r"\s*(?:meeting|session|sitting)", after) else
                "session" if re.match(r"[\w' ]*?(?:people's congress|npc)", after) else None)
        if kind:
            out.setdefault(kind, (value, m.group(0)))
    return out


# ---------------------------------------------------------------------- judge


class FigureReader:
    """Compares a statement's figures with those the regulation states."""

    def __init__(self, terms: dict[str, object]) -> None:
        self.events = terms["events"]  # {"effective": {"zh": […], "en": […]}, "adopted": …}
        self.units = str(terms["count_units"])  # classifiers, a regex alternation
        self.after = str(terms["count_after"])  # 共, 有… between a noun and its count
        self.whole = terms["count_whole"]  # {"articles": {"zh": "条", "en": "articles"}, …}

    def without_figures(self, text: str, lang: Lang) -> str:
        """``text`` with the figures this reader compares blanked out: dates, ordinals,
        and counts of articles and paragraphs."""
        for d in dates(text, lang):
            text = text.replace(d.text, " ")
        if lang == "zh":
            text = re.sub(rf"第{_ZH_NUM}{{1,3}}\s*[届次]", " ", text)
            whole = "|".join(w["zh"] for w in self.whole.values())  # type: ignore[attr-defined]
            return re.sub(rf"{_ZH_NUM}{{1,3}}\s*(?:{whole})", " ", text)
        return _EN_ORDINAL.sub(" ", text)

    def without_counts(self, text: str, lang: Lang) -> str:
        """``text`` with every figure blanked out: dates, ordinals and counts."""
        text = self.without_figures(text, lang)
        for count in counts(text, lang, self.units, self.after):
            text = text.replace(count.text if lang == "zh" else count.text.split()[0], " ")
        return text

    def _event(self, text: str, lang: Lang) -> str | None:
        low = text.lower()
        for event, words in self.events.items():  # type: ignore[attr-defined]
            if not event.startswith("_") and any(re.search(w, low) for w in words[lang]):
                return str(event)
        return None

    def compare(self, text: str, lang: Lang, reg: Regulation,
                articles: Sequence[Article]) -> list[Found]:
        """The figures of ``text`` that ``reg`` (and the ``articles`` the statement is
        about) contradict; an empty list when all agree or none is asserted."""
        out = self._dates(text, lang, reg)
        out += self._ordinals(text, lang, reg)
        out += self._counts(text, lang, reg, articles)
        return out

    def _dates(self, text: str, lang: Lang, reg: Regulation) -> list[Found]:
        said = dates(text, lang)
        if not said:
            return []
        event = self._event(text, lang)
        known = {"effective": reg.effective, "adopted": reg.adopted}
        date = known.get(event) if event else None
        if date is None:
            return []
        wrong = [d for d in said if not d.agrees(date)]
        if not wrong or len(wrong) < len(said):
            return []
        where = self._effective_article(reg) if event == "effective" else None
        article, paragraph = where or (None, None)
        return [Found(wrong[0].text, str(event), date, (), article, paragraph)]

    @staticmethod
    def _effective_article(reg: Regulation) -> tuple[int, int] | None:
        if reg.effective is None:
            return None
        for art in reversed(reg.articles):
            for para in art.paragraphs:
                if any(d.agrees(reg.effective) for d in dates(para.zh, "zh")):
                    return art.number, para.number
        return None

    def _ordinals(self, text: str, lang: Lang, reg: Regulation) -> list[Found]:
        said = ordinals(text, lang)
        note = (reg.note_zh if lang == "zh" else reg.note_en) or ""
        held = ordinals(note, lang)
        return [Found(said[k][1], "ordinal", held[k][1]) for k in said
                if k in held and said[k][0] != held[k][0]]

    def _counts(self, text: str, lang: Lang, reg: Regulation,
                articles: Sequence[Article]) -> list[Found]:
        out = []
        for count in counts(text, lang, self.units, self.after):
            whole = _counts_whole(count, lang, self.whole)
            if whole == "articles":
                if count.number != len(reg.articles):
                    out.append(Found(count.text, "articles", len(reg.articles)))
                continue
            if whole == "paragraphs":
                if len(articles) == 1 and count.number != len(articles[0].paragraphs):
                    out.append(Found(count.text, "paragraphs", len(articles[0].paragraphs),
                                     article=articles[0].number))
                continue
            enum = self._enumeration(count, lang, articles)
            if enum is not None and len(enum.items) != count.number:
                out.append(Found(count.text, "list", len(enum.items), enum.items,
                                 enum.article, enum.paragraph))
        return out

    @staticmethod
    def _enumeration(count: Count, lang: Lang,
                     articles: Sequence[Article]) -> Enumeration | None:
        """The list a count is about: the one whose clause holds most of the counted
        noun (two characters or one word at the least)."""
        best: tuple[int, Enumeration | None] = (0, None)
        for art in articles:
            for enum in enumerations(art, lang):
                score = _shared(count.noun, enum.clause, lang)
                if score > best[0]:
                    best = (score, enum)
        return best[1]


def _counts_whole(count: Count, lang: Lang, whole: object) -> str | None:
    """"articles" or "paragraphs" when a count is of the regulation's articles (共二十条,
    "20 articles") or an article's paragraphs; None for any other count."""
    for name, words in whole.items():  # type: ignore[attr-defined]
        if name.startswith("_"):
            continue
        if lang == "zh" and count.unit == words["zh"] and not count.named:
            return str(name)
        if lang == "en" and re.match(rf"(?:[a-z-]+\s+){{0,2}}?{words['en']}\b",
                                     count.noun.lower()):
            return str(name)
    return None


def _shared(noun: str, clause: str, lang: Lang) -> int:
    """How much of the counted noun the clause holds: the longest run of characters
    (zh, at least 2) or the number of its words (en, ignoring short ones)."""
    if lang == "zh":
        for size in range(len(noun), 1, -1):
            if any(noun[i:i + size] in clause for i in range(len(noun) - size + 1)):
                return size
        return 0
    low = clause.lower()
    words = [w.rstrip("s") for w in re.findall(r"[a-z][\w'-]+", noun.lower()) if len(w) > 3]
    return sum(1 for w in words if w in low)
