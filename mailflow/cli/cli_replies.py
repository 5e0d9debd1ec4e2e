"""`mailflow reply explain`: why a reply was (or was not) understood."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click
from rich.console import Group

from mailflow.cli.base import CliState, cli, escape, json_option, office_option, pass_obj, show
from mailflow.disposition.explain import ExplainedReply
from mailflow.errors import MessageError
from mailflow.text.parsing import parse_message


@cli.group("reply")
def reply_group() -> None:
    """Replies of officials."""


@reply_group.command("explain")
@click.argument("message", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--as", "who", required=True, help="the official it answers: position id, alias or address")
@click.option("--urgency", help="the letter's urgency (sifat), for the default deadline")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="read as on this day")
@office_option
@json_option
@pass_obj
def explain(
    obj: CliState,
    message: Path,
    who: str,
    urgency: str | None,
    today: dt.datetime | None,
    office: str | None,
    as_json: bool,
) -> None:
    """Read MESSAGE.eml as a reply to a request sent to an official; nothing is written or sent."""
    from mailflow.disposition.explain import explain_reply, position_of

    settings = obj.settings
    rules = obj.regency.office(obj.offices(office)[0])
    day = today.date() if today else dt.datetime.now(settings.zone).date()
    try:
        parsed = parse_message(message.read_bytes())
    except MessageError as exc:
        raise click.ClickException(f"{message}: would be quarantined: {exc}") from exc
    position = position_of(rules, who, day)
    person = rules.holder(position, day).person
    result = explain_reply(parsed, rules, position, day, urgency, obj.catalogue, person.language)
    show(dataclasses.asdict(result), as_json, lambda: _view(result))


def _view(result: ExplainedReply) -> Group:
    lines = [f"as:        {escape(result.title)} <{escape(result.email)}>, on {result.today}"]
    if result.automatic:
        lines.append("[yellow]an out-of-office text: nothing is read and nothing is answered[/yellow]")
    lines.append("new text:")
    lines.extend(f"  | {escape(line)}" for line in result.new_text.splitlines() or [""])
    for st in result.statements:
        parts = [f"[bold]{st.kind}[/bold]"]
        if st.targets:
            parts.append("-> " + escape(", ".join(st.targets)))
        if st.codes:
            parts.append("codes " + ", ".join(str(c) for c in st.codes))
        if st.instruction:
            parts.append(f'"{escape(st.instruction)}"')
        if st.deadline:
            parts.append(f"deadline {st.deadline}{'' if st.deadline_given else ' (default)'}")
        if st.text:
            parts.append(f'"{escape(st.text)}"')
        lines.append(f"  {escape(st.line)!r}: " + " ".join(parts))
    for p in result.problems:
        lines.append(f"  [red]{escape(p.reason)}[/red] {escape(p.line)!r}: {escape(p.message)}")
        for candidate in p.candidates:
            lines.append(f"      candidate: {escape(candidate)}")
    if not result.statements and not result.problems and not result.automatic:
        lines.append("  nothing recognised: the confirmation says so and shows examples")
    return Group(*lines)
