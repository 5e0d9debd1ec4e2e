"""The rules folder an admin edits, read and checked: `office.toml`, `organisation.toml`,
`routing.toml`, `instructions.toml` and `calendar.toml`.

`load_rules` reads every file and checks the whole, collecting every problem with its file and
line so that `mailflow rules check` can list them all at once; nothing half-loaded is returned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from mailflow.errors import RuleProblem, RulesError
from mailflow.office.calendar import DAY_NAMES, Calendar
from mailflow.office.model import (
    SECURITIES,
    URGENCIES,
    Acting,
    Clerk,
    Instruction,
    Person,
    Position,
    Rules,
    Unit,
)
from mailflow.office.routing import RoutingRule


class TomlReader:
    """Reads one TOML file and remembers problems with the line they are on."""

    def __init__(self, folder: Path, name: str, problems: list[RuleProblem], label: str = "") -> None:
        self.path = folder / name
        self.name = f"{label}{name}"
        self.problems = problems
        self.text = ""
        self.data: dict[str, Any] = {}
        self.loaded = False
        try:
            self.text = self.path.read_text(encoding="utf-8")
            self.data = tomllib.loads(self.text)
            self.loaded = True
        except FileNotFoundError:
            self.problem(None, "file is missing")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(None, f"cannot read: {exc}")
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"line (\d+)", str(exc))
            self.problem(int(line[1]) if line else None, f"not valid TOML: {exc}")

    def line_of(self, *needles: str) -> int | None:
        for number, line in enumerate(self.text.splitlines(), start=1):
            if all(n in line for n in needles):
                return number
        return None

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(RuleProblem(self.name, line, message))

    def tables(self, key: str, required: set[str], optional: set[str]) -> list[dict[str, Any]]:
        items = self.data.get(key, [])
        if not isinstance(items, list):
            self.problem(self.line_of(key), f"{key} must be a list of [[{key}]] tables")
            return []
        good = []
        for item in items:
            where = self.line_of('"' + str(item.get("id", item.get("email", ""))) + '"')
            missing = required - item.keys()
            unknown = item.keys() - required - optional
            if missing:
                self.problem(where, f"[[{key}]] lacks {', '.join(sorted(missing))}")
            for k in sorted(unknown):
                self.problem(self.line_of(k) or where, f"[[{key}]] has unknown key {k!r}")
            if not missing:
                good.append(item)
        return good


def lowered(values: Any) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in (values or []))


def load_rules(folder: Path, shared: Path | None = None, label: str = "") -> Rules:
    """Load and check the rules folder; raises RulesError listing every problem found.

    In a regency, `shared` is the regency folder: an office without its own `instructions.toml`
    or `calendar.toml` uses the regency's; `label` ("disdik/") prefixes the files in problems."""
    problems: list[RuleProblem] = []

    def reader(name: str) -> TomlReader:
        if shared is not None and not (folder / name).exists() and (shared / name).exists():
            return TomlReader(shared, name, problems)
        return TomlReader(folder, name, problems, label)

    office = reader("office.toml")
    org = reader("organisation.toml")

    clerks = tuple(
        Clerk(c["name"], c["email"].lower()) for c in office.tables("clerks", {"name", "email"}, set())
    )
    units = {
        u["id"]: Unit(u["id"], u["name"], u["head"], (u.get("mailbox") or "").lower() or None)
        for u in org.tables("units", {"id", "name", "head"}, {"mailbox"})
    }
    people = {
        p["id"]: Person(
            p["id"], p["name"], p["email"].lower(), lowered(p.get("also")), p.get("language", "id")
        )
        for p in org.tables("people", {"id", "name", "email"}, {"also", "language"})
    }
    positions = {
        p["id"]: Position(
            p["id"],
            p["title"],
            p["unit"],
            p["holder"],
            p.get("reports_to") or None,
            lowered(p.get("aliases")),
        )
        for p in org.tables("positions", {"id", "title", "unit", "holder"}, {"reports_to", "aliases"})
    }
    acting = []
    for a in org.tables("acting", {"position", "person", "kind", "from", "until"}, set()):
        line = org.line_of(a["position"])
        if a["kind"] not in ("Plt", "Plh"):
            org.problem(line, f'acting kind must be "Plt" or "Plh", not {a["kind"]!r}')
        elif not (isinstance(a["from"], dt.date) and isinstance(a["until"], dt.date)):
            org.problem(line, "acting from/until must be dates such as 2026-12-01")
        elif a["from"] > a["until"]:
            org.problem(line, "acting period ends before it starts")
        else:
            acting.append(Acting(a["position"], a["person"], a["kind"], a["from"], a["until"]))

    allowances = {}
    for a in org.tables("allow", {"position", "to"}, set()):
        allowances[a["position"]] = tuple(a["to"])
        for target in (a["position"], *a["to"]):
            if target not in positions:
                org.problem(org.line_of(target), f"allow: unknown position {target!r}")

    instructions = _load_instructions(reader("instructions.toml"))
    calendar = _load_calendar(reader("calendar.toml"))
    if shared is not None and (folder / "calendar.toml").exists() and (shared / "calendar.toml").exists():
        # An office's own working days and deadlines; the regency's holidays are everyone's.
        common = _load_calendar(TomlReader(shared, "calendar.toml", problems))
        calendar = dataclasses.replace(calendar, holidays=calendar.holidays | common.holidays)
    routing = _load_routing(reader("routing.toml"), positions, instructions)
    _check_references(org, units, positions, people, acting)
    _check_unique(org, office, people, positions, clerks)
    if office.loaded and "name" not in office.data:
        office.problem(None, 'office name is missing (name = "...")')
    head = office.data.get("head", "")
    if head and head not in positions:
        office.problem(office.line_of("head"), f"head: unknown position {head!r}")
    if not units and org.loaded:
        org.problem(None, "no [[units]]: an office needs at least its own unit and head")
    if problems:
        raise RulesError(problems)
    return Rules(
        office_name=office.data["name"],
        office_code=office.data.get("code", "OPD"),
        letterhead=tuple(office.data.get("letterhead", ())),
        clerks=clerks,
        units=units,
        positions=positions,
        people=people,
        acting=tuple(acting),
        instructions=instructions,
        calendar=calendar,
        routing=routing,
        allowances=allowances,
        folder=folder,
        head=head,
        admin=str(office.data.get("admin", "")).lower(),
    )


def _check_references(org: TomlReader, units, positions, people, acting) -> None:
    for unit in units.values():
        if unit.head not in positions:
            org.problem(
                org.line_of(f'"{unit.head}"'), f"unit {unit.id!r}: unknown head position {unit.head!r}"
            )
    for pos in positions.values():
        line = org.line_of(f'id = "{pos.id}"')
        if pos.unit not in units:
            org.problem(line, f"position {pos.id!r}: unknown unit {pos.unit!r}")
        if pos.holder not in people:
            org.problem(line, f"position {pos.id!r}: unknown holder {pos.holder!r}")
        if pos.reports_to and pos.reports_to not in positions:
            org.problem(line, f"position {pos.id!r}: reports_to unknown position {pos.reports_to!r}")
    for act in acting:
        if act.position not in positions:
            org.problem(org.line_of(act.position), f"acting: unknown position {act.position!r}")
        if act.person not in people:
            org.problem(org.line_of(act.person), f"acting: unknown person {act.person!r}")
    for pos in positions.values():
        seen, current = {pos.id}, pos.reports_to
        while current in positions:
            if current in seen:
                org.problem(org.line_of(f'id = "{pos.id}"'), f"position {pos.id!r}: reports_to forms a cycle")
                break
            seen.add(current)
            current = positions[current].reports_to


def _check_unique(org: TomlReader, office: TomlReader, people, positions, clerks) -> None:
    owners: dict[str, str] = {}
    for person in people.values():
        for addr in person.addresses:
            if addr in owners:
                org.problem(
                    org.line_of(addr), f"address {addr} belongs to both {owners[addr]!r} and {person.id!r}"
                )
            owners[addr] = person.id
    for clerk in clerks:
        if clerk.email in owners:
            office.problem(
                office.line_of(clerk.email), f"clerk address {clerk.email} is also an official's address"
            )
    aliases: dict[str, str] = {}
    for pos in positions.values():
        for alias in (*pos.aliases, pos.id.lower()):
            if aliases.get(alias, pos.id) != pos.id:
                org.problem(
                    org.line_of(f'"{alias}"'), f"alias {alias!r} names both {aliases[alias]!r} and {pos.id!r}"
                )
            aliases[alias] = pos.id


def _load_instructions(reader: TomlReader) -> tuple[Instruction, ...]:
    found: dict[int, Instruction] = {}
    for item in reader.tables("instructions", {"code", "text"}, set()):
        line = reader.line_of(f"code = {item['code']}")
        if not isinstance(item["code"], int) or item["code"] < 1:
            reader.problem(line, f"instruction code must be a whole number from 1, not {item['code']!r}")
        elif item["code"] in found:
            reader.problem(line, f"instruction code {item['code']} appears twice")
        else:
            found[item["code"]] = Instruction(item["code"], str(item["text"]).strip())
    if reader.loaded and not found:
        reader.problem(None, "no [[instructions]]: officials need at least one numbered instruction")
    return tuple(sorted(found.values(), key=lambda i: i.code))


def _load_calendar(reader: TomlReader) -> Calendar:
    days = reader.data.get("workdays", list(DAY_NAMES[:5]))
    bad = [d for d in days if d not in DAY_NAMES]
    if bad:
        reader.problem(reader.line_of("workdays"), f"unknown day names {bad}; use {', '.join(DAY_NAMES)}")
    holidays: set[dt.date] = set()
    for year, dates in reader.data.get("holidays", {}).items():
        for day in dates:
            if not isinstance(day, dt.date) or str(day.year) != str(year):
                reader.problem(reader.line_of(str(day)), f"holiday {day!r} is not a date of {year}")
            else:
                holidays.add(day)
    deadlines = dict(reader.data.get("deadlines", {}))
    for key, value in deadlines.items():
        if key not in (*URGENCIES, "unknown"):
            reader.problem(
                reader.line_of(key), f"deadlines: unknown urgency {key!r}; use {', '.join(URGENCIES)}"
            )
        if not isinstance(value, int) or value < 0:
            reader.problem(reader.line_of(key), f"deadlines: {key} must be a number of working days")
    return Calendar(
        frozenset(DAY_NAMES.index(d) for d in days if d in DAY_NAMES),
        frozenset(holidays),
        {"unknown": 5, **deadlines},
    )


_ROUTING_KEYS = {
    "mailbox",
    "sender",
    "subject_keywords",
    "subject_pattern",
    "classification",
    "urgency",
    "security",
    "copies",
    "instruction",
    "deadline_days",
}


def _load_routing(reader: TomlReader, positions: dict, instructions: tuple[Instruction, ...]) -> tuple:
    rules: list[RoutingRule] = []
    codes = {i.code for i in instructions}
    catch_all: str | None = None
    for item in reader.tables("rules", {"name", "to"}, _ROUTING_KEYS):
        line = reader.line_of(f'"{item["name"]}"')
        pattern = None
        if item.get("subject_pattern"):
            try:
                pattern = re.compile(item["subject_pattern"], re.I)
            except re.error as exc:
                reader.problem(
                    reader.line_of("subject_pattern") or line,
                    f"rule {item['name']!r}: bad subject_pattern: {exc}",
                )
        for target in (item["to"], *item.get("copies", [])):
            if target not in positions:
                reader.problem(line, f"rule {item['name']!r}: unknown position {target!r}")
        if item.get("instruction") is not None and item["instruction"] not in codes:
            reader.problem(line, f"rule {item['name']!r}: unknown instruction code {item['instruction']}")
        for axis, known in (("urgency", URGENCIES), ("security", SECURITIES)):
            bad = [v for v in item.get(axis, []) if v not in known]
            if bad:
                reader.problem(
                    line, f"rule {item['name']!r} can never match: {axis} {bad} is none of {known}"
                )
        rule = RoutingRule(
            name=item["name"],
            to=item["to"],
            mailbox=item.get("mailbox"),
            sender=lowered(item.get("sender")),
            subject_keywords=lowered(item.get("subject_keywords")),
            subject_pattern=pattern,
            classification=tuple(str(c) for c in item.get("classification", [])),
            urgency=lowered(item.get("urgency")),
            security=lowered(item.get("security")),
            copies=tuple(item.get("copies", [])),
            instruction=item.get("instruction"),
            deadline_days=item.get("deadline_days"),
        )
        if catch_all is not None:
            reader.problem(
                line,
                f"rule {rule.name!r} can never match: rule {catch_all!r} before it has "
                "no condition and catches everything",
            )
        if rule.conditions() == 0:
            catch_all = catch_all or rule.name
        rules.append(rule)
    return tuple(rules)
