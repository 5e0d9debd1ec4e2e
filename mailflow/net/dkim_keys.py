"""DKIM keys as the sender check looks them up: pinned by config first, else from DNS (`dns.py`).

Pure, so the reading of a message (triage, authenticity) asks for keys through a function it is
given and never imports the resolver itself.
"""

from __future__ import annotations

from collections.abc import Callable

# name -> TXT record, or None when there is none (a lookup that fails is also None), within
# LOOKUP_SECONDS (dns.py's resolver is given it as its lifetime, retries included).
TxtLookup = Callable[[str], str | None]
LOOKUP_SECONDS = 5.0


def pinned(keys: dict[str, str], fallback: TxtLookup) -> TxtLookup:
    """Look up DKIM keys in `keys` first; a domain with a pinned key is never asked of DNS."""
    table = {name.lower().rstrip("."): record for name, record in keys.items()}
    domains = {name.partition("._domainkey.")[2] for name in table}

    def lookup(name: str) -> str | None:
        name = name.lower().rstrip(".")
        if name in table or name.partition("._domainkey.")[2] in domains:
            return table.get(name)
        return fallback(name)

    return lookup
