"""jieba's dictionary read from the lexicon file cuts and tags as the whole dictionary does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.search import lexicon
from assistant.search.lexicon import Lexicon
from assistant.search.sparse import Tokenizers
from assistant.settings import Settings
from assistant.text.library import load_library

ROOT = Path(__file__).resolve().parent.parent


def _texts(settings: Settings) -> list[str]:
    """Every paragraph of the bundled regulation and every Chinese eval question: words
    the glossary adds, words only jieba's HMM finds, figures and Latin letters among Han."""
    library = load_library(settings.corpus_dir)
    texts = [p.zh for reg in library.regulations for a in reg.articles for p in a.paragraphs]
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            question = json.loads(line).get("question", "") if line.strip() else ""
            if any("\u4e00" <= ch <= "\u9fff" for ch in question):
                texts.append(question)
    for path in sorted((ROOT / "tests" / "data" / "regulations").rglob("*.md"))[:12]:
        texts += [line for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip()][:150]
    return texts


def _cuts(tokenizers: Tokenizers, texts: list[str]) -> list[object]:
    return [(tokenizers.zh(t), tokenizers.jieba.lcut(t), tokenizers.jieba.tokenize(t, "search"),
             [(w.word, w.flag) for w in tokenizers.pos.cut(t)]) for t in texts]


def test_the_lexicon_cuts_and_tags_as_the_whole_dictionary(settings: Settings,
                                                          tmp_path: Path) -> None:
    texts = _texts(settings)
    assert len(texts) > 1000
    terms = load_library(settings.corpus_dir).glossary()
    in_memory = Tokenizers(terms)
    stored = Tokenizers(terms, lexicon_dir=tmp_path)
    assert stored.lexicon is not None
    assert _cuts(stored, texts) == _cuts(in_memory, texts)
    # What was read is a small part of the dictionary's 500,000 entries.
    assert len(stored.lexicon.freq) < 200_000


def test_the_file_is_written_once_and_then_only_read(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    first = Lexicon.open(tmp_path)
    assert first is not None
    assert "writing jieba's dictionary" in capsys.readouterr().err
    written = first.path.stat().st_mtime_ns
    again = Lexicon.open(tmp_path)
    assert again is not None
    assert again.path == first.path
    assert again.path.stat().st_mtime_ns == written
    assert capsys.readouterr().err == ""
    assert [p.name for p in tmp_path.iterdir()] == [lexicon.file_name()]  # no temp left


def test_an_unwritable_or_damaged_lexicon_leaves_jieba_its_own_dictionary(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert Lexicon.open(blocked) is None
    assert "cannot write" in caplog.text
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / lexicon.file_name()).write_bytes(b"not sqlite")
    assert Lexicon.open(damaged) is None
    assert "cannot read" in caplog.text
    tokenizers = Tokenizers((), lexicon_dir=damaged)
    assert tokenizers.jieba.lcut("企业融资") == ["企业", "融资"]


def test_a_substring_asked_again_is_not_read_twice(tmp_path: Path) -> None:
    lex = Lexicon.open(tmp_path)
    assert lex is not None
    lex.fill("制造业企业")
    assert {"制造业", "企业", "制造"} <= lex.freq.keys()
    asked = set(lex._asked)
    lex.fill("制造业")
    assert lex._asked == asked


def test_importing_posseg_with_a_lexicon_leaves_jiebas_own_tagger_right(tmp_path: Path
                                                                       ) -> None:
    """jieba.posseg's default tagger is built over an empty file; in a fresh process, it
    and a tagger without a lexicon must still tag as jieba does with its dictionary."""
    script = """
import json, sys
from pathlib import Path
from assistant.search.sparse import Tokenizers
t = Tokenizers((), lexicon_dir=Path(sys.argv[1]))
text = "山东省支持先进制造业企业在青岛市租赁工业用地"
ours = [(w.word, w.flag) for w in t.pos.cut(text)]
import jieba, jieba.posseg
default = [(w.word, w.flag) for w in jieba.posseg.cut(text)]
whole = [(w.word, w.flag) for w in Tokenizers(()).pos.cut(text)]
print(json.dumps([ours, default, whole, jieba.dt.dictionary], ensure_ascii=False))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    ours, default, whole, dictionary = json.loads(out)
    import jieba.posseg

    expected = [[w.word, w.flag] for w in jieba.posseg.POSTokenizer(jieba.Tokenizer()).cut(
        "山东省支持先进制造业企业在青岛市租赁工业用地")]
    assert ours == expected
    assert default == expected
    assert whole == expected  # a tagger without a lexicon, after one with
    assert dictionary is None  # jieba's default tokenizer keeps its own dictionary


def test_threads_cutting_at_once_get_what_one_thread_gets(settings: Settings,
                                                         tmp_path: Path) -> None:
    """The page answers questions on several threads over one lexicon: a thread must never
    cut a text while another is still reading the words it needs."""
    from concurrent.futures import ThreadPoolExecutor

    texts = _texts(settings)[:600]
    terms = load_library(settings.corpus_dir).glossary()
    whole = Tokenizers(terms)
    expected = [whole.zh(t) for t in texts]
    shared = Tokenizers(terms, lexicon_dir=tmp_path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(shared.zh, texts))
    assert got == expected
