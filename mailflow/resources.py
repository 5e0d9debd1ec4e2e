"""What ships with Mailflow: the built-in templates, the example rules and the example config.

In a wheel they live inside the package (`mailflow/_builtin/`, mapped there at build time from
the repository's top-level `templates/`, `rules/` and `config.example.toml`, which admins and
contributors edit where the design puts them); in a checkout or an editable install they are
read where they stand.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGED = Path(str(files("mailflow"))) / "_builtin"
_CHECKOUT = Path(__file__).resolve().parent.parent


def builtin(name: str) -> Path:
    """`templates`, `rules` or `config.example.toml`, wherever this installation keeps it."""
    packaged = _PACKAGED / name
    return packaged if packaged.exists() else _CHECKOUT / name


TEMPLATES = builtin("templates")
EXAMPLE_RULES = builtin("rules")
EXAMPLE_CONFIG = builtin("config.example.toml")
