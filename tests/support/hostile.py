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


# Size-scaled hostile mail: each class grows to about `size` bytes, so a benchmark can see whether
# the cost of reading it grows in proportion (bench/hostile.py) and tests can feed the big ones.


def html_blocks(size: int) -> bytes:
    """An HTML-only mail of many small blocks, from a stranger: `<div>` after `<div>`, some nested."""
    block = "<div><p>Mohon <b>segera</b> ditindaklanjuti.</p><br></div>"
    html = "<html><body>" + block * max(1, size // len(block)) + "</body></html>"
    return _head("html", 'Content-Type: text/html; charset="utf-8"\r\n') + b"\r\n" + html.encode()


def nested_forwards(size: int) -> bytes:
    """A forward of a forward of ...: each level attaches the previous as an `.eml` file, and
    each level adds a filler of text, until the whole is about `size` bytes."""
    inner = _head("level 0", "Content-Type: text/plain\r\n") + b"\r\nSurat asli.\r\n"
    level = 0
    filler = b"Isi surat terusan. " * 50 + b"\r\n"
    while len(inner) < size:
        level += 1
        text = filler * max(1, min(200, (size - len(inner)) // (len(filler) * 4) or 1))
        boundary = f"n{level}".encode()
        inner = (
            _head(f"level {level}", f'Content-Type: multipart/mixed; boundary="n{level}"\r\n')
            + b"\r\n--"
            + boundary
            + b"\r\nContent-Type: text/plain\r\n\r\n"
            + text
            + b"--"
            + boundary
            + b"\r\nContent-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="terusan.eml"\r\n\r\n'
            + inner
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return inner


def long_lines(size: int) -> bytes:
    """Label-shaped lines padded with whitespace and digits, the food of backtracking patterns."""
    line = "Tanggal: 1" + " " * 4000 + "x\r\nNomor: " + "1/" * 2000 + "\r\n-" + "-" * 3000 + "\r\n"
    text = line * max(1, size // len(line))
    return _head("Tanggal: 1" + " " * 200, "Content-Type: text/plain\r\n") + b"\r\n" + text.encode()


def many_parts(size: int) -> bytes:
    """A multipart with one small text part after another."""
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nSifat: Segera\r\n"
    count = max(1, size // len(part))
    return (
        _head("parts", 'Content-Type: multipart/mixed; boundary="p"\r\n')
        + b"\r\n"
        + part * count
        + b"--p--\r\n"
    )


def inflating_pdf(inflated: int = 50_000_000) -> bytes:
    """A small PDF whose one page stream inflates to `inflated` bytes of drawing operators."""
    import zlib

    content = zlib.compress(b"0 0 m 1 1 l S\n" * (inflated // 14), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    return _pdf(objects)


def inflating_pdfs(size: int) -> bytes:
    """The same inflating PDF attached again and again, until the mail is about `size` bytes."""
    pdf = base64.encodebytes(inflating_pdf(20_000_000)).replace(b"\n", b"\r\n")
    part = (
        b'--q\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf
    )
    count = max(1, size // len(part))
    return (
        _head("pdfs", 'Content-Type: multipart/mixed; boundary="q"\r\n')
        + b"\r\n"
        + part * count
        + b"--q--\r\n"
    )


def long_from_forward(size: int) -> bytes:
    """A clerk's forward whose forwarded From line is one run of address characters (the food of
    a backtracking address pattern: 160,000 characters took 160 s)."""
    body = (
        "Mohon dicatat.\r\n\r\n---------- Forwarded message ---------\r\nFrom: "
        + "a." * max(1, size // 2)
        + "\r\nDate: Sen, 30 Nov 2026 09:00\r\nSubject: Undangan rapat\r\nTo: agenda@x\r\n\r\nIsi surat.\r\n"
    )
    return _head("Fwd: Undangan rapat", "Content-Type: text/plain\r\n") + b"\r\n" + body.encode()


def many_quoted_links(size: int) -> bytes:
    """A reply whose every line looks like a link a client wrapped out of a quote (a lone "/"):
    the quote check looked for the lines around each by copying all the lines above it."""
    unit = "/\r\n"
    body = "Setuju.\r\n> kutipan\r\n" + unit * max(1, size // len(unit))
    return _head("Re: surat", "Content-Type: text/plain\r\n") + b"\r\n" + body.encode()


def nested_forms_pdfs(size: int) -> bytes:
    """PDFs whose text extraction walks millions of nested forms, distinct copies up to `size`."""
    parts = []
    total = 0
    n = 0
    while total < size:
        pdf = nested_forms_pdf(8) + b"%% copy %d\n" % n
        encoded = base64.encodebytes(pdf).replace(b"\n", b"\r\n")
        part = (
            b'--f\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="surat%d.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" % n + encoded
        )
        parts.append(part)
        total += len(part)
        n += 1
    return _head("pdf bombs", 'Content-Type: multipart/mixed; boundary="f"\r\n') + b"\r\n" + b"".join(parts) + b"--f--\r\n"


SCALED = {
    "html blocks": html_blocks,
    "nested forwards": nested_forwards,
    "long lines": long_lines,
    "many parts": many_parts,
    "inflating PDFs": inflating_pdfs,
    "long From forward": long_from_forward,
    "quoted links": many_quoted_links,
    "nested-form PDFs": nested_forms_pdfs,
}


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1 is the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def nested_forms_pdf(depth: int = 8, fanout: int = 10) -> bytes:
    """A few KB PDF whose page draws form X8 ten times, X8 draws X7 ten times, ...: text
    extraction walks fanout**depth forms (the "billion laughs" of PDF)."""
    first_form = 5  # objects 1-4: catalog, pages, page, font
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X 5 0 R >> >>"
        b" /Contents %d 0 R >>" % (first_form + depth + 1),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for level in range(depth, -1, -1):
        number = first_form + depth - level
        if level == 0:
            content = b"BT /F1 1 Tf (a) Tj ET"
            resources = b"/Font << /F1 4 0 R >>"
        else:
            content = b"/X Do " * fanout
            resources = b"/XObject << /X %d 0 R >>" % (number + 1)
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << %s >> /Length %d >>\n"
            b"stream\n%s\nendstream" % (resources, len(content), content)
        )
    page = b"/X Do"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(page), page))
    return _pdf(objects)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb_png(side: int = 46_000) -> bytes:
    """A PNG whose header claims side x side pixels (2 billion at 46000): decoding would need GBs."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\0" * (side + 1) * 4)  # a few rows only: it is never decoded
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def broken_png() -> bytes:
    """A PNG that opens (its header is sound) and breaks while loading: its image data goes on in
    a second chunk whose type is garbage, and Pillow raises SyntaxError ("broken PNG file")."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0)
    data = zlib.compress(b"".join(b"\0" + bytes(range(64)) for _ in range(64)))
    half = len(data) // 2
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data[:half])
        + _png_chunk(b"\x00\x01\x02\x03", data[half:])
        + _png_chunk(b"IEND", b"")
    )


def pixel_bomb_pdf(side: int = 46_000) -> bytes:
    """A small PDF page holding one side x side image (flate-compressed zeros): rendering the page
    at any scale decodes the whole image (2.46 GB measured at 46000)."""
    import zlib

    raw = zlib.compressobj(9)
    row = b"\0" * (side // 8 + 1)
    stream = b"".join(raw.compress(row) for _ in range(min(side, 4000))) + raw.flush()
    content = b"q 595 0 0 842 0 0 cm /Im Do Q"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im 4 0 R >> >>"
            b" /Contents 5 0 R >>",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (side, side, len(stream), stream),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        ]
    )


def inflating_text_pdf(inflated: int) -> bytes:
    """A page with a font whose content stream inflates to `inflated` bytes: unlike
    inflating_pdf's (no font, so no text to look for), pypdf inflates it all to read its text."""
    import zlib

    content = zlib.compress(b"BT /F1 12 Tf (x) Tj ET\n" * (inflated // 23), 9)
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s /Contents 4 0 R >>" % font,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    return _pdf(objects)
