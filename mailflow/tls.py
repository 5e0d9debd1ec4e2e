"""TLS for both mail edges (IMAP in, SMTP out): the system's trust store, checks off only by config."""

from __future__ import annotations

import logging
import ssl

log = logging.getLogger(__name__)


def tls_context(verify: bool, what: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        log.warning("event=tls_unverified target=%s (certificate checks are off by config)", what)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
