"""jieba's dictionary as a file that opens at once, instead of a dict read at every start.

jieba holds its dictionary in memory: about 500,000 words and word prefixes with
their counts (``Tokenizer.FREQ``), unmarshalled from its cache in ~0.6-1.5 s, and
jieba.posseg reads the 350,000 lines of dict.txt again for the part-of-speech tags
(~0.6 s) when it is imported. A question needs a few hundred of those entries.

The lexicon is the same data in one SQLite file: word → count and tag, and the
total count. ``Lexicon.tokenizer`` gives a jieba Tokenizer whose FREQ holds only the
words of the texts it is about to cut (``fill``), so cutting a text gives exactly
the words the in-memory dictionary gives: same data, read a text at a time. The
file is written once, the first time it is missing, from the loaded dictionary; its
name carries jieba's version and the dictionary file's size and time, so another
jieba or dictionary never meets it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import tempfile
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any

#: Bump when what the file holds or how it is laid out changes.
LEXICON_VERSION = 3

log = logging.getLogger(__name__)


class Lexicon:
    """One jieba dictionary in an SQLite file, read a text at a time.

    ``freq`` and ``tags`` are plain dicts, as jieba's own, but they hold only the
    words read so far: ``fill(text)`` adds every word of the dictionary that is a
    substring of ``text``, in a few queries, before jieba cuts it. jieba only ever looks
    up substrings of what it cuts, so it finds there exactly what the whole
    dictionary would give it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not isinstance(meta.get("total"), int):
            raise sqlite3.DatabaseError(f"{path}: no total count")
        self.total: int = meta["total"]
        self.freq: dict[str, int] = {}
        self.tags: dict[str, str] = {}
        self._asked: set[str] = set()  # substrings looked up already, found or not

    def fill(self, text: str) -> None:
        """Read the dictionary's words among the substrings of ``text`` not asked before.

        jieba's dictionary holds every prefix of its words (with count 0), and jieba
        looks a substring up only once the substring one character shorter was found;
        so the lookup goes a length at a time, from every place in ``text`` where the
        shorter one was found: a few queries a text. A word already in ``freq`` keeps
        its count (the glossary's, set by add_word).
        """
        live: list[int] = list(range(len(text)))
        length = 1
        while live:
            self._read({text[i:i + length] for i in live})
            live = [i for i in live if i + length < len(text)
                    and text[i:i + length] in self.freq]
            length += 1

    def _read(self, keys: set[str]) -> None:
        with self._lock:
            keys -= self._asked
            if len(self._asked) > _ASKED_KEPT:
                self._asked.clear()  # only the asking is forgotten: what was read stays
            self._asked |= keys
            words = list(keys)
            found: list[tuple[str, int, str | None]] = []
            for at in range(0, len(words), _BATCH):
                batch = words[at:at + _BATCH]
                found += self._db.execute(
                    "SELECT word, freq, tag FROM words WHERE word IN "
                    f"({', '.join('?' * len(batch))})", batch).fetchall()
            # Still under the lock: another thread told these keys were asked must find
            # them read when it gets the lock.
            for word, freq, tag in found:
                self.freq.setdefault(word, freq)
                if tag is not None:
                    self.tags.setdefault(word, tag)

    def tokenizer(self) -> Any:
        """A jieba Tokenizer on jieba's own dictionary whose counts are ``freq``: cut only
        texts given to ``fill`` first (``Tokenizers.jieba`` does)."""
        import jieba

        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = self.freq
        tokenizer.total = self.total
        tokenizer.initialized = True
        return tokenizer

    @classmethod
    def open(cls, folder: Path) -> Lexicon | None:
        """The lexicon of the installed jieba in ``folder``, written first when missing;
        None when it can be neither read nor written there (jieba then loads its
        dictionary into memory, as it does without a lexicon)."""
        path = folder / file_name()
        if not path.is_file():
            try:
                write(path)
            except OSError as err:
                log.warning("cannot write jieba's lexicon to %s (%s); loading the "
                            "dictionary in memory instead", path, err)
                return None
        try:
            return cls(path)
        except sqlite3.Error as err:
            log.warning("cannot read jieba's lexicon %s (%s); loading the dictionary in "
                        "memory instead", path, err)
            return None


#: Substrings per query (SQLite allows 32,766 parameters).
_BATCH = 900
#: Looked-up substrings remembered before the memory of asking is cleared (a server's).
_ASKED_KEPT = 2_000_000


def _dictionary() -> Path:
    import jieba

    return Path(jieba.__file__).with_name("dict.txt")


def file_name() -> str:
    """The lexicon's file name: our format, jieba's version, its dictionary's size and time."""
    stat = _dictionary().stat()
    return (f"jieba-{version('jieba')}-{stat.st_size}-{stat.st_mtime_ns}"
            f"-v{LEXICON_VERSION}.sqlite")


def _entries() -> tuple[list[tuple[str, int, str | None]], int]:
    """Every (word or prefix, count, tag) of jieba's own dictionary as jieba reads it, and
    the total count."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tags: dict[str, str] = {}
    with _dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    rows = [(word, freq, tags.get(word)) for word, freq in tokenizer.FREQ.items()]
    return rows, int(tokenizer.total)


def write(path: Path) -> None:
    """Write the lexicon of the installed jieba to ``path`` (a temporary file renamed, so
    a reader never sees half a file and two writers do not clash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"writing jieba's dictionary to {path} (once)", file=sys.stderr)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        with contextlib.closing(db):
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, tag TEXT) "
                       "WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")
            rows, total = _entries()
            db.executemany("INSERT INTO words VALUES (?, ?, ?)", rows)
            db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
            db.commit()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
