"""The readers read exactly what they read before their memory was bounded (issue 25): on the
reply corpus, the hostile mail and seeded random HTML and text, every reading's digest is the one
recorded by the readers that held whole copies (tests/support/reading_inputs.py)."""

from __future__ import annotations

import json

from tests.support.reading_inputs import GOLDEN, readings


def test_every_reading_is_the_recorded_one() -> None:
    recorded = json.loads(GOLDEN.read_text())
    got = dict(readings())
    assert got.keys() == recorded.keys()
    changed = sorted(name for name in got if got[name] != recorded[name])
    assert not changed, f"{len(changed)} readings changed, first: {changed[:10]}"
