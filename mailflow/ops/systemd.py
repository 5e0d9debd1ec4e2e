"""systemd units for an installation: the service (`mailflow run`) and a timer that runs
`mailflow status` every few minutes, rendered from this config so every path in them is one this
install really has: the `mailflow` command that runs now (pipx's ~/.local/bin/mailflow of the
service user, or a virtualenv's), the config's folder as the working directory, and the data
folders (storage, a SQLite database's folder) as the only writable places of a read-only system."""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.engine import make_url

from mailflow.config import Settings

UNITS = ("mailflow.service", "mailflow-status.service", "mailflow-status.timer")
TEMPLATES = Path(__file__).resolve().parent / "systemd_units"
STOP_MARGIN = 10  # seconds systemd waits beyond stop_timeout before it kills what is left
CHECK_EVERY = "5min"


def mailflow_command(argv0: str | None = None) -> str:
    """The command that runs this Mailflow: the `mailflow` script being run (not resolved, so
    pipx's link in ~/.local/bin survives an upgrade), else the one on PATH, else this Python."""
    started = Path(argv0 if argv0 is not None else sys.argv[0])
    if started.name == "mailflow" and started.is_file():
        return str(started.absolute())
    return shutil.which("mailflow") or f"{sys.executable} -m mailflow"


def writable_paths(settings: Settings) -> list[Path]:
    """What the service writes: storage, and the folder of a SQLite database (its -wal and -shm
    files are made beside it); one path inside another is covered by it."""
    paths = [settings.storage_dir.absolute()]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        paths.append(Path(str(url.database)).absolute().parent)
    return sorted(p for p in set(paths) if not any(p != q and p.is_relative_to(q) for q in paths))


def render_units(settings: Settings, user: str, command: str, group: str | None = None) -> dict[str, str]:
    """Each unit's name and text."""
    if settings.config_path is None:
        raise ValueError("the units need the config file's path")
    config = settings.config_path.absolute()
    writable = writable_paths(settings)
    homes = (Path("/home"), Path("/root"))
    under_home = any(
        p.is_relative_to(h) for p in (*writable, config, Path(command.split()[0])) for h in homes
    )
    values = {
        "config": config,
        "folder": config.parent,
        "user": user,
        "group": group or user,
        "command": command,
        "writable": [str(p) for p in writable],
        # Home folders stay hidden, unless this install lives in one (pipx as a person's user).
        "protect_home": "read-only" if under_home else "yes",
        "postgres": make_url(settings.database_url).get_backend_name() == "postgresql",
        "stop_timeout": math.ceil(settings.stop_timeout),
        "margin": STOP_MARGIN,
        "every": CHECK_EVERY,
    }
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True
    )
    return {name: env.get_template(f"{name}.j2").render(values) for name in UNITS}


def write_units(units: dict[str, str], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in units.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
