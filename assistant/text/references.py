"""Article references as people write them: 17, 17.2, 第十七条第二款, Art. 17(2)."""

from __future__ import annotations

import re

from ..errors import UsageError
from .numerals import NUMERAL_CHARS, parse_number

_NUM = f"[{NUMERAL_CHARS}]+"
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))
#: An English number in words, up to 199: "seventeen", "twenty-one", "one hundred and five".
EN_NUMBER = (rf"(?:(?:one\s+)?hundred(?:\s+and)?[\s-]*)?(?:(?:{_WORD})(?:[\s-]+(?:{_WORD}))?)"
             rf"|(?:one\s+)?hundred")

_PLAIN = re.compile(r"^\s*(\d+)\s*(?:[.．]\s*(\d+))?\s*$")
_ZH = re.compile(rf"^\s*第?\s*({_NUM})\s*条\s*(?:第?\s*({_NUM})\s*款)?\s*$")
_EN = re.compile(rf"^\s*(?:article|art\.?)\s*(\d+|{EN_NUMBER})\s*(?:\(\s*(\d+)\s*\)"
                 rf"|,?\s*(?:paragraph|para\.?)\s*(\d+))?\s*$", re.IGNORECASE)


def english_number(text: str) -> int:
    """Read a number written in English words ("twenty-one") or digits."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    total = 0
    for word in re.split(r"[\s-]+", text):
        if word == "and" or not word:
            continue
        if word == "hundred":
            total = max(total, 1) * 100
        elif word in _WORDS:
            total += _WORDS[word]
        else:
            raise ValueError(f"not a number: {text!r}")
    return total


def parse_reference(text: str) -> tuple[int, int | None]:
    """(article, paragraph or None) from a reference standing on its own.

    Raises UsageError when ``text`` is not a reference.
    """
    for pattern, reader in ((_PLAIN, int), (_ZH, parse_number), (_EN, english_number)):
        m = pattern.match(text)
        if m:
            groups = [g for g in m.groups()[1:] if g]
            try:
                article = reader(m.group(1))
                paragraph = (parse_number(groups[0]) if pattern is _ZH else int(groups[0])) \
                    if groups else None
            except ValueError:
                break
            return article, paragraph
    raise UsageError(f"not an article reference: {text!r}",
                     "write it as 17, 17.2, 第十七条, 第十七条第二款 or 'Article 17(2)'")


_CN_ONLY = "〇零一二三四五六七八九两十百千"
_ZH_IN_TEXT = re.compile(
    rf"(?:第\s*({_NUM})|(?<![{NUMERAL_CHARS}])(\d+|[{_CN_ONLY}]{{2,}}))\s*条(?!例|件|款)"
    rf"(?:\s*第?\s*({_NUM})\s*款)?")
_EN_ARTICLE = rf"(?:articles?|arts?\.?)\s*(\d+|{EN_NUMBER})\b"
_EN_IN_TEXT = re.compile(
    rf"\b{_EN_ARTICLE}(?:\s*\(\s*(\d+)\s*\)|,?\s*(?:paragraph|para\.?)\s*(\d+))?"
    rf"((?:\s*(?:,|and|or|&)\s*\d+\b)*)", re.IGNORECASE)
_EN_PARA_OF = re.compile(
    rf"\b(?:paragraph|para\.?)\s*(\d+|{EN_NUMBER})\s+of\s+{_EN_ARTICLE}", re.IGNORECASE)


def find_references(text: str) -> list[tuple[int, int | None]]:
    """Every article reference in a question, in the order written, without repeats.

    Reads 第十七条, 第17条, 17条, 十七条, 第十七条第二款, Article 17, Art. 17(2),
    article seventeen, paragraph 2 of Article 17 and "Articles 18 and 19".
    Numbers are returned as written, even when the regulation has no such article.
    """
    found: list[tuple[int, tuple[int, int | None]]] = []
    for m in _ZH_IN_TEXT.finditer(text):
        try:
            article = parse_number(m.group(1) or m.group(2))
            paragraph = parse_number(m.group(3)) if m.group(3) else None
        except ValueError:
            continue
        found.append((m.start(), (article, paragraph)))
    covered: list[tuple[int, int]] = []
    for m in _EN_PARA_OF.finditer(text):
        try:
            found.append((m.start(), (english_number(m.group(2)), english_number(m.group(1)))))
        except ValueError:
            continue
        covered.append(m.span())
    for m in _EN_IN_TEXT.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        try:
            article = english_number(m.group(1))
        except ValueError:
            continue
        para = m.group(2) or m.group(3)
        found.append((m.start(), (article, int(para) if para else None)))
        for extra in re.findall(r"\d+", m.group(4) or ""):
            found.append((m.start(), (int(extra), None)))
    out: list[tuple[int, int | None]] = []
    for _, ref in sorted(found, key=lambda f: f[0]):
        if ref not in out:
            out.append(ref)
    return out


def without_references(text: str) -> str:
    """``text`` with every article reference find_references reads taken out
    ("引用第九十九条回答：企业如何融资？" -> "引用回答：企业如何融资？")."""
    spans = [m.span() for pattern in (_ZH_IN_TEXT, _EN_PARA_OF, _EN_IN_TEXT)
             for m in pattern.finditer(text)]
    out, end = [], 0
    for start, stop in sorted(spans):
        if start >= end:
            out.append(text[end:start])
        end = max(end, stop)
    out.append(text[end:])
    return re.sub(r"\s{2,}", " ", "".join(out)).strip()

