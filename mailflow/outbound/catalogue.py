"""The message catalogue: every sentence Mailflow writes outside a template, in each language.

`templates/<lang>/messages.toml` holds `section.key = "text with {values}"`; an admin's own
templates folder may override any of them. Chosen over gettext/Babel because the words already
live beside the Jinja2 templates that admins edit, need no compile step, and are keyed by the
codes the code already uses (reason codes, state names); a missing key in a language is a test
failure, not a silent fallback.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path

from mailflow.domain import Said
from mailflow.outbound.dates import date_en, date_id
from mailflow.resources import TEMPLATES

LANGUAGES = ("id", "en")
# One reader's words: a catalogue key and its values -> the text in that reader's language.
Words = Callable[..., str]


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def _load(folder: Path, language: str) -> dict[str, str]:
    path = folder / language / "messages.toml"
    if not path.exists():
        return {}
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


class Catalogue:
    def __init__(self, *override_dirs: Path | None) -> None:
        """Each of `override_dirs` may replace entries; the first one wins."""
        self.messages = {lang: _load(TEMPLATES, lang) for lang in LANGUAGES}
        for folder in reversed(override_dirs):
            if folder is not None:
                for lang in LANGUAGES:
                    self.messages[lang].update(_load(folder, lang))

    def keys(self, language: str) -> set[str]:
        return set(self.messages[language])

    def words(self, language: str) -> Words:
        """Every entry in one `language`, for code that speaks to one reader (the admin)."""
        return lambda key, **values: self.say(language, Said.of(key, **values))

    def say(self, language: str, said: Said | str) -> str:
        """`said` in `language` (Indonesian for a language Mailflow does not have)."""
        if isinstance(said, str):
            return said
        table = self.messages.get(language) or self.messages["id"]
        text = table[said.key]
        values = {k: self._value(language, v) for k, v in said.params}
        return text.format(**values)

    def _value(self, language: str, value: object) -> str:
        if isinstance(value, Said):
            return self.say(language, value)
        if isinstance(value, dt.date):
            return date_en(value) if language == "en" else date_id(value)
        if isinstance(value, list | tuple):
            return ", ".join(self._value(language, v) for v in value)
        return str(value)
