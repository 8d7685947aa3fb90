"""Sparse retrieval: BM25 (bm25s) over jieba tokens for Chinese, stemmed words for English.

The glossary shapes both sides: its Chinese terms are a jieba user dictionary
(so 专精特新 and 链长制 stay whole), and it carries terms across languages —
an English question naming "industrial chain leader system" also searches
the Chinese text for 链长制, and the other way round.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..text.glossary import Term
from ..text.script import HAN_RUN, has_han, is_all_han
from .chunking import Chunk, Lang
from .lexicon import Lexicon

_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NAME_TAGS = frozenset({"nr", "ns", "nt", "nz"})


class Tagger:
    """jieba's part-of-speech tagger over our tokenizer, built at its first ``cut``.

    A search in English never needs it (an answer may, to read a Chinese provision's
    list of items). Its word tags are jieba.posseg's own default tagger's (the same
    dictionary), or, with a lexicon, the lexicon's, read on demand: importing
    jieba.posseg then reads no dictionary at all (``_import_posseg``).
    """

    def __init__(self, tokenizers: Tokenizers) -> None:
        self._tokenizers = tokenizers
        self._tagger: Any = None

    def cut(self, text: str) -> Any:
        """(word, flag) pairs of ``text``, as jieba.posseg's ``cut`` gives them."""
        if self._tagger is None:
            with self._tokenizers.setting_up:  # once, whichever thread asks first
                if self._tagger is None:
                    self._tagger = self._build()
        self._tokenizers.jieba.fill(text)
        return self._tagger.cut(text)

    def _build(self) -> Any:
        lexicon = self._tokenizers.lexicon
        posseg = _import_posseg(lexicon)
        tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
        tagger.tokenizer = self._tokenizers.jieba.tokenizer
        if lexicon is not None:
            tagger.word_tag_tab = lexicon.tags
        else:  # the default tagger's table, as a plain dict: read once, shared
            table = posseg.dt.word_tag_tab
            if isinstance(table, _TagsWhenAsked):
                posseg.dt.word_tag_tab = table = table.whole()
            tagger.word_tag_tab = table
        return tagger


def _import_posseg(lexicon: Lexicon | None) -> Any:
    """jieba.posseg, imported. Its import builds a default tagger that reads the 350,000
    lines of jieba's dictionary for their tags (~0.6 s); with a lexicon holding those
    tags, that tagger is pointed at an empty file while it is built, and its tags are
    read only if something asks it for one (our tagger asks the lexicon)."""
    import jieba

    if lexicon is None or "jieba.posseg" in sys.modules:
        import jieba.posseg

        return jieba.posseg
    dictionary = jieba.dt.dictionary
    jieba.dt.dictionary = os.devnull
    try:
        import jieba.posseg
    finally:
        jieba.dt.dictionary = dictionary
    jieba.posseg.dt.word_tag_tab = _TagsWhenAsked(jieba.posseg.dt)
    return jieba.posseg


class _TagsWhenAsked(dict):  # type: ignore[type-arg]
    """jieba.posseg's default tagger's word tags, read from its dictionary the first
    time anything asks for one (whoever else in the process tags with it, or a
    Tagger without a lexicon), not when jieba.posseg is imported."""

    def __init__(self, tagger: Any) -> None:
        super().__init__()
        self._tagger: Any = tagger

    def whole(self) -> dict[str, str]:
        """Every tag, read now if not yet, as a plain dict."""
        self._read()
        return dict(self)

    def _read(self) -> None:
        if self._tagger is not None:
            import jieba.posseg

            tagger, self._tagger = self._tagger, None
            table = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
            table.load_word_tag(tagger.tokenizer.get_dict_file())
            super().update(table.word_tag_tab)

    def get(self, key: Any, default: Any = None) -> Any:
        self._read()
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._read()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._read()
        return super().__contains__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._read()
        super().update(*args, **kwargs)


def _stopwords(name: str) -> frozenset[str]:
    text = resources.files("assistant").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


#: Bump when tokens() changes in a way the fingerprint cannot see.
TOKENS_VERSION = 1


class Cutter:
    """A jieba Tokenizer's cutting methods, each reading the lexicon's words for the text
    first (``Lexicon.fill``); without a lexicon, jieba's as they are."""

    def __init__(self, tokenizer: Any, lexicon: Lexicon | None) -> None:
        self.tokenizer = tokenizer
        self.fill = lexicon.fill if lexicon is not None else _nothing

    def lcut(self, text: str) -> list[str]:
        """jieba's ``lcut``: the words of ``text``."""
        self.fill(text)
        return self.tokenizer.lcut(text)  # type: ignore[no-any-return]

    def lcut_for_search(self, text: str) -> list[str]:
        """jieba's ``lcut_for_search``: words and their dictionary sub-words."""
        self.fill(text)
        return self.tokenizer.lcut_for_search(text)  # type: ignore[no-any-return]

    def tokenize(self, text: str, mode: str = "default") -> list[tuple[str, int, int]]:
        """jieba's ``tokenize``: (word, start, end) of each word."""
        self.fill(text)
        return list(self.tokenizer.tokenize(text, mode=mode))


def _nothing(text: str) -> None:
    """What filling is without a lexicon: jieba's dictionary is all in memory."""


class Tokenizers:
    """Chinese and English tokenizers sharing one glossary; built once.

    jieba is set up the first time Chinese text is cut, not before: the index stores
    the tokens of every text it holds (``table``, ``remember``), so start-up builds
    BM25 without cutting anything. With ``lexicon_dir`` (a question's start), jieba's
    dictionary is read from the lexicon there a text at a time (``lexicon.py``)
    instead of whole (~0.6-1.5 s); without it (an index build, which cuts every
    text), whole, as jieba does.
    """

    def __init__(self, terms: Sequence[Term], lexicon_dir: Path | None = None) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self._stemmer = Stemmer.Stemmer("english")
        self._zh_stop = _stopwords("stopwords.zh.txt")
        self._en_stop = frozenset(STOPWORDS_EN) | _stopwords("stopwords.en.txt")
        self.terms = tuple(terms)
        self._jieba: Cutter | None = None
        self._lexicon_dir = lexicon_dir
        self._lexicon: Lexicon | None = None
        self.setting_up = threading.RLock()  # jieba, the lexicon, the tagger: once each
        self.pos = Tagger(self)
        self._known: dict[Lang, dict[str, list[str]]] = {"zh": {}, "en": {}}
        self._en_forms = [(t, [self.en_words(form) for form in t.english_forms]) for t in terms]

    @property
    def jieba(self) -> Cutter:
        """jieba's tokenizer with the glossary's Chinese terms as its user dictionary (its
        cutting methods, through the lexicon when there is one). Set up once, whichever
        thread asks first."""
        if self._jieba is None:
            with self.setting_up:
                if self._jieba is None:
                    self._jieba = self._set_up()
        return self._jieba

    def _set_up(self) -> Cutter:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        lexicon = self.lexicon
        if lexicon is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
        else:
            tokenizer = lexicon.tokenizer()
        cutter = Cutter(tokenizer, lexicon)
        for term in self.terms:
            if is_all_han(term.zh):
                cutter.fill(term.zh)  # its prefixes' counts, before add_word reads them
                tokenizer.add_word(term.zh, freq=100_000)
        return cutter

    @property
    def lexicon(self) -> Lexicon | None:
        """jieba's dictionary as a file read on demand (``lexicon.py``), opened (and written
        the first time) in ``lexicon_dir``; None without one."""
        with self.setting_up:
            if self._lexicon is None and self._lexicon_dir is not None:
                self._lexicon = Lexicon.open(self._lexicon_dir)
                self._lexicon_dir = None  # tried once, whatever came of it
        return self._lexicon

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the tokens depend on: jieba's version, the glossary's Chinese terms, the
        stopwords and TOKENS_VERSION. Stored tokens with another fingerprint are ignored."""
        import hashlib
        from importlib.metadata import version

        digest = hashlib.sha256()
        for part in (str(TOKENS_VERSION), version("jieba"), version("PyStemmer"),
                     *sorted(t.zh for t in self.terms if is_all_han(t.zh)), "\0",
                     *sorted(self._zh_stop), "\0", *sorted(self._en_stop)):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def table(self, texts: Mapping[Lang, Sequence[str]]) -> dict[str, object]:
        """The tokens of ``texts`` (and of the glossary's terms), to be stored in the index
        and handed back to ``remember`` at start."""
        out: dict[str, object] = {"fingerprint": self.fingerprint}
        for lang in ("zh", "en"):
            wanted = [*texts.get(lang, ()),
                      *((t.zh for t in self.terms) if lang == "zh" else (t.en for t in self.terms))]
            out[lang] = {text: self.tokens(text, lang) for text in dict.fromkeys(wanted)}
        return out

    def remember(self, table: dict[str, object]) -> bool:
        """Take the tokens of a ``table`` made with this fingerprint (False: ignored)."""
        if table.get("fingerprint") != self.fingerprint:
            return False
        for lang in ("zh", "en"):
            known = table.get(lang)
            if isinstance(known, dict):
                self._known[lang].update(known)
        return True

    def en_terms_found(self, text: str) -> list[tuple[Term, str]]:
        """The glossary terms English ``text`` contains, each with the words of ``text``
        (stopwords aside) that matched its first matching form."""
        words = self.en_words(text)
        found = []
        for term, forms in self._en_forms:
            for form in forms:
                at = find_form(words, form)
                if at is not None:
                    found.append((term, " ".join(w for w, _ in words[at:at + len(form)])))
                    break
        return found

    def zh(self, text: str) -> list[str]:
        """jieba search-mode tokens (words and sub-words), minus stopwords and punctuation."""
        known = self._known["zh"].get(text)
        if known is not None:
            return list(known)
        text = unicodedata.normalize("NFKC", text).lower()
        return [tok for tok in self.jieba.lcut_for_search(text)
                if tok.strip() and tok not in self._zh_stop
                and (has_han(tok) or tok.isalnum())]

    def en(self, text: str) -> list[str]:
        """Lower-cased, stemmed English words minus stopwords."""
        known = self._known["en"].get(text)
        if known is not None:
            return list(known)
        return [stem for _, stem in self.en_words(text)]

    def en_words(self, text: str) -> list[tuple[str, str]]:
        """Each English word of ``text`` that is not a stopword, lower-cased, with its stem."""
        words = _WORD_RE.findall(unicodedata.normalize("NFKC", text).lower().replace("’", "'"))
        kept = [w for w in (w.split("'")[0] for w in words) if w not in self._en_stop]
        return [(w, s) for w, s in zip(kept, self._stemmer.stemWords(kept), strict=True) if s]

    def tokens(self, text: str, lang: Lang) -> list[str]:
        """Tokens of ``text`` read as ``lang``."""
        return self.zh(text) if lang == "zh" else self.en(text)

    def names(self, text: str) -> list[str]:
        """The proper names jieba finds in Chinese ``text`` (people, places,
        organisations, other proper nouns: tags nr, ns, nt, nz)."""
        return [w.word for w in self.pos.cut(text)
                if w.flag in _NAME_TAGS and len(w.word) >= 2]

    def terms_in(self, text: str, lang: Lang) -> list[Term]:
        """The glossary terms ``text`` contains, matched in its own language."""
        if lang == "zh":
            norm = unicodedata.normalize("NFKC", text)
            return [t for t in self.terms if unicodedata.normalize("NFKC", t.zh) in norm]
        return [t for t, _ in self.en_terms_found(text)]

    def across(self, text: str, lang: Lang, skip: frozenset[str] = frozenset()) -> list[str]:
        """Tokens in the other language for the glossary terms ``text`` contains.

        A Chinese question containing 链长制 yields the stemmed words of
        "chain leader system"; an English question containing those words
        yields 链长制's jieba tokens. Terms whose Chinese is in ``skip`` are
        left out. Empty when no term matches.
        """
        out: list[str] = []
        for term in self.terms_in(text, lang):
            if term.zh not in skip:
                out += self.en(term.en) if lang == "zh" else self.zh(term.zh)
        return out


def bigrams(text: str) -> list[str]:
    """The character bigrams of the Chinese runs of ``text``."""
    runs = HAN_RUN.findall(unicodedata.normalize("NFKC", text))
    return [run[i:i + 2] for run in runs for i in range(len(run) - 1)]


def find_form(words: Sequence[tuple[str, str]], form: Sequence[tuple[str, str]]) -> int | None:
    """Where ``words`` (``Tokenizers.en_words``) hold the glossary form ``form`` as a run,
    or None: the same stems, each word written close to the form's (an inflection, not
    another word with the same stem: "chains" for "chain", never "factor" for
    "factoring")."""
    n = len(form)
    return next((i for i in range(len(words) - n + 1) if n and all(
        s == fs and _close(w, fw) for (w, s), (fw, fs) in zip(words[i:i + n], form,
                                                              strict=True))), None)


def _close(a: str, b: str) -> bool:
    """Two spellings of one word: equal, or sharing all but the last letter of the
    shorter and at most two letters apart in length (industry/industries)."""
    if a == b:
        return True
    short = min(len(a), len(b))
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), short)
    return abs(len(a) - len(b)) <= 2 and common >= short - 1


#: In a stored BM25 index's folder: the positions of the chunks it covers.
POSITIONS = "positions.json"


@dataclass
class SparseIndex:
    """BM25 over the chunks of one language."""

    lang: Lang
    positions: list[int]  # chunk positions (in the vector index's order) this BM25 covers
    _bm25: object
    vocabulary: frozenset[str] = frozenset()  # every token the index holds

    @staticmethod
    def positions_of(chunks: Sequence[Chunk], lang: Lang, provisions_only: bool = False
                     ) -> list[int]:
        """The positions of the chunks a ``lang`` index covers."""
        return [i for i, c in enumerate(chunks) if c.lang == lang and c.searchable
                and (c.is_provision or not provisions_only)]

    @classmethod
    def build(cls, chunks: Sequence[Chunk], lang: Lang, tokenizers: Tokenizers,
              by_bigrams: bool = False, provisions_only: bool = False) -> SparseIndex:
        """Tokenise and index every chunk in ``lang`` (Chinese character bigrams instead
        of words with ``by_bigrams``; only the text, not anticipated questions, with
        ``provisions_only``). Positions stay those of ``chunks``."""
        import bm25s

        positions = cls.positions_of(chunks, lang, provisions_only)
        corpus = [(bigrams(chunks[i].text) if by_bigrams else tokenizers.tokens(
            chunks[i].text, lang)) or ["\0"] for i in positions]
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        return cls(lang, positions, bm25, frozenset(t for doc in corpus for t in doc))

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` (bm25s's own files, and the chunk positions)."""
        folder.mkdir(parents=True)
        self._bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]
        (folder / POSITIONS).write_text(json.dumps(self.positions) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, lang: Lang, positions: list[int]) -> SparseIndex | None:
        """The index ``save`` wrote to ``folder``, when it covers exactly ``positions`` and
        this version of bm25s wrote it; else None (the caller builds it)."""
        import bm25s

        try:
            if json.loads((folder / POSITIONS).read_text(encoding="utf-8")) != positions:
                return None
            params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
            if params.get("version") != bm25s.__version__:  # another bm25s wrote it
                return None
            bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # bm25s adds "" to every vocabulary; no text has it as a token.
        return cls(lang, positions, bm25, frozenset(t for t in bm25.vocab_dict if t))

    def search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) of the best ``k`` chunks with a positive score."""
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens))  # type: ignore[attr-defined]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.positions[int(i)], float(scores[i])) for i in order if scores[i] > 0]
