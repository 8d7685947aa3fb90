"""Chinese numerals and the citation labels built from them.

Article numbers appear as 第十七条, 第一百零五条 or 第17条; labels are
第十七条第二款 in Chinese and Article 17(2) in English.
"""

from __future__ import annotations

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_DIGIT_CHARS = "零一二三四五六七八九"
_FULL_WIDTH_DIGITS = "".join(chr(0xFF10 + d) for d in range(10))  # U+FF10 to U+FF19
_TO_ASCII = str.maketrans(_FULL_WIDTH_DIGITS, "0123456789")

#: Characters that may make up a Chinese or Arabic article number.
NUMERAL_CHARS = "〇零一二三四五六七八九两十百千0123456789" + _FULL_WIDTH_DIGITS


def parse_number(text: str) -> int:
    """Read a number written in Arabic (17, also full-width) or Chinese (十七) digits.

    Raises ValueError when ``text`` is not a well-formed number.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty number")
    arabic = text.translate(_TO_ASCII)
    if arabic.isascii() and arabic.isdigit():
        return int(arabic)
    if any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a number: {text!r}")
    if all(ch in _DIGITS for ch in text) and len(text) > 1:
        # Digit by digit, as in years: 二〇二四.
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                raise ValueError(f"not a number: {text!r}")
            digit = _DIGITS[ch] if _DIGITS[ch] != 0 else None
        else:
            unit = _UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"not a number: {text!r}")
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        total += digit
    if total == 0:
        raise ValueError(f"not a number: {text!r}")
    return total


def to_chinese(n: int) -> str:
    """Write 1 ≤ n ≤ 9999 the way article numbers are written: 十七, 一百零五, 一百一十."""
    if not 1 <= n <= 9999:
        raise ValueError(f"out of range: {n}")
    if 10 <= n < 20:
        return "十" + (_DIGIT_CHARS[n - 10] if n > 10 else "")
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero_pending and parts:
                parts.append("零")
            parts.append(_DIGIT_CHARS[d] + name)
            zero_pending = False
        elif parts:
            zero_pending = True
    return "".join(parts)


def label_zh(article: int, paragraph: int | None = None) -> str:
    """第十七条, or 第十七条第二款 with a paragraph.

    A number Chinese numerals are not written for here (0, or 10000 and over, as a
    question may name) is written in Arabic digits: 第0条.
    """
    label = f"第{_numeral(article)}条"
    return label if paragraph is None else f"{label}第{_numeral(paragraph)}款"


def _numeral(n: int) -> str:
    return to_chinese(n) if 1 <= n <= 9999 else str(n)


def label_en(article: int, paragraph: int | None = None) -> str:
    """Article 17, or Article 17(2) with a paragraph."""
    return f"Article {article}" if paragraph is None else f"Article {article}({paragraph})"


def label(article: int, paragraph: int | None = None) -> str:
    """Both labels, as shown beside a citation: 第十七条第二款 | Article 17(2)."""
    return f"{label_zh(article, paragraph)} | {label_en(article, paragraph)}"
