"""Generated scans of Indonesian official letters: what a copier or a clerk's phone makes of paper.

`letter_page(seed)` renders one letter (kop with a logo block, Nomor/Sifat/Lampiran/Hal, the
place and date line, body, signature block) at 300 dpi with Debian's DejaVu fonts and returns it
with the truth it prints; `copier_scan` and `phone_photo` degrade it as the field does. The same
seed gives the same letter and the same damage, so the demo, the tests and bench/scans.py share
fixed samples without keeping binary files.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

import img2pdf
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from mailflow.outbound.date_words import date_id

FONTS = "/usr/share/fonts/truetype/dejavu/"
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi
AGENCIES = (
    ("PEMERINTAH KABUPATEN PROBOLINGGO", "BADAN PERENCANAAN PEMBANGUNAN DAERAH"),
    ("PEMERINTAH PROVINSI JAWA TIMUR", "DINAS PENDIDIKAN"),
    ("PEMERINTAH KABUPATEN LUMAJANG", "DINAS KESEHATAN"),
    ("KEMENTERIAN DALAM NEGERI", "DIREKTORAT JENDERAL BINA KEUANGAN DAERAH"),
    ("PEMERINTAH KOTA MALANG", "BADAN KEPEGAWAIAN DAN PENGEMBANGAN SUMBER DAYA MANUSIA"),
    ("PEMERINTAH KABUPATEN JEMBER", "DINAS KOMUNIKASI DAN INFORMATIKA"),
)
PLACES = ("Probolinggo", "Surabaya", "Lumajang", "Jakarta", "Malang", "Jember")
SUBJECTS = (
    "Undangan Rapat Koordinasi Penyusunan RKPD Tahun 2027",
    "Permohonan Data Sekolah Dasar Negeri",
    "Pelaksanaan Vaksinasi Anak Sekolah",
    "Sosialisasi Pengelolaan Keuangan Daerah",
    "Penyampaian Laporan Kinerja Triwulan III",
    "Pemberitahuan Jadwal Seleksi Jabatan Pimpinan Tinggi",
    "Bimbingan Teknis Aplikasi Srikandi",
    "Monitoring dan Evaluasi Program Bantuan Sosial",
)
SIFAT = ("Biasa", "Segera", "Penting", "Sangat Segera")
BODY = (
    "Dalam rangka pelaksanaan program kerja tahun anggaran berjalan, bersama ini kami sampaikan "
    "bahwa kegiatan sebagaimana tersebut pada pokok surat akan dilaksanakan sesuai jadwal. "
    "Sehubungan dengan hal tersebut, kami mohon kehadiran Saudara atau pejabat yang ditunjuk. "
    "Demikian atas perhatian dan kerja samanya disampaikan terima kasih."
)


@dataclass(frozen=True)
class Truth:
    """What the letter prints, as the registry should read it."""

    sender: str
    letter_number: str
    letter_date: dt.date
    subject: str
    sifat: str
    attachment_count: int


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu (Debian's fonts-dejavu-core), else Pillow's own scalable font."""
    try:
        return ImageFont.truetype(FONTS + name, size)
    except OSError:
        return ImageFont.load_default(size)


def truth_for(seed: int) -> Truth:
    rng = random.Random(seed)
    top, unit = rng.choice(AGENCIES)
    code = rng.choice(("005", "045", "090", "400", "800", "421.2", "443.5"))
    number = f"{code}/{rng.randint(10, 2999)}/{rng.choice(('426.101', '35.13', '101.4', '426.12'))}/2026"
    date = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 330))
    return Truth(
        sender=f"{top} {unit}",
        letter_number=number,
        letter_date=date,
        subject=rng.choice(SUBJECTS),
        sifat=rng.choice(SIFAT),
        attachment_count=rng.randint(0, 3),
    )


def letter_page(seed: int) -> tuple[Image.Image, Truth]:
    """The clean page at 300 dpi, greyscale, and what it says."""
    truth = truth_for(seed)
    rng = random.Random(seed)
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    regular, small = _font("DejaVuSerif.ttf", 44), _font("DejaVuSerif.ttf", 34)
    # The kop: a logo block left, the two agency lines and the address centred, a double rule.
    draw.ellipse((200, 170, 480, 450), outline=0, width=10)
    draw.polygon([(340, 210), (440, 400), (240, 400)], outline=0, width=8)
    agency = next(a for a in AGENCIES if truth.sender == f"{a[0]} {a[1]}")
    y = 190
    for line in agency:
        size = 54
        font = _font("DejaVuSerif-Bold.ttf", size)
        width = draw.textlength(line, font=font)
        while width > 1700:  # long agency names are set smaller, as printers do
            size -= 2
            font = _font("DejaVuSerif-Bold.ttf", size)
            width = draw.textlength(line, font=font)
        draw.text((1340 - width / 2, y), line, font=font, fill=0)
        y += size + 24
    address = f"Jalan Panglima Sudirman No. {rng.randint(1, 200)} Telp. (0335) {rng.randint(400000, 499999)}"
    draw.text((1340 - draw.textlength(address, font=small) / 2, y + 10), address, font=small, fill=0)
    draw.line((180, 520, 2300, 520), fill=0, width=9)
    draw.line((180, 536, 2300, 536), fill=0, width=3)
    place = rng.choice(PLACES)
    d = truth.letter_date
    date_line = f"{place}, {date_id(d)}"
    draw.text((2300 - draw.textlength(date_line, font=regular), 620), date_line, font=regular, fill=0)
    y = 760
    lampiran = "-" if truth.attachment_count == 0 else f"{truth.attachment_count} (satu) berkas"
    for label, value in (
        ("Nomor", truth.letter_number),
        ("Sifat", truth.sifat),
        ("Lampiran", lampiran),
        ("Hal", truth.subject),
    ):
        draw.text((240, y), label, font=regular, fill=0)
        draw.text((560, y), ":", font=regular, fill=0)
        draw.text((600, y), value, font=regular, fill=0)
        y += 72
    y += 80
    for line in ("Kepada", "Yth. Bupati Probolinggo", "di -", "      PROBOLINGGO"):
        draw.text((1400, y), line, font=regular, fill=0)
        y += 64
    y += 80
    words, line = BODY.split(), ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=regular) > 1900:
            draw.text((360, y), line, font=regular, fill=0)
            y, line = y + 70, word
        else:
            line = trial
    draw.text((360, y), line, font=regular, fill=0)
    y += 220
    for line in ("KEPALA", "", "", "Drs. BAMBANG SUTRISNO, M.Si.", "NIP. 19680312 199303 1 007"):
        draw.text((1300, y), line, font=small, fill=0)
        y += 60
    return page, truth


def _jpeg(image: Image.Image, quality: int, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, dpi=image.info.get("dpi", (DPI, DPI)), exif=exif or b"")
    return out.getvalue()


def copier_scan(seed: int) -> tuple[bytes, Truth]:
    """An image-only PDF as a copier's scan-to-email makes it: grey paper, noise, a slight skew,
    JPEG artefacts; no text layer."""
    page, truth = letter_page(seed)
    rng = random.Random(seed * 7 + 1)
    grey = rng.randint(200, 235)
    paper = Image.effect_noise(page.size, rng.uniform(10, 25)).point(
        lambda v: min(255, grey + (v - 128) // 2)
    )
    page = ImageChops.darker(page, paper)
    angle = rng.uniform(0.5, 3.0) * rng.choice((-1, 1))
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=grey)
    page.info["dpi"] = (DPI, DPI)
    return img2pdf.convert(_jpeg(page, rng.randint(40, 70))), truth


def phone_photo(seed: int) -> tuple[bytes, Truth]:
    """A clerk's phone photo: 150-200 dpi, perspective, uneven light, stored sideways with the
    EXIF orientation that turns it upright."""
    page, truth = letter_page(seed)
    rng = random.Random(seed * 11 + 3)
    dpi = rng.randint(150, 200)
    page = page.resize((A4[0] * dpi // DPI, A4[1] * dpi // DPI), Image.Resampling.LANCZOS)
    w, h = page.size
    m = [rng.uniform(0, 0.03) for _ in range(4)]
    quad = (
        m[0] * w,
        m[1] * h,
        m[2] * w,
        (1 - m[3]) * h,
        (1 - m[1]) * w,
        (1 - m[0]) * h,
        (1 - m[3]) * w,
        m[2] * h,
    )
    page = page.transform(page.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=90)
    shade = rng.randint(150, 200)
    light = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(page.size)
    page = ImageChops.multiply(page, light.point(lambda v: 255 - (v * (255 - shade)) // 255))
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    sideways = page.rotate(90, expand=True)  # as the sensor saw it; EXIF 6 turns it upright
    sideways.info["dpi"] = (dpi, dpi)
    exif = Image.Exif()
    exif[0x0112] = 6
    return _jpeg(sideways.convert("RGB"), rng.randint(70, 90), exif), truth
