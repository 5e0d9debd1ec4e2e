"""The README's first command: the demo runs end to end on its embedded mail server."""

import subprocess
import sys


def test_demo_runs_end_to_end_and_exits_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "001/SM/" in result.stdout and "Tanda terima" in result.stdout
    assert "disposed" in result.stdout and "acknowledged" in result.stdout
    assert (tmp_path / "mailflow.db").exists()
    assert "Terlambat" in result.stdout
    assert (tmp_path / "records" / "buku-agenda.xlsx").stat().st_size > 0
    assert (tmp_path / "records" / "lembar-disposisi.pdf").read_bytes().startswith(b"%PDF")


def test_demo_keep_serves_replies_live(tmp_path):
    """With --keep, a person can play the official: a reply is applied by the running Mailflow."""
    import email
    import email.policy
    import re
    import signal
    import smtplib
    import time
    from email.message import EmailMessage

    from imapclient import IMAPClient

    proc = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "demo", "--keep", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = ""
        while "keeps running" not in out:
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

        def inbox(user):
            with IMAPClient("127.0.0.1", port=imap_port, ssl=False) as client:
                client.login(user, "demo")
                client.select_folder("INBOX")
                data = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
                return [
                    email.message_from_bytes(v[b"BODY[]"], policy=email.policy.default) for v in data.values()
                ]

        kadis = "kadis@probolinggokab.example"
        confirmation = next(m for m in inbox(kadis) if "Dicatat" in str(m["Subject"]))
        reply = EmailMessage()
        reply["From"], reply["To"] = kadis, str(confirmation["Reply-To"])
        reply["Subject"] = "Re: " + str(confirmation["Subject"])
        reply.set_content("status")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(reply)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("Status:" in str(m["Subject"]) for m in inbox(kadis)):
            time.sleep(0.2)
        assert any("Status:" in str(m["Subject"]) for m in inbox(kadis))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
