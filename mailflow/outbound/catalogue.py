"""The message catalogue: every sentence Mailflow writes outside a template, in each language.

`templates/<lang>/messages.toml` holds `section.key = "text with {values}"`; an admin's own
templates folder may override any of them. Chosen over gettext/Babel because the words already
live beside the Jinja2 templates that admins edit, need no compile step, and are keyed by the
codes the code already uses (reason codes, state names); a missing key in a language is a test
failure, not a silent fallback.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from string import Formatter

from mailflow.domain import Said
from mailflow.outbound.date_words import date_en, date_id
from mailflow.resources import TEMPLATES

log = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
# One reader's words: a catalogue key and its values -> the text in that reader's language.
Words = Callable[..., str]


def unsafe_entries(table: dict[str, str]) -> list[str]:
    """Keys whose text has a placeholder other than a plain name: `{agenda.__class__}` or
    `{agenda[0]}` would let an office's messages.toml reach into Python objects via str.format."""
    unsafe = []
    for key, text in table.items():
        try:
            names = [name for _, name, _, _ in Formatter().parse(text) if name is not None]
        except ValueError:  # an unbalanced brace
            unsafe.append(key)
            continue
        if not all(name.isidentifier() for name in names):
            unsafe.append(key)
    return unsafe


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_messages(folder: Path, language: str) -> dict[str, str]:
    path = folder / language / "messages.toml"
    if not path.exists():
        return {}
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def _own_entries(folder: Path, language: str) -> dict[str, str]:
    """An admin's entries, less the unsafe ones: their built-in words stay (rules check names them)."""
    own = load_messages(folder, language)
    for key in unsafe_entries(own):
        log.error("event=message_refused file=%s key=%s", folder / language / "messages.toml", key)
        del own[key]
    return own


class Catalogue:
    def __init__(self, *override_dirs: Path | None) -> None:
        """Each of `override_dirs` may replace entries; the first one wins."""
        self.messages = {lang: load_messages(TEMPLATES, lang) for lang in LANGUAGES}
        for folder in reversed(override_dirs):
            if folder is not None:
                for lang in LANGUAGES:
                    self.messages[lang].update(_own_entries(folder, lang))

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
        text = table[said.key] if said.key in table else table[self._plural(table, said)]
        values = {k: self._value(language, v) for k, v in said.params}
        return text.format(**values)

    @staticmethod
    def _plural(table: dict[str, str], said: Said) -> str:
        """`key.one` for a count `n` of 1 where the language has it (English), else `key.other`
        (Indonesian writes "1 surat" and "5 surat" alike)."""
        one = f"{said.key}.one"
        return one if dict(said.params).get("n") == 1 and one in table else f"{said.key}.other"

    def _value(self, language: str, value: object) -> str:
        if isinstance(value, Said):
            return self.say(language, value)
        if isinstance(value, dt.date):
            return date_en(value) if language == "en" else date_id(value)
        if isinstance(value, list | tuple):
            return ", ".join(self._value(language, v) for v in value)
        return str(value)


def words_for(templates_dir: Path, language: str) -> Callable[[Said], str]:
    """`say` in one language, with the admin's own templates folder over the built-in one."""
    catalogue = Catalogue(None if templates_dir == TEMPLATES else templates_dir)
    return partial(catalogue.say, language)
