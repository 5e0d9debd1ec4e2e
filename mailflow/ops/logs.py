"""One structured line per event: key=value for people, JSON for collectors.

Call sites log `"event=sent outbox=%s to=%s", row.id, address`. The fields are read from that
template, not from the rendered line, so a value holding spaces ("cannot log in: ...") stays one
field, and an int argument stays an int in JSON. Times are ISO 8601 with the offset, in the
office's zone, so a line can be matched with what the CLI shows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from mailflow.clock import iso_offset
from mailflow.text.terminal import inert

# A printf conversion as logging's %-formatting reads it ("%%" is a literal percent sign).
_CONVERSION = re.compile(r"%(?:%|[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])")
# A name starts only where a word starts, and its run is taken once: a long token costs linear time.
_WHOLE = re.compile(r"(?<!\w)([A-Za-z_]\w*+)=(%[sdir])")
_FIELD = re.compile(r"(?<!\w)([A-Za-z_]\w*+)=(.*)", re.S)
# What a field's value may be in JSON: the argument as given when it is one of these.
Value = str | int | float | bool | None


def _typed(value: object) -> Value:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def parts(record: logging.LogRecord) -> Iterator[tuple[str | None, Value]]:
    """(key, value) for each field of the line in order, (None, words) for the text between."""
    args = record.args if isinstance(record.args, tuple) else ()
    if not isinstance(record.msg, str) or (record.args and not args):
        yield None, record.getMessage()  # a dict of arguments, or not a template at all
        return
    rest = list(args)
    for token in record.msg.split(" "):
        wanted = 0 if not args else sum(m.group() != "%%" for m in _CONVERSION.finditer(token))
        taken, rest = tuple(rest[:wanted]), rest[wanted:]
        whole = _WHOLE.fullmatch(token) if args else None
        if whole is not None:
            yield whole.group(1), _typed(taken[0])
            continue
        text = token % taken if args else token
        field = _FIELD.fullmatch(text) if _FIELD.match(token) else None  # "key=" in the template
        yield (field.group(1), field.group(2)) if field else (None, text)


def _kv(value: Value) -> str:
    """A value as one kv token: quoted (JSON string rules) when it holds a space, quote or '='."""
    shown = json.dumps(value) if not isinstance(value, str) else value
    return json.dumps(value, ensure_ascii=False) if re.search(r'[\s"=]|^$', shown) else shown


class _Formatter(logging.Formatter):
    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__()
        self.zone = zone

    def at(self, record: logging.LogRecord) -> str:
        return iso_offset(dt.datetime.fromtimestamp(record.created, dt.UTC), self.zone)


class KvFormatter(_Formatter):
    """key=value lines: a value a stranger wrote (a subject, an address) cannot break the line
    nor reach the terminal that tails the log (text.terminal); a traceback follows unchanged."""

    def format(self, record: logging.LogRecord) -> str:
        line = [self.at(record), f"level={record.levelname}"]
        for key, value in parts(record):
            line.append(f"{key}={_kv(value)}" if key is not None else str(value))
        text = inert(" ".join(line))
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class JsonFormatter(_Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Value] = {"at": self.at(record), "level": record.levelname}
        text = []
        for key, value in parts(record):
            if key is None:
                text.append(str(value))
            else:
                fields[key] = value
        if text:
            fields["text"] = " ".join(text)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        # JSON escapes C0 itself; C1 and bidi controls become \uXXXX escapes too (still valid JSON).
        return inert(json.dumps(fields, ensure_ascii=False), lines=True)


def setup_logging(fmt: str = "kv", level: int = logging.INFO, zone: ZoneInfo | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    zone = zone or ZoneInfo("UTC")
    handler.setFormatter(JsonFormatter(zone) if fmt == "json" else KvFormatter(zone))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pikepdf says "C++ to Python logger bridge initialized" at INFO when first imported, which the
    # lazy CLI does after this setup (`restore`, `reconcile`, scans): not a line for an admin.
    for noisy in ("imapclient", "aiosmtplib", "apscheduler", "mail.log", "pypdf", "alembic", "fontTools",
                  "pikepdf"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The scheduler warns on every tick a job is still busy (OCR, a login timing out): by design
    # (max_instances=1), so not worth a line every 2 s. Its errors (a job failing) are still logged.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
