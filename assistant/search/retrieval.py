"""Hybrid bilingual retrieval: article references ▸ dense ▸ BM25 ▸ rank fusion.

A question is searched three ways at once: densely over every chunk in both
languages (one multilingual embedding), with BM25 over the chunks in its own
language, and with BM25 over the other language's chunks using the glossary's
translation of the terms it contains. The ranked lists are fused by
reciprocal rank at the article level; each article keeps its best-matching
paragraphs. An explicit article reference (第三条, Art. 17(2)) short-circuits
the search and always comes first.

With several regulations loaded, articles are keyed by (regulation, number).
A question that names a regulation (by title or alias) is searched within
it; a reference that names none goes to every regulation holding that
article, and ``ambiguous`` says so, so that the assistant can ask which.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import UsageError
from ..text.corpus import Regulation
from ..text.frames import asked_frames, frame_articles
from ..text.library import Library
from ..text.references import find_references
from ..text.script import HAN, has_han
from .chunking import Chunk, Lang
from .embeddings import TiaoliEmbeddings
from .sparse import SparseIndex, Tokenizers, bigrams
from .store import VectorIndex

Mode = Literal["hybrid", "dense", "bm25"]
#: Longer search texts are refused: a search is for a question, not a document.
MAX_QUERY_CHARS = 5000
#: How many chunks each ranking passes to fusion. Past a few hundred, a chunk's
#: reciprocal rank no longer moves an article; the bundled regulation has 122.
RANK_DEPTH = 300
#: A glossary term in more than this share of articles is too common to search across languages.
COMMON_TERM_SHARE = 0.25

#: In a stored BM25 folder (``SparseIndexes.save``): the Chinese chunks' bigram index,
#: and the fingerprint of the tokens the indexes were built from.
BIGRAMS = "zh-bigrams"
FINGERPRINT = "fingerprint.txt"
# The document naming itself ("does the regulation…", 本条例是否…) pulls every
# question toward the articles that contain those words (the first and last).
_SELF_REFERENCE = re.compile(
    r"(?:本|这部|这个|该)?(?:条例|办法)|\b(?:the|these|this)\s+(?:regulations?|rules?|law)\b",
    re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# What a regulation is called at the end of its name, in each language.
_TITLE_HEAD_ZH = re.compile(r"(?:条例|法典|办法|规定|细则|法)$")
_TITLE_HEAD_EN = re.compile(r"regulations?|regs|rules|law|code|measures")
_DETERMINERS = frozenset({"the", "these", "this", "its", "our", "of", "on", "for"})


@dataclass(frozen=True)
class ParagraphScore:
    """A paragraph of a hit and how well it matched."""

    number: int
    score: float


@dataclass(frozen=True)
class Hit:
    """An article found for a question, with its paragraphs best first."""

    regulation: str
    article: int
    score: float
    paragraphs: tuple[ParagraphScore, ...]
    referenced: bool = False  # named in the question (第十七条 / Article 17)


def normalize(question: str) -> str:
    """The text as searched: control characters out, NFKC (full-width letters and
    digits to ASCII), traditional Chinese to simplified, whitespace collapsed."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in question)
    text = unicodedata.normalize("NFKC", text)
    if has_han(text):
        text = _to_simplified()(text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=1)
def _to_simplified() -> Callable[[str], str]:
    """OpenCC's traditional-to-simplified converter, made on first use."""
    import opencc

    converter = opencc.OpenCC("t2s")
    return converter.convert


def dense_query(question: str) -> str:
    """The question as embedded: without the words naming the regulation itself."""
    stripped = re.sub(r"\s+", " ", _SELF_REFERENCE.sub(" ", question)).strip()
    return stripped if len(stripped) >= 2 else question


def detect_lang(text: str) -> Lang:
    """'zh' when Chinese characters outnumber twice the Latin words (a word is ~2 characters).

    "第十七条 what" is Chinese; "Is 专精特新 defined?" is English quoting a term.
    """
    cjk = len(HAN.findall(text))
    return "zh" if cjk and cjk > 2 * len(_LATIN_WORD.findall(text)) else "en"


Key = tuple[str, int]  # (regulation id, article number)
Ref = tuple[str, int, int | None]  # (regulation id, article, paragraph)


@dataclass(frozen=True)
class SparseIndexes:
    """The BM25 indexes fusion reads: one per language the chunks have, and the Chinese
    chunks' character bigrams (searched only for names, see ``ranked_lists``)."""

    by_lang: dict[Lang, SparseIndex]
    name_bigrams: SparseIndex | None

    @classmethod
    def build(cls, chunks: Sequence[Chunk], tokenizers: Tokenizers,
              provisions_only: bool = False) -> SparseIndexes:
        """Index ``chunks`` (only the text, with ``provisions_only``)."""
        by_lang: dict[Lang, SparseIndex] = {
            lang: SparseIndex.build(chunks, lang, tokenizers, provisions_only=provisions_only)
            for lang in ("zh", "en") if any(c.lang == lang for c in chunks)}
        grams = (SparseIndex.build(chunks, "zh", tokenizers, by_bigrams=True,
                                   provisions_only=provisions_only)
                 if "zh" in by_lang else None)
        return cls(by_lang, grams)

    def save(self, folder: Path, fingerprint: str) -> None:
        """Write every index under ``folder`` with the tokens' ``fingerprint``
        (``Tokenizers.fingerprint``), for ``load`` at start."""
        folder.mkdir(parents=True)
        for lang, index in self.by_lang.items():
            index.save(folder / lang)
        if self.name_bigrams is not None:
            self.name_bigrams.save(folder / BIGRAMS)
        (folder / FINGERPRINT).write_text(fingerprint + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, chunks: Sequence[Chunk], tokenizers: Tokenizers
             ) -> SparseIndexes | None:
        """The indexes ``save`` wrote, when they were cut as ``tokenizers`` cut and cover
        ``chunks`` as ``build`` would; else None."""
        try:
            if (folder / FINGERPRINT).read_text(encoding="utf-8").strip() \
                    != tokenizers.fingerprint:
                return None
        except OSError:
            return None
        by_lang: dict[Lang, SparseIndex] = {}
        for lang in ("zh", "en"):
            if not any(c.lang == lang for c in chunks):
                continue
            loaded = SparseIndex.load(folder / lang, lang, SparseIndex.positions_of(chunks, lang))
            if loaded is None:
                return None
            by_lang[lang] = loaded
        grams = None
        if "zh" in by_lang:
            grams = SparseIndex.load(folder / BIGRAMS, "zh", by_lang["zh"].positions)
            if grams is None:
                return None
        return cls(by_lang, grams)


def _texts_holding(words: Iterable[str], texts: Sequence[str]) -> dict[str, int]:
    """How many of ``texts`` hold each of ``words``: found in all of them joined, each
    find counted for the text it falls in (a library has thousands of articles)."""
    joined = "\0".join(texts)
    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    counts: dict[str, int] = {}
    for word in words:
        if not word:
            counts[word] = len(texts)
            continue
        found = 0
        at = joined.find(word)
        while at != -1:
            n = bisect.bisect_right(starts, at) - 1
            found += 1
            at = joined.find(word, starts[n + 1] if n + 1 < len(starts) else len(joined))
        counts[word] = found
    return counts


class HybridRetriever:
    """Finds the articles of the loaded regulations that answer a question, in zh or en."""

    def __init__(self, library: Library, index: VectorIndex,
                 embeddings: TiaoliEmbeddings, tokenizers: Tokenizers, rrf_k: int = 1) -> None:
        self.library = library
        self.index = index
        self.embeddings = embeddings
        self.tokenizers = tokenizers
        self.rrf_k = rrf_k
        self._order = {reg: i for i, reg in enumerate(library.ids)}
        self._titles: dict[str, tuple[re.Pattern[str], set[str]]] = {}
        chunks = index.chunks
        self._provision = [c.is_provision for c in chunks]
        self._searchable = [c.searchable for c in chunks]
        self._unsearchable = self._searchable.count(False)
        #: Whether the index holds anticipated questions (see chunking.py).
        self.has_questions = any(c.kind == "question" for c in chunks)
        tokenizers.remember(index.token_table())  # cut at build time, not at every start
        stored = index.bm25_dir()  # and indexed at build time too, when it matches
        self.sparse = ((SparseIndexes.load(stored, chunks, tokenizers) if stored else None)
                       or SparseIndexes.build(chunks, tokenizers))
        # Terms found in many articles (先进制造业) say nothing about which one is
        # meant; carrying them into the other language only adds noise. Many of whose
        # articles: of the regulation holding the term most often, not of the library
        # (where a term every article of one regulation holds is still rare).
        best: dict[str, tuple[int, int]] = {}  # term -> (articles holding it, articles)
        for reg in library.regulations:
            holding = _texts_holding((t.zh for t in tokenizers.terms),
                                     [a.zh for a in reg.articles])
            for zh, n in holding.items():
                if n > best.get(zh, (0, 1))[0]:
                    best[zh] = (n, len(reg.articles))
        self.common_terms = frozenset(
            zh for zh, (n, of) in best.items() if n > COMMON_TERM_SHARE * of)

    @functools.cached_property
    def _text_sparse(self) -> SparseIndexes:
        """BM25 over the text alone, for searches without the anticipated questions (whose
        words would otherwise still weigh in the text's word statistics)."""
        if not self.has_questions:
            return self.sparse
        return SparseIndexes.build(self.chunks, self.tokenizers, provisions_only=True)

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        """The indexed chunks, in vector order."""
        return self.index.chunks

    def embed(self, question: str) -> np.ndarray:
        """The question's vector, as the dense retriever uses it (1 by dim)."""
        return self.embeddings.encode([dense_query(self._unnamed(normalize(question)))],
                                      query=True)

    def _unnamed(self, text: str) -> str:
        """With several regulations, the question without their names (which only say where
        to look, and are handled by ``scope``); with one searched, also without the words
        by which a question paraphrases its name (``_without_title_words``)."""
        if self.library.multiple:
            text = self.library.strip_names(text) or text
        scope = self.scope(text)
        if len(scope) != 1:
            return text
        stripped = self._without_title_words(text, scope[0])
        return stripped if len(re.sub(r"\W", "", stripped)) >= 2 else text

    def _without_title_words(self, text: str, regulation: Regulation) -> str:
        """``text`` without the runs by which a question names ``regulation`` in its own
        words: its title's words (English, by stem: "Shandong's advanced manufacturing
        promotion regulations") or characters (Chinese: 山东先进制造业条例, 这个条例) ending
        in the word for what it is (regulations, rules, law; 条例, 法典). Such a run says
        which document to look in, not what to look for, and the few articles repeating
        the title (the first and the last) would otherwise outrank the one asked about."""
        chinese, stems = self._title_forms(regulation)
        text = chinese.sub(" ", text)
        words = list(re.finditer(r"[A-Za-z][A-Za-z'’]*", text))
        cut: list[tuple[int, int]] = []
        for i, w in enumerate(words):
            if not _TITLE_HEAD_EN.fullmatch(w.group(0).lower()):
                continue
            j = i  # back over the title's words and articles, in a row
            while j > 0 and text[words[j - 1].end():words[j].start()].strip() == "" and (
                    words[j - 1].group(0).lower() in _DETERMINERS
                    or ((own := self.tokenizers.en(words[j - 1].group(0)))
                        and set(own) <= stems)):
                j -= 1
            cut.append((words[j].start(), w.end()))
        for start, end in reversed(cut):
            text = text[:start] + " " + text[end:]
        return re.sub(r"\s+([?.!,;:])", r"\1", re.sub(r"\s+", " ", text)).strip()

    def _title_forms(self, regulation: Regulation) -> tuple[re.Pattern[str], set[str]]:
        """A regulation's name in a question's words: the Chinese run (pattern) and the
        English title's stems."""
        found = self._titles.get(regulation.id)
        if found is None:
            names = regulation.names
            chars = "".join(sorted({c for n in names for c in n if HAN.match(c)} - set(r"的和")))
            # 法 alone is in too many words (违法, 人民法院) to end a run of a law's title
            # characters: a law is named by its exact names, or as 本法, 这部法.
            heads = "|".join(sorted({m.group(0) for n in names
                                     if (m := _TITLE_HEAD_ZH.search(n)) and m.group(0) != r"法"},
                                    key=len, reverse=True))
            pattern = (rf"[《“]?(?:本|这部|这个|该|这)?[{chars}]{{0,16}}(?:{heads})[》”]?"
                       if chars and heads else r"(?:本|这部|这个|该)(?:条例|法)")
            found = self._titles[regulation.id] = (
                re.compile(pattern), {t for n in names for t in self.tokenizers.en(n)})
        return found

    def scope(self, text: str, within: str | None = None) -> tuple[Regulation, ...]:
        """The regulations a search covers: ``within``, else those the text names, else all."""
        if within is not None:
            return (self.library.choose(within),)
        if self.library.multiple:
            named = self.library.named_in(text)
            if named:
                return named
        return self.library.regulations

    def ambiguous(self, question: str, within: str | None = None) -> tuple[Regulation, ...]:
        """The regulations an article reference could mean, when it names none and several
        hold the article; () when every reference is clear. A question about the
        regulation itself (its purpose, whom it applies to, when it takes effect:
        text/frames.py) that names none, with several loaded, could mean each that has
        an article saying so."""
        text = normalize(question)
        scope = self.scope(text, within)
        if len(scope) < 2:
            return ()
        holders: list[Regulation] = []
        refs = find_references(text)
        for a, p in refs:
            found = self.library.holding(a, p, scope)
            if len(found) > 1:
                holders += found
        if not refs and not self.library.named_in(text):
            frames = asked_frames(text)
            holders += [r for r in scope if frames and frame_articles(r, frames)]
            if len(holders) < 2:
                return ()
        return tuple(dict.fromkeys(holders))

    def ranked_lists(self, question: str, lang: Lang, mode: Mode,
                     vector: np.ndarray | None = None,
                     depth: int | None = None, questions: bool = True) -> list[list[int]]:
        """The chunk rankings (positions, best first) that fusion combines, each at most
        ``depth`` long (default ``RANK_DEPTH``). Without ``questions``, the anticipated
        questions' chunks are left out (the evaluation shows what they add)."""
        lists: list[list[int]] = []
        n = min(len(self.chunks), depth or RANK_DEPTH)
        sparse = self.sparse if questions or not self.has_questions else self._text_sparse
        if mode in ("dense", "hybrid"):
            if vector is None:
                vector = self.embed(question)
            if questions or not self.has_questions:
                # Unaddressed questions are in the vector index for the scope judge
                # only: ask for as many more and drop them.
                keep = self._searchable
                found = self.index.search(vector, n + self._unsearchable)
            else:
                keep = self._provision
                found = self.index.search(vector, len(self.chunks))
            lists.append([i for i, _ in found if keep[i]][:n])
        if mode in ("bm25", "hybrid"):
            own = sparse.by_lang.get(lang)
            if own is not None:
                tokens = self.tokenizers.tokens(question, lang)
                if lang == "en":
                    # A variant the glossary lists ("chain chief system") also
                    # searches for the English the rendering uses.
                    tokens += [tok for t in self.tokenizers.terms_in(question, lang)
                               for tok in self.tokenizers.en(t.en) if tok not in tokens]
                lists.append([i for i, _ in own.search(tokens, n)])
            if lang == "zh" and own is not None and sparse.name_bigrams is not None:
                # A name jieba does not know is segmented by context (金沙市 → 金 / 沙市,
                # 金沙的 → 金沙), so the question and the provision share no word for
                # it; they share its character bigrams.
                unknown = [w for w in self.tokenizers.names(question)
                           if w not in own.vocabulary]
                if unknown:
                    grams = [b for w in unknown for b in bigrams(w)]
                    lists.append([i for i, _ in sparse.name_bigrams.search(grams, n)])
            other: Lang = "en" if lang == "zh" else "zh"
            across = self.tokenizers.across(question, lang, self.common_terms)
            if across and other in sparse.by_lang:
                lists.append([i for i, _ in sparse.by_lang[other].search(across, n)])
        return [ranking for ranking in lists if ranking]

    def search(self, question: str, k: int = 5, *, lang: Lang | None = None,
               mode: Mode = "hybrid", vector: np.ndarray | None = None,
               within: str | None = None, questions: bool = True) -> list[Hit]:
        """The ``k`` best articles for ``question``; referenced articles first.

        ``mode`` "bm25" or "dense" runs one retriever alone, without fusion or
        reference resolution, so that the evaluation can show what each adds.
        ``within`` (a regulation id, title or alias) limits the search to one
        regulation; otherwise a question naming regulations is searched in them.
        Without ``questions``, only the text is searched, not the anticipated
        questions indexed beside it.

        Raises UsageError for an empty question, a k below 1 or an unknown ``within``.
        """
        text = normalize(question)
        if not text:
            raise UsageError("the question is empty", "ask something, e.g. 第十七条讲什么？")
        if len(text) > MAX_QUERY_CHARS:
            raise UsageError(f"the text to search is {len(text):,} characters long; the limit "
                             f"is {MAX_QUERY_CHARS:,}", "search for one subject at a time")
        if k < 1:
            raise UsageError(f"k must be at least 1, not {k}")
        lang = lang or detect_lang(text)
        scope = self.scope(text, within)
        allowed = None if len(scope) == len(self.library.regulations) else {r.id for r in scope}
        searched = self._unnamed(text)
        # Within some regulations, rank every chunk: the others' chunks are dropped.
        depth = len(self.chunks) if allowed else None
        refs = self._references(text, scope) if mode == "hybrid" else []
        keys = list(dict.fromkeys((r, a) for r, a, _ in refs))
        hits = self._fuse(self.ranked_lists(searched, lang, mode, vector, depth, questions),
                          allowed, keep=k + len(keys), also=set(keys))
        if refs:
            by_key = {(h.regulation, h.article): h for h in hits}
            first = [self._referenced_hit(key, [p for r, a, p in refs if (r, a) == key],
                                          by_key.get(key)) for key in keys]
            named = set(keys)
            hits = first + [h for h in hits if (h.regulation, h.article) not in named]
        return hits[:k]

    def _references(self, text: str, scope: Sequence[Regulation]) -> list[Ref]:
        """References in the question to articles (and paragraphs) that exist, in every
        regulation of ``scope`` that holds them; without any, and with one regulation
        searched, the articles a question about the regulation itself asks for (its
        purpose, whom it applies to, when it takes effect: text/frames.py)."""
        refs: list[Ref] = [(reg.id, a, p) for a, p in find_references(text)
                           for reg in self.library.holding(a, p, scope)]
        if not refs and len(scope) == 1:
            # A question about the regulation itself (frames.py): its purpose, whom it
            # applies to, when it takes effect, answered by the article saying so.
            frames = asked_frames(text, bool(self.library.named_in(text)))
            refs += [(scope[0].id, n, None) for n in frame_articles(scope[0], frames)]
        return refs

    def _referenced_hit(self, key: Key, paragraphs: list[int | None], fused: Hit | None) -> Hit:
        named = [p for p in paragraphs if p is not None]
        count = len(self.library.get(key[0]).article(key[1]).paragraphs)
        rest = [p.number for p in fused.paragraphs] if fused else list(range(1, count + 1))
        order = list(dict.fromkeys([*named, *rest, *range(1, count + 1)]))
        scores = {p.number: p.score for p in fused.paragraphs} if fused else {}
        return Hit(key[0], key[1], 1.0,
                   tuple(ParagraphScore(p, 1.0 if p in named else scores.get(p, 0.0))
                         for p in order), referenced=True)

    def _fuse(self, rankings: Sequence[list[int]], allowed: set[str] | None = None,
              keep: int | None = None, also: set[Key] | None = None) -> list[Hit]:
        """Reciprocal-rank fusion of chunk rankings, at the article and paragraph level.

        ``allowed`` (regulation ids) drops the chunks of other regulations before
        ranking. Only the best ``keep`` articles (default all), and those in
        ``also``, are made into hits: with thousands of articles, making the
        rest would cost more than the fusion.
        """
        article_score: dict[Key, float] = {}
        para_score: dict[tuple[str, int, int], float] = {}
        for ranking in rankings:
            seen_articles: set[Key] = set()
            seen_paras: set[tuple[str, int, int]] = set()
            for pos in ranking:
                chunk = self.chunks[pos]
                if allowed is not None and chunk.regulation not in allowed:
                    continue
                key = (chunk.regulation, chunk.article)
                if key not in seen_articles:
                    seen_articles.add(key)
                    article_score[key] = (article_score.get(key, 0.0)
                                          + 1.0 / (self.rrf_k + len(seen_articles)))
                if chunk.paragraph is not None:
                    pkey = (chunk.regulation, chunk.article, chunk.paragraph)
                    if pkey not in seen_paras:
                        seen_paras.add(pkey)
                        para_score[pkey] = (para_score.get(pkey, 0.0)
                                            + 1.0 / (self.rrf_k + len(seen_paras)))
        top = max(article_score.values(), default=1.0)
        by_article: dict[Key, list[tuple[int, float]]] = {}
        for (reg, a, p), s in para_score.items():
            by_article.setdefault((reg, a), []).append((p, s))
        order = self._order
        ranked = sorted(article_score.items(), key=lambda kv: (-kv[1], order[kv[0][0]], kv[0][1]))
        if keep is not None:
            ranked = ranked[:keep] + [kv for kv in ranked[keep:] if also and kv[0] in also]
        hits = []
        for key, score in ranked:
            paras = sorted(by_article.get(key, []), key=lambda ps: (-ps[1], ps[0]))
            hits.append(Hit(key[0], key[1], score / top,
                            tuple(ParagraphScore(p, s / top) for p, s in paras)))
        return hits


def hit_json(hit: Hit, library: Library, paragraphs: int | None = None) -> dict[str, Any]:
    """A hit as in ``tiaoli search --json``: article, score and its paragraphs with texts;
    with several regulations loaded, also the regulation's id, and labels carry its title."""
    article = library.get(hit.regulation).article(hit.article)
    chosen = hit.paragraphs if paragraphs is None else hit.paragraphs[:paragraphs]
    return {
        **({"regulation": hit.regulation} if library.multiple else {}),
        "article": hit.article,
        "score": round(hit.score, 4),
        "referenced": hit.referenced,
        "label": library.label(hit.regulation, hit.article),
        "paragraphs": [
            {"article": hit.article, "paragraph": p.number,
             "label": library.label(hit.regulation, hit.article, p.number),
             "score": round(p.score, 4), "zh": article.paragraph(p.number).zh,
             "en": article.paragraph(p.number).en}
            for p in chosen
        ],
    }
