"""The pictures drawn on the server (pure): a letter's disposition tree (who, what, when, how long
each waited) and the dashboard's chart over the weeks, as coordinates an SVG template draws. No
script, no image library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mailflow.disposition.tree import TreeRow
from mailflow.disposition.waits import waited
from mailflow.domain import Said
from mailflow.web.lists import Week

ROW, INDENT, WIDTH, HEIGHT = 74, 22, 330, 66


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    row: TreeRow
    parent: tuple[int, int] | None  # where the line from its disposer starts
    waited: Said | None = None


@dataclass(frozen=True)
class TreePicture:
    width: int
    height: int
    boxes: list[Box]
    box_width: int = WIDTH
    box_height: int = HEIGHT


def tree_picture(rows: Sequence[TreeRow], now: dt.datetime) -> TreePicture:
    """One box per node, indented by depth, with a line from the box of the node above it, and
    how long it waited (until `now` while it still waits)."""
    boxes: list[Box] = []
    last_at_depth: dict[int, Box] = {}
    for i, row in enumerate(rows):
        x, y = 8 + INDENT * row.depth, 8 + ROW * i
        parent = last_at_depth.get(row.depth - 1)
        box = Box(x, y, row, (parent.x + 10, parent.y + HEIGHT) if parent else None, waited(row, now))
        boxes.append(box)
        last_at_depth[row.depth] = box
    depth = max((r.depth for r in rows), default=0)
    return TreePicture(16 + WIDTH + INDENT * depth, 16 + ROW * len(rows), boxes)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    first: str  # SVG polyline points: hours to the first disposition, by week
    completion: str
    top_hours: int
    labels: list[tuple[int, str]]  # x, the week's first day


def week_chart(weeks: Sequence[Week], width: int = 360, height: int = 160) -> Chart:
    top = max(
        [w.first_disposition_hours or 0 for w in weeks] + [w.completion_hours or 0 for w in weeks] + [1.0]
    )
    step = (width - 40) / max(1, len(weeks) - 1)

    def points(values: list[float | None]) -> str:
        return " ".join(
            f"{30 + i * step:.0f},{height - 20 - v / top * (height - 30):.0f}"
            for i, v in enumerate(values)
            if v is not None
        )

    labels = [(int(30 + i * step), f"{w.start:%d/%m}") for i, w in enumerate(weeks) if i % 3 == 0]
    return Chart(
        width,
        height,
        points([w.first_disposition_hours for w in weeks]),
        points([w.completion_hours for w in weeks]),
        round(top),
        labels,
    )
