"""An admin's release of a held message: the one path `mailflow quarantine release` and the web
page's release button both take (a message held before it was read is read again; any other is
filed as a letter after all)."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.app import App
from mailflow.disposition.first_holder import route_letter
from mailflow.errors import MailflowError, MessageError
from mailflow.inbound.loop import UNDECIDED_REASONS, read_again
from mailflow.registry.quarantine import release
from mailflow.storage.db import transaction
from mailflow.storage.models import HeldStatus, QuarantineItem, id_of
from mailflow.text.letter import read_letter
from mailflow.text.parsing import parse_message
from mailflow.text.terminal import inert


class ReleaseRefused(MailflowError):
    """The item cannot be released (already released, renumbered, or still unreadable)."""


@dataclass(frozen=True)
class Released:
    letter_id: int | None
    agenda: str | None  # filed as this number; None when read again (`outcome` says how it went)
    outcome: str | None  # the ledger's outcome of reading it again


def release_held(app: App, item: QuarantineItem, by: str) -> Released:
    """Release `item` on behalf of `by` (who is named in the letter's log)."""
    if item.status != HeldStatus.HELD:
        raise ReleaseRefused(f"no held quarantine item {item.id}")
    if item.reason == "renumbered":  # ops.reconcile: its reply code may name another letter now
        raise ReleaseRefused(
            f"item {item.id} answers a letter whose agenda number a restore changed; its reply code "
            "may now name another letter's disposition, so it cannot be applied. Its sender was told "
            "to answer the new request instead"
        )
    if item.reason in UNDECIDED_REASONS:
        row = read_again(app, item, by)
        return Released(row.letter_id, None, row.outcome)
    try:  # read before the transaction, which then only writes (text.letter)
        message = parse_message(app.archive.raw(item.raw_sha256))
    except MessageError as exc:
        raise ReleaseRefused(
            f"item {item.id} still cannot be read ({inert(str(exc))}); "
            f"inspect it with `mailflow quarantine show {item.id} --raw`"
        ) from exc
    ctx = app.context(app.context().mailbox_named(item.mailbox, item.office))
    reading = read_letter(message, direct=ctx.rules.clerk(message.from_address) is None)
    with transaction(app.engine) as session:
        held = session.get(QuarantineItem, item.id, with_for_update=True)
        if held is None or held.status != HeldStatus.HELD:
            raise ReleaseRefused(f"no held quarantine item {item.id}")
        letter, new = release(session, ctx, held, message, reading, by)
        if new and not letter.fields_pending:  # a letter with scans goes when they are read
            route_letter(session, ctx, ctx.mailbox_named(held.mailbox, held.office), letter)
        return Released(id_of(letter), letter.agenda_number, None)
