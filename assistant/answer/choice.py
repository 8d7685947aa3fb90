"""Which provisions an answer quotes when one is not enough.

Three shapes of question need several (the third, a question asking several
questions, is divided here by ``sub_questions`` and searched part by part in
extractive.py):

- a question asking where something appears ("哪些条款提到了技术改造？",
  "Which articles mention industry associations?") lists every provision whose
  text holds its subject: the question's glossary concepts and rarer nouns,
  an English run of words ("supply chains") as a run;
- a question whose parts different provisions cover ("人才和用地两方面……") cites,
  after the best provision, each provision of the best-ranked articles that
  covers a part of the question no provision chosen so far covers: a coverage
  choice, greedy, the provision covering most uncovered parts first. It is not
  "the runner-up too": a runner-up that covers nothing new is left out, and
  another article must have scored at least ``MIN_SCORE_SHARE`` of the best in
  retrieval (a part the scenario mentions in passing does not pull in an
  article the question is not about).

A part is a content term (evidence.py) that some provisions hold, but not
many: at most ``PART_SHARE`` of the regulation's provisions. 先进制造业, 支持
or "enterprises", found almost everywhere, say nothing about which provision
a part needs. Chinese verbs (保障, 协调) are not parts either: they say what is
done, not to what. Nothing here knows any question; the constants are general
and were set on the development set (docs/answers.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..search.retrieval import Hit
from ..text.script import has_han
from .duties import Duties, asks_duties, is_frame_word
from .evidence import Coverage, QTerm, fold, zipf

#: A term held by more of the regulation's provisions than this share is not a part.
PART_SHARE = 0.2
#: The coverage choice looks for more provisions among this many best-ranked articles.
CANDIDATE_ARTICLES = 3
#: A Chinese word this common in general use can still name a part if the regulation holds
#: it rarely (金融, 资金, 土地: too common to say a question is about the regulation at all).
#: wordfreq's Chinese words run commoner than English ones as specific (金融 5.13, finance
#: 4.65), so English keeps the content-word line.
PART_ZIPF_ZH = 5.3
#: Another article is a candidate only when retrieval scored it at least this share of the best.
MIN_SCORE_SHARE = 0.6
#: At most this many provisions answer a question with several parts.
MAX_CHOSEN = 4
#: A term of a subject the question lists one by one ("A、B、C分别……"), held by at most
#: this many provisions, is specific: a provision holding it is a candidate from any of the
#: ``SPECIFIC_ARTICLES`` best-ranked articles, whatever its score.
SPECIFIC_HOLDERS = 2
SPECIFIC_ARTICLES = 5
#: A subject of "which articles mention …" held by more than this share is too general to list.
LIST_SHARE = 0.3
#: At most this many provisions are listed for "which articles mention …".
MAX_LISTED = 12

Key = tuple[str, int, int]

# "Which articles …" (several asked for; "which article" asks for the one), or "where"
# with a verb that means appearing in the text.
_MENTION_FRAME = re.compile(
    r"哪些(?:地方|条款|条|处|规定|部分|内容)|哪几(?:条|处|款|个地方)|几处|多少处"
    r"|\b(?:which|what)\s+(?:provisions|articles|parts|sections|places|clauses)\b",
    re.IGNORECASE)
_WHERE = re.compile(r"哪里|什么地方|\bwhere\b", re.IGNORECASE)
_MENTION_VERB = re.compile(
    r"提到|提及|涉及|讲到|说到|写到|出现"
    r"|\b(?:mention(?:s|ed)?|deals?\s+with|cover(?:s|ed)?|talks?\s+about|refers?\s+to"
    r"|address(?:es|ed)?|discuss(?:es|ed)?)\b", re.IGNORECASE)
_APPEARS = re.compile(r"提到|提及|讲到|说到|写到|出现"
                      r"|\b(?:mention(?:s|ed)?|talks?\s+about|refers?\s+to|referred\s+to)\b",
                      re.IGNORECASE)

# "Where are supply chains mentioned?": the subject stands before the verb.
_SUBJECT_BEFORE = re.compile(r"\b(?:is|are)\s+(.+?)\s+(?:mentioned|referred\s+to|discussed)\b",
                             re.IGNORECASE)
# A subject ends with its clause, or where the question goes on to ask something else
# (a Chinese subject is read word by word: 能 ends 高等学校能发挥, not 人工智能).
_SUBJECT_END = re.compile(
    r"[，。？！?!；;：:,.]|的|能|有|在|是|分别|各|各是|什么|哪|哪些|哪几|几处|吗|呢|方面"
    r"|\b(?:both|which|what|where|how|who|and\s+(?:what|where|which|how|who))\b",
    re.IGNORECASE)
_PARTICLE = re.compile(r"了|过")
_ALTERNATIVES = re.compile(r"或者|或是|或|以及|、|/|\s+or\s+|\s+and\s+|和(?!信息化)",
                           re.IGNORECASE)

# A question that joins several things it asks about: 分别, 既……又……, 另外, 两方面,
# "both", "separately", "…, and what …", or more than one question mark.
_SEVERAL = re.compile(
    r"分别|各自|各是|各有|既.{1,30}?又|另外|此外|以及|还有|同时|两(?:件事|方面|块|个方面|类|点)"
    r"|一是|或者|和|与|及"
    r"|\b(?:both|separately|as\s+well\s+as|also|either)\b"
    r"|\b(?:and|or)\s+(?:what|where|which|how|who|whom|whether|when|is|are|does|do|can)\b"
    r"|[?？].*[?？]", re.IGNORECASE)


# Where a question that asks several things divides into its questions: at a question mark
# followed by more, at 一是/二是 and 另外/此外, at ";" and at ", and what/where/…".
_SPLIT = re.compile(
    r"(?<=[?？；;])\s*(?=\S)|[，,。：:]?\s*(?=(?:[一二三四]是|其[一二三]|另外|此外)[^，,]{2})"
    r"|,?\s+and\s+(?=(?:what|where|which|how|when|who|whom|whether)\b)", re.IGNORECASE)
# A list of subjects asked about one by one: "A、B、C分别……", "A和B两方面……".
_EACH = re.compile(r"([^，,。？?：:；;]{2,}?[、和][^，,。？?：:；;]{2,}?)"
                   r"(?:这|这些|这几)?(?:[两几]个?方面|两块|分别|各自|各是|方面)")
_ITEM_SPLIT = re.compile(r"[、和]")
#: A part of a question this short (characters, without punctuation) is not one to search.
MIN_PART_CHARS = 4


def sub_questions(question: str, pos: Any = None) -> list[str]:
    """The questions a question asking several things is made of ("X是什么？Y呢？",
    "…, and what …", "一是…，二是…", "A、B分别…" → one per subject), or [] when it
    asks one thing. Only the parts of at least ``MIN_PART_CHARS`` word characters."""
    parts = [p.strip(" ，,。") for p in _SPLIT.split(question)]
    items, end = _listed(question, pos)
    if items:
        parts = [item + question[end:] for item in items]
    parts = [p for p in parts if len(re.sub(r"\W", "", p)) >= MIN_PART_CHARS]
    return parts if len(parts) >= 2 else []


def listed_subjects(question: str, pos: Any = None) -> list[str]:
    """The subjects a question lists to be answered one by one ("A、B、C分别……",
    "A和B两方面……" -> [A, B, C]), or [] when it lists none."""
    return _listed(question, pos)[0]


def _listed(question: str, pos: Any) -> tuple[list[str], int]:
    """The listed subjects (listed_subjects) and where the list's frame ends."""
    m = _EACH.search(question)
    if not m:
        return [], 0
    items = [i.strip() for i in _ITEM_SPLIT.split(m.group(1)) if i.strip()]
    if len(items) < 2:
        return [], 0
    items[0] = _last_words(items[0], max(len(i) for i in items[1:]), pos)
    return items, m.end()


def _last_words(text: str, longest: int, pos: Any) -> str:
    """The words at the end of ``text`` after its last preposition, conjunction, pronoun
    or particle, at most twice ``longest`` characters (at least one word): "条例里对龙头
    企业" before "骨干企业" -> "龙头企业"."""
    if pos is None or not has_han(text):
        return text
    words = [(w.word, w.flag) for w in pos.cut(text)]
    kept: list[str] = []
    for word, flag in reversed(words):
        if kept and (flag[:1] in ("p", "c", "r", "u")
                     or sum(len(w) for w in kept) + len(word) > 2 * longest):
            break
        kept.insert(0, word)
    return "".join(kept)


def asks_several(question: str) -> bool:
    """Whether the question joins several things it asks about."""
    return bool(_SEVERAL.search(question))


def asks_where_mentioned(question: str) -> bool:
    """Whether the question asks where in the text something appears."""
    return bool((_MENTION_FRAME.search(question) and _MENTION_VERB.search(question))
                or (_WHERE.search(question) and _APPEARS.search(question)))


class Chooser:
    """Picks the provisions an extractive answer quotes beyond the best one."""

    def __init__(self, coverage: Coverage, pos: Any = None, duties: Duties | None = None
                 ) -> None:
        self.coverage = coverage
        self.pos = pos  # jieba's part-of-speech tagger: Chinese verbs are not parts
        self.duty_reader = duties

    def parts(self, terms: Sequence[QTerm], regulation: str, share: float = PART_SHARE
              ) -> list[QTerm]:
        """The question's terms that can name a part: content, held, and by at most
        ``share`` of the regulation's provisions."""
        return [t for t in terms if (t.content or (t.lang == "zh" and t.kind == "word"
                                                   and zipf(t.term, "zh") < PART_ZIPF_ZH))
                and not self._verb(t) and 0 < self.coverage.share(t, regulation) <= share]

    def _noun(self, term: QTerm) -> bool:
        """Whether a term can name a subject: not a Chinese word that jieba tags as no noun
        (按照, 承担, 已经)."""
        if term.kind != "word" or term.lang != "zh" or self.pos is None:
            return True
        return any(w.flag.startswith(("n", "vn")) for w in self.pos.cut(term.term))

    def _verb(self, term: QTerm) -> bool:
        if term.kind != "word" or term.lang != "zh" or self.pos is None:
            return False
        flags = [w.flag for w in self.pos.cut(term.term)]
        return bool(flags) and all(f.startswith("v") and f != "vn" for f in flags)

    def mentioning(self, question: str, terms: Sequence[QTerm], regulation: str
                   ) -> list[Key]:
        """For "which articles mention X": every provision of ``regulation`` holding X
        (one of the subjects, when the question names several), in order, at most
        ``MAX_LISTED``; [] when the question does not ask that or its subject is held
        nowhere."""
        if not asks_where_mentioned(question):
            return []
        keys = self.coverage.keys(regulation)
        held: set[Key] = set()
        for alternative in self._subjects(question):
            concepts = [t for t in terms if t.kind == "glossary"
                        and fold(t.term) in fold(alternative)]
            if concepts:
                found = {k for t in concepts for k in self.coverage.holders(t, regulation)}
            elif has_han(alternative):
                words = [t for t in terms if t.kind == "word" and t.content
                         and t.term in alternative and not self._verb(t)]
                found = {k for t in words for k in self.coverage.holders(t, regulation)}
            else:
                run = self.coverage.tokenizers.en(alternative)
                found = {k for k in keys if self.coverage.holds_phrase(run, k)}
            if len(found) <= LIST_SHARE * len(keys):
                held |= found
        return sorted(held, key=lambda k: k[1:])[:MAX_LISTED]

    def duties(self, question: str, terms: Sequence[QTerm], regulation: str) -> list[Key]:
        """For "what must department X do": every provision of ``regulation`` that makes
        a department the question names act, at the level of government it names
        (duties.py), in order, at most ``MAX_LISTED``; [] when the question does not ask
        that, names no department, or names a subject too (a part that is a noun, in what
        is left without the department's name, its level and the regulation's name,
        beyond the words asking for duties), or when the department acts in more than
        ``LIST_SHARE`` of the provisions."""
        reader = self.duty_reader
        if reader is None or not asks_duties(question):
            return []
        named = reader.named(question, regulation)
        if not named:
            return []
        rest = reader.without_names(question, named)
        own = self.coverage.question_terms(rest, "zh" if has_han(rest) else "en")
        if any(not is_frame_word(t.term) and self._noun(t) for t in self.parts(own, regulation)):
            return []
        keys = reader.holding(named, regulation, reader.levels(question))
        if len(keys) > LIST_SHARE * len(self.coverage.keys(regulation)):
            return []
        return keys[:MAX_LISTED]

    def _subjects(self, question: str) -> list[str]:
        """What a "which articles mention …" question asks about: the words after each
        mention verb (before it in "where are X mentioned"), up to the clause's end,
        split into alternatives at 或者, 、, "or", "and"."""
        spans = [m.group(1) for m in _SUBJECT_BEFORE.finditer(question)]
        for m in _MENTION_VERB.finditer(question):
            rest = question[m.end():]
            if has_han(rest):
                words = self.coverage.tokenizers.jieba.lcut(rest)
                end = next((i for i, w in enumerate(words) if _SUBJECT_END.fullmatch(w)),
                           len(words))
                spans.append("".join(w for w in words[:end] if not _PARTICLE.fullmatch(w)))
            else:
                stop = _SUBJECT_END.search(rest)
                spans.append(rest[: stop.start()] if stop else rest)
        return [a.strip() for span in spans for a in _ALTERNATIVES.split(span) if a.strip()]

    def complement(self, question: str, chosen: Sequence[Key], terms: Sequence[QTerm],
                   hits: Sequence[Hit]) -> list[Key]:
        """The provisions, beyond ``chosen`` (the first is the best provision), that
        cover parts of the question none chosen so far covers, from the best-ranked
        articles; best cover first."""
        first = chosen[0]
        regulation = first[0]
        left = [t for t in self.parts(terms, regulation)
                if all(self.coverage.covers(t, k) is None for k in chosen)]
        top = hits[0].score if hits else 0.0
        several = asks_several(question)
        candidates = [(h.regulation, h.article, p.number)
                      for h in hits[:CANDIDATE_ARTICLES] if h.regulation == regulation
                      and (h.article == first[1] or (several and h.score >= MIN_SCORE_SHARE * top))
                      for p in h.paragraphs]
        subjects = [fold(i) for i in listed_subjects(question, self.pos)]
        if subjects:  # a listed subject's few holders, among the found articles, whatever the score
            rank = {h.article: i for i, h in reversed(list(enumerate(
                hits[:SPECIFIC_ARTICLES]))) if h.regulation == regulation}
            specific = [k for t in left if any(fold(t.term) in i for i in subjects)
                        and len(holders := self.coverage.holders(t, regulation)) <= SPECIFIC_HOLDERS
                        for k in holders if k[1] in rank]
            candidates += sorted(specific, key=lambda k: rank[k[1]])
        candidates = [k for k in dict.fromkeys(candidates) if k not in chosen]
        added: list[Key] = []
        while left and candidates and len(chosen) + len(added) < MAX_CHOSEN:
            gains = [[t for t in left if self.coverage.covers(t, k) is not None]
                     for k in candidates]
            best = max(range(len(candidates)), key=lambda i: (len(gains[i]), -i))
            if not gains[best]:
                break
            added.append(candidates.pop(best))
            left = [t for t in left if t not in gains[best]]
        return added
