"""The PDF reader processes (text.pdf_pool): a PDF past its CPU budget or its memory kills only
its own reader, the next message is read by a fresh one, the texts are those pypdf reads in the
service's own process, and no reader outlives its pool or its service."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailflow.demo.samples import letter_pdf
from mailflow.text.message import Attachment
from mailflow.text.pdf import SECONDS, read_pdfs
from mailflow.text.pdf_pool import MAX_TEXT, Readers
from tests.support import REPO
from tests.support.hostile import inflating_pdf, inflating_text_pdf, nested_forms_pdf, pixel_bomb_pdf

LETTER = Attachment("surat.pdf", "application/pdf", letter_pdf())


@pytest.fixture
def pool() -> Iterator[Readers]:
    readers = Readers(1)
    yield readers
    readers.close()


def _gone(pid: int) -> bool:
    """The process is no more (killed and waited for: not even a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_spinning_pdf_kills_its_reader_and_the_next_message_gets_a_fresh_one(pool: Readers) -> None:
    assert pool.read([LETTER], SECONDS)[0][0].startswith("KEMENTERIAN")
    [first] = pool.pids
    bomb = Attachment("bom.pdf", "application/pdf", nested_forms_pdf(8))
    assert pool.read([LETTER, bomb, LETTER], SECONDS) == ([pool_text(LETTER)], "pdf_time")
    assert pool.pids == [] and _gone(first)
    assert pool.read([LETTER], SECONDS) == ([pool_text(LETTER)], None)
    [second] = pool.pids
    assert second != first


def test_a_memory_bomb_kills_its_reader_and_the_next_message_gets_a_fresh_one() -> None:
    """A page's text stream that inflates to 60 MB, in readers allowed 32 MB (the service's may
    grow by 512 MB): refused for memory, with what comes after it, and the next letter is read."""
    readers = Readers(1, memory=32 * 1024 * 1024)
    try:
        assert readers.read([LETTER], 10)[1] is None
        [first] = readers.pids
        bomb = Attachment("bom.pdf", "application/pdf", inflating_text_pdf(60_000_000))
        assert readers.read([bomb, LETTER], 10) == ([], "pdf_memory")
        assert _gone(first)
        assert readers.read([LETTER], 10) == ([pool_text(LETTER)], None)
    finally:
        readers.close()


def test_a_bomb_kills_only_its_own_reader() -> None:
    """While one reader spins on nested forms, the other reads letter after letter."""
    readers = Readers(2)
    bomb = Attachment("bom.pdf", "application/pdf", nested_forms_pdf(8))
    outcome: list[tuple[list[str], str | None]] = []
    try:
        spinning = threading.Thread(target=lambda: outcome.append(readers.read([bomb], SECONDS)))
        spinning.start()
        letters = [readers.read([LETTER], SECONDS) for _ in range(5)]
        spinning.join()
        assert outcome == [([], "pdf_time")]
        assert letters == [([pool_text(LETTER)], None)] * 5
        assert len(readers.pids) == 1  # the letters' reader, still there
    finally:
        readers.close()


def pool_text(pdf: Attachment) -> str:
    """What the fork of the service read before the readers (text.pdf_reader.pdf_text in the
    service's own process, cut at MAX_TEXT)."""
    from mailflow.text.pdf_reader import pdf_text

    assert pdf.data is not None
    return pdf_text(pdf.data)[0][:MAX_TEXT]


def _corpus(tmp_path: Path) -> list[Attachment]:
    spooled = tmp_path / "spooled.pdf"
    spooled.write_bytes(letter_pdf(number="7/SPOOL/2026"))
    return [
        LETTER,
        Attachment("nomor.pdf", "application/pdf", letter_pdf(number="800/123/2026")),
        Attachment.at("spooled.pdf", "application/pdf", spooled, spooled.stat().st_size, "spooled"),
        Attachment("garis.pdf", "application/pdf", inflating_pdf(2_000_000)),  # a page, no text
        Attachment("piksel.pdf", "application/pdf", pixel_bomb_pdf()),
        Attachment("rusak.pdf", "application/pdf", letter_pdf()[:600]),  # cut short: damaged
        Attachment("bukan.pdf", "application/pdf", b"not a PDF at all"),
    ]


def test_the_texts_are_those_read_in_the_service_itself(tmp_path: Path, pool: Readers) -> None:
    """Each PDF of the corpus, alone and as one message, reads as pypdf reads it in-process."""
    from mailflow.text.pdf_reader import pdf_text

    corpus = _corpus(tmp_path)
    expected = [
        pdf_text(f.data if f.data is not None else f.read_bytes())[0][:MAX_TEXT] if b"%PDF-" in f.head(1024) else ""
        for f in corpus
    ]
    assert "7/SPOOL/2026" in expected[2] and expected[3:] == [""] * 4
    for f, text in zip(corpus, expected, strict=True):
        found = read_pdfs([f])
        assert found.texts == [text] and found.refused == [], f.filename
    both = read_pdfs(corpus[:3])
    assert both.texts == expected[:3] and both.layers == expected[:3]


def test_no_reader_outlives_its_pool() -> None:
    readers = Readers(2)
    done = [threading.Thread(target=readers.read, args=([LETTER], SECONDS)) for _ in range(2)]
    for thread in done:
        thread.start()
    for thread in done:
        thread.join()
    pids = readers.pids
    assert pids
    readers.close()
    assert readers.pids == [] and all(_gone(pid) for pid in pids)


def test_no_reader_outlives_its_service_process() -> None:
    """A process that read a PDF and exits (as `mailflow poll --once` does) takes its readers
    with it; so does one killed outright: its readers see their input close and exit."""
    script = (
        "from mailflow.demo.samples import letter_pdf\n"
        "from mailflow.text.message import Attachment\n"
        "from mailflow.text.pdf import read_pdfs\n"
        "from mailflow.text.pdf_pool import readers\n"
        "assert read_pdfs([Attachment('a.pdf', 'application/pdf', letter_pdf())]).texts[0]\n"
        "print(*readers().pids, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    pids = [int(pid) for pid in done.stdout.split()]
    assert pids and all(_gone(pid) for pid in pids)

    killed = subprocess.Popen(
        [sys.executable, "-c", script + "import time; time.sleep(600)"], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert killed.stdout is not None
    pids = [int(pid) for pid in killed.stdout.readline().split()]
    killed.kill()
    killed.wait()
    for pid in pids:  # orphans now, re-parented: their exit is seen in /proc, not by a wait
        _wait_gone(pid)


def _wait_gone(pid: int) -> None:
    """Until the process has exited (a zombie counts: its new parent reaps it), for at most a
    minute: an idle reader exits at once when its input closes, so a minute means never."""
    import time

    for _ in range(600):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.1)
    raise AssertionError(f"reader {pid} outlived its killed service")
