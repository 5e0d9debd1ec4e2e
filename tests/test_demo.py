"""The README's first command: the demo runs end to end on its embedded mail server."""

import base64
import os
import quopri
import re
import signal
import smtplib
import subprocess
import sys
import time
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

from imapclient import IMAPClient

from mailflow.domain import Said
from mailflow.outbound.catalogue import Catalogue
from tests.support.processes import demo_keeping


def test_demo_runs_end_to_end_and_exits_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC"},  # the machine's zone; the panel shows the office's
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d\d:\d\d:\d\d WIB ", result.stdout), result.stdout  # the letter's log, in WIB
    panel = result.stdout[result.stdout.index("mailflow letter show") :]
    panel_lines = panel[: panel.index("╰")].splitlines()[1:]  # 80 columns: a long entry wraps
    assert all(re.match(r"│ (\d\d:\d\d:\d\d WIB  | {14})", line) for line in panel_lines), panel_lines
    assert "001/SM/" in result.stdout and "Tanda terima" in result.stdout
    # Narrated in the admin's language (Indonesian by default): the log's actions too, no codes.
    assert "didisposisikan" in result.stdout and "tanda terima dikirim" in result.stdout
    assert re.search(r"dari[\s│]+kotak[\s│]+surat", result.stdout) and "filed from" not in result.stdout  # facts
    assert not re.search(r"\b(receipt_sent|acknowledged|disposed|requested|registered)\b", result.stdout)
    assert "Siti, petugas agenda, meneruskan surat Menteri" in " ".join(result.stdout.split())
    assert (tmp_path / "mailflow.db").exists()
    assert "Terlambat" in result.stdout
    assert (tmp_path / "records" / "buku-agenda.xlsx").stat().st_size > 0
    assert (tmp_path / "records" / "lembar-disposisi.pdf").read_bytes().startswith(b"%PDF")
    # The photographed letter: its fields read by OCR, marked for checking; one PDF for the head.
    assert "Nomor surat       : 005/357/101.4/2026  [mohon periksa]" in result.stdout
    assert "satu PDF dari kedua foto: scan.pdf" in " ".join(result.stdout.split())


def test_demo_narrates_in_english_when_the_admin_asks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--language", "en", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Siti, the records clerk, forwards the Minister's letter" in out
    assert "receipt sent" in out and "acknowledged" in out and "receipt_sent" not in out
    assert "from mailbox" in out and "dari kotak surat" not in out
    assert "Petugas agenda" not in out and "meneruskan" not in out


def test_demo_without_tesseract_plays_the_rest_and_says_why_in_one_line(tmp_path):
    """A fresh machine whose OCR models came without Debian's `tesseract` command: the demo plays
    every step but the photographed letter and says, in one line of the admin's language, why."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):  # every command on PATH but tesseract
        for command in Path(folder).glob("*") if Path(folder).is_dir() else ():
            if command.name != "tesseract" and not (bin_dir / command.name).exists():
                (bin_dir / command.name).symlink_to(command)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PATH": str(bin_dir), "COLUMNS": "300", "TMPDIR": str(temp)}
    found = subprocess.run(["sh", "-c", "command -v tesseract"], env=env, capture_output=True)
    assert found.returncode != 0 and (bin_dir / "sh").exists()  # the PATH really lacks it
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Tanda terima" in result.stdout and "Terlambat" in result.stdout  # the rest was played
    catalogue = Catalogue()
    reason = Said.of("ocr.no_command")
    line = catalogue.say("id", Said.of("demo.photo_skipped", reason=reason))  # the default language
    assert line in result.stdout.splitlines(), result.stdout
    assert "tesseract-ocr" in line and "Penyampaian" not in result.stdout  # no photographed letter
    assert "mailflow-demo-" in result.stdout and not list(temp.iterdir())  # its temp folder is gone


def test_regency_demo_plays_the_story_across_offices(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--regency", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Tercatat sebagai SETDA 001/SM/" in out and "buku agendanya sendiri sebagai DISDIK 001/SM/" in out
    assert "Plt. Kepala Dinas Pendidikan (Slamet Riyadi) [DISDIK 001/SM/2026]: sudah didisposisikan" in out
    assert "Sekretaris Dinas Pendidikan (Agus Wibowo): siap (diterima)" in out
    assert "Plt. Kepala Dinas Pendidikan: Selesai di Dinas Pendidikan" in out
    assert "DISDIK        Dinas Pendidikan     surat 1, terlambat 0" in out


def test_demo_keep_serves_replies_live(tmp_path):
    """With --keep, a person can play the official from a desktop client: list by ENVELOPE, open
    the text part by BODYSTRUCTURE, reply over SMTP; the running Mailflow applies the reply."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "demo", "--keep", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = ""
        while "SMTP 127.0.0.1:" not in " ".join(out.split()):  # the server keeps running
            line = proc.stdout.readline()
            assert line, out
            out += line
        out += proc.stdout.readline() + proc.stdout.readline()
        imap_port, smtp_port = (
            int(p)
            for p in re.search(
                r"IMAP 127\.0\.0\.1:(\d+).*?SMTP 127\.0\.0\.1:(\d+)", out.replace("\n", " "), re.S
            ).groups()
        )
        kadis = "kadis@probolinggokab.example"
        [(_, confirmation)] = _desktop_inbox(imap_port, kadis, "Dicatat")
        assert "Kode balasan" in confirmation["text"]
        reply = EmailMessage()
        reply["From"], reply["To"] = kadis, confirmation["reply_to"]
        reply["Subject"] = "Re: " + confirmation["subject"]
        reply["In-Reply-To"] = confirmation["message_id"]
        reply.set_content("status")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(reply)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _desktop_inbox(imap_port, kadis, "Status:"):
            time.sleep(0.2)
        assert _desktop_inbox(imap_port, kadis, "Status:")
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in out + rest, rest
    assert "Lock is not acquired" not in rest and "event=stop_timeout" not in rest


def test_demo_keep_stops_cleanly_on_ctrl_c_even_started_with_sigint_ignored_and_leaves_no_temp_folder(
    tmp_path,
):
    """`demo --keep` started as a script's background job (SIGINT ignored, as a shell does for
    `cmd &`) and then Ctrl-C'd, or SIGTERMed: it stops at once and cleanly (exit code 0, no
    traceback), and the temporary folder it worked in is gone."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        temp = tmp_path / signum.name
        temp.mkdir()
        proc, out = demo_keeping(temp, sigint_ignored=True)
        try:
            assert any(p.name.startswith("mailflow-demo-") for p in temp.iterdir())
            time.sleep(1)  # Mailflow's IDLE watcher is in IDLE on the demo server
            proc.send_signal(signum)
            rest, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, out + rest
        assert "Traceback" not in rest and "Lock is not acquired" not in rest, rest
        assert "event=stop_timeout" not in rest, rest
        assert not list(temp.iterdir())


DECODERS = {
    b"base64": base64.b64decode,
    b"quoted-printable": quopri.decodestring,
    b"7bit": bytes,
    b"8bit": bytes,
}


def _desktop_inbox(port: int, user: str, needle: str) -> list[tuple[int, dict]]:
    """Messages whose subject holds `needle`, read the way Thunderbird reads them."""
    found = []
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(user, "demo")
        client.select_folder("INBOX")
        listing = client.fetch(client.search(["UNDELETED"]), ["ENVELOPE", "BODYSTRUCTURE", "FLAGS"])
        for uid, data in listing.items():
            envelope = data[b"ENVELOPE"]
            subject = str(make_header(decode_header(envelope.subject.decode())))
            if needle not in subject:
                continue
            structure = data[b"BODYSTRUCTURE"]
            part = structure[0][0] if structure.is_multipart else structure
            section = "1" if structure.is_multipart else "TEXT"
            text = client.fetch([uid], [f"BODY[{section}]"])[uid][f"BODY[{section}]".encode()]
            assert b"\\Seen" in client.get_flags([uid])[uid]
            reply_to = envelope.reply_to[0]
            found.append(
                (
                    uid,
                    {
                        "subject": subject,
                        "reply_to": f"{reply_to.mailbox.decode()}@{reply_to.host.decode()}",
                        "message_id": envelope.message_id.decode(),
                        "text": DECODERS[part[5].lower()](text).decode(part[2][1].decode()),
                    },
                )
            )
    return found
