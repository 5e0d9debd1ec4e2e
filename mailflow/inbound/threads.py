"""Which of our emails an incoming message answers, layered as phone clients need it.

1. a signed token in the plus-address we put in Reply-To (`surat+TOKEN@...`);
2. the "Kode balasan: TOKEN" line of our footer, anywhere in the text (quotes included);
3. our Message-ID in In-Reply-To / References;
4. the agenda tag in the subject (`[SM 001/2026]`) together with the sender.
Only the first two prove that the reply answers an email sent to its author; the last two find
the thread, and triage lets such a reply act only for a verified sender. A token that fails
verification is never skipped over: the match carries the problem, and the message is rejected
rather than matched some weaker way.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, col, select

from mailflow.disposition.states import State
from mailflow.domain import ReplyMatch
from mailflow.office.model import Rules
from mailflow.storage.models import Disposition, Letter, OutboxMessage, fetch, id_of
from mailflow.text.headers import address_list
from mailflow.text.message import ParsedMessage
from mailflow.text.reply_tokens import FOOTER, Signer, TokenError, tokens_in_addresses

_TAG = re.compile(r"\[\s*SM\s*(\d+)\s*/\s*(\d{4})\s*\]", re.I)
RECEIPT_KINDS = {"receipt", "corrected", "duplicate"}


def owners_of(node: Disposition, rules: Rules, today: dt.date) -> tuple[str, ...]:
    """The holder's addresses, and those of whoever acts for the position today (Plt/Plh)."""
    addresses = [node.holder]
    person = rules.person_by_address(node.holder)
    if person is not None:
        addresses.extend(person.addresses)
    if node.position_id in rules.positions:
        addresses.extend(rules.holder(node.position_id, today).person.addresses)
    return tuple(dict.fromkeys(a.lower() for a in addresses))


def _by_token(
    session: Session, signer: Signer, token: str, via: str, rules: Rules, today: dt.date
) -> ReplyMatch | None:
    try:
        claim = Signer.parse(token)
    except TokenError:
        return None
    node = session.get(Disposition, claim.disposition_id)
    if node is None:
        return ReplyMatch(
            "disposition", 0, (), claim.disposition_id, via, "the reply token names no disposition"
        )
    owners = owners_of(node, rules, today)
    try:
        signer.verify(claim, node.holder, today)
    except TokenError as exc:
        return ReplyMatch("disposition", node.letter_id, owners, node.id, via, str(exc))
    return ReplyMatch("disposition", node.letter_id, owners, node.id, via)


def match_reply(
    session: Session, signer: Signer, message: ParsedMessage, mailbox: str, rules: Rules, today: dt.date
) -> ReplyMatch | None:
    headers = [v for k, v in message.headers if k.lower() in ("to", "cc", "delivered-to", "x-original-to")]
    for token in tokens_in_addresses(list(address_list(headers)), mailbox):
        if (found := _by_token(session, signer, token, "token", rules, today)) is not None:
            return found
    if (m := FOOTER.search(message.body_text)) and (
        found := _by_token(session, signer, m[1], "footer", rules, today)
    ) is not None:
        return found
    ids = [*message.in_reply_to, *message.references]
    if ids:
        rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.message_id).in_(ids))).all()
        for row in sorted(rows, key=lambda r: r.disposition_id is None):
            if row.disposition_id is not None:
                node = fetch(session, Disposition, row.disposition_id)
                return ReplyMatch(
                    "disposition", node.letter_id, owners_of(node, rules, today), id_of(node), "message-id"
                )
            if row.letter_id is not None and row.kind in RECEIPT_KINDS:
                receipt = fetch(session, Letter, row.letter_id)
                return ReplyMatch("receipt", id_of(receipt), (receipt.clerk,), via="message-id")
    if m := _TAG.search(message.subject):
        letter = session.exec(
            select(Letter).where(
                Letter.seq == int(m[1]), Letter.year == int(m[2]), Letter.office == rules.office_code
            )
        ).first()
        if letter is not None:
            if message.from_address == letter.clerk:
                return ReplyMatch("receipt", id_of(letter), (letter.clerk,), via="subject")
            nodes = session.exec(
                select(Disposition)
                .where(Disposition.letter_id == letter.id)
                .order_by(col(Disposition.id).desc())
            ).all()
            for node in nodes:
                if node.state != State.CANCELLED and message.from_address in owners_of(node, rules, today):
                    return ReplyMatch(
                        "disposition", id_of(letter), owners_of(node, rules, today), node.id, "subject"
                    )
    return None
