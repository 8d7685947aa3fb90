"""Which script a text is written in: Han characters (Chinese) or not.

The one definition of "a Chinese character" the stages share: the CJK Unified
Ideographs and Extension A (U+3400 to U+9FFF).
"""

from __future__ import annotations

import re

#: One Han character.
HAN = re.compile(r"[\u3400-\u9fff]")
#: A run of two or more Han characters.
HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_NOT_HAN = re.compile(r"[^\u3400-\u9fff]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Han character."""
    return HAN.search(text) is not None


def is_all_han(text: str) -> bool:
    """Whether every character of ``text`` is a Han character (true of an empty text)."""
    return _NOT_HAN.search(text) is None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (no character, and not encodable as UTF-8; JSON's
    ``"\\ud800"`` makes one) replaced by U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", text)
