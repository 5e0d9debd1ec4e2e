"""TLS for both mail edges (IMAP in, SMTP out): the system's trust store, checks off only by config."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

log = logging.getLogger(__name__)


def tls_context(verify: bool, what: str, ca_file: Path | None = None) -> ssl.SSLContext:
    """`ca_file`: trust this CA too (a hosting company's or the office's own), instead of turning
    the checks off."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if not verify:
        log.warning("event=tls_unverified target=%s (certificate checks are off by config)", what)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
