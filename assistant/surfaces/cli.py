"""The ``tiaoli`` command line: show, export and glossary.

Bad input prints one line on stderr and exits with code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import TiaoliError, UsageError
from ..settings import Settings
from ..text.corpus import (
    Article,
    Regulation,
    article_json,
    paragraph_json,
    regulation_json,
)
from ..text.glossary import search
from ..text.library import load_library
from .cli_context import Context, echo_json, regulation_option
from .cli_corpus import anticipate, corpus
from .cli_tools import TOOL_COMMANDS

LANGS = click.Choice(["zh", "en", "both"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tiaoli")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Tiaoli: exact, cited, bilingual answers about a Chinese regulation.

    Works on the 山东省先进制造业促进条例 (Shandong Provincial Regulations on
    Promoting Advanced Manufacturing) bundled in corpus/, and on every other
    regulation folder put there: all are indexed together, and with several
    loaded, citations carry the regulation's short title. Settings come from
    TIAOLI_* environment variables (TIAOLI_CORPUS_DIR, TIAOLI_REGULATION).
    """
    ctx.obj = Context(Settings())


def _texts(lang: str, zh: str, en: str | None) -> list[str]:
    if lang in ("en", "both") and en is None:
        raise UsageError("this regulation has no English rendering", "use --lang zh")
    return {"zh": [zh], "en": [en or ""], "both": [zh, en or ""]}[lang]


def _render_article(article: Article, lang: str, label: Any) -> str:
    blocks = [label(article.number)]
    for para in article.paragraphs:
        heading = label(article.number, para.number) if len(article.paragraphs) > 1 else None
        texts = _texts(lang, para.zh, para.en)
        blocks.append("\n".join([heading, *texts] if heading else texts))
    return "\n\n".join(blocks)


@cli.command()
@click.argument("reference", required=False)
@click.option("--lang", type=LANGS, default="both", show_default=True,
              help="Which text to show: the official Chinese, our English, or both.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape of `export`).")
@regulation_option
@click.pass_obj
def show(obj: Context, reference: str | None, lang: str, as_json: bool) -> None:
    """Show an article (17) or one paragraph (17.2), Chinese above English; without
    REFERENCE, the regulation itself: titles, adoption note, dates (and how the
    effective date was found), structure and article count.

    REFERENCE may also be written 第十七条, 第十七条第二款 or "Art. 17(2)", and
    may name its regulation: "《山东省先进制造业促进条例》第十七条".
    """
    if reference is None:
        _show_regulation(obj.regulation, as_json)
        return
    reg, number, para_no = obj.resolve(reference)
    article = reg.article(number)

    def label(article: int, paragraph: int | None = None) -> str:
        return obj.library.label(reg.id, article, paragraph)

    if para_no is not None:
        para = article.paragraph(para_no)
        if as_json:
            data = _only(paragraph_json(para), lang)
            del data["number"]
            echo_json({"article": article.number, "paragraph": para.number,
                        "label": label(article.number, para.number), **data})
        else:
            texts = _texts(lang, para.zh, para.en)
            click.echo("\n".join([label(article.number, para.number), *texts]))
        return
    if as_json:
        data = article_json(article)
        data["paragraphs"] = [_only(p, lang) for p in data["paragraphs"]]  # type: ignore[attr-defined]
        echo_json(data)
    else:
        click.echo(_render_article(article, lang, label))


def _show_regulation(reg: Regulation, as_json: bool) -> None:
    from ..text.sources import regulation_summary

    if as_json:
        data = {k: v for k, v in regulation_json(reg).items() if k != "articles"}
        data["articles"] = len(reg.articles)
        data["paragraphs"] = sum(len(a.paragraphs) for a in reg.articles)
        data["chapters"] = list(dict.fromkeys(a.chapter for a in reg.articles if a.chapter))
        echo_json(data)
        return
    rows = regulation_summary(reg)
    extra = [("title (en)", reg.title_en), ("note", reg.note_zh.replace("\n", "; "))]
    for what, value in [rows[0], *((w, v) for w, v in extra if v), *rows[1:]]:
        click.echo(f"{what:>14}: {value}")


def _only(para: dict[str, Any], lang: str) -> dict[str, Any]:
    drop = {"zh": "en", "en": "zh"}.get(lang)
    if drop == "zh":
        para = {k: v for k, v in para.items() if k != "items"}
    return {k: v for k, v in para.items() if k != drop}


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "tmx", "tbx", "xliff", "docx"]),
              default="json", show_default=True,
              help="json: the whole regulation (DESIGN.md's shape); tmx: a translation memory, "
                   "one unit per paragraph; tbx: the glossary as a term base; xliff: the "
                   "Chinese to translate, targets empty; docx: the side-by-side text as a Word "
                   "table.")
@click.option("--json", "as_json", is_flag=True,
              help="The same as --format json (kept for scripts that pass it).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              default=None, help="Write to this file instead of standard output.")
@regulation_option
@click.pass_obj
def export(obj: Context, fmt: str, as_json: bool, output: Path | None) -> None:
    """Export the regulation: JSON (titles, dates, articles, paragraphs in zh and en), or
    the formats translators' tools and officials read (TMX, TBX, XLIFF, Word)."""
    from ..answer.prompts import load_prompts
    from ..review.exports import BINARY
    from ..review.exports import export as export_as

    if as_json and fmt != "json":
        raise UsageError(f"--json and --format {fmt} ask for two formats", "give one")
    reg = obj.regulation
    if output is None and fmt in BINARY and sys.stdout.isatty():
        raise UsageError(f"{fmt} is a binary file, not for a terminal",
                         f"pass --output {reg.id}.{fmt}, or redirect standard output")
    data = export_as(reg, obj.library.glossaries.get(reg.id, ()), fmt,
                     load_prompts(obj.settings.prompts_dir))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {output} ({len(data):,} bytes, {fmt})", err=True)


@cli.command()
@click.argument("term", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{zh, en, note, variants}].")
@regulation_option
@click.pass_obj
def glossary(obj: Context, term: str | None, as_json: bool) -> None:
    """List glossary terms, or those matching TERM in Chinese or English."""
    terms = search(obj.library.glossaries.get(obj.regulation.id, ()), term)
    if as_json:
        echo_json([t.to_json() for t in terms])
        return
    if not terms:
        raise UsageError(f"no glossary term matches {term!r}",
                         "try a shorter term, in Chinese or English")
    from rich.console import Console
    from rich.table import Table

    table = Table("Chinese", "English", "Note", show_lines=False, expand=False)
    for t in terms:
        english = t.en + (f"\n[dim](also: {'; '.join(t.variants)})[/dim]" if t.variants else "")
        table.add_row(t.zh, english, t.note)
    Console().print(table)


@cli.group()
def index() -> None:
    """Build the search index (FAISS vectors + chunks + manifest) under index/, and have
    an LLM write a regulation's anticipated and unaddressed questions."""


@index.command("build")
@click.option("--fresh", is_flag=True,
              help="Embed every text again instead of keeping the previous index's vectors.")
@click.option("--skip-broken", is_flag=True,
              help="Leave out a regulation folder that cannot be read, naming it and its "
                   "defect, and index the others (default: stop at it).")
@click.pass_obj
def index_build(obj: Context, fresh: bool, skip_broken: bool) -> None:
    """Chunk and embed every regulation and write the index, replacing the old one atomically.

    The index lives in TIAOLI_INDEX_DIR (default: index/ of this checkout), in a
    folder named for the embedder (TIAOLI_EMBEDDER). Texts the previous index
    already holds keep their vectors, so adding a regulation embeds only its
    own chunks. Search and ask never rebuild on their own: they stop and
    point here when the index is stale. Warns of paragraphs that have no
    anticipated question when a regulation has some. Also writes jieba's
    dictionary as a lexicon to TIAOLI_CACHE_DIR (default: ~/.cache/tiaoli) when
    it is missing, so that the next question starts without loading it.
    """
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..app import rebuild_index

    console = Console(stderr=True)
    if skip_broken:
        obj.settings = obj.settings.model_copy(update={"skip_broken": True})
    started = time.perf_counter()
    with Progress("Embedding new texts", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("embed", total=None)
        embedded = [0]

        def progress(done: int, total: int) -> None:
            embedded[0] = done
            bar.update(task, completed=done, total=total)

        folder = rebuild_index(obj.settings, fresh=fresh, progress=progress)
    from ..search.store import Manifest

    manifest = Manifest.read(folder)
    extras = f" and {manifest.extras} outside-subject descriptions" if manifest.extras else ""
    click.echo(f"Built {folder}: {manifest.chunks} chunks{extras} ({embedded[0]} texts "
               f"embedded, the rest reused or repeated), {manifest.dim} dimensions, "
               f"{manifest.embedder_id}, in {time.perf_counter() - started:.1f} s")

    library = load_library(obj.settings.corpus_dir, obj.settings.skip_broken)
    for name, error in library.skipped:
        click.echo(f"skipped {name}: {error}", err=True)
    for reg in library.regulations:
        gaps = reg.uncovered() if reg.anticipated else []
        if gaps:
            shown = ", ".join(f"{a}.{p} {lang}" for a, p, lang in gaps[:8])
            click.echo(f"warning: {reg.id}: {len(gaps)} paragraph(s) have no anticipated "
                       f"question ({shown}{', …' if len(gaps) > 8 else ''}); plainly worded "
                       "questions about them rank below covered ones", err=True)


@cli.command("search")
@click.argument("question")
@click.option("--k", "k", type=click.IntRange(1, 50), default=None,
              help="How many articles to return  [default: 5, or TIAOLI_SEARCH_K]")
@click.option("--lang", type=click.Choice(["auto", "zh", "en"]), default="auto",
              show_default=True, help="The question's language (auto: detect).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid",
              show_default=True, help="Fused retrieval, or one retriever alone (for comparison).")
@click.option("--json", "as_json", is_flag=True,
              help='Print JSON: {"hits": [{"article", "score", "paragraphs": [..]}]}.')
@regulation_option
@click.pass_obj
def search_cmd(obj: Context, question: str, k: int | None, lang: str, mode: str,
               as_json: bool) -> None:
    """Find the articles that answer QUESTION (Chinese or English), best first."""
    from ..app import build_assistant
    from ..search.retrieval import hit_json

    assistant = build_assistant(obj.settings)
    hits = assistant.retriever.search(question, k or obj.settings.search_k,
                                      lang=None if lang == "auto" else lang,  # type: ignore[arg-type]
                                      mode=mode, within=obj.within)  # type: ignore[arg-type]
    data = [hit_json(h, assistant.library) for h in hits]
    if as_json:
        echo_json({"question": question, "hits": data})
        return
    show_lang = "zh" if lang == "zh" or (lang == "auto" and _is_zh(question)) else "en"
    for rank, hit in enumerate(data, start=1):
        best = hit["paragraphs"][0] if hit["paragraphs"] else None
        ref = " (referenced)" if hit["referenced"] else ""
        click.echo(f"{rank}. {hit['label']}  score {hit['score']:.3f}{ref}")
        if best:
            text = best[show_lang] or best["zh"]
            click.echo(f"   {best['label']}: {text}")


def _is_zh(text: str) -> bool:
    from ..search.retrieval import detect_lang, normalize

    return detect_lang(normalize(text)) == "zh"


def _load_history(path: Path | None) -> list[Any]:
    from ..answer.conversation import Turn

    if path is None:
        return []
    try:
        raw = json.loads(sys.stdin.read() if str(path) == "-" else path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the history file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(raw, list) or not all(
            isinstance(t, dict) and t.get("role") in ("user", "assistant")
            and isinstance(t.get("content"), str) for t in raw):
        raise UsageError(f"{path}: expected a JSON list of {{\"role\": \"user\"|\"assistant\", "
                         "\"content\": \"…\"}}")
    return [Turn(t["role"], t["content"]) for t in raw]


@cli.command("ask")
@click.argument("question")
@click.option("--lang", type=click.Choice(["auto", "zh", "en"]), default="auto",
              show_default=True, help="The answer's language (auto: the question's).")
@click.option("--history", "history_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help='The conversation so far: a JSON list of {"role", "content"}.')
@click.option("--json", "as_json", is_flag=True, help="Print the Answer JSON (DESIGN.md).")
@regulation_option
@click.pass_obj
def ask_cmd(obj: Context, question: str, lang: str, history_file: Path | None,
            as_json: bool) -> None:
    """Answer QUESTION from the regulation, citing article and paragraph.

    Offline and extractive by default: the answer quotes the provisions. With
    TIAOLI_LLM set (openai:<model> or ollama:<model>), a model writes it and
    every article it cites is checked. A question the regulation does not
    address is refused, with the closest provisions shown as related.
    """
    from ..app import build_assistant

    history = _load_history(history_file)
    assistant = build_assistant(obj.settings)
    streamed = assistant.llm is not None and not as_json

    def show(token: str) -> None:
        click.echo(token, nl=False)

    answer = assistant.ask(question, lang=None if lang == "auto" else lang,  # type: ignore[arg-type]
                           history=history, on_token=show if streamed else None,
                           regulation=obj.within)
    if as_json:
        echo_json(answer.to_json())
        return
    if streamed:
        click.echo()
        if answer.refused or answer.mode != assistant.llm.mode:  # type: ignore[union-attr]
            click.echo(answer.answer)
    else:
        click.echo(answer.answer)
    heading = ("Which regulation?" if answer.choices else
               "Related provisions" if answer.refused else "Citations")
    items = answer.related if answer.refused or answer.choices else answer.citations
    if items:
        click.echo(f"\n{heading}:")
        for c in items:
            click.echo(f"  {c.label}\n    {c.zh}" + (f"\n    {c.en}" if c.en else ""))
    for note in answer.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"[{answer.mode}]", err=True)


@cli.command("eval")
@click.option("--questions", "questions_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A question set: JSON lines {id, lang, question, gold}, "
              "optionally gold_paragraphs and style.")
@click.option("--statements", "statements_file",
              type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A statement set: JSON lines {id, lang, statement, verdict, gold}.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, writable=True,
              path_type=Path), default=None, help="Write the full results as JSON to this file.")
@click.option("--whole-library", "across", is_flag=True,
              help="Ask each question of every loaded regulation, as a user who names none "
              "does; gold articles stay the regulation's (-r), so citing another is wrong.")
@regulation_option
@click.pass_obj
def eval_cmd(obj: Context, questions_file: Path | None, statements_file: Path | None,
             json_out: Path | None, across: bool) -> None:
    """Measure retrieval and answers on a question set, per language.

    Retrieval: BM25 alone, dense alone and fused side by side (and, when the
    index holds anticipated questions, fused over the text only). Answers (with
    the configured answerer): citation precision, invalid citations, refusal
    accuracy and answer-language accuracy; the first citation right, a gold
    paragraph cited (sets with gold_paragraphs), multi-article completeness,
    article precision and off-topic refusals, with the anticipated questions and
    from the text alone; and a table by style when the set has a style key.
    Statements (--statements): verdict accuracy and a confusion table.

    With several regulations loaded, each question is searched in the
    regulation (-r) alone, unless --whole-library: then it is asked of them all,
    which shows whether the library keeps refusals and first citations honest.
    """
    from ..app import build_assistant
    from ..evaluation import (
        evaluate,
        evaluate_statements,
        format_statements,
        format_table,
        load_questions,
        load_statements,
    )

    if questions_file is None and statements_file is None:
        raise UsageError("nothing to evaluate", "give --questions FILE and/or --statements FILE")
    questions = load_questions(questions_file) if questions_file else None
    statements = load_statements(statements_file) if statements_file else None
    assistant = build_assistant(obj.settings)
    out: dict[str, Any] = {}
    if questions is not None:
        report = evaluate(assistant, questions, across=across)
        click.echo(format_table(report))
        out = report.to_json()
    if statements is not None:
        verdicts = evaluate_statements(assistant, statements)
        click.echo(("\n" if questions is not None else "") + format_statements(verdicts))
        out["statements"] = verdicts
    if json_out is not None:
        json_out.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
        click.echo(f"Wrote {json_out}")


for _command in TOOL_COMMANDS:  # compare, check, serve, mcp, feedback (cli_tools.py)
    cli.add_command(_command)
cli.add_command(corpus)  # corpus add (cli_corpus.py)
index.add_command(anticipate)  # index anticipate (cli_corpus.py)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    try:
        code = cli.main(args=argv, prog_name="tiaoli", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tiaoli: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"tiaoli: {exc.format_message()} (see `tiaoli --help`)", err=True)
        sys.exit(2)
    except TiaoliError as exc:
        click.echo(f"tiaoli: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
