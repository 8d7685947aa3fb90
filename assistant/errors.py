"""Errors a user can act on.

Every error carries a one-line message and a hint naming the fix. The edges
(CLI, page, API) translate them; nothing inside the pipeline swallows them.
"""

from __future__ import annotations


class TiaoliError(Exception):
    """Base class: a problem the user can fix, with a hint saying how."""

    default_hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class CorpusError(TiaoliError):
    """A regulation's text, rendering or glossary cannot be read as expected."""

    default_hint = "fix the named line of the corpus file"


class UnknownArticleError(TiaoliError):
    """A reference names an article or paragraph the regulation does not have."""


class UsageError(TiaoliError):
    """A request the program cannot act on: empty, malformed or out of range."""
