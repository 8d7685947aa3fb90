"""Reading the files regulations come in: Markdown, plain text, .docx and text PDFs.

Each reader gives the text in the shape ``corpus.parse_zh`` reads (and ``zh.txt``
holds): the title on the first line, the adoption and amendment lines, then
the headings and articles, one paragraph a line. Nothing of the law's wording
is changed; markup goes.

Markdown is the shape LawRefBook publishes: optional front matter between
``---`` lines, ``# title``, the date lines, ``<!-- INFO END -->``, then ``##``/``###``
headings (or bare heading lines) and the articles. A second ``#`` line before
``<!-- INFO END -->`` names the part (编) one file of a code holds (the 民法典 comes
as one file a part).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from .corpus import META_FILE, ZH_FILE, Article, Regulation, load_regulation, parse_zh
from .numerals import NUMERAL_CHARS, parse_number
from .textparse import clean_line

#: The file kinds ``tiaoli corpus add`` reads, by suffix.
SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".pdf")
_INFO_END = "<!-- INFO END -->"
_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*$")


@dataclass(frozen=True)
class SourceText:
    """One file as read: the regulation's title, the part (编) it holds when it is one
    file of several, and its text in zh.txt's shape (title line first)."""

    path: Path
    title: str
    part: str | None
    text: str


def read_source(path: Path) -> SourceText:
    """Read ``path`` by its suffix. Raises CorpusError for an unknown kind or an
    unreadable file."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CorpusError(f"{path}: cannot read {suffix or 'a file without a suffix'} files",
                          f"give one of {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise CorpusError(f"{path}: no such file", "check the path")
    if suffix == ".docx":
        return _from_lines(path, _docx_lines(path))
    if suffix == ".pdf":
        return _from_lines(path, _pdf_lines(path))
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            raw = path.read_text(encoding="gb18030")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: neither UTF-8 nor GB18030 ({exc.reason})",
                              "save the file as UTF-8") from None
    if suffix in (".md", ".markdown"):
        return read_markdown(raw, path)
    return _from_lines(path, raw.splitlines())


def read_markdown(raw: str, path: Path = Path("-")) -> SourceText:
    """A LawRefBook-style Markdown text in zh.txt's shape, line for line: each source
    line keeps its number (markup lines become blank), so errors name the file's lines.
    The part a file of a code holds (``# 总则``) is written where ``<!-- INFO END -->``
    stood, after the date lines, as the heading above the file's first chapter."""
    lines = raw.splitlines()
    out = [""] * len(lines)
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            start = end + 1
    info_end = next((i for i, line in enumerate(lines) if line.strip() == _INFO_END), None)
    titles: list[str] = []
    for i in range(start, len(lines)):
        line = clean_line(lines[i])
        if not line or i == info_end:
            continue
        m = _MD_HEADING.match(line)
        text = clean_line(m.group(2)) if m else line
        if m and len(m.group(1)) == 1 and (not titles or (info_end is not None and i < info_end)):
            titles.append(text)
            out[i] = text if len(titles) == 1 else ""
            continue
        out[i] = text
    if not titles:
        raise CorpusError(f"{path}: no '# title' line", "put the title on a '# ' line first")
    part = titles[1] if len(titles) > 1 else None
    if part:
        if info_end is None:
            raise CorpusError(f"{path}: a part heading ('# {part}') but no {_INFO_END} line",
                              f"end the header with {_INFO_END}")
        out[info_end] = part
    return SourceText(path, titles[0], part, "\n".join(out) + "\n")


def _from_lines(path: Path, lines: list[str]) -> SourceText:
    kept = [clean_line(line) for line in lines]
    title = next((line for line in kept if line), None)
    if title is None:
        raise CorpusError(f"{path}: no text in it", "check that this is the regulation")
    return SourceText(path, title, None, "\n".join(kept) + "\n")


def _docx_lines(path: Path) -> list[str]:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise CorpusError(f"{path}: not a readable .docx ({exc})",
                          "save it again as a Word document (.docx)") from None
    return [p.text for p in document.paragraphs]


def _pdf_lines(path: Path) -> list[str]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise CorpusError("reading PDFs needs pypdf", "pip install pypdf") from None
    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise CorpusError(f"{path}: not a readable PDF ({exc})", "check the file") from None
    lines = [line for page in pages for line in page.splitlines()]
    if not any(line.strip() for line in lines):
        raise CorpusError(f"{path}: the PDF holds no text (a scan?)",
                          "run it through OCR first, or give the text as .txt or .docx")
    return lines


def combine(sources: list[SourceText]) -> SourceText:
    """Several files of one text (the 民法典's parts) as one, in the order given: the
    first file whole, then each further file from its part heading (or, without one,
    from after its title line)."""
    if len(sources) == 1:
        return sources[0]
    titles = {s.title for s in sources}
    if len(titles) > 1:
        raise CorpusError(f"the files have different titles: {', '.join(sorted(titles))}",
                          "add the files of one regulation together, one regulation at a time")
    out = sources[0].text.splitlines()
    for source in sources[1:]:
        lines = source.text.splitlines()
        at = (lines.index(source.part) if source.part and source.part in lines
              else lines.index(source.title) + 1)
        out += lines[at:]
    return SourceText(sources[0].path, sources[0].title, None, "\n".join(out) + "\n")


# ------------------------------------------------------------------- import


@dataclass(frozen=True)
class Prepared:
    """A regulation read from its files and parsed, before it is written to the corpus."""

    id: str
    text: str  # zh.txt as it will be written
    regulation: Regulation
    files: tuple[Path, ...]

    def summary(self) -> list[tuple[str, str]]:
        """What was read, as (what, value) rows: the id and files, then regulation_summary."""
        return [("id", self.id), ("files", ", ".join(str(f) for f in self.files)),
                *regulation_summary(self.regulation)]


def regulation_summary(reg: Regulation) -> list[tuple[str, str]]:
    """A regulation as (what, value) rows: title, issuing body, dates (and how the effective
    date was found), parts, chapters and sections, counts, the first and last article."""
    arts = reg.articles
    chapters = list(dict.fromkeys(a.chapter for a in arts if a.chapter))
    parts = list(dict.fromkeys(a.part for a in arts if a.part))
    sections = {(a.chapter, a.section) for a in arts if a.section}
    basis = {"stated": "stated in the text",
             "on_promulgation": "自公布之日起施行: the date of adoption or approval"}
    effective = (f"{reg.effective.isoformat()} ({basis.get(reg.effective_basis or '', '')})"
                 if reg.effective else "none found (no 自…起施行 clause)")

    def opening(article: Article) -> str:
        text = article.paragraphs[0].zh
        return f"{article.heading} {text[:40]}{'…' if len(text) > 40 else ''}"

    return [
        ("title", reg.title_zh), ("issuing body", reg.issuing_body or "not found"),
        ("adopted", reg.adopted.isoformat() if reg.adopted else "not found"),
        ("effective", effective),
        ("structure", f"{len(parts)} parts (编), {len(chapters)} chapters, "
                      f"{len(sections)} sections"),
        ("articles", f"{len(arts)} ({arts[0].number} to {arts[-1].number}), "
                     f"{sum(len(a.paragraphs) for a in arts)} paragraphs"),
        ("first article", opening(arts[0])), ("last article", opening(arts[-1])),
    ]


def source_files(paths: Sequence[Path]) -> list[Path]:
    """The files to read: each FILE as given, each DIR's readable files (README and names
    starting with _ or . aside). Raises CorpusError for a path that does not exist or a
    folder with nothing to read."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file()
                           and p.suffix.lower() in SUFFIXES
                           and not p.name.startswith(("_", ".")) and p.stem.upper() != "README")
            if not found:
                raise CorpusError(f"{path}: no {', '.join(SUFFIXES)} file in it",
                                  "give the regulation's files")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder", "check the path")
    return files


def _first_article(source: SourceText) -> int:
    m = re.search(rf"^第([{NUMERAL_CHARS}]+)条", source.text, re.MULTILINE)
    try:
        return parse_number(m.group(1)) if m else 0
    except ValueError:
        return 0


def prepare(paths: Sequence[Path], reg_id: str | None = None) -> Prepared:
    """Read and parse a regulation from its files (several files of one text, such as
    the 民法典's parts, are put in the order of their first article). Raises CorpusError
    naming the file and line of anything it cannot read."""
    files = source_files(paths)
    sources = sorted((read_source(f) for f in files), key=_first_article)
    whole = combine(sources)
    name = str(files[0]) if len(files) == 1 else f"{len(files)} files ({files[0].parent})"
    parsed = parse_zh(whole.text, name)
    chosen = reg_id or folder_name(parsed.title)
    if not _ID.fullmatch(chosen):
        raise CorpusError(f"{chosen!r} cannot be a folder name",
                          "give --id with letters, digits, Chinese, '-' or '_'")
    with tempfile.TemporaryDirectory() as tmp:  # parse it exactly as the corpus will
        folder = Path(tmp) / chosen
        folder.mkdir()
        (folder / ZH_FILE).write_text(whole.text, encoding="utf-8")
        regulation = load_regulation(folder)
    return Prepared(chosen, whole.text, regulation, tuple(files))


_ID = re.compile(r"[\w\u4e00-\u9fff-]{1,80}")


def folder_name(title: str) -> str:
    """A corpus folder name for a title: the title without brackets and spaces."""
    return re.sub(r"[\s《》〈〉()（）/\\:：*?\"<>|]+", "", title)[:80] or "regulation"


def write(prepared: Prepared, corpus_dir: Path) -> Path:
    """Write corpus/<id>/ (zh.txt and meta.json); never over an existing folder."""
    folder = corpus_dir / prepared.id
    if folder.exists():
        raise CorpusError(f"{folder} already exists",
                          "give another --id, or remove that folder first")
    corpus_dir.mkdir(parents=True, exist_ok=True)
    tmp = corpus_dir / f".{prepared.id}.adding"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    (tmp / ZH_FILE).write_text(prepared.text, encoding="utf-8")
    meta = {"short_title": {"zh": prepared.regulation.title_zh, "en": ""}, "aliases": [],
            "sources": [f.name for f in prepared.files]}
    (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    tmp.rename(folder)
    return folder
