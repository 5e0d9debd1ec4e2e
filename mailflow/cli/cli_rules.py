"""`rules check` and `rules test`: the rules folder validated, and a message routed on paper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mailflow.cli.base import CliState, cli, echo, office_option, pass_obj
from mailflow.errors import MessageError, RulesError

if TYPE_CHECKING:
    from mailflow.config import MailboxSettings
    from mailflow.office.model import Rules
    from mailflow.office.regency import Regency
    from mailflow.text.message import ParsedMessage


@cli.group("rules")
def rules_group() -> None:
    """Check the rules folder."""


@rules_group.command("check")
@click.option("--rules-dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@office_option
@pass_obj
def rules_check(obj: CliState, rules_dir: Path | None, office: str | None) -> None:
    """The whole rules tree is checked (offices name each other); --office shows one office's."""
    from mailflow.office.regency import load_regency

    folder = rules_dir or obj.settings.rules_dir
    try:
        regency = load_regency(folder)
    except RulesError as exc:
        for problem in exc.problems:  # the tree is one whole: every office's problems show
            message = obj.word(problem.key) if problem.key else problem.message
            click.echo(f"{folder / problem.file}:{problem.line or ''}: {message}", err=True)
        raise SystemExit(1) from exc
    if office is not None and office not in regency.offices:
        raise click.BadParameter(f"no office {office!r} in {folder}", param_hint="--office")
    refused = _template_problems(obj, regency, office)
    for line in refused:
        echo(line, err=True)
    if refused:
        raise SystemExit(1)
    for code, rules in regency.offices.items():
        if office in (None, code):
            where, label = (folder, "") if regency.single else (rules.folder, f"{code}: ")
            sends = ", ".join(n.code for n in rules.neighbours if n.allowed)
            counts = ", ".join(
                _counted(len(things), one, many)
                for things, one, many in (
                    (rules.positions, "position", "positions"),
                    (rules.people, "person", "people"),
                    (rules.clerks, "clerk", "clerks"),
                )
            )
            click.echo(f"{where}: OK ({label}{counts}{'; passes letters to ' + sends if sends else ''})")


def _counted(n: int, one: str, many: str) -> str:
    """"1 clerk", "2 clerks": English has a singular."""
    return f"{n} {one if n == 1 else many}"


def _template_problems(obj: CliState, regency: Regency, office: str | None) -> list[str]:
    """The service's templates folder and each office's own: what the sandbox would refuse."""
    from mailflow.outbound.compose import template_problems
    from mailflow.resources import TEMPLATES

    service = obj.settings.templates_dir
    folders = [service] if service.resolve() != TEMPLATES.resolve() else []
    folders += [
        rules.folder / "templates"
        for code, rules in regency.offices.items()
        if office in (None, code) and rules.folder is not None and (rules.folder / "templates").is_dir()
    ]
    return [problem for f in dict.fromkeys(folders) for problem in template_problems(f)]


@rules_group.command("test")
@click.argument("message", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--mailbox", help="which configured mailbox it arrives in (default: the first)")
@pass_obj
def rules_test(obj: CliState, message: Path, mailbox: str | None) -> None:
    """Show which routing rule fires for MESSAGE.eml and why; nothing is filed or sent."""
    from mailflow.office.regency import load_regency
    from mailflow.registry.dry_run import explain
    from mailflow.text.parsing import parse_message

    settings = obj.settings
    box = settings.mailbox(mailbox) if mailbox else (settings.mailboxes[0] if settings.mailboxes else None)
    raw = message.read_bytes()
    try:
        regency = load_regency(settings.rules_dir)
        parsed = parse_message(raw)
    except RulesError as exc:
        raise click.ClickException(f"the rules do not load:\n{exc}") from exc
    except MessageError as exc:
        raise click.ClickException(f"{message}: would be quarantined: {exc}") from exc
    code = regency.office_of_mailbox(box.address, box.office) if box else next(iter(regency.offices))
    if code is None:
        raise click.ClickException(f"mailbox {box.name if box else ''!r} serves no office of the rules tree")
    rules = regency.office(code)
    today = dt.datetime.now(settings.zone).date()
    result = explain(parsed, rules, box.name if box else "", box.address if box else "", today)
    word = obj.word
    role = word(f"rules_test.{result.sender_role}")
    lines = [(word("rules_test.from"), f"{parsed.from_address} -> {role}")]
    for name, source in sorted(result.fields.sources.items()):
        value = f"{getattr(result.fields, name)} ({obj.coded('source', source)})"
        lines.append((word("rules_test.field"), f"{word('field.' + name)} = {value}"))
    lines.append((word("rules_test.rule"), result.route.rule))
    lines += [(word("rules_test.because"), word(r.key, **dict(r.values))) for r in result.route.reasons]
    holder = result.holder
    lines.append((word("rules_test.first"), f"{holder.title} ({holder.person.name} <{holder.person.email}>)"))
    if result.route.copies:
        lines.append((word("rules_test.copies"), ", ".join(result.route.copies)))
    lines.append((word("rules_test.deadline"), word("cli.value", value=result.deadline)))
    width = max(len(label) for label, _ in lines)
    for index, (label, value) in enumerate(lines):
        echo(f"{label + ':':<{width + 1}} {value}")
        if index == 0 and box is not None:  # beside the sender: would it verify?
            _verification(obj, raw, parsed, box, rules)


def _verification(
    obj: CliState, raw: bytes, message: ParsedMessage, box: MailboxSettings, rules: Rules
) -> None:
    """The sender check the poll would make, with this mailbox's policy and the service's DNS."""
    from mailflow.inbound.senders import service_lookup, verdict

    found = verdict(raw, message, box, rules, service_lookup(obj.settings))
    why, then = found.said(box)
    echo(obj.word("senders.verdict", why=why, then=then))
    if found.outcome == "held":  # a letter held: what follows is what its release would do
        echo(obj.word("senders.after_release"))
