"""The DNS edge: TXT records (DKIM keys), with a short timeout; a failed lookup is no record."""

from __future__ import annotations

import dns.exception
import dns.resolver


def txt_record(name: str) -> str | None:
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=5)
    except dns.exception.DNSException:
        return None
    return "".join(part.decode("ascii", "replace") for record in answer for part in record.strings)
