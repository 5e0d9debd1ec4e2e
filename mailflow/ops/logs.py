"""One structured line per event: key=value for people, JSON for collectors."""

from __future__ import annotations

import json
import logging
import sys

from mailflow.text.terminal import inert


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        fields: dict[str, str] = {"at": self.formatTime(record), "level": record.levelname}
        rest = []
        for token in message.split(" "):
            key, sep, value = token.partition("=")
            if sep and key.isidentifier():
                fields[key] = value
            else:
                rest.append(token)
        if rest:
            fields["text"] = " ".join(rest)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        # JSON escapes C0 itself; C1 and bidi controls become \uXXXX escapes too (still valid JSON).
        return inert(json.dumps(fields, ensure_ascii=False), lines=True)


class KvFormatter(logging.Formatter):
    """key=value lines: a value a stranger wrote (a subject, an address) cannot break the line
    nor reach the terminal that tails the log (text.terminal); a traceback follows unchanged."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return inert(super().formatMessage(record))


def setup_logging(fmt: str = "kv", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(KvFormatter("%(asctime)s level=%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("imapclient", "aiosmtplib", "apscheduler", "mail.log", "pypdf", "alembic", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
