"""Hostile and broken messages: each must come out filed or quarantined, never crash anything."""

from __future__ import annotations

import base64
import io
import zipfile

CLERK = "agenda@probolinggokab.example"
MAILBOX = "surat@probolinggokab.example"


def _head(subject: str = "hostile", extra: str = "") -> bytes:
    return (
        f"From: {CLERK}\r\nTo: {MAILBOX}\r\nSubject: {subject}\r\nMessage-ID: <{abs(hash(subject))}@x>\r\n"
        f"MIME-Version: 1.0\r\n{extra}"
    ).encode()


def _with_attachment(filename: str, payload: bytes, ctype: str = "application/pdf") -> bytes:
    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return (
        _head(f"attachment {filename[:20]!r}", 'Content-Type: multipart/mixed; boundary="b"\r\n') + b"\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nScan terlampir\r\n--b\r\n"
        + f'Content-Type: {ctype}\r\nContent-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n".encode()
        + body
        + b"--b--\r\n"
    )


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"\0" * 50_000_000)  # 50 MB of zeros, about 50 KB zipped
    return out.getvalue()


def corpus() -> dict[str, bytes]:
    nested = b"".join(
        f"--n{i}\r\nContent-Type: multipart/mixed; boundary=n{i + 1}\r\n\r\n".encode() for i in range(40)
    )
    return {
        "no header at all": b"\x01\x02\x03 garbage\r\n\r\nbody",
        "header without body separator": _head("no body") + b"X-Broken-Header-Without-Colon\r\n",
        "deep multipart nesting": _head("nested", "Content-Type: multipart/mixed; boundary=n0\r\n")
        + b"\r\n"
        + nested,
        "huge header": _head("huge", "X-Long: " + "a" * 900_000 + "\r\n") + b"\r\nbody\r\n",
        "huge line": _head("long line") + b"\r\n" + b"x" * 5_000_000 + b"\r\n",
        "unknown charset": _head(
            "=?x-klingon?q?Qapla=27?=", "Content-Type: text/plain; charset=x-klingon\r\n"
        )
        + b"\r\nNomor: 1/2026 \xff\xfe\r\n",
        "wrong charset": _head("wrong", "Content-Type: text/plain; charset=utf-8\r\n")
        + b"\r\nPerihal: caf\xe9\r\n",
        "broken base64": _head("b64", 'Content-Type: multipart/mixed; boundary="b"\r\n') + b"\r\n--b\r\n"
        b'Content-Type: application/pdf; name="x.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"%%%% not base64 ====\r\n--b--\r\n",
        "path traversal name": _with_attachment("../../etc/passwd", b"%PDF-1.4 fake"),
        "windows device name": _with_attachment("CON", b"%PDF-1.4 fake 2"),
        "NUL in name": _with_attachment("surat\x00.pdf", b"%PDF-1.4 fake 3"),
        "300-character name": _with_attachment("s" * 296 + ".pdf", b"%PDF-1.4 fake 4"),
        "zip bomb": _with_attachment("lampiran.zip", zip_bomb(), "application/zip"),
        "oversize attachment": _with_attachment("video.mp4", b"\x00" * 3_000_000, "video/mp4"),
        "html with script": _head("html", "Content-Type: text/html\r\n")
        + b"\r\n<html><body><script>alert('x')</script><p>Perihal: <img src=x onerror=alert(1)>Rapat</p></body></html>\r\n",
        "CRLF injection in subject": _head("=?utf-8?q?Rapat=0D=0ABcc:_victim@evil.example?=")
        + b"\r\nPerihal: Rapat\r\n",
        "CRLF injection in label": _head("label") + b"\r\nPerihal: Rapat\rBcc: victim@evil.example\r\n",
    }
