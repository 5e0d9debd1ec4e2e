"""The command group, its lazily built App, and how every command prints: a rich table for
people or JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, RenderableType
from rich.markup import escape as markup_escape
from rich.padding import Padding
from rich.table import Table

from mailflow.clock import local_time as local_time  # the CLI's name for the one clock
from mailflow.errors import ConfigError, MailflowError, SchemaError
from mailflow.outbound.catalogue import Catalogue
from mailflow.text.terminal import inert

if TYPE_CHECKING:  # the App and the settings pull in the database and pydantic: built on first use
    from mailflow.app import App
    from mailflow.config import Settings
    from mailflow.office.regency import Regency

console = Console()
err_console = Console(stderr=True)  # progress and notes while stdout carries a file

# Every command that lists something takes --json; scripts get JSON, people get rich output.
json_option = click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
office_option = click.option(
    "--office", metavar="CODE", help="one office of the regency only (its code, as in regency.toml)"
)


def escape(text: str) -> str:
    """Outside text for a rich view: no control character reaches the terminal (text.terminal),
    and no `[...]` of it is read as markup. Every view builds its lines with this."""
    return markup_escape(inert(text))


def echo(line: str, err: bool = False) -> None:
    """One plain line holding outside text, its control characters escaped."""
    click.echo(inert(line), err=err)


# Below this many columns a table of letters is too narrow to read: views stack their fields instead.
STACK_BELOW = 100


def narrow() -> bool:
    """The terminal (or $COLUMNS) is too narrow for a many-column table."""
    return console.width < STACK_BELOW


def longest_word(*texts: str) -> int:
    """The widest word of `texts`: a column narrower than this would split it."""
    return max((len(word) for text in texts for word in text.split()), default=1)


def longest_line(*texts: str) -> int:
    """The longest of `texts`: as wide as a column need ever be."""
    return max((len(text) for text in texts), default=1)


def column_widths(least: list[int], most: list[int]) -> list[int] | None:
    """Widths for a bordered table on this terminal: each column at least `least` (its longest
    word), the spare width shared in proportion to how much more each column's text would take
    (`most`, its longest line); None when even `least` does not fit."""
    spare = console.width - (sum(least) + 3 * len(least) + 1)
    if spare < 0:
        return None
    want = [max(0, m - n) for n, m in zip(least, most, strict=True)]
    total = sum(want)
    if total <= spare:
        return [n + w for n, w in zip(least, want, strict=True)]
    return [n + w * spare // total for n, w in zip(least, want, strict=True)]


def fields_grid() -> Table:
    """Label and value side by side; a long value wraps under itself, never to column 0."""
    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def indented(renderable: RenderableType, indent: int = 2) -> Padding:
    return Padding(renderable, (0, 0, 0, indent))


def decision(record: dict[str, Any]) -> str:
    """The check that decided an inbound message, and its reason: `our_thread (bad_token)`."""
    check = record["decided_by"] or "-"  # a message seen before checks were recorded
    return f"{check} ({record['reason']})" if record["reason"] else check


def show(data: Any, as_json: bool, render: Callable[[], RenderableType]) -> None:
    """Print `data` as JSON, or what `render` makes of it for a terminal."""
    if as_json:
        # JSON escapes C0 itself; C1 and bidi controls become \uXXXX escapes too (still valid JSON).
        click.echo(inert(json.dumps(data, indent=2, ensure_ascii=False, default=str), lines=True))
    else:
        console.print(render())


class CliState:
    """Lazily built App, so `--help` and `rules check` need no database. The command modules
    import what reaches the database, the mail servers or pydantic inside their commands, so that
    `mailflow --help` and `reply explain` start without them (tests/test_cli_start.py)."""

    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._app: App | None = None
        self._catalogue: Catalogue | None = None
        self._regency: Regency | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from mailflow.config import load_settings
            from mailflow.ops.logs import setup_logging

            self._settings = load_settings(self.config)
            setup_logging(self._settings.log_format, zone=self._settings.zone)
        return self._settings

    @property
    def catalogue(self) -> Catalogue:
        """The message catalogue, with the admin's own templates folder over the built-in one."""
        if self._catalogue is None:
            from mailflow.resources import TEMPLATES

            own = self.settings.templates_dir
            self._catalogue = Catalogue(None if own == TEMPLATES else own)
        return self._catalogue

    def word(self, key: str, **values: object) -> str:
        """A catalogue entry in the admin's language (config `admin_language`)."""
        from mailflow.domain import Said

        return self.catalogue.say(self.settings.admin_language, Said.of(key, **values))

    def has_word(self, key: str) -> bool:
        return key in self.catalogue.keys(self.settings.admin_language)

    def coded(self, section: str, code: str) -> str:
        """A stored code (a reason, a state, an outcome) in the admin's words; a code the catalogue
        does not know (one a newer Mailflow wrote) as it is."""
        key = f"{section}.{code}"
        return self.word(key) if self.has_word(key) else code

    @property
    def app(self) -> App:
        if self._app is None:
            from mailflow.app import App

            try:
                self._app = App.build(self.settings)
            except SchemaError as exc:  # said in the admin's language (main() words it)
                exc.language = self.settings.admin_language
                raise
        return self._app

    @property
    def regency(self) -> Regency:
        """The rules tree, read without a database (`rules` and `reply explain` need none)."""
        if self._regency is None:
            from mailflow.office.regency import load_regency

            self._regency = self._app.rules.get() if self._app else load_regency(self.settings.rules_dir)
        return self._regency

    def offices(self, office: str | None) -> list[str]:
        """The offices a command looks at: the one named (checked), else every one."""
        known = list(self.regency.offices)
        if office is None:
            return known
        if office not in known:
            raise click.BadParameter(
                f"no office {office!r}; the rules know {', '.join(known)}", param_hint="--office"
            )
        return [office]


pass_obj = click.make_pass_decorator(CliState)


@click.group()
@click.version_option(package_name="mailflow", prog_name="mailflow")
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    envvar="MAILFLOW_CONFIG",
    help="config.toml to use (default: $MAILFLOW_CONFIG, then ./config.toml)",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """Mailflow: incoming letters and their dispositions over ordinary email."""
    ctx.obj = CliState(config)


def in_words(exc: MailflowError) -> str:
    """An error as the admin reads it: a config error in their language (the config's, as far
    as it can be read; else Indonesian), in the catalogue's words where it has them."""
    from mailflow.domain import Said

    if isinstance(exc, SchemaError) and exc.behind is not None:
        before, after = exc.behind
        return Catalogue().say(exc.language, Said.of("cli.schema_behind", before=before, after=after))
    said = getattr(exc, "said", None)
    lines = said if isinstance(said, tuple) else (said,)
    if not isinstance(exc, ConfigError) or not all(isinstance(line, Said | str) for line in lines):
        return str(exc)
    catalogue = Catalogue()
    return "\n".join(catalogue.say(exc.language, line) for line in lines)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except MailflowError as exc:  # one line per problem (config, rules): our line breaks stay
        click.echo(inert(f"mailflow: {in_words(exc)}", lines=True), err=True)
        sys.exit(2)
