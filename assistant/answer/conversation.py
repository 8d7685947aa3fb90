"""Follow-up questions rewritten with the conversation before retrieval.

Without an LLM, rules cover the common shapes of a follow-up:

- "下一条呢？", "上一条", "what does the next article say?", "the previous
  article" → the article after (before) the one the conversation was last
  about: 第十八条;
- a short elliptical question ("那土地呢？", "那用地方面呢？", "and what about land?", "还有融资吗",
  "how about financing?") → the previous question with its most specific word
  (the one rarest in the regulation) replaced by the new subject:
  企业融资有什么支持？ + 那土地呢？ → 企业土地有什么支持？;
- anything else, or a question that names an article itself, is left as it is.

With an LLM configured, the condense prompt does the rewriting instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..text.numerals import label_zh
from ..text.references import find_references
from ..text.script import has_han

_NEXT = re.compile(r"下一条|后一条|下条|\bnext article\b|\bfollowing article\b|\bthe next one\b",
                   re.IGNORECASE)
_PREV = re.compile(r"上一条|前一条|上条|\bprevious article\b|\bpreceding article\b"
                   r"|\barticle before\b", re.IGNORECASE)
_ZH_ELLIPSIS = re.compile(
    r"^(?:那么?|还有|另外|关于|至于|那如果是?)(.+?)(?:呢|吗|怎么样|如何|怎么说)?[?？。!！]*$")
_ZH_TAIL = re.compile(r"^(.{1,10}?)(?:呢|怎么样|如何|怎么说)[?？。!！]*$")
_EN_ELLIPSIS = re.compile(
    r"^(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(.+?)[?.!]*$|^and\s+(.+?)[?.!]*$",
    re.IGNORECASE)
# "用地方面", "人才这块": the subject is the word before.
_ZH_ASPECT = re.compile(r"(?<=..)(?:这一?块|这方面|方面|的问题|的事情?)$")
_MAX_ZH_FOLLOW_UP = 12
_MAX_EN_FOLLOW_UP = 7


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: str  # "user" or "assistant"
    content: str


def last_article(history: Sequence[Turn]) -> int | None:
    """The article the conversation was last about: the latest one named in any turn."""
    for turn in reversed(history):
        refs = find_references(turn.content)
        if refs:
            return refs[-1][0] if turn.role == "user" else refs[0][0]
    return None


def rewrite(question: str, history: Sequence[Turn], article_count: int,
            salient: Callable[[str], str | None] = lambda text: None) -> str:
    """A standalone question for retrieval; ``question`` itself when it needs no context.

    ``salient`` names the most specific word of a question (as written in it),
    the one a follow-up's new subject replaces.
    """
    q = question.strip()
    users = [t for t in history if t.role == "user" and t.content.strip()]
    if not history or find_references(q):
        return q
    step = 1 if _NEXT.search(q) else -1 if _PREV.search(q) else 0
    if step:
        current = last_article(history)
        if current is not None and 1 <= current + step <= article_count:
            target = label_zh(current + step)
            return _NEXT.sub(target, q) if step == 1 else _PREV.sub(target, q)
        return q
    if not users:
        return q
    previous = users[-1].content.strip()
    subject = _follow_up_subject(q)
    if subject is None:
        return q
    word = salient(previous)
    if word and word in previous:
        return previous.replace(word, subject, 1)
    return f"{subject} {previous}"


def _follow_up_subject(q: str) -> str | None:
    """The new subject of an elliptical follow-up, or None if ``q`` stands on its own."""
    if has_han(q):
        if len(q) > _MAX_ZH_FOLLOW_UP:
            return None
        m = _ZH_ELLIPSIS.match(q) or _ZH_TAIL.match(q)
        return _ZH_ASPECT.sub("", m.group(1).strip("，, ")) or None if m else None
    if len(q.split()) > _MAX_EN_FOLLOW_UP:
        return None
    m = _EN_ELLIPSIS.match(q)
    if not m:
        return None
    return re.sub(r"^(?:for|on|regarding|with|in)\s+", "", (m.group(1) or m.group(2)).strip(),
                  flags=re.IGNORECASE)
