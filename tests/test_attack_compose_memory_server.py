"""Attack on composing after the commit (ops/composing.py): letters with large scans waiting
together. Composing one request holds its scan and its bytes; composing several must not hold
the bytes of every request of the batch at once (a batch is 20 rows: 20 scans of up to
attach_max_bytes, 10 MB, would be 280 MB)."""

from __future__ import annotations

import io
import os
import tracemalloc

from pypdf import PdfReader, PdfWriter
from sqlmodel import Session, select

from mailflow.ops import service
from mailflow.ops.composing import compose_waiting
from mailflow.storage.models import OutboxMessage
from tests.support.letters import gmail_forward, pdf_letter

SCAN = 6_000_000  # under attach_max_bytes: attached to the request


def large_letter(number: str) -> bytes:
    """A real letter PDF carrying an incompressible embedded file, so the scan is SCAN bytes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_letter(number=number))))
    writer.add_attachment("lampiran.bin", os.urandom(SCAN))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def composing_peak(office, numbers: list[str]) -> int:
    for number in numbers:
        office.mail.send(gmail_forward(pdf=large_letter(number), original_subject=f"Surat {number}"))
    service.poll_all(office.app)  # filed; the rows wait to be composed
    tracemalloc.start()
    try:
        taken = compose_waiting(office.app)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert taken == 2 * len(numbers)
    return peak


def test_composing_several_large_requests_holds_about_one(office):
    one = composing_peak(office, ["1/BIG/2026"])
    three = composing_peak(office, ["2/BIG/2026", "3/BIG/2026", "4/BIG/2026"])
    with Session(office.app.engine) as session:
        sizes = [len(r.raw or b"") for r in session.exec(select(OutboxMessage)).all() if r.kind == "request"]
    assert len(sizes) == 4 and min(sizes) > SCAN  # each request carries its scan
    print(f"composing peak: one letter {one / 1e6:.1f} MB, three {three / 1e6:.1f} MB")
    assert three < 1.5 * one, (one, three)  # was 2.0x (15.4 and 31.4 MB): every request held to the end
