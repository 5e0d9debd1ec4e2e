"""message_bytes splices large base64 parts in after the generator: the bytes must be the
generator's own, whatever the parts."""

from __future__ import annotations

import random
from email import message_from_bytes
from email.policy import compat32

import pytest

from mailflow.outbound.compose import SPLICED_BYTES, Rendered, build_message, message_bytes

RENDERED = Rendered("Mohon disposisi: Undangan Rapat", "Yth. Kepala Dinas,\n" * 30, "<p>Yth.</p>" * 30)


@pytest.mark.parametrize(
    "sizes",
    [(), (10,), (SPLICED_BYTES,), (SPLICED_BYTES * 2,), (60_000, 5_001, 3), (57 * 1000,), (1_000_000,)],
)
def test_spliced_bytes_are_the_generators_own(sizes: tuple[int, ...]) -> None:
    rng = random.Random(sum(sizes))
    files = [(f"surat-{n}.pdf", "application/pdf", rng.randbytes(size)) for n, size in enumerate(sizes)]
    files.append(("foto ñ.jpg", "image/jpeg", rng.randbytes(9_000)))
    msg = build_message(
        RENDERED,
        sender="surat@probolinggokab.example",
        sender_name="Mailflow",
        to="kadis@probolinggokab.example",
        files=files,
        attach_messages=[b"From: a@b.example\r\nSubject: asli\r\n\r\n" + b"isi surat\r\n" * 800],
    )
    ours = message_bytes(msg)
    assert ours == msg.as_bytes(policy=compat32.clone(linesep="\r\n"))
    parts = [p.get_payload(decode=True) for p in message_from_bytes(ours).walk() if p.get_filename()]
    assert parts[: len(sizes) + 1] == [payload for _, _, payload in files]
