from __future__ import annotations

import pytest

from assistant.errors import UsageError
from assistant.text.references import english_number, parse_reference


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        pytest.param("17", (17, None), id="digits"),
        pytest.param("17.2", (17, 2), id="dotted"),
        pytest.param("第十七条", (17, None), id="zh"),
        pytest.param("第17条", (17, None), id="zh-arabic"),
        pytest.param("17条", (17, None), id="zh-bare"),
        pytest.param("第十七条第二款", (17, 2), id="zh-paragraph"),
        pytest.param("Article 17", (17, None), id="en"),
        pytest.param("Art. 17(2)", (17, 2), id="en-abbrev-paragraph"),
        pytest.param("article seventeen", (17, None), id="en-words"),
        pytest.param("Article 17, paragraph 2", (17, 2), id="en-paragraph-words"),
        pytest.param("article twenty-one", (21, None), id="en-hyphenated"),
        pytest.param("Article one hundred and five", (105, None), id="en-hundreds"),
    ],
)
def test_references_in_every_common_form(text: str, ref: tuple[int, int | None]) -> None:
    assert parse_reference(text) == ref


@pytest.mark.parametrize("text", ["", "seventeen", "第条", "Article", "17.x", "land lease"])
def test_non_references_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="not an article reference"):
        parse_reference(text)


def test_english_number_words() -> None:
    assert english_number("ninety nine") == 99
    with pytest.raises(ValueError, match="not a number"):
        english_number("eleventy")
