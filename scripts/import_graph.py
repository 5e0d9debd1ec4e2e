"""The import graph between mailflow's packages, counted: `.venv/bin/python scripts/import_graph.py`.

A unit is a subpackage or a top-level module of mailflow. It prints the units, the package-level
edges (unit A imports something of unit B), the edges that run upward against the layers contract
of pyproject.toml ("every import runs downward"), and the cycles (groups of units that reach each
other). `--tree DIR` counts another checkout's package (e.g. an older commit's, checked out with
`git worktree add`) against this checkout's contract; units the contract does not place are listed.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
CONTRACT = "every import runs downward"


def layers_of(pyproject: Path) -> dict[str, int]:
    """Unit -> its layer's index in the contract (0 is the top)."""
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    contract = next(c for c in contracts if c["name"] == CONTRACT)
    return {
        f"mailflow.{name.strip().strip('()')}": index
        for index, layer in enumerate(contract["layers"])
        for name in layer.replace(":", "|").split("|")
    }


def unit_edges(tree: Path) -> set[tuple[str, str]]:
    sys.path.insert(0, str(tree))
    graph = grimp.build_graph("mailflow", cache_dir=None)
    edges = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = ".".join(module.split(".")[:2]), ".".join(imported.split(".")[:2])
            if a != b and "mailflow" not in (a, b):
                edges.add((a, b))
    return edges


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected groups of more than one unit (Tarjan's algorithm)."""
    following: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        following.setdefault(a, []).append(b)
        following.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for nxt in following[unit]:
            if nxt not in index:
                visit(nxt)
                low[unit] = min(low[unit], low[nxt])
            elif nxt in stack:
                low[unit] = min(low[unit], index[nxt])
        if low[unit] == index[unit]:
            group = []
            while (member := stack.pop()) != unit:
                group.append(member)
            group.append(unit)
            if len(group) > 1:
                found.append(sorted(group))

    for unit in following:
        if unit not in index:
            visit(unit)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=REPO, help="the checkout whose mailflow/ is counted")
    args = parser.parse_args()
    layer = layers_of(REPO / "pyproject.toml")
    edges = unit_edges(args.tree.resolve())
    units = sorted({u for edge in edges for u in edge})
    unplaced = [u for u in units if u not in layer]
    upward = sorted(
        (a, b) for a, b in edges if a in layer and b in layer and layer[b] <= layer[a]
    )
    groups = cycles(edges)
    print(f"units: {len(units)}")
    print(f"package-level import edges: {len(edges)}")
    print(f"upward edges (against the layers contract): {len(upward)}")
    for a, b in upward:
        print(f"  {a} -> {b}")
    print(f"cycles: {len(groups)}")
    for group in groups:
        print("  " + " <-> ".join(group))
    if unplaced:
        print(f"units the contract does not place: {', '.join(unplaced)}")


if __name__ == "__main__":
    main()
