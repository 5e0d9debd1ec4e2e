"""`rules check` and `rules test`: the rules folder validated, and a message routed on paper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from mailflow.cli.base import CliState, cli, pass_obj
from mailflow.errors import MessageError, RulesError
from mailflow.office.load import load_rules
from mailflow.text.parsing import parse_message


@cli.group("rules")
def rules_group() -> None:
    """Check the rules folder."""


@rules_group.command("check")
@click.option("--rules-dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_obj
def rules_check(obj: CliState, rules_dir: Path | None) -> None:
    folder = rules_dir or obj.settings.rules_dir
    try:
        rules = load_rules(folder)
    except RulesError as exc:
        for problem in exc.problems:
            click.echo(f"{folder / problem.file}:{problem.line or ''}: {problem.message}", err=True)
        raise SystemExit(1) from exc
    click.echo(
        f"{folder}: OK ({len(rules.positions)} positions, {len(rules.people)} people, "
        f"{len(rules.clerks)} clerks)"
    )


@rules_group.command("test")
@click.argument("message", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--mailbox", help="which configured mailbox it arrives in (default: the first)")
@pass_obj
def rules_test(obj: CliState, message: Path, mailbox: str | None) -> None:
    """Show which routing rule fires for MESSAGE.eml and why; nothing is filed or sent."""
    from mailflow.registry.explain import explain

    settings = obj.settings
    try:
        rules = load_rules(settings.rules_dir)
        parsed = parse_message(message.read_bytes())
    except RulesError as exc:
        raise click.ClickException(f"the rules do not load:\n{exc}") from exc
    except MessageError as exc:
        raise click.ClickException(f"{message}: would be quarantined: {exc}") from exc
    box = settings.mailbox(mailbox) if mailbox else (settings.mailboxes[0] if settings.mailboxes else None)
    today = dt.datetime.now(settings.zone).date()
    result = explain(parsed, rules, box.name if box else "", box.address if box else "", today)
    click.echo(f"from:      {parsed.from_address} -> {result.sender_role}")
    for name, source in sorted(result.fields.sources.items()):
        click.echo(f"field:     {name} = {getattr(result.fields, name)} ({source})")
    click.echo(f"rule:      {result.route.rule}")
    for reason in result.route.reasons:
        click.echo(f"  because  {reason}")
    holder = result.holder
    click.echo(f"first:     {holder.title} ({holder.person.name} <{holder.person.email}>)")
    if result.route.copies:
        click.echo(f"copies:    {', '.join(result.route.copies)}")
    click.echo(f"deadline:  {result.deadline.isoformat()}")
