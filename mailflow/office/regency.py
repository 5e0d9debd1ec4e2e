"""The regency: every office (OPD) one service serves, read from the rules tree.

A rules folder with `regency.toml` holds one folder per office (its own office.toml,
organisation.toml, routing.toml, optional instructions.toml and calendar.toml, else the
regency's) and says which offices may pass letters to which. A rules folder without it is one
office, as before: a regency of one. Each office's `Rules` knows the others as `Neighbour`s, so
the reply language can name another office's head (pure; loading checks the whole tree).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from mailflow.errors import RuleProblem, RulesError
from mailflow.office.load import TomlReader, load_rules, lowered
from mailflow.office.model import Neighbour, Rules

REGENCY_FILE = "regency.toml"
_REGION = re.compile(r"(?<!\s)\s++(kabupaten|kota|kab\.)\s.*$", re.I)  # blanks scanned once


@dataclass(frozen=True)
class Regency:
    name: str
    offices: dict[str, Rules]  # by office code, in the regency file's order
    folder: Path

    @property
    def single(self) -> bool:
        return len(self.offices) == 1

    def office(self, code: str) -> Rules:
        """The rules of office `code`; a code the tree does not have is a configuration error."""
        try:
            return self.offices[code]
        except KeyError:
            raise LookupError(
                f"no office {code!r} in {self.folder} (known: {', '.join(self.offices)})"
            ) from None

    def office_of_mailbox(self, address: str, office: str = "") -> str | None:
        """The office a mailbox serves: the one its settings name, the one whose unit lists it,
        or the only office there is."""
        if office:
            return office if office in self.offices else None
        for code, rules in self.offices.items():
            if rules.unit_for_mailbox(address) is not None:
                return code
        return next(iter(self.offices)) if self.single else None


MISSING_FOLDER = (
    "the rules folder does not exist: set rules_dir in the config to the office's rules folder "
    "(`mailflow init` writes one from the example)"
)


def load_regency(folder: Path) -> Regency:
    """The rules tree checked as a whole; RulesError lists every problem of every office."""
    if not folder.is_dir():  # one problem, not one "file is missing" per rules file
        raise RulesError([RuleProblem(str(folder), None, MISSING_FOLDER, "config.no_rules_folder")])
    if not (folder / REGENCY_FILE).exists():
        rules = load_rules(folder)
        return Regency(rules.office_name, {rules.office_code: rules}, folder)
    problems: list[RuleProblem] = []
    reader = TomlReader(folder, REGENCY_FILE, problems)
    entries = reader.tables("offices", {"code", "folder"}, {"aliases", "sends_to", "head"})
    offices: dict[str, Rules] = {}
    for entry in entries:
        code, sub = str(entry["code"]), str(entry["folder"])
        line = reader.line_of(f'"{code}"')
        if code in offices:
            reader.problem(line, f"office code {code!r} appears twice")
            continue
        if not (folder / sub).is_dir():
            reader.problem(line, f"office {code!r}: folder {sub!r} does not exist")
            continue
        try:
            rules = load_rules(folder / sub, shared=folder, label=f"{sub}/")
        except RulesError as exc:
            problems.extend(exc.problems)
            continue
        if rules.office_code not in (code, "OPD"):
            reader.problem(line, f"office {code!r}: {sub}/office.toml says code = {rules.office_code!r}")
        head = str(entry.get("head") or rules.head)
        if head and head not in rules.positions:
            reader.problem(line, f"office {code!r}: head {head!r} is no position of {sub}/organisation.toml")
            continue
        offices[code] = dataclasses.replace(rules, office_code=code, head=head)
    if reader.loaded and not entries:
        reader.problem(None, "no [[offices]]: a regency file lists its offices")
    links = _links(reader, entries, set(offices))
    served: dict[str, str] = {}
    for code, rules in offices.items():  # a mailbox serves one office: the one its unit names
        for unit in rules.units.values():
            if unit.mailbox and served.setdefault(unit.mailbox, code) != code:
                reader.problem(
                    None, f"mailbox {unit.mailbox} is a unit's in both {served[unit.mailbox]} and {code}"
                )
    if problems:
        raise RulesError(problems)
    aliases = {str(e["code"]): lowered(e.get("aliases")) for e in entries}
    plain = dict(offices)
    for code, rules in offices.items():
        neighbours = tuple(
            Neighbour(other, r.office_name, _names(other, r, aliases[other]), r, other in links[code])
            for other, r in plain.items()
            if other != code
        )
        offices[code] = dataclasses.replace(rules, neighbours=neighbours)
    return Regency(str(reader.data.get("name", folder.name)), offices, folder)


def _names(code: str, rules: Rules, aliases: tuple[str, ...]) -> tuple[str, ...]:
    """What an official may type for another office: its code, its name with and without the
    regency ("Dinas Kesehatan"), its head's title, and the regency file's aliases."""
    head = rules.positions[rules.head_position]
    names = (code, rules.office_name, short_name(rules.office_name), head.title, *aliases)
    return tuple(dict.fromkeys(n.lower() for n in names))


def short_name(name: str) -> str:
    """ "Dinas Kesehatan Kabupaten Probolinggo" -> "Dinas Kesehatan", as people type it."""
    return _REGION.sub("", name)


def _links(reader: TomlReader, entries: list[dict], known: set[str]) -> dict[str, set[str]]:
    """Which offices each office may pass letters to: `sends_to` codes, or "*" for all."""
    links: dict[str, set[str]] = {}
    for entry in entries:
        code = str(entry["code"])
        targets = [str(t) for t in entry.get("sends_to", [])]
        unknown = [t for t in targets if t != "*" and t not in known]
        if unknown:
            reader.problem(
                reader.line_of("sends_to", unknown[0]), f"office {code!r}: sends_to unknown {unknown}"
            )
        if code in targets:
            reader.problem(reader.line_of("sends_to", code), f"office {code!r} sends_to itself")
        links[code] = (known - {code}) if "*" in targets else set(targets) & known
    return links
