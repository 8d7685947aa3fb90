"""Questions about a regulation itself, and the articles that answer them.

Every regulation says, in set formulas, why it was made and on what basis
(第一条: 为了……根据……制定本条例), whom it applies to (本条例适用于……) and when it
takes effect (本条例自……起施行). A question asking that of the regulation ("这部
条例什么时候生效？", "When did these rules start to apply?", "Purpose of the
regs?") is answered by that article, found by its formula, as a question
naming the article would be; vector search misses it as often as it misses an
article number, since the question shares no subject with it ("start to
apply" is not "come into force").

The question must name the regulation (条例, 本法, these rules, the law …):
"What is the purpose of the project database?" asks about the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .corpus import Regulation

Frame = str  # "purpose", "in_force" or "applies"

# The regulation as the question names it.
_ZH_ITSELF = (r"(?:条例|本法|这部法|该法|法规|这部|立法"
              r"|(?:本|这个|这部|该)(?:规定|办法))")
_EN_ITSELF = (r"(?:regulations?|regs|rules|law|act|measures|legislation"
              r"|(?:this|the)\s+document)")

_ASKS = {
    "in_force": (
        re.compile(r"(?:施行|生效|实施|起效)(?:日期|时间)|(?:什么时候|何时|哪天|哪一天|几号|啥时候|哪年"
                   r"|多会儿|从哪天起|从何时起)(?:开始|起|正式)?(?:施行|生效|实施|起效|执行)"
                   r"|(?:施行|生效|实施)了(?:吗|没|么)|(?:开始|正式)(?:施行|生效|实施)"),
        re.compile(r"\b(?:comes?|came|coming)\s+into\s+(?:force|effect)\b|\btakes?\s+effect\b"
                   r"|\btook\s+effect\b|\bin\s+force\b|\beffective\s+date\b|\bstart(?:ed|s)?"
                   r"\s+(?:to\s+)?apply|\bstart\s+date\b|\bcommenc|\bbecome\s+effective"
                   r"|\b(?:when|what\s+date)\b.{0,40}\b(?:effective|apply|begin|start)",
                   re.IGNORECASE)),
    "purpose": (
        re.compile(rf"{_ZH_ITSELF}(?:的)?(?:立法|制定|出台|颁布)?(?:的)?(?:目的|宗旨|初衷|依据|上位法)|上位法"
                   rf"|为什么(?:要)?(?:制定|出台|颁布)|(?:依据|根据)什么(?:制定|出台|定的|来定)"
                   rf"|(?:制定|出台)(?:这部|本|该)?{_ZH_ITSELF}?的(?:目的|原因|依据|初衷)"),
        re.compile(rf"\b(?:its|their)\s+(?:stated\s+|legislative\s+)?(?:purpose|aim|objective)s?\b"
                   rf"|\b(?:purpose|aim|objective|goal)s?\s+(?:of|behind)\s+"
                   rf"(?:(?!(?:under|in|by|within|according|for)\b)[\w'-]+\s+){{0,6}}?"
                   rf"{_EN_ITSELF}\b|\bwhy\s+(?:were|was|did)\s+(?:the|these|this)\s+"
                   rf"{_EN_ITSELF}\s+(?:made|written|introduced)\b|\bwhy\b.{{0,60}}\b(?:enacted|adopted|passed"
                   rf"|passing|formulated|issued)\b|\b(?:what|why)\b.{{0,60}}\b(?:it\s+is"
                   rf"|they\s+are)\s+(?:for|based\s+on)\b|\b(?:legal\s+)?basis\s+(?:of|for)\s+"
                   rf"(?:the\s+|these\s+|this\s+)?{_EN_ITSELF}\b", re.IGNORECASE)),
    "applies": (
        re.compile(rf"{_ZH_ITSELF}(?:的)?(?:适用范围|适用于哪些|适用对象|适用于谁|对谁适用)"),
        re.compile(rf"\bscope\s+of\s+application\b|\b(?:who|whom|what)\b.{{0,40}}\b"
                   rf"{_EN_ITSELF}\b.{{0,20}}\bappl(?:y|ies)\s+to\b", re.IGNORECASE)),
}
_NAMES_ITSELF = (re.compile(_ZH_ITSELF + r"|这个条例|它"),
                 re.compile(rf"\b{_EN_ITSELF}\b|\bits\b|\bit\b", re.IGNORECASE))

# The articles, by their set formulas.
_ANSWERS = {
    "in_force": re.compile(r"(?:自|于).{0,40}?(?:起)?(?:施行|生效)|起施行"),
    "purpose": re.compile(r"(?:为了|为).{2,}?制定本(?:条例|法|规定|办法|细则)"),
    "applies": re.compile(r"(?:本(?:条例|法|规定|办法)适用于|适用本(?:条例|法|规定|办法))"),
}


def asked_frames(question: str, named: bool = False) -> list[Frame]:
    """What the question asks of the regulation itself, in a set order; [] when it asks
    none of that, or does not name the regulation (``named``: it names one by its title)."""
    text = question.replace(" ", "") if re.search(r"[\u4e00-\u9fff]", question) else question
    found = []
    for frame, (zh, en) in _ASKS.items():
        if (zh.search(text) or en.search(question)) and (named or any(
                p.search(text) or p.search(question) for p in _NAMES_ITSELF)):
            found.append(frame)
    return found


def frame_articles(regulation: Regulation, frames: Sequence[Frame]) -> list[int]:
    """The articles of ``regulation`` that answer ``frames`` (``asked_frames``), in order."""
    return sorted({n for frame in frames if (n := frame_article(regulation, frame))})


def frame_article(regulation: Regulation, frame: Frame) -> int | None:
    """The article of ``regulation`` that answers ``frame`` (the first holding its formula;
    for the date it takes effect, the last), or None when none holds it."""
    pattern = _ANSWERS[frame]
    holding = [a.number for a in regulation.articles
               if pattern.search(a.zh.replace("\n", "").replace(" ", ""))]
    if not holding:
        return None
    return holding[-1] if frame == "in_force" else holding[0]
