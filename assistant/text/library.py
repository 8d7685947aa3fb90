"""Several regulations at once: every folder under ``corpus/`` is one regulation.

The library is what the index covers and what the retriever searches. With
one regulation loaded, labels are the plain 第十七条 / Article 17 they have
always been; with several, every label carries the regulation's short title
(《山东省先进制造业促进条例》第十七条 / Article 17 of the Shandong Regulations
on Promoting Advanced Manufacturing), so no citation is ambiguous.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import CorpusError, UsageError
from .corpus import (
    ANTICIPATED_FILE,
    EN_FILE,
    UNADDRESSED_FILE,
    ZH_FILE,
    Regulation,
    load_regulation,
)
from .glossary import GLOSSARY_FILE, Term, load_glossary
from .numerals import label_en, label_zh

LabelLang = Literal["zh", "en"]


class AmbiguousRegulationError(UsageError):
    """Several regulations are loaded and the request does not say which one it means."""


def regulation_folders(corpus_dir: Path) -> list[Path]:
    """The regulation folders under ``corpus_dir``, sorted by name (hidden folders skipped).

    Raises CorpusError when the folder is missing, holds no regulation, or
    holds a folder without the official text.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: no such folder",
                          "set TIAOLI_CORPUS_DIR to the folder holding the regulations")
    folders = sorted(p for p in corpus_dir.iterdir()
                     if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in folders:
        if not (folder / ZH_FILE).is_file():
            raise CorpusError(f"{folder}: no {ZH_FILE} (every folder under {corpus_dir} is a "
                              "regulation)", f"put the official Chinese text in {folder / ZH_FILE}"
                              " or move the folder out")
    if not folders:
        raise CorpusError(f"{corpus_dir}: no regulation folder in it",
                          f"add a folder holding {ZH_FILE} (and optionally {EN_FILE})")
    return folders


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The files of every regulation that shape the index (texts, glossaries and
    anticipated and unaddressed questions)."""
    return [p for folder in regulation_folders(corpus_dir)
            for p in (folder / ZH_FILE, folder / EN_FILE, folder / GLOSSARY_FILE,
                      folder / ANTICIPATED_FILE, folder / UNADDRESSED_FILE) if p.exists()]


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s《》〈〉<>\"“”]+", "", text)


@dataclass(frozen=True)
class Library:
    """The loaded regulations, in folder order."""

    regulations: tuple[Regulation, ...]
    #: Each regulation's glossary, by regulation id (absent: no glossary).
    glossaries: dict[str, tuple[Term, ...]] = field(default_factory=dict, repr=False)
    #: The folders left out because they could not be read: (folder name, the error).
    skipped: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.regulations:
            raise CorpusError("no regulation loaded", "add a regulation folder to the corpus")
        ids = [r.id for r in self.regulations]
        if len(set(ids)) != len(ids):
            raise CorpusError(f"two regulations share an id: {ids}", "rename one folder")

    @property
    def multiple(self) -> bool:
        """Whether more than one regulation is loaded (labels then carry titles)."""
        return len(self.regulations) > 1

    @property
    def ids(self) -> tuple[str, ...]:
        """The regulation ids (folder names), in order."""
        return tuple(r.id for r in self.regulations)

    def get(self, reg_id: str) -> Regulation:
        """The regulation with this id; UsageError naming the loaded ones otherwise."""
        for reg in self.regulations:
            if reg.id == reg_id:
                return reg
        raise UsageError(f"no regulation {reg_id!r} is loaded", f"choose one of: {self.listing}")

    @property
    def listing(self) -> str:
        """``id (《short title》)`` for each regulation, for messages."""
        return ", ".join(f"{r.id} (《{r.short_zh}》)" for r in self.regulations)

    def choose(self, name: str | None) -> Regulation:
        """The regulation ``name`` means: an id, a title or an alias (None: the only one).

        Raises AmbiguousRegulationError when ``name`` is None and several are
        loaded, UsageError when nothing loaded goes by ``name``.
        """
        if name is None or not name.strip():
            if not self.multiple:
                return self.regulations[0]
            raise AmbiguousRegulationError(
                f"{len(self.regulations)} regulations are loaded; say which one",
                f"pass --regulation (or set TIAOLI_REGULATION) to one of: {self.listing}")
        name = name.strip()
        for reg in self.regulations:
            if reg.id == name or _folded(name) in {_folded(n) for n in reg.names}:
                return reg
        named = self.named_in(name)
        if len(named) == 1:
            return named[0]
        raise UsageError(f"no regulation {name!r} is loaded", f"choose one of: {self.listing}")

    def named_in(self, text: str) -> tuple[Regulation, ...]:
        """The regulations ``text`` names by title or alias, in the order they appear.

        Longer names are matched first, so an alias inside another
        regulation's full title does not count twice.
        """
        folded = _folded(text)
        found: list[tuple[int, Regulation]] = []
        for name, reg in self._folded_names:
            at = folded.find(name)
            if at >= 0:
                found.append((at, reg))
                folded = folded[:at] + "\0" * len(name) + folded[at + len(name):]
        return tuple(dict.fromkeys(reg for _, reg in sorted(found, key=lambda ar: ar[0])))

    @functools.cached_property
    def _folded_names(self) -> list[tuple[str, Regulation]]:
        """Every (folded name, regulation), longest name first."""
        names = [(_folded(n), reg) for reg in self.regulations for n in reg.names]
        return sorted((nr for nr in names if len(nr[0]) >= 2), key=lambda nr: -len(nr[0]))

    def strip_names(self, text: str) -> str:
        """``text`` without the regulation names in it (they would pull every search to the
        articles that repeat the title's words)."""
        names = sorted({n for r in self.named_in(text) for n in r.names}, key=len, reverse=True)
        for name in names:
            text = re.sub(r"《?\s*" + r"\s*".join(map(re.escape, name.split())) + r"\s*》?", " ",
                          text, flags=re.IGNORECASE)
        return re.sub(r"\s+", " ", text).strip()

    def label(self, reg_id: str, article: int, paragraph: int | None = None,
              lang: LabelLang | None = None) -> str:
        """第十七条第二款 / Article 17(2) (both, joined by " | ", when ``lang`` is None),
        with the regulation's short title when several are loaded."""
        if lang is None:
            return (f"{self.label(reg_id, article, paragraph, 'zh')} | "
                    f"{self.label(reg_id, article, paragraph, 'en')}")
        zh = label_zh(article, paragraph) if lang == "zh" else label_en(article, paragraph)
        if not self.multiple:
            return zh
        reg = self.get(reg_id)
        return f"《{reg.short_zh}》{zh}" if lang == "zh" else f"{zh} of the {reg.short_en}"

    def glossary(self) -> tuple[Term, ...]:
        """Every regulation's glossary terms; a term in several counts once (the first)."""
        seen: dict[str, Term] = {}
        for reg in self.regulations:
            for term in self.glossaries.get(reg.id, ()):
                seen.setdefault(term.zh, term)
        return tuple(seen.values())

    def holding(self, article: int, paragraph: int | None = None,
                among: Iterable[Regulation] | None = None) -> list[Regulation]:
        """The regulations (of ``among``, default all) that have this article (and paragraph)."""
        out = []
        for reg in among if among is not None else self.regulations:
            art = next((a for a in reg.articles if a.number == article), None)
            if art is not None and (paragraph is None or 1 <= paragraph <= len(art.paragraphs)):
                out.append(reg)
        return out


def load_library(corpus_dir: Path, skip_broken: bool = False) -> Library:
    """Every regulation under ``corpus_dir``, with its glossary; errors name the file.

    With ``skip_broken``, a folder that cannot be read is left out (its error kept in
    ``Library.skipped``) and the others load; without it, the first such folder stops
    everything, naming itself. When every folder is broken, the first error stands."""
    regs, glossaries, skipped = [], {}, []
    for folder in regulation_folders(corpus_dir):
        try:
            reg = load_regulation(folder)
            glossary = load_glossary(folder)
        except CorpusError as exc:
            if not skip_broken:
                raise CorpusError(exc.message, (exc.hint or "fix it") + "; or leave the folder "
                                  "out with TIAOLI_SKIP_BROKEN=1 (tiaoli index build "
                                  "--skip-broken)") from None
            skipped.append((folder.name, exc.message))
            continue
        glossaries[reg.id] = glossary
        regs.append(reg)
    if not regs and skipped:
        raise CorpusError(f"no regulation could be read: {skipped[0][1]}", "fix the folder")
    return Library(tuple(regs), glossaries, tuple(skipped))
