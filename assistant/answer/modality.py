"""Yes/no questions: a lead that says what the provision does, when its wording licenses it.

"我们能租地吗？" answered from 17(2) ("鼓励采用长期租赁……等方式……供应土地") opens with
"条例对此予以鼓励。" before the quoted provision; "Can enterprises carry out skills
assessment themselves?" answered from a provision that says they *may* opens with
"Yes.". The lead comes from the provision's own modal word, in the sentence the
answer quotes first:

- permission: 可以 / may → "可以。" / "Yes.";
- encouragement: 鼓励 / encourage → "条例对此予以鼓励。" / "The Regulations encourage this.";
- support: 支持 / support → "条例对此予以支持。" / "The Regulations support this.";
- obligation, only when the question asks whether something is required
  (必须, 是否要求, 有责任, "required", "have to"): 应当 / shall → "是的，条例有此要求。" /
  "Yes, the Regulations require this.".

It is never given when the quoted sentence also says 不得 / 禁止 / "may not" / "shall
not" (the provision limits, and a yes would mislead), when the question is put in
the negative ("不能租吗？", "can't we …"), or when the cited provision does not cover
every content term of the question: "企业可以用财政资金炒股吗？" must not read
"可以" because a provision supports enterprises. The quoted provision always
follows, so no yes stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from ..search.chunking import Lang
from ..text.script import has_han
from .evidence import fold

Modality = Literal["permit", "encourage", "support", "require"]

# A question answered with yes or no: a particle or an A-not-A form (zh), an auxiliary
# first (en).
_ZH_YES_NO = re.compile(r"[吗嘛][?？]?\s*$|[吗嘛][?？，,]|能不能|可不可以|能否|是否|可否|有没有|"
                        r"是不是|会不会|行不行|要不要|需不需要|允许不允许|算不算")
# A question asking what, which, how or who is not answered yes or no.
_ZH_WH = re.compile(r"什么|哪|怎么|怎样|如何|多少|多久|几[个条项年月天种类方]|谁|为何|为什么")
_EN_WH = re.compile(r"\b(?:what|which|how|who|whom|where|when|why)\b", re.IGNORECASE)
_EN_YES_NO = re.compile(r"^\s*(?:so\s+|and\s+|but\s+)?(?:can|could|may|might|is|are|do|does|did|"
                        r"will|would|should|shall|must|has|have|am)\b", re.IGNORECASE)
_EN_TRUE = re.compile(r"\bis it (?:true|right|correct)\b", re.IGNORECASE)
# A question put in the negative: 不 or 没 outside the A-not-A forms, "not"/"n't".
# (而不是 and 而非 set one option against another: "租地而不是买地" is not put in the negative.)
_ZH_A_NOT_A = re.compile(r"能不能|可不可以|是不是|会不会|行不行|要不要|需不需要|允许不允许|算不算|"
                         r"有没有|而不是|而非")
_ZH_NEGATIVE = re.compile(r"不|没|禁止|无须|无需|不得")
_EN_NEGATIVE = re.compile(r"\bnot\b|n't\b|\bnever\b|\bprohibit|\bforbid|\bbann?ed\b|\bonly\b",
                          re.IGNORECASE)
_ZH_ONLY = re.compile(r"只能|只有|仅限|只限|仅仅")
# Asking whether something is required.
_ZH_ASKS_DUTY = re.compile(r"必须|是否要求|是不是要求|有没有要求|有责任|有义务|需要|应不应该|要不要"
                           r"|应当")
_EN_ASKS_DUTY = re.compile(r"\b(?:required|obliged|obligated|have to|has to|must|need to|"
                           r"responsible for|duty)\b", re.IGNORECASE)
# The provision's modal words, and those that limit.
_ZH_MODALS: tuple[tuple[Modality, re.Pattern[str]], ...] = (
    ("permit", re.compile(r"可以")), ("encourage", re.compile(r"鼓励")),
    ("support", re.compile(r"支持")), ("require", re.compile(r"应当|必须")))
_EN_MODALS: tuple[tuple[Modality, re.Pattern[str]], ...] = (
    ("permit", re.compile(r"\bmay\b(?!\s+not)", re.IGNORECASE)),
    ("encourage", re.compile(r"\bencourag", re.IGNORECASE)),
    ("support", re.compile(r"\bsupport", re.IGNORECASE)),
    ("require", re.compile(r"\bshall\b(?!\s+not)|\bmust\b(?!\s+not)", re.IGNORECASE)))
# Verbs by which an actor has others act: a duty to urge is not the urged one's duty.
_ZH_CAUSE = re.compile(r"督促|推动|引导|鼓励|支持|指导|促进|帮助|组织")
_EN_CAUSE = re.compile(r"\b(?:urg|promot|guid|encourag|support|help|assist|organiz|direct)",
                       re.IGNORECASE)
_ZH_LIMITS = re.compile(r"不得|禁止|严禁|不予|不能")
_EN_LIMITS = re.compile(r"\b(?:may|shall|must)\s+not\b|\bprohibit|\bforbid", re.IGNORECASE)


# Asking whether the text says something at all ("有没有规定", "say anything about"): a
# question about the text, which the quoted provision answers without a lead.
_ZH_META = re.compile(r"(?:有没有|是否|有无)(?:写|提|说|讲|规定|涉及|相关)|提到|提及|涉及")
_EN_META = re.compile(r"\b(?:say|says|said|mention|mentions|cover|covers|address|addresses)\b"
                      r"|\bany (?:provision|rule|article|clause)s?\b", re.IGNORECASE)


def is_yes_no(question: str) -> bool:
    """Whether ``question`` asks to be answered yes or no about what the law provides (not
    whether the text mentions something)."""
    if has_han(question):
        return bool(_ZH_YES_NO.search(question)) and not (
            _ZH_WH.search(question) or _ZH_META.search(question))
    if _EN_META.search(question):
        return False
    return bool(_EN_YES_NO.search(question) or _EN_TRUE.search(question)) and not (
        _EN_WH.search(question))


# The option a question sets aside ("租地而不是买地", "lease instead of buying"): the
# provision need not cover it.
_CONTRAST = re.compile(r"(?:而不是|而非)[^，,。？?！!；;]*|\b(?:instead of|rather than"
                       r"|as opposed to)\b[^,.?!;]*", re.IGNORECASE)


def without_contrast(question: str) -> str:
    """``question`` without the option it sets aside."""
    return _CONTRAST.sub("", question)


def is_negative(question: str) -> bool:
    """Whether a yes/no question is put in the negative ("不能租吗？", "can't we …", "only")."""
    if has_han(question):
        return bool(_ZH_NEGATIVE.search(_ZH_A_NOT_A.sub("", question))
                    or _ZH_ONLY.search(question))
    return bool(_EN_NEGATIVE.search(question))


def asks_duty(question: str) -> bool:
    """Whether the question asks if something is required."""
    pattern = _ZH_ASKS_DUTY if has_han(question) else _EN_ASKS_DUTY
    return bool(pattern.search(question))


def modality(sentence: str, lang: Lang, duty: bool, anchors: Sequence[str] = ()
             ) -> Modality | None:
    """The modal word of ``sentence`` that answers a yes/no question, or None.

    The modal governing what the question asks is the last one before the last
    of ``anchors`` the sentence holds (the question's words as written there:
    the actor comes first, what is done to what comes last), else the
    sentence's first. Obligation (应当 / shall) answers only a question about a
    duty (``duty``), and only when no verb by which the actor makes others act
    (督促, 推动, 引导 …) stands between it and the words asked about: the duty is
    then the government's, not the one asked about. None when the sentence limits.
    """
    text = fold(sentence) if lang == "zh" else sentence.lower()
    if (_ZH_LIMITS if lang == "zh" else _EN_LIMITS).search(text):
        return None
    found = sorted((m.start(), name) for name, pattern in (
        _ZH_MODALS if lang == "zh" else _EN_MODALS) if duty or name != "require"
        for m in pattern.finditer(text))
    if not found:
        return None
    at = [i for a in anchors if a and (i := text.find(fold(a) if lang == "zh" else a.lower())) >= 0]
    before = [f for f in found if at and f[0] < max(at)]
    start, name = before[-1] if before else found[0]
    between = text[start:max(at)] if before else text
    if name == "require" and (_ZH_CAUSE if lang == "zh" else _EN_CAUSE).search(between):
        return None
    return name
