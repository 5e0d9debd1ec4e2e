"""Letters as offices receive them: PDFs with a text layer, photo scans, and the forward
formats of Gmail, Outlook and Apple Mail, built fresh for each test."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from fpdf import FPDF
from PIL import Image

from mailflow.demo.samples import letter_pdf

MAILBOX = "surat@probolinggokab.example"
CLERK = "agenda@probolinggokab.example"


pdf_letter = letter_pdf


def jpeg_scan(seed: int = 0, size: tuple[int, int] = (320, 440)) -> bytes:
    image = Image.new("RGB", size, (250, 250, 245))
    for x in range(0, size[0], 7):
        for y in range(20 + seed % 5, size[1] - 20, 23):
            image.putpixel((x, y), (20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _base(subject: str, body: str, sender: str = CLERK, to: str = MAILBOX) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    msg.set_content(body)
    return msg


def attach(msg: EmailMessage, payload: bytes, filename: str, ctype: str) -> EmailMessage:
    maintype, subtype = ctype.split("/")
    msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def gmail_forward(
    *,
    labels: str = "",
    original_from: str = "Biro Umum Kemendagri <umum@kemendagri.go.id>",
    original_date: str = "Mon, Oct 2, 2017 at 9:15 AM",
    original_subject: str = "Pembentukan Cabang Dinas dan UPTD",
    body: str = "Dengan hormat, terlampir surat kami.",
    pdf: bytes | None = None,
    sender: str = CLERK,
) -> EmailMessage:
    text = (
        f"{labels}\n\n---------- Forwarded message ---------\nFrom: {original_from}\n"
        f"Date: {original_date}\nSubject: {original_subject}\nTo: <{MAILBOX}>\n\n{body}\n"
    )
    msg = _base(f"Fwd: {original_subject}", text, sender)
    if pdf is not None:
        attach(msg, pdf, "surat-kemendagri.pdf", "application/pdf")
    return msg


def outlook_forward(
    *, original_from: str, original_subject: str, sent: str, pdf: bytes | None = None, own: str = ""
) -> EmailMessage:
    text = (
        f"{own}\n\n________________________________\nFrom: {original_from}\nSent: {sent}\n"
        f"To: {MAILBOX}\nSubject: {original_subject}\n\nIsi surat.\n"
    )
    msg = _base(f"FW: {original_subject}", text)
    if pdf is not None:
        attach(msg, pdf, "surat.pdf", "application/pdf")
    return msg


def apple_forward(*, original_from: str, original_subject: str, date: str) -> EmailMessage:
    text = (
        f"\n\nBegin forwarded message:\n\nFrom: {original_from}\nSubject: {original_subject}\n"
        f"Date: {date}\nTo: {MAILBOX}\n\nIsi surat.\n"
    )
    return _base(f"Fwd: {original_subject}", text)


def original_letter(
    subject: str = "Undangan Rapat Koordinasi",
    sender: str = "sekretariat@jatimprov.example",
    body: str = "Nomor: 005/123/426.101/2026\nSifat: Penting\n\nMengundang ...",
) -> EmailMessage:
    return _base(subject, body, sender=sender, to="dinas@probolinggokab.example")


def eml_forward(original: EmailMessage, own: str = "") -> EmailMessage:
    msg = _base(f"Fwd: {original['Subject']}", own or "Terlampir surat asli.")
    msg.add_attachment(
        original.as_bytes(), maintype="application", subtype="octet-stream", filename="surat.eml"
    )
    return msg


def photo_scan(pages: int = 2, subject: str = "Surat undangan Bappeda", labels: str = "") -> EmailMessage:
    msg = _base(subject, labels or "Scan surat terlampir.")
    for page in range(pages):
        attach(msg, jpeg_scan(page), f"IMG_2026112{page}.jpg", "image/jpeg")
    return msg


def scan_to_email(pdf: bytes) -> EmailMessage:
    """What a copier's scan-to-email sends: no text worth reading, one PDF."""
    msg = _base("Scanned document", "")
    attach(msg, pdf, "SCAN0001.pdf", "application/pdf")
    return msg


def photographed_pdf() -> bytes:
    """A born-digital letter with a photograph in it: a text layer (no OCR) and ~580 KB."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Nomor: 12/FOTO/2026\nHal: Dokumentasi Kegiatan\n\nBersama ini kami sampaikan foto.")
    pdf.image(io.BytesIO(jpeg_scan(size=(1600, 2200))), w=150)
    return bytes(pdf.output())

