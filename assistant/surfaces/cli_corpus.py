"""``tiaoli corpus add``: a regulation in, from the files people have."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_context import Context, echo_json


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
