"""Prompt files and fixed phrases, loaded and checked once at start-up.

``prompts/`` holds every sentence a user reads that the code does not take
from the law itself:

- the LLM prompts (``answer``, ``condense`` and ``check``, each ``.zh.txt`` and
  ``.en.txt``; ``anticipate`` and ``unaddressed``, whose language is that of the
  questions they ask for);
- ``phrases.json``: the wording of answers and verdicts, one phrase per
  language (the refusal, lead lines, the "no such article" sentences, the
  check's explanations), defined once and used by the answerers, the parser of
  LLM output, the checker and the eval;
- ``interface.json``: the words of the surfaces as they are shown (the page's
  labels, messages and cards, Chinese and English side by side; the headings of
  /v1 replies; the MCP server's instructions and tool descriptions; the column
  headings of the Word export).

Error messages and their hints are not here: they are English diagnostics that
live with the condition they name (``errors.py``). A missing entry, or a
placeholder an entry may not use, is an error naming the file.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TiaoliError

LANGS = ("zh", "en")

# The placeholders each file may use.
_TEMPLATES = {
    "answer": {"title_zh", "title_en", "refusal", "context", "question"},
    "condense": {"history", "question"},
    "check": {"title_zh", "title_en", "context", "statement"},
    # tiaoli index anticipate: questions in the file's language (anticipate.py).
    "anticipate": {"title_zh", "title_en", "count", "paragraphs"},
    "unaddressed": {"title_zh", "title_en", "count", "outline", "examples"},
}
_PHRASES = {
    "refusal": set(), "lead": {"label"}, "related_intro": set(), "list_intro": set(),
    "fallback": {"reason"}, "removed_citation": {"label"},
    # Used when several regulations are loaded (labels then carry the title).
    "lead_titled": {"label"}, "refusal_library": set(),
    "ambiguous": {"label", "titles", "example"},
    # A question about a regulation itself (its purpose, its date) naming none of several.
    "ambiguous_itself": {"count", "titles", "example"},
    # A reference to an article that does not exist, after the refusal phrase.
    "missing_article": {"refusal", "regulation", "label", "count"},
    "missing_everywhere": {"refusal", "label", "count"},
    # The same, before the answer to the rest of a question that named it.
    "missing_article_answered": {"regulation", "label", "count"},
    "missing_everywhere_answered": {"label", "count"},
    "this_regulation": set(), "named_regulation": {"title"}, "listed_regulation": {"title"},
    "list_separator": set(),
    # After the first regulations named, when there are more: how many in all.
    "listed_more": {"count"},
    # The lead of a yes/no answer, by the cited provision's modal word (modality.py).
    "yes_permit": set(), "yes_encourage": set(), "yes_support": set(), "yes_require": set(),
    # The checker's explanations, and the names of the elements a statement changed.
    "check_not_stated": {"reason"}, "check_not_stated_library": {"reason"},
    "check_partly": {"label", "segment", "elements"}, "check_supported": {"label", "segment"},
    "check_contradicted": {"label", "segment", "elements"},
    "check_contradicted_note": {"note", "elements"},
    "check_contradicted_articles": {"count", "said"},
    "element_actor": set(), "element_modality": set(), "element_scope": set(),
    "element_list": set(), "element_polarity": set(), "element_figure": set(),
    # A figure the regulation states, shown beside the one a statement got wrong.
    "figure_date": {"year", "month", "day"}, "figure_list": {"count", "items"},
    "figure_articles": {"count"}, "figure_paragraphs": {"count"},
}

# interface.json: each section's entries and the placeholders each may use. Entries
# not named in _FILLED take none; "examples" is a list of example questions.
_INTERFACE_KEYS = {
    "page": """header lang_auto lang_zh lang_en examples tab_ask conversation
        question_placeholder send clear answer_language all_regulations regulation
        examples_label feedback_placeholder helpful wrong empty_question no_answer_yet
        internal_error
        cards_which_title cards_which_note cards_related_title cards_refused_note
        cards_refused_note_library cards_cited_title copy why_this official_chinese
        english_rendering
        tab_regulation go_to_article go tab_compare compare_intro article_or_paragraph
        compare_button candidate flag_omission flag_addition compare_clean col_official
        col_ours col_candidate col_similarity col_flags tab_check check_intro statement
        statement_placeholder check_button verdict_supported verdict_partly_supported
        verdict_contradicted differences_title col_element col_statement_says
        col_provision_says el_polarity el_figure el_actor el_modality el_scope el_list
        verdict_not_stated tab_glossary find_term col_zh col_en col_note downloads
        download_tmx download_xliff download_docx download_json download_tbx
        compare_all_title compare_all_intro compare_all_text compare_all_button
        compare_all_clean col_article col_omissions col_additions col_terms col_numbers
        missing_article inconsistent_title""".split(),
    "v1": ["sources", "related"],
    "mcp": ["instructions", "check_statement", "glossary_lookup"],
    "export": ["docx_provision", "docx_zh", "docx_en"],
}
_FILLED = {
    "page": {"title": {"subtitle"}, "subtitle_library": {"count"},
             "subtitle": {"title_zh", "title_en"}, "feedback_recorded": {"ident"},
             "mode": {"mode"}, "searched": {"searched"},
             "no_such_article": {"count", "first", "last"},
             "no_such_article_titled": {"title_zh", "title_en", "count", "first", "last"},
             "flag_term": {"terms"}, "flag_number": {"numbers"},
             "compare_flagged": {"count"}, "also": {"variants"},
             "compare_all_flagged": {"count"}, "extra_articles": {"articles"}},
    "v1": {},
    "mcp": {"several": {"listing"}, "search_regulation": {"several"},
            "get_article": {"count", "several"}, "ask": {"several"},
            "compare_rendering": {"several"}},
    "export": {},
}
_LISTS = {("page", "examples")}


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
    # interface.json: section -> entry -> text (or, for "examples", a list of texts)
    interface: dict[str, dict[str, str | list[str]]] = field(default_factory=dict)

    def phrase(self, name: str, lang: str, **values: str) -> str:
        """A fixed phrase in ``lang``, its placeholders filled."""
        return self.phrases[name][lang].format(**values)

    def template(self, name: str, lang: str) -> str:
        """A prompt template's text in ``lang``."""
        return self.templates[name][lang]

    def refusal(self, lang: str) -> str:
        """The one refusal phrase of ``lang``."""
        return self.phrases["refusal"][lang]

    def text(self, section: str, name: str, **values: object) -> str:
        """An entry of interface.json (``page``, ``v1`` or ``mcp``), placeholders filled."""
        entry = self.interface[section][name]
        if not isinstance(entry, str):
            raise TypeError(f"interface.json {section}.{name} is a list: use texts()")
        return entry.format(**values)

    def texts(self, section: str, name: str) -> list[str]:
        """An entry of interface.json that is a list (the page's example questions)."""
        entry = self.interface[section][name]
        return [entry] if isinstance(entry, str) else list(entry)


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
    raw = _read_json(path)
    phrases: dict[str, dict[str, str]] = {}
    for name, allowed in _PHRASES.items():
        entry = raw.get(name)
        if not isinstance(entry, dict) or any(not entry.get(lang) for lang in LANGS):
            raise PromptError(f"{path}: {name!r} needs a zh and an en phrase")
        phrases[name] = {lang: _check(entry[lang], allowed, f"{path} ({name}.{lang})")
                         for lang in LANGS}
    return Prompts(templates, phrases, _load_interface(folder / "interface.json"))


def _read_json(path: Path) -> dict[str, object]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise PromptError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise PromptError(f"{path}: not a JSON object")
    return raw


def _load_interface(path: Path) -> dict[str, dict[str, str | list[str]]]:
    """Read and check interface.json: every entry present, no placeholder it may not use."""
    raw = _read_json(path)
    out: dict[str, dict[str, str | list[str]]] = {}
    for section, plain in _INTERFACE_KEYS.items():
        entries = raw.get(section)
        if not isinstance(entries, dict):
            raise PromptError(f"{path}: no {section!r} section")
        allowed = {**{name: set[str]() for name in plain}, **_FILLED[section]}
        unknown = sorted(set(entries) - set(allowed) - {"_comment"})
        if unknown:
            raise PromptError(f"{path}: unknown {section} entries {unknown}; the code uses "
                              f"{sorted(allowed)}")
        out[section] = {}
        for name, fields in allowed.items():
            value = entries.get(name)
            where = f"{path} ({section}.{name})"
            if (section, name) in _LISTS:
                if not (isinstance(value, list) and value
                        and all(isinstance(v, str) and v for v in value)):
                    raise PromptError(f"{where}: needs a list of texts")
                out[section][name] = [_check(v, fields, where) for v in value]
            elif not isinstance(value, str) or not value:
                raise PromptError(f"{where}: missing or empty")
            else:
                out[section][name] = _check(value, fields, where)
    return out
