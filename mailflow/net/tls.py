"""TLS for both mail edges (IMAP in, SMTP out): the system's trust store, checks off only by config."""

from __future__ import annotations

import functools
import logging
import ssl
from pathlib import Path

log = logging.getLogger(__name__)


def tls_context(verify: bool, what: str, ca_file: Path | None = None) -> ssl.SSLContext:
    """`ca_file`: trust this CA too (a hosting company's or the office's own), instead of turning
    the checks off."""
    if not verify:
        log.warning("event=tls_unverified target=%s (certificate checks are off by config)", what)
    return _context(verify, str(ca_file) if ca_file else None)


@functools.lru_cache(maxsize=16)
def _context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    """Reading the system's trust store takes ~50 ms: once per process and setting, not once per
    connection (a regency's 200 mailboxes reconnect after every server restart)."""
    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
