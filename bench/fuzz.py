"""Mutation fuzzing of the message pipeline: `python bench/fuzz.py --inputs 20000`.

Seeds are real-shaped messages (forwards, phone replies, scans) and the hostile corpus; each
input is mutated (bit flips, truncation, splices, injected headers and boundaries, and the header
edits an attacker makes to a captured signed mail: duplicates, encoded display names, folding,
forged Authentication-Results) and run through parsing, the sender check, triage, field
extraction, quote removal and the reply language. Any exception other than MessageError is a
finding, and so is a verified message whose From, Subject or Message-ID as Mailflow reads them
differ from what its signature covered. Printed with the input that caused it; exit 1 on findings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.errors import MessageError
from mailflow.inbound.authenticity import check_sender
from mailflow.inbound.triage import Inbound, triage
from mailflow.language.statements import read_reply, reply_context
from mailflow.net.dkim_keys import pinned
from mailflow.office.load import load_rules
from mailflow.text.fields import extract_fields, letter_files
from mailflow.text.parsing import parse_message
from mailflow.text.pdf import letter_pdf_texts
from mailflow.text.quotes import extract_new_text
from tests.support import REPO, clients
from tests.support.hostile import SCALED, corpus
from tests.support.letters import gmail_forward, outlook_forward, pdf_letter, photo_scan
from tests.support.signed import header_mutation, misread

RULES = load_rules(REPO / "rules")
BOX = MailboxSettings(name="surat", address="surat@probolinggokab.example")
LOOKUP = pinned({dkim.RECORD_NAME: dkim.RECORD}, lambda name: None)  # never DNS
CTX = reply_context(RULES, "kadis", dt.date(2026, 11, 25))
INJECTIONS = [
    b"\r\nContent-Type: multipart/mixed; boundary=x\r\n",
    b"\r\n--x\r\n",
    b"=?utf-8?b?////?=",
    b"\r\nContent-Transfer-Encoding: base64\r\n",
    b"\r\nContent-Type: message/rfc822\r\n\r\n",
    b"\xff\xfe\x00",
    b"> Pada tanggal x menulis:\r\n",
    b"Sekretaris: 1, 2 batas 3 hari\r\n",
    b"\r\nFrom: a@b.c, d@e.f\r\n",
    b"\r\n\r\n",
    b"%PDF-1.4\r\n",
]


def seeds() -> list[bytes]:
    request = gmail_forward(pdf=pdf_letter())
    out = [
        gmail_forward(pdf=pdf_letter()).as_bytes(),
        photo_scan(2).as_bytes(),
        outlook_forward(
            original_from="A <a@b.example>",
            original_subject="S",
            sent="Mon, Oct 2, 2017 9:15 AM",
            pdf=pdf_letter(),
        ).as_bytes(),
    ]
    request["Reply-To"] = "surat+d1.abc.aaaaaaaaaaaaaaaa@probolinggokab.example"
    for client in (
        clients.gmail_android_id,
        clients.iphone_id,
        clients.outlook_html_only,
        clients.samsung_id,
        clients.yahoo_android_id,
    ):
        out.append(
            client(request, "kadis@probolinggokab.example", "Sekretaris: pelajari batas 3 hari").as_bytes()
        )
    signed = [dkim.sign(raw) for raw in out]  # the sender check reads signatures too
    scaled = [make(10_000) for make in SCALED.values()]
    return out + signed + scaled + [raw for raw in corpus().values() if len(raw) < 200_000]


def mutate(raw: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.3:  # an attacker's edit of the header, then perhaps the byte damage too
        raw = header_mutation(rng, raw)
        if rng.random() < 0.5:
            return raw
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        pos = rng.randrange(len(data) + 1)
        if choice < 0.35 and data:
            data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice < 0.55:
            data[pos:pos] = rng.choice(INJECTIONS)
        elif choice < 0.7:
            del data[pos : pos + rng.randint(1, 200)]
        elif choice < 0.85 and data:
            start = rng.randrange(len(data))
            data[pos:pos] = data[start : start + rng.randint(1, 300)]
        else:
            data = data[:pos]
    return bytes(data)


def run_one(raw: bytes) -> None:
    """What the poll reads of a message before its transaction, and triage."""
    try:
        message = parse_message(raw)
    except MessageError:
        return
    sender = check_sender(raw, message, BOX, LOOKUP)
    if sender.verified and message.header_problem is None and (wrong := misread(message, raw, LOOKUP)):
        raise AssertionError(f"acted on an unsigned reading: {wrong}")
    triage(Inbound(message, BOX, RULES, sender=sender))
    extract_fields(message, letter_pdf_texts(letter_files(message)))
    read_reply(extract_new_text(message.text, message.html, message.from_name), CTX)


def main() -> int:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # damaged PDFs are expected here
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = seeds()
    findings: Counter = Counter()
    examples: dict[str, bytes] = {}
    started = time.monotonic()
    slowest = (0.0, b"")
    for _ in range(args.inputs):
        raw = mutate(rng.choice(pool), rng)
        one = time.perf_counter()
        try:
            run_one(raw)
        except Exception as exc:  # noqa: BLE001 - a fuzzer records every escape
            where = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
            findings[key] += 1
            examples.setdefault(key, raw)
        slowest = max(slowest, (time.perf_counter() - one, raw))
    elapsed = time.monotonic() - started
    print(
        f"fuzz: {args.inputs} inputs in {elapsed:.0f} s ({args.inputs / elapsed:.0f}/s), "
        f"{sum(findings.values())} escapes, {len(findings)} distinct; slowest input "
        f"{slowest[0]:.2f} s for {len(slowest[1])} bytes"
    )
    for key, count in findings.most_common():
        print(f"  {count:6d}  {key}  e.g. {examples[key][:120]!r}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
