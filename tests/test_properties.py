"""Property-based tests of the corpus parser and the article-reference parser."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text.corpus import parse_zh
from assistant.text.numerals import to_chinese
from assistant.text.references import find_references, parse_reference

# Common characters of legal text, without 第, 条, 章, 节, 款 or digits, so that
# generated text never looks like a heading.
HANZI = "政府应当支持企业发展制度建设推进工作规定管理服务保障技术创新产业市场资源环境" \
        "人民社会经济国家地方部门机构组织计划质量安全标准信息能力水平合作"
sentences = st.text(alphabet=HANZI + "，、", min_size=4, max_size=120).filter(
    lambda s: s[0] in HANZI).map(lambda s: s + "。")
articles = st.lists(st.lists(sentences, min_size=1, max_size=4), min_size=1, max_size=25)

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
        8: "eighty", 9: "ninety"}


def words(n: int) -> str:
    if n < 20:
        return WORDS[n - 1]
    if n < 100:
        return TENS[n // 10] + (f"-{WORDS[n % 10 - 1]}" if n % 10 else "")
    rest = n - 100
    return "one hundred" + (f" and {words(rest)}" if rest else "")


def render(arts: list[list[str]], arabic: bool, wrap: int | None, space: str) -> str:
    lines = ["某某条例", ""]
    for number, paras in enumerate(arts, start=1):
        head = f"第{number}条" if arabic else f"第{to_chinese(number)}条"
        for i, para in enumerate(paras):
            text = (head + space + para) if i == 0 else para
            if wrap:  # hard line breaks inside sentences, as in a PDF, where a
                # paragraph's first line is indented by two characters
                first = wrap - 2
                lines += [text[:first]] + [text[j:j + wrap] for j in range(first, len(text),
                                                                           wrap)]
            else:
                lines.append(text)
    return "\n".join(lines)


@settings(max_examples=60, deadline=None)
@given(articles, st.booleans(), st.sampled_from([None, 22, 28, 34]),
       st.sampled_from([" ", "\u3000", "  "]))
def test_parser_recovers_what_was_written(arts: list[list[str]], arabic: bool,
                                          wrap: int | None, space: str) -> None:
    parsed = parse_zh(render(arts, arabic, wrap, space))
    assert [a.number for a in parsed.articles] == list(range(1, len(arts) + 1))
    for art, paras in zip(parsed.articles, arts, strict=True):
        assert [p.zh for p in art.paragraphs] == paras


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 199), st.one_of(st.none(), st.integers(1, 9)))
def test_every_way_of_writing_a_reference(n: int, p: int | None) -> None:
    forms = [f"第{to_chinese(n)}条", f"第{n}条", f"{n}条", f"Article {n}", f"Art. {n}",
             f"article {words(n)}"]
    if p is not None:
        forms = [f"第{to_chinese(n)}条第{to_chinese(p)}款", f"第{n}条第{p}款",
                 f"Article {n}({p})", f"Art. {n}({p})", f"{n}.{p}"]
    for form in forms:
        assert parse_reference(form) == (n, p), form


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 199), st.text(alphabet=HANZI, max_size=12),
       st.text(alphabet=HANZI, max_size=12))
def test_references_are_found_inside_questions(n: int, before: str, after: str) -> None:
    zh = f"{before}第{to_chinese(n)}条{after}"
    assert find_references(zh) == [(n, None)]
    en = f"What does Article {n} say about {re.sub(r'[^a-z]', '', 'land')}?"
    assert find_references(en) == [(n, None)]
