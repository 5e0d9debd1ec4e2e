"""Sample letters for the demo and the tests: a ministry letter as a PDF with a text layer."""

from __future__ import annotations

from fpdf import FPDF

KEMENDAGRI = ("KEMENTERIAN DALAM NEGERI", "REPUBLIK INDONESIA")


def letter_pdf(
    *,
    kop: tuple[str, ...] = KEMENDAGRI,
    place_date: str = "Jakarta, 2 Oktober 2017",
    number: str = "061/5432/OTDA",
    sifat: str = "Segera",
    lampiran: str = "1 (satu) berkas",
    hal: str = "Pembentukan Cabang Dinas dan UPTD",
    body: str = "Dalam rangka penataan kelembagaan perangkat daerah, ...",
) -> bytes:
    """A one-page official letter laid out as Indonesian letters are (kop, Nomor/Sifat/Hal)."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in kop:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.cell(0, 6, "Jalan Medan Merdeka Utara No. 7 Jakarta 10110", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(6)
    pdf.cell(0, 6, place_date, new_x="LMARGIN", new_y="NEXT", align="R")
    for label, value in (("Nomor", number), ("Sifat", sifat), ("Lampiran", lampiran), ("Hal", hal)):
        pdf.cell(0, 6, f"{label}   : {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6, f"Yth. Bupati Probolinggo\ndi Probolinggo\n\n{body}")
    return bytes(pdf.output())
