"""`mailflow reply explain`: why a reply was (or was not) understood, for one reply or a folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Group, RenderableType

from mailflow.cli.base import CliState, cli, echo, escape, json_option, office_option, pass_obj, show
from mailflow.errors import MessageError

if TYPE_CHECKING:
    from mailflow.disposition.explain import ExplainedReply, ExplainedStatement
    from mailflow.outbound.catalogue import Words


@cli.group("reply")
def reply_group() -> None:
    """Replies of officials."""


def _files(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and the .eml files in the folders named (sorted, subfolders included)."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(p for p in path.rglob("*.eml") if p.is_file()) if path.is_dir() else [path])
    return out


@reply_group.command("explain")
@click.argument("messages", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--as", "who", required=True, help="the official it answers: position id, alias or address")
@click.option("--urgency", help="the letter's urgency (sifat), for the default deadline")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="read as on this day")
@office_option
@json_option
@pass_obj
def explain(
    obj: CliState,
    messages: tuple[Path, ...],
    who: str,
    urgency: str | None,
    today: dt.datetime | None,
    office: str | None,
    as_json: bool,
) -> None:
    """Read MESSAGES (.eml files, or folders of them) as replies to a request sent to an official,
    as the service would; nothing is written or sent. Several replies end with a summary line."""
    from mailflow.config import configured_token_key
    from mailflow.disposition.explain import explain_reply, position_of, summary
    from mailflow.text.parsing import parse_message
    from mailflow.text.reply_tokens import Signer

    settings = obj.settings
    rules = obj.regency.office(obj.offices(office)[0])
    day = today.date() if today else dt.datetime.now(settings.zone).date()
    position = position_of(rules, who, day)
    person = rules.holder(position, day).person
    key = configured_token_key(settings)
    signer = Signer(key) if key else None
    files = _files(messages)
    single = len(messages) == 1 and messages[0].is_file()
    results: list[ExplainedReply] = []
    unreadable: list[tuple[Path, str]] = []
    for path in files:
        try:
            parsed = parse_message(path.read_bytes())
        except MessageError as exc:
            if single:
                raise click.ClickException(f"{path}: would be quarantined: {exc}") from exc
            unreadable.append((path, str(exc)))
            continue
        result = explain_reply(parsed, rules, position, day, urgency, obj.catalogue, person.language, signer)
        results.append(dataclasses.replace(result, file=str(path)))
    outcomes = [r.outcome for r in results]
    word = obj.word
    if single:
        show(dataclasses.asdict(results[0]), as_json, lambda: _view(results[0], word))
        return
    data = {
        "replies": [dataclasses.asdict(r) for r in results],
        "unreadable": [{"file": str(p), "problem": problem} for p, problem in unreadable],
        "summary": dict(summary(outcomes)) | {"read": len(results), "unreadable": len(unreadable)},
    }

    def view() -> Group:
        parts: list[RenderableType] = []
        for r in results:
            parts.extend([f"[bold]{escape(r.file)}[/bold]", _view(r, word), ""])
        for path, problem in unreadable:
            parts.append(
                "[red]" + escape(word("explain.unreadable", file=str(path), problem=problem)) + "[/red]"
            )
        parts.append(escape(_summary_line(outcomes, len(unreadable), word)))
        return Group(*parts)

    show(data, as_json, view)
    if not results and not unreadable:
        echo(word("explain.none_found"), err=True)


def _summary_line(outcomes: list[str], unreadable: int, word: Words) -> str:
    """ "N read: a acted, p proposed, q asked, n notes", each reply counted once by its outcome."""
    from mailflow.disposition.explain import summary

    c = summary(outcomes)
    line = word(
        "explain.summary",
        n=len(outcomes),
        acted=c["acted"],
        proposed=c["proposed"],
        asked=c["asked"],
        notes=c["notes"],
    )
    if c["ignored"]:
        line += word("explain.summary_ignored", n=c["ignored"])
    if unreadable:
        line += word("explain.summary_unreadable", n=unreadable)
    return line


def _statement(st: ExplainedStatement, word: Words) -> str:
    parts = [f"[bold]{st.kind}[/bold]"]
    if st.targets:
        parts.append("-> " + escape(", ".join(st.targets)))
    if st.codes:
        parts.append(escape(word("explain.codes", codes=", ".join(str(c) for c in st.codes))))
    if st.instruction:
        parts.append(f'"{escape(st.instruction)}"')
    if st.deadline:
        parts.append(
            escape(
                word(
                    "explain.deadline" if st.deadline_given else "explain.deadline_default", date=st.deadline
                )
            )
        )
    if st.text:
        parts.append(f'"{escape(st.text)}"')
    return f"  {escape(st.line)!r}: " + " ".join(parts)


def _view(result: ExplainedReply, word: Words) -> Group:
    lines = [escape(word("explain.as", title=result.title, email=result.email, today=result.today))]
    if result.ignored:
        lines.append("[yellow]" + escape(word("explain.machine", why=result.ignored)) + "[/yellow]")
    if (code := result.reply_code) is None:
        lines.append(escape(word("explain.code_none")))
    else:
        key = {True: "explain.code_valid", False: "explain.code_invalid", None: "explain.code_unchecked"}[
            code.valid
        ]
        via = word(f"explain.via.{code.via}")
        lines.append(
            escape(
                word(key, via=via, disposition=code.disposition, expires=code.expires, problem=code.problem)
            )
        )
    for a in result.attachments:
        lines.append(escape(word("explain.attachment", name=a.filename, type=a.content_type, size=a.size)))
    if result.automatic:
        lines.append("[yellow]" + escape(word("explain.out_of_office")) + "[/yellow]")
    lines.append(escape(word("explain.new_text")))
    lines.extend(f"  | {escape(line)}" for line in result.new_text.splitlines() or [""])
    lines.extend(_statement(st, word) for st in result.statements)
    for p in result.proposals:
        proposed = escape(word("explain.proposed", reason=p.reason))
        lines.append(f"  [cyan]{proposed}[/cyan] {escape(p.line)!r}: {escape(p.message)}")
        lines.append("    " + _statement(p.statement, word).strip())
    for problem in result.problems:
        lines.append(
            f"  [red]{escape(problem.reason)}[/red] {escape(problem.line)!r}: {escape(problem.message)}"
        )
        for candidate in problem.candidates:
            lines.append("      " + escape(word("explain.candidate", candidate=candidate)))
    if result.outcome == "notes":
        lines.append("  " + escape(word("explain.nothing")))
    return Group(*lines)
