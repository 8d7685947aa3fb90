"""What the CLI's commands share: the Context, the ``--regulation`` option, JSON output.

cli.py (the ``tiaoli`` group and the reading commands) and cli_tools.py (the
commands for translators, officials and integrations) both import this module.
"""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import UsageError
from ..settings import Settings
from ..text.corpus import Regulation
from ..text.library import Library, load_library
from ..text.references import parse_reference


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, Chinese kept as written (not \\u escapes)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class Context:
    """What every command needs, built once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.within: str | None = None  # --regulation, when given
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        """Every regulation under the corpus folder, loaded on first use."""
        if self._library is None:
            self._library = load_library(self.settings.corpus_dir, self.settings.skip_broken)
        return self._library

    @property
    def regulation(self) -> Regulation:
        """The regulation a command acts on: --regulation, TIAOLI_REGULATION or the only one."""
        return self.library.choose(self.settings.regulation)

    def resolve(self, reference: str) -> tuple[Regulation, int, int | None]:
        """(regulation, article, paragraph) of a reference that may name its regulation:
        17.2, 第十七条, 《山东省先进制造业促进条例》第十七条."""
        named = self.library.named_in(reference) if self.within is None else ()
        if len(named) > 1:
            raise UsageError(f"{reference!r} names {len(named)} regulations; name one")
        reg = named[0] if named else self.regulation
        number, para = parse_reference(self.library.strip_names(reference) if named
                                       else reference)
        return reg, number, para


def _set_regulation(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        obj: Context = ctx.ensure_object(Context)
        obj.within = obj.library.choose(value).id
        obj.settings = obj.settings.model_copy(update={"regulation": obj.within})


def regulation_option(f: Any) -> Any:
    """``--regulation/-r NAME``: which loaded regulation a command means."""
    return click.option(
        "--regulation", "-r", metavar="NAME", default=None, expose_value=False,
        callback=_set_regulation, is_eager=True,
        help="The regulation (folder name, title or alias), when several are loaded "
             "[default: TIAOLI_REGULATION, or the only one].")(f)
