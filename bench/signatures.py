"""What a stranger's DKIM signatures cost the sender check: `python bench/signatures.py`.

Two classes of hostile signing, each through `check_sender` as the poll calls it, in a fresh
process per row, with DNS stood in for by a lookup that answers after LATENCY seconds (a resolver
on the office's network; the real one may take up to its 5 s timeout per name):
- many signatures: a small letter carrying N DKIM-Signature headers of the office's domain, each
  naming a selector that has no key: one lookup each, unless the verifier stops early;
- signatures over a large body: 20 signatures of the office's domain whose body hashes are wrong,
  over a relaxed-canonicalised body of N MB: one canonicalisation and hash of the body each.
Prints seconds, seconds per MB and DNS lookups per row. `--root DIR` measures another checkout
(an older commit, for the figures before a change) with this same bench.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.05
PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
import dkim as dkimpy
from email.message import EmailMessage
from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.inbound.authenticity import check_sender
from mailflow.text.parsing import parse_message

D = dkim.DOMAIN
box = MailboxSettings(name="surat", address=f"surat@{{D}}")
msg = EmailMessage()
msg["From"], msg["To"], msg["Subject"] = f"agenda@{{D}}", f"surat@{{D}}", "Surat"
body_size = {body}
msg.set_content("Terlampir.\\n" + ("isi surat " * 7 + "\\n") * (body_size // 80))
raw = msg.as_bytes().replace(b"\\n", b"\\r\\n")
signature = dkimpy.sign(raw, b"mailflow", D.encode(), dkim.PRIVATE_KEY, canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=dkim.SIGNED_HEADERS)
headers = []
for n in range({count}):
    if {wrong_body}:  # the key is found; the body hash is not the body's
        headers.append(signature.replace(b" bh=", b" bh=A" + str(n).encode().rjust(3, b"0"), 1))
    else:  # a selector with no key: one DNS lookup each
        headers.append(signature.replace(b"s=mailflow", b"s=k" + str(n).encode(), 1))
raw = b"".join(headers) + raw
asked = []


def lookup(name):
    asked.append(name)
    time.sleep({latency})
    return dkim.RECORD if name.lower().rstrip(".") == dkim.RECORD_NAME else None


message = parse_message(raw)
started = time.perf_counter()
found = check_sender(raw, message, box, lookup)
seconds = time.perf_counter() - started
print(json.dumps({{"bytes": len(raw), "seconds": seconds, "lookups": len(asked), "verified": found.verified}}))
"""
ROWS = [
    ("many signatures", 200, 10_000, False),
    ("many signatures", 1000, 10_000, False),
    ("signatures over a large body", 20, 1_000_000, True),
    ("signatures over a large body", 20, 2_000_000, True),
    ("signatures over a large body", 20, 10_000_000, True),
]


def probe(root: Path, count: int, body: int, wrong_body: bool) -> dict:
    code = PROBE.format(root=str(root), count=count, body=body, wrong_body=wrong_body, latency=LATENCY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose mailflow/ is measured")
    args = parser.parse_args()
    print(f"DNS stand-in: {LATENCY * 1000:.0f} ms per lookup; code under test: {args.root}")
    print(f"{'class':<30} {'signatures':>10} {'MB':>6} {'seconds':>8} {'s/MB':>6} {'lookups':>8}")
    for name, count, body, wrong_body in ROWS:
        row = probe(args.root, count, body, wrong_body)
        mb = row["bytes"] / 1e6
        print(
            f"{name:<30} {count:>10} {mb:>6.2f} {row['seconds']:>8.2f} {row['seconds'] / mb:>6.2f} "
            f"{row['lookups']:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
