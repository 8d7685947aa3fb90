"""``tiaoli corpus add``: a regulation in, from the files people have; and
``tiaoli index anticipate``: its anticipated and unaddressed questions, from an LLM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .cli_context import Context, echo_json, regulation_option


@click.group()
def corpus() -> None:
    """Add regulations to the corpus folder (TIAOLI_CORPUS_DIR)."""


@corpus.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--id", "reg_id", help="The folder name under the corpus folder "
              "[default: the title, without brackets or spaces].")
@click.option("--dry-run", is_flag=True, help="Read and print what was found; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print what was read as JSON.")
@click.pass_obj
def corpus_add(obj: Context, paths: tuple[Path, ...], reg_id: str | None, dry_run: bool,
               as_json: bool) -> None:
    """Read a regulation from FILE (Markdown, plain text, .docx or a text PDF) or from
    several files or a DIR of them (the 民法典's eight parts go in as one regulation,
    in the order of their first article), print what was read (title, issuing body,
    dates, chapters, article and paragraph counts, the first and last article), and
    write corpus/<id>/ with zh.txt and meta.json.

    A defective source (an article number missing or merged into a line) stops with
    the file, the line and the defect. Nothing is overwritten: an existing folder is
    an error. Run `tiaoli index build` afterwards to make the regulation searchable.
    """
    from ..text.sources import prepare, write

    prepared = prepare(list(paths), reg_id)
    folder = None if dry_run else write(prepared, obj.settings.corpus_dir)
    if as_json:
        echo_json({**dict(prepared.summary()), "written": str(folder) if folder else None})
        return
    for what, value in prepared.summary():
        click.echo(f"{what:>14}: {value}")
    if folder is None:
        click.echo("dry run: nothing written")
    else:
        click.echo(f"wrote {folder} (zh.txt, meta.json); next: tiaoli index build")


@click.command("anticipate")
@click.option("--lang", "langs", type=click.Choice(["zh", "en", "both"]), default="both",
              show_default=True, help="The language of the questions to write.")
@click.option("--per-paragraph", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Anticipated questions wanted for each paragraph, in each language.")
@click.option("--unaddressed", type=click.IntRange(0, 500), default=30, show_default=True,
              help="Unaddressed (near-miss) questions wanted, in each language.")
@click.option("--batch", type=click.IntRange(1, 50), default=6, show_default=True,
              help="Paragraphs shown to the model in one call.")
@click.option("--dry-run", is_flag=True,
              help="Say how many model calls are needed, and make none.")
@regulation_option
@click.pass_obj
def anticipate(obj: Context, langs: str, per_paragraph: int, unaddressed: int, batch: int,
               dry_run: bool) -> None:
    """Write anticipated.jsonl and unaddressed.jsonl for a regulation with the configured
    LLM (TIAOLI_LLM), from the prompts prompts/anticipate.*.txt and unaddressed.*.txt.

    Every line the model writes is checked before it is kept: the article and
    paragraph exist and were shown to it, the language is the one asked for, and
    the question neither copies the provision nor repeats another. Each batch is
    written as soon as it is checked, so an interrupted run loses one batch at
    most, and running the command again goes on where it stopped: paragraphs that
    have their questions are not asked for again. Run `tiaoli index build`
    afterwards. Without an LLM configured, says how to configure one and exits 2.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..answer import llm
    from ..answer.anticipate import Report, make_plan, run
    from ..answer.prompts import load_prompts
    from ..text.corpus import ANTICIPATED_FILE, UNADDRESSED_FILE

    settings = obj.settings
    if not settings.llm and not dry_run:
        raise UsageError("tiaoli index anticipate needs a language model, and none is "
                         "configured", "set TIAOLI_LLM=openai:<model> (with "
                         "TIAOLI_LLM_BASE_URL and TIAOLI_LLM_API_KEY for an OpenAI-compatible "
                         "endpoint) or TIAOLI_LLM=ollama:<model>")
    reg = obj.regulation
    chosen = ("zh", "en") if langs == "both" else (langs,)
    plan = make_plan(reg, chosen, per_paragraph, unaddressed, batch,
                     per_call=min(max(unaddressed, 1), UNADDRESSED_PER_CALL))
    paragraphs = sum(len(b) for b in plan.batches)
    click.echo(f"{reg.id}: {paragraphs} paragraph-language pair(s) short of {per_paragraph} "
               f"question(s) in {len(plan.batches)} batch(es); "
               f"{sum(n for _, n in plan.unaddressed)} unaddressed question(s) to write; "
               f"{plan.calls} model call(s)")
    if dry_run or not plan.calls:
        click.echo("nothing to do" if not plan.calls else "dry run: no model called")
        return
    assert settings.llm
    model = llm.make_chat_model(settings.llm, settings.llm_base_url, settings.llm_api_key,
                                settings.llm_timeout)
    prompts = load_prompts(settings.prompts_dir)
    folder = settings.corpus_dir / reg.id
    report = Report()
    try:
        with Progress("Asking the model", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True),
                      transient=True) as bar:
            task = bar.add_task("ask", total=plan.calls)
            run(reg, folder, model, prompts, plan, settings.llm_timeout, per_paragraph, report,
                progress=lambda done, _total: bar.update(task, completed=done))
    except llm.LLMError as exc:
        _report(report, folder, ANTICIPATED_FILE, UNADDRESSED_FILE)
        raise llm.LLMError(f"stopped after {report.batches} of {plan.calls} model call(s): "
                           f"{exc.message}", "what was written is kept; run the command "
                           "again to go on from there") from None
    _report(report, folder, ANTICIPATED_FILE, UNADDRESSED_FILE)
    click.echo("next: tiaoli index build")


#: The most unaddressed questions asked for in one model call.
UNADDRESSED_PER_CALL = 15


def _report(report: Any, folder: Path, *files: str) -> None:
    for name in files:
        click.echo(f"wrote {report.written[name]} line(s) to {folder / name}")
    if report.rejected:
        click.echo(f"turned down {sum(report.rejected.values())} line(s):")
        for reason, count in report.rejected.most_common():
            click.echo(f"  {count} {reason}, e.g. {report.examples[reason]}")
