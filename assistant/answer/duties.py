"""What a regulation gives a named government department to do.

An official asks "县级工信部门在条例里负有哪些职责？" or "Which parts of the
regulation give tasks to the human resources and social security department?":
the answer is every provision in which that department is among those who must
act, at the level of government asked about, not the one provision most like
the question. A provision's actors are read from its text, in both languages:
the words before its first verb of duty (应当, 负责, 可以 / shall, may, is
responsible), when they end in a body (人民政府, 部门 …); the departments are
the names listed in them (工业和信息化、发展改革、生态环境等部门; "departments of
development and reform, science and technology …"), and the level is what
those words say (县级以上 is every level; 省、设区的市 is not the county's).

Only departments count: a question about what "the government" must do is
about nearly every provision and is answered as any other. A question that
also names a subject ("…在技术改造投资方面负有哪些职责") is about that subject
and is answered as any other too (``Chooser.duties`` decides).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..text.library import Library
from ..text.script import has_han

Key = tuple[str, int, int]
Level = str  # "province", "city" or "county"
ALL_LEVELS = frozenset({"province", "city", "county"})

# A Chinese actor: a short phrase ending in a body, before a verb of duty or of doing.
_ZH_SENTENCE = re.compile(r"[^。；;]+")
_ZH_ACTOR = re.compile(
    r"^(.{0,60}?(?:人民政府|部门|单位|机构|协会|联盟|委员会))"
    r"(?=应当|负责|可以|组织|按照|依法|根据|在|要|，)")
_ZH_GOVERNMENT = re.compile(r"^(?:(?:省|设区的市|县级以上|市|县|乡镇)[、和]?)*(?:人民政府)?"
                            r"(?:及其|和|的)?")
_ZH_DEPARTMENTS = re.compile(r"(?:等|其他|有关)*(?:主管)?部门$")
# A department's name is words only: a bracket or figure says the phrase is something else.
_ZH_NAME = re.compile(r"[\u4e00-\u9fff]{2,20}")
_EN_NAME = re.compile(r"[a-z][a-z' -]{1,80}")
_ZH_NOT_NAMES = re.compile(r"^(?:有关|其他|其他有关|相关)$")
# A shortened department name (工信, 人社, 发改) counts before one of these words.
_ZH_BODY_AFTER = r"(?:主管部门|部门|局|厅|委|系统)"
# The level and the word for a body around a department's name as a question writes it.
_ZH_LEVEL_BEFORE = r"(?:县级以上|设区的市|省级|市级|县级|[省市县区])?(?:人民政府|政府)?"
_ZH_BODY_AROUND = r"(?:主管部门|部门|局|厅|委员会|委)?"
_ZH_ALL_LEVELS = re.compile(r"县级以上")
# 市 alone is no level (市场); 省 is (本省, 山东省).
_ZH_LEVELS = (("province", re.compile(r"省")),
              ("city", re.compile(r"设区的市|市级|市里|市一级|各市|市(?:人民)?政府|市、县")),
              ("county", re.compile(r"县")))

_EN_SENTENCE = re.compile(r"[^.;]+")
_EN_ACTOR = re.compile(r"^(.{2,300}?)\s+(?:shall|may|is\s+responsible|are\s+responsible)\b")
_EN_DEPARTMENTS = re.compile(r"\bdepartments?\s+(?:of|for)\s+(.+?)"
                             r"(?:\s+and\s+other(?:\s+relevant)?\s+departments|\s+and\s+others"
                             r"|,?\s+and\s+their\b|\s+of\s+(?:the\s+)?people's|\s+of\s+the\b|$)")
_EN_ALL_LEVELS = re.compile(r"at\s+or\s+above\s+the\s+county\s+level")
_EN_LEVELS = (("province", re.compile(r"\bprovinc(?:e|ial)\b")),
              ("city", re.compile(r"\bcit(?:y|ies)\b|\bmunicipal")),
              ("county", re.compile(r"\bcount(?:y|ies)\b")))
_EN_BODY = re.compile(r"\b(?:department|departments|bureau|bureaus|authority|authorities"
                      r"|ministry|agency|agencies)\b")

# A question asking what a body must do: its duties, tasks, responsibilities.
_ASKS_DUTIES = re.compile(
    r"职责|职能|任务|义务|分工|(?:负责|管|做|干|承担)(?:些)?(?:哪些|什么|啥)|要做|应当做|该做"
    r"|\b(?:duties|duty|responsibilities|obligations|tasks|roles?|functions)\b"
    r"|\b(?:charged\s+with|required\s+to\s+do|expected\s+to\s+do|supposed\s+to\s+do)\b"
    r"|\bwhat\s+(?:does|do|must|should|shall)\b.*\bdo\b", re.IGNORECASE)


@dataclass(frozen=True)
class Actor:
    """Who a provision makes act: the departments it names and at which levels."""

    departments: frozenset[str]  # folded names (zh without 和; en lower case)
    levels: frozenset[Level] | None  # None: the text names no level


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(r"和", "").replace(" ", "")


def _zh_levels(phrase: str) -> frozenset[Level] | None:
    if _ZH_ALL_LEVELS.search(phrase):
        return ALL_LEVELS
    found = frozenset(level for level, pattern in _ZH_LEVELS if pattern.search(phrase))
    return found or None


def _en_levels(phrase: str) -> frozenset[Level] | None:
    if _EN_ALL_LEVELS.search(phrase):
        return ALL_LEVELS
    found = frozenset(level for level, pattern in _EN_LEVELS if pattern.search(phrase))
    return found or None


def actor(sentence: str, lang: str) -> Actor | None:
    """Who one sentence makes act (its words before the verb of duty), or None when it
    names no one ("鼓励……", "support …")."""
    if lang == "zh":
        m = _ZH_ACTOR.match(sentence.replace("\n", "").strip())
        if not m:
            return None
        phrase = m.group(1)
        rest = _ZH_DEPARTMENTS.sub("", _ZH_GOVERNMENT.sub("", phrase, count=1))
        names = frozenset(_fold(n) for n in rest.split("、")
                          if _ZH_NAME.fullmatch(n) and not _ZH_NOT_NAMES.match(n)
                          and phrase.rstrip().endswith(r"部门"))
        return Actor(names, _zh_levels(phrase))
    m = _EN_ACTOR.match(unicodedata.normalize("NFKC", sentence).lower().strip())
    if not m:
        return None
    phrase = m.group(1)
    found: set[str] = set()
    for d in _EN_DEPARTMENTS.finditer(phrase):
        found |= {n.strip() for n in re.split(r",\s*", d.group(1))
                  if _EN_NAME.fullmatch(n.strip())
                  and n.strip() not in ("relevant", "other", "others")}
    return Actor(frozenset(found), _en_levels(phrase))


def actors(text: str, lang: str) -> list[Actor]:
    """The actors of a provision's text, one per sentence (at 。；/ . ;) that names one."""
    pattern = _ZH_SENTENCE if lang == "zh" else _EN_SENTENCE
    return [a for s in pattern.findall(text) if (a := actor(s, lang)) is not None]


def duty_span(sentences: Sequence[str], names: set[str], lang: str) -> tuple[int, int] | None:
    """Of a provision's sentences, the first that makes one of the departments ``names``
    act and those after it until another names its own actor (they share its subject:
    "……等部门应当创新……；鼓励校企深度合作……"), as (start, end); None when none does."""
    acts = [actor(s, lang) for s in sentences]
    start = next((i for i, a in enumerate(acts) if a is not None and a.departments & names),
                 None)
    if start is None:
        return None
    end = next((j for j in range(start + 1, len(acts)) if acts[j] is not None), len(acts))
    return start, end


def _abbreviation(name: str) -> str | None:
    """The usual short form of a Chinese department name: the first character of each
    half (工业信息化 -> 工信, 人力资源社会保障 -> 人社, 发展改革 -> 发改)."""
    return name[0] + name[len(name) // 2] if len(name) >= 4 else None


# Words that ask for duties or name a body or a level, not a subject.
_FRAME_WORD = re.compile(
    r"^(?:部门|主管部门|主管|局|厅|委|政府|人民政府|县级|市级|省级|县|市|省|法定|履行)$"
    r"|^(?:department|departments|bureau|authority|authorities|government|governments"
    r"|county|city|cities|provincial|province|level|levels|competent|part|parts"
    r"|give|gives|given|assign|assigns|assigned|confer|conferred|regulation|regulations)$",
    re.IGNORECASE)


def is_frame_word(word: str) -> bool:
    """Whether ``word`` asks for duties or names a body or a level of government."""
    return bool(_FRAME_WORD.match(word) or _ASKS_DUTIES.fullmatch(word))


def asks_duties(question: str) -> bool:
    """Whether the question asks what a body must do (its duties, tasks, role)."""
    return bool(_ASKS_DUTIES.search(question))


class Duties:
    """Which provisions of a regulation give each of its departments something to do."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._actors: dict[str, dict[Key, list[Actor]]] = {}  # read on first use

    def actors(self, regulation: str) -> dict[Key, list[Actor]]:
        """Every provision's actors, Chinese and English read together."""
        found = self._actors.get(regulation)
        if found is None:
            found = {}
            for article in self.library.get(regulation).articles:
                for para in article.paragraphs:
                    acts = actors(para.zh, "zh") + actors(para.en or "", "en")
                    if acts:
                        found[(regulation, article.number, para.number)] = acts
            self._actors[regulation] = found
        return found

    def named(self, question: str, regulation: str) -> set[str]:
        """The departments of ``regulation`` that ``question`` names, in either language,
        in full (人力资源和社会保障 meets 人力资源社会保障) or shortened before a word for
        a body (工信部门, 人社局)."""
        folded = _fold(question)
        low = unicodedata.normalize("NFKC", question).lower()
        english_body = bool(_EN_BODY.search(low))
        names = {n for acts in self.actors(regulation).values() for a in acts
                 for n in a.departments}
        found = set()
        for name in names:
            if re.search(r"[a-z]", name):
                if english_body and re.search(rf"\b{re.escape(name)}\b", low):
                    found.add(name)
            elif name in folded or ((short := _abbreviation(name)) is not None
                                    and re.search(re.escape(short) + _ZH_BODY_AFTER, folded)):
                found.add(name)
        return found

    def without_names(self, question: str, names: set[str]) -> str:
        """``question`` without the departments ``names`` as it writes them (with the level
        and the word for a body around them: 县工信局, 省人力资源和社会保障厅, "the county
        education bureau") and without the regulations' own names: what is left says
        whether it asks about a subject too."""
        text = self.library.strip_names(question) or question
        for name in names:
            if re.search(r"[a-z]", name):
                words = r"\s+".join(re.escape(w) for w in name.split())
                text = re.sub(words, " ", text, flags=re.IGNORECASE)
                continue
            written = r"和?".join(re.escape(c) for c in name)
            short = _abbreviation(name)
            forms = f"{written}|{re.escape(short)}(?={_ZH_BODY_AFTER})" if short else written
            text = re.sub(f"{_ZH_LEVEL_BEFORE}(?:{forms}){_ZH_BODY_AROUND}", "", text)
        return text

    def levels(self, question: str) -> frozenset[Level] | None:
        """The levels of government the question asks about; None when it names none
        or every one (县级以上, "at or above the county level")."""
        levels = (_zh_levels(question) if has_han(question)
                  else _en_levels(unicodedata.normalize("NFKC", question).lower()))
        return None if levels == ALL_LEVELS else levels

    def holding(self, departments: set[str], regulation: str,
                levels: frozenset[Level] | None) -> list[Key]:
        """The provisions of ``regulation`` that make one of ``departments`` act at one
        of ``levels`` (any, when None; a provision naming no level counts), in order."""
        keys = []
        for key, acts in self.actors(regulation).items():
            if any(a.departments & departments and (
                    levels is None or a.levels is None or a.levels & levels) for a in acts):
                keys.append(key)
        return sorted(keys, key=lambda k: k[1:])

