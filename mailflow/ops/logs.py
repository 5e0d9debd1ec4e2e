"""One structured line per event: key=value for people, JSON for collectors."""

from __future__ import annotations

import json
import logging
import sys


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
        return json.dumps(fields, ensure_ascii=False)


def setup_logging(fmt: str = "kv", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s level=%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("imapclient", "aiosmtplib", "apscheduler", "mail.log", "pypdf", "alembic", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
