"""Every compiled pattern of the package costs time linear in its input (issue 20).

A backtracking engine can take quadratic time on a line built from a pattern's own characters
(a From line of 160,000 address characters took 160 s). This test finds every compiled pattern
in the package's modules (module globals, and those kept in tuples, lists and dicts there; Python
`re` and RE2 alike), runs each on adversarial inputs of growing size, and fails when the time
grows faster than the input: t(4n) / t(n) must stay under 8 (linear gives about 4, quadratic 16).
Ratios, not absolute times, of this thread's CPU time (not the wall clock, which a busy machine
stretches), the best of several runs, and a floor below which a run is too short to measure. It first proves it catches a known quadratic
pattern (the forwarded-letter address pattern before this issue).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Iterator
from typing import Any

import re2

import mailflow

# Below some 15,000 characters the time of a linear pattern still grows faster than its input
# (measured: 5k -> 20k up to 12x, 20k -> 80k 4-5x), so the sizes start there.
SMALL = 16_000
GROWTH = 4
BOUND = 8.0  # t(4n) / t(n): linear is 4, quadratic 16
FLOOR = 0.05  # seconds for the large input below which growth is not measured
_EXTRA = " \t\na0@.<>\"'-=/:,;!()[]_*#"
_WORDS = re.compile(r"[A-Za-z]{2,}")


def compiled_patterns() -> dict[str, Any]:
    """name -> pattern, for every compiled pattern found in a module of the package."""
    found: dict[str, Any] = {}
    for info in pkgutil.walk_packages(mailflow.__path__, "mailflow."):
        if info.name.endswith("__main__") or ".migrations." in info.name:
            continue
        module = importlib.import_module(info.name)
        for key, value in vars(module).items():
            values = value.values() if isinstance(value, dict) else value
            items = values if isinstance(values, tuple | list | type({}.values())) else [value]
            for index, item in enumerate(_flat(items)):
                if isinstance(item, re.Pattern | re2._Regexp) and isinstance(item.pattern, str):
                    found.setdefault(f"{info.name}.{key}[{index}]", item)
    return found


def _flat(items: Any) -> Iterator[Any]:
    for item in items:
        if isinstance(item, tuple | list):
            yield from item
        else:
            yield item


def adversarial(pattern: Any, size: int) -> Iterator[tuple[str, str]]:
    """(label, text of `size` characters) built from what the pattern itself matches on."""
    source = pattern.pattern
    chars = sorted({c for c in source if c.isprintable()} | set(_EXTRA))
    for c in chars:
        yield f"{c!r}+x", c * (size - 1) + "x"
    for word in sorted(set(_WORDS.findall(source)))[:8]:
        unit = word + " "
        yield f"{word!r} repeated", (unit * (size // len(unit) + 1))[:size] + "~"
    mixed = "".join(chars)
    yield "all its characters", (mixed * (size // len(mixed) + 1))[:size]
    yield "a@ / a.", ("a@a." * size)[:size]


def _cost(pattern: Any, text: str, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.thread_time()  # CPU time of this thread: other processes' load is not counted
        pattern.search(text)
        for _match in pattern.finditer(text):
            pass
        best = min(best, time.thread_time() - started)
    return best


def superlinear(pattern: Any, size: int = SMALL) -> str | None:
    """The first input on which the pattern's time grows faster than linearly, or None."""
    small = dict(adversarial(pattern, size))
    for label, text in adversarial(pattern, size * GROWTH):
        grown = _cost(pattern, text, runs=1)
        if grown < FLOOR:
            continue
        ratio = min(grown, _cost(pattern, text)) / max(_cost(pattern, small[label], runs=3), FLOOR / GROWTH / 2)
        if ratio > BOUND:
            return f"{label}: {ratio:.1f}x for {GROWTH}x the input ({grown:.3f} s)"
    return None


def test_the_check_catches_a_quadratic_pattern() -> None:
    before = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")  # text.fields._EMAIL until issue 20
    assert superlinear(before, 4_000) is not None  # smaller: a quadratic pattern at 64k takes minutes


def test_the_package_has_its_patterns_found() -> None:
    names = compiled_patterns()
    assert "mailflow.text.fields._EMAIL[0]" in names and "mailflow.language.phrases.FILLER_TAIL[0]" in names
    assert len(names) > 80


def test_every_pattern_of_the_package_is_linear() -> None:
    slow = {name: why for name, pattern in compiled_patterns().items() if (why := superlinear(pattern))}
    assert not slow, "\n".join(f"{name}: {why}" for name, why in slow.items())
