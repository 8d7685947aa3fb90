"""Prompt files and fixed phrases, loaded and checked once at start-up.

``prompts/`` holds the LLM prompts (``answer``, ``condense`` and ``check``, each
``.zh.txt`` and ``.en.txt``) and ``phrases.json``: the refusal
phrase and the few framing phrases of answers, one per language, defined
once and used by the answerers, the parser of LLM output and the eval.
A placeholder a file may not use is an error naming the file.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

from ..errors import TiaoliError

LANGS = ("zh", "en")

# The placeholders each file may use.
_TEMPLATES = {
    "answer": {"title_zh", "title_en", "refusal", "context", "question"},
    "condense": {"history", "question"},
    "check": {"title_zh", "title_en", "context", "statement"},
}
_PHRASES = {
    "refusal": set(), "lead": {"label"}, "related_intro": set(), "list_intro": set(),
    "fallback": {"reason"}, "removed_citation": {"label"},
    # Used when several regulations are loaded (labels then carry the title).
    "lead_titled": {"label"}, "refusal_library": set(),
    "ambiguous": {"label", "titles", "example"},
}


class PromptError(TiaoliError):
    """A prompt file is missing or uses a placeholder nothing fills."""

    default_hint = "fix the named file under prompts/"


def _fields(text: str, source: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise PromptError(f"{source}: malformed placeholder ({exc})") from None


def _check(text: str, allowed: set[str], source: str) -> str:
    unknown = _fields(text, source) - allowed
    if unknown:
        raise PromptError(f"{source}: unknown placeholder(s) {sorted(unknown)}; "
                          f"this file may use {sorted(allowed) or 'none'}")
    return text


@dataclass(frozen=True)
class Prompts:
    """Every prompt and phrase, in both languages."""

    templates: dict[str, dict[str, str]]  # name -> lang -> text
    phrases: dict[str, dict[str, str]]  # name -> lang -> text

    def phrase(self, name: str, lang: str, **values: str) -> str:
        """A fixed phrase in ``lang``, its placeholders filled."""
        return self.phrases[name][lang].format(**values)

    def template(self, name: str, lang: str) -> str:
        """A prompt template's text in ``lang``."""
        return self.templates[name][lang]

    def refusal(self, lang: str) -> str:
        """The one refusal phrase of ``lang``."""
        return self.phrases["refusal"][lang]


def load_prompts(folder: Path) -> Prompts:
    """Read and check ``prompts/``; raises PromptError naming the file at fault."""
    templates: dict[str, dict[str, str]] = {}
    for name, allowed in _TEMPLATES.items():
        templates[name] = {}
        for lang in LANGS:
            path = folder / f"{name}.{lang}.txt"
            if not path.exists():
                raise PromptError(f"{path}: no such prompt file")
            templates[name][lang] = _check(path.read_text(encoding="utf-8"), allowed, str(path))
    path = folder / "phrases.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise PromptError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    phrases: dict[str, dict[str, str]] = {}
    for name, allowed in _PHRASES.items():
        entry = raw.get(name)
        if not isinstance(entry, dict) or any(not entry.get(lang) for lang in LANGS):
            raise PromptError(f"{path}: {name!r} needs a zh and an en phrase")
        phrases[name] = {lang: _check(entry[lang], allowed, f"{path} ({name}.{lang})")
                         for lang in LANGS}
    return Prompts(templates, phrases)
