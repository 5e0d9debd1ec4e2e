"""Who a letter can go to, as the office model says: the holder of a position on a day, or the
head of a neighbouring office. Routing asks here; the reply language reads names against these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailflow.office.model import Neighbour, Rules


@dataclass(frozen=True)
class Target:
    """An official a reply may name: an entry of the numbered list, or anyone in the office."""

    position_id: str
    title: str
    name: str
    email: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    office: str = ""  # another office of the regency, whose head this is: the letter passes there


def target_of(rules: Rules, position_id: str, on: dt.date) -> Target:
    """The holder of `position_id` on day `on`, named by the position's aliases too."""
    holder = rules.holder(position_id, on)
    return Target(
        position_id,
        holder.title,
        holder.person.name,
        holder.person.email,
        holder.position.aliases,
        holder.person.addresses,
    )


def office_target(neighbour: Neighbour, on: dt.date) -> Target:
    """Another office as a target: its head today, named by the office's names too."""
    rules = neighbour.rules
    holder = rules.holder(rules.head_position, on)
    return Target(
        f"{neighbour.code}:{holder.position.id}",
        holder.title,
        holder.person.name,
        holder.person.email,
        neighbour.aliases,
        holder.person.addresses,
        office=neighbour.code,
    )
