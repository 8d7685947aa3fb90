"""The CLI's commands for translators, officials and integrations.

compare, check, serve, mcp and feedback, listed in ``TOOL_COMMANDS``; cli.py adds
them to the ``tiaoli`` group.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .cli_context import Context, echo_json, regulation_option


@click.command("compare")
@click.argument("reference", metavar="REFERENCE|FILE")
@click.argument("candidate", metavar="[CANDIDATE]", required=False,
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--all", "whole", is_flag=True,
              help="Compare a whole rendering: FILE (the only argument) is the whole text "
                   "shaped like en.txt, or an XLIFF or TMX file translated back.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@regulation_option
@click.pass_obj
def compare_cmd(obj: Context, reference: str, candidate: Path | None, whole: bool,
                as_json: bool) -> None:
    """Compare a candidate English rendering of an article (17) or paragraph (17.2).

    CANDIDATE is a file, or - for standard input: the rendering of that article,
    or a file shaped like our rendering (blocks starting "Article N ") from which
    the article is taken. Flags omissions, additions, glossary terms rendered
    otherwise, and numbers, dates and list lengths that differ.

    With --all, `tiaoli compare --all FILE` compares a whole rendering: every
    article as above, articles missing or added, and glossary terms the
    rendering renders more than one way across the text.
    """
    from ..app import build_assistant
    from ..review.compare import comparer_for

    if whole:
        if candidate is not None:
            raise UsageError("--all takes one file, the whole rendering",
                             "tiaoli compare --all FILE")
        _compare_all(obj, Path(reference), as_json)
        return
    if candidate is None:
        raise UsageError("compare needs an article and a candidate rendering",
                         "tiaoli compare 17 FILE, or tiaoli compare --all FILE")
    reg, number, para = obj.resolve(reference)
    reg.article(number)
    text = _read_text(candidate)
    assistant = build_assistant(obj.settings)
    report = comparer_for(assistant, reg).compare(number, para, text)
    if as_json:
        echo_json(report.to_json())
        return
    for a in report.alignments:
        click.echo(f"[{a.similarity:.2f}] {a.zh}\n  ours:      {a.reference}\n"
                   f"  candidate: {a.candidate or '(nothing)'}")
    _echo_flags(report)
    click.echo("clean: nothing flagged" if report.clean else "flagged: see above")


def _read(path: Path) -> bytes:
    try:
        if str(path) != "-":
            return path.read_bytes()
        stream = sys.stdin
        return stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_text(path: Path) -> str:
    try:
        return _read(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {path}: not UTF-8 text", "save it as UTF-8") from None


def _echo_flags(report: Any) -> None:
    for kind, key in (("possible omission", "zh"), ("possible addition", "candidate")):
        for item in getattr(report, "omissions" if key == "zh" else "additions"):
            click.echo(f"{kind}: {item[key]}")
    for t in report.terms:
        click.echo(f"term: {t['zh']} should read \"{t['expected']}\" in: {t['sentence']}")
    for n in report.numbers:
        click.echo(f"number: expected {n['expected']}, found {n['candidate']} ({n['zh']})")


def _compare_all(obj: Context, path: Path, as_json: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..app import build_assistant
    from ..review.compare import comparer_for
    from ..review.compare_all import WholeComparer, read_whole

    rendering = read_whole(_read(path))
    reg = obj.regulation
    assistant = build_assistant(obj.settings)
    comparer = WholeComparer(comparer_for(assistant, reg))
    with Progress("comparing articles", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("compare", total=len(reg.articles))
        report = comparer.compare(rendering,
                                  lambda done, total: bar.update(task, completed=done))
    if as_json:
        echo_json(report.to_json())
        return
    for art in report.articles:
        if art.article in report.missing:
            click.echo(f"Article {art.article}: missing from the rendering")
        elif art.clean:
            click.echo(f"Article {art.article}: clean")
        else:
            click.echo(f"Article {art.article}:")
            _echo_flags(art)
    for n in report.extra:
        click.echo(f"Article {n}: not in the official text (possible addition)")
    for t in report.inconsistent_terms:
        where = "; ".join(f"\"{r}\" in {', '.join(refs)}" for r, refs in t["where"].items())
        click.echo(f"term rendered {len(t['renderings'])} ways: {t['zh']}: {where}")
    click.echo("clean: nothing flagged" if report.clean else
               f"flagged: {len(report.flagged)} article(s), {len(report.extra)} added, "
               f"{len(report.inconsistent_terms)} term(s) rendered more than one way")


@click.command("check")
@click.argument("statement")
@click.option("--lang", type=click.Choice(["auto", "zh", "en"]), default="auto",
              show_default=True, help="The statement's language (auto: detect).")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"statement", "lang", "verdict", "citations", "explanation", '
                   '"differences", "mode", "notes"}.')
@click.pass_obj
def check_cmd(obj: Context, statement: str, lang: str, as_json: bool) -> None:
    """Check whether the regulation says what STATEMENT says.

    Verdicts: supported; partly_supported (the provision exists but the
    statement changes its actor, modality, scope or a list); contradicted (it
    says the opposite, or gets a date, a number or the count of a list wrong);
    not_stated. Each difference is printed with the statement's words beside
    the provision's.
    """
    from ..app import build_assistant
    from ..review.check import Checker

    result = Checker(build_assistant(obj.settings)).check(
        statement, None if lang == "auto" else lang)  # type: ignore[arg-type]
    if as_json:
        echo_json(result.to_json())
        return
    click.echo(f"{result.verdict}: {result.explanation}")
    for d in result.differences:
        click.echo(f"  {d.element}: {d.statement!r} / provision: {d.provision!r}")
    for c in result.citations:
        click.echo(f"  {c.label}\n    {c.zh}" + (f"\n    {c.en}" if c.en else ""))


@click.command("mcp")
@click.pass_obj
def mcp_cmd(obj: Context) -> None:
    """Serve the MCP tools over stdio, for desktop agents and MCP clients.

    Tools: search_regulation, get_article, ask, check_statement,
    compare_rendering, glossary_lookup (see README: "Use Tiaoli from…").
    """
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise UsageError("the MCP server needs the mcp package",
                         "pip install 'tiaoli[mcp]'") from None
    from ..app import build_assistant
    from .mcp_server import build_server

    build_server(build_assistant(obj.settings)).run("stdio")


@click.group()
def feedback() -> None:
    """Review the feedback users gave on answers (stored only when they give it)."""


@feedback.command("export")
@click.option("--csv", "as_csv", is_flag=True, default=True,
              help="Print CSV (the only format; kept for clarity).")
@click.pass_obj
def feedback_export(obj: Context, as_csv: bool) -> None:
    """Print all feedback as CSV: id, created, rating, comment, question, answer, …"""
    from .feedback import FeedbackStore

    click.echo(FeedbackStore(obj.settings.home).export_csv(), nl=False)


#: The longest request line and headers the server reads (bytes).
MAX_REQUEST_HEAD = 256 * 1024


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True,
              help="Port to listen on.")
@click.pass_obj
def serve_cmd(obj: Context, host: str, port: int) -> None:
    """Run the chat page and the JSON API (http://HOST:PORT/, /api/…, /docs)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import logging

    import uvicorn

    # One line per user error ("refused: …"), a traceback only for a fault.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("tiaoli").addHandler(handler)
    logging.getLogger("tiaoli").setLevel(logging.INFO)

    from ..app import build_assistant
    from .protocol import head_deadline_protocol
    from .web import create_app

    assistant = build_assistant(obj.settings)
    app = create_app(assistant)
    click.echo(f"Tiaoli on http://{host}:{port}/  (API: /api/ask, /api/articles/N, "
               f"/api/search, /healthz; OpenAPI: /docs)", err=True)
    # uvicorn's HTTP parser drops the connection when a request line or its
    # headers pass 16 KiB *while still arriving*: a long /api/search?q=… then got a
    # reset or a 4xx depending on how the packets fell. Read up to 256 KiB whole,
    # so such a question reaches the API and gets its message.
    uvicorn.run(app, host=host, port=port, log_level="warning",
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
                http=head_deadline_protocol(obj.settings.header_timeout))


#: The commands cli.py adds to the ``tiaoli`` group.
TOOL_COMMANDS = (compare_cmd, check_cmd, mcp_cmd, feedback, serve_cmd)
