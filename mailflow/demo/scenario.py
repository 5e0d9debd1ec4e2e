"""`mailflow demo`: the whole flow on an embedded loopback mail server, narrated.

Everything runs for real: the clerk's email goes over SMTP to the dev server, Mailflow polls it
over IMAP, files the letter, and the receipt travels back over SMTP into the clerk's mailbox.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import signal
import smtplib
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from sqlmodel import Session, select

from mailflow.app import App
from mailflow.clock import office_moment, office_today
from mailflow.config import Settings, settings_from_dict
from mailflow.demo import dkim
from mailflow.demo.sample_scans import phone_photo
from mailflow.demo.samples import letter_pdf
from mailflow.demo.server import DevMailServer
from mailflow.ops import service
from mailflow.outbound.catalogue import Catalogue, Words
from mailflow.records.agenda_book import agenda_bytes, agenda_rows
from mailflow.records.sheet import sheet_pdf
from mailflow.registry.log_words import Entry, entry_words
from mailflow.registry.queries import letter_record
from mailflow.resources import EXAMPLE_RULES
from mailflow.scans.ocr import unavailable
from mailflow.storage.models import Disposition, Letter

DOMAIN = "probolinggokab.example"
MAILBOX = f"surat@{DOMAIN}"
CLERK = f"agenda@{DOMAIN}"
KADIS = f"kadis@{DOMAIN}"
SEKRETARIS = f"sekretaris@{DOMAIN}"


def phone_reply(original: EmailMessage, sender: str, text: str, signature: str = "") -> EmailMessage:
    """A top-posted reply as a phone client writes it: new text, attribution, quoted original."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(original["Reply-To"] or original["From"])
    msg["Subject"] = "Re: " + " ".join(str(original["Subject"]).split())
    msg["In-Reply-To"] = original["Message-ID"].strip()
    msg["References"] = " ".join(
        [*str(original.get("References", "")).split(), original["Message-ID"].strip()]
    )
    msg["Message-ID"] = make_msgid(domain=DOMAIN)
    body = original.get_body(("plain",))
    text_of = body.get_content() if body is not None else ""
    quoted = "\n".join("> " + line for line in text_of.splitlines())
    sign = f"\n\n{signature}" if signature else ""
    msg.set_content(
        f"{text}{sign}\n\nPada tanggal {format_datetime(dt.datetime.now())} Mailflow menulis:\n{quoted}\n"
    )
    return msg


def demo_settings(
    workdir: Path,
    server: DevMailServer,
    rules_dir: Path = EXAMPLE_RULES,
    mailboxes: dict[str, str] | None = None,
    web: dict[str, object] | None = None,
) -> Settings:
    """The demo's config on the embedded server: `mailboxes` maps each name to its address (by
    default the one office's `surat`), each found by its unit in the rules."""
    boxes = mailboxes or {"surat": MAILBOX}
    data = {
        "database_url": f"sqlite:///{workdir / 'mailflow.db'}",
        "storage_dir": str(workdir / "storage"),
        "rules_dir": str(rules_dir),
        "poll_interval": 2,
        "outbox_interval": 1,
        # The demo office's mail server signs its mail; the key is pinned, so no DNS is asked.
        "dkim_keys": {dkim.RECORD_NAME: dkim.RECORD},
        "smtp": {
            "host": "127.0.0.1",
            "port": server.smtp_port,
            "security": "none",
            "from_address": next(iter(boxes.values())),
        },
        "mailboxes": [
            {
                "name": name,
                "host": "127.0.0.1",
                "port": server.imap_port,
                "security": "none",
                "username": address,
                "password": server.password,
                "address": address,
            }
            for name, address in boxes.items()
        ],
    }
    if web is not None:  # `demo --web`: the pages on the demo's data (cli/cli_setup.py serves them)
        data["web"] = web
    # Written out too, so `mailflow --config WORKDIR/config.toml letters` works on the demo's data.
    (workdir / "config.toml").write_text(config_toml(data), encoding="utf-8")
    return settings_from_dict(data, workdir / "config.toml")


def config_toml(data: dict) -> str:
    """The demo's small config as TOML (strings, numbers and one level of tables)."""

    def value(v: object) -> str:
        return f'"{v}"' if isinstance(v, str) else str(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict | list)]
    lines += ["", "[dkim_keys]", *(f"{value(k)} = {value(v)}" for k, v in data["dkim_keys"].items())]
    lines += ["", "[smtp]", *(f"{k} = {value(v)}" for k, v in data["smtp"].items())]
    if "web" in data:
        lines += ["", "[web]", *(f"{k} = {str(v).lower() if isinstance(v, bool) else value(v)}"
                                 for k, v in data["web"].items())]  # fmt: skip
    for box in data["mailboxes"]:
        lines += ["", "[[mailboxes]]", *(f"{k} = {value(v)}" for k, v in box.items())]
    return "\n".join(lines) + "\n"


def _from_clerk(subject: str, clerk: str = f"Siti Aminah <{CLERK}>", mailbox: str = MAILBOX) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = clerk
    msg["To"] = mailbox
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=DOMAIN)
    return msg


def clerk_forward(clerk: str = f"Siti Aminah <{CLERK}>", mailbox: str = MAILBOX) -> EmailMessage:
    """The Minister's letter (a PDF) as a clerk forwards it from her phone to the office mailbox."""
    msg = _from_clerk("Fwd: Pembentukan Cabang Dinas dan UPTD", clerk, mailbox)
    msg.set_content(
        "Sifat: Segera\n\n---------- Forwarded message ---------\n"
        "From: Biro Organisasi Kemendagri <biro.organisasi@kemendagri.example>\n"
        "Date: Mon, Oct 2, 2017 at 9:15 AM\nSubject: Pembentukan Cabang Dinas dan UPTD\n"
        f"To: <{mailbox}>\n\nDengan hormat, terlampir surat Menteri Dalam Negeri.\n"
    )
    msg.add_attachment(letter_pdf(), maintype="application", subtype="pdf", filename="surat-mendagri.pdf")
    return msg


def send_signed(server: DevMailServer, msg: EmailMessage) -> None:
    """Sent as the office's mail server sends it: DKIM-signed."""
    sender = email.utils.parseaddr(str(msg["From"]))[1]
    recipient = email.utils.parseaddr(str(msg["To"]))[1]
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.sendmail(sender, [recipient], dkim.sign(msg.as_bytes(policy=email.policy.SMTP)))


def answer(
    server: DevMailServer, app: App, original: EmailMessage, sender: str, text: str, signature: str = ""
) -> None:
    """An official's phone reply, sent and read by one pass of the service."""
    send_signed(server, phone_reply(original, sender, text, signature))
    service.once(app)


def wait_for(server: DevMailServer, user: str, needle: str, timeout: float = 15) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in server.messages(user):
            msg = email.parser.BytesParser(_class=EmailMessage, policy=email.policy.default).parsebytes(raw)
            if needle in str(msg["Subject"]):
                return msg
        time.sleep(0.05)
    raise TimeoutError(f"{user} received no message with {needle!r}")


@contextmanager
def working_folder(workdir: Path | None, prefix: str) -> Iterator[Path]:
    """`workdir`, or a temporary folder that is removed when the demo ends, Ctrl-C included."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir.resolve()
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder).resolve()


def say_temporary(say: Words, console: Console, workdir: Path) -> None:
    """Where a demo without --workdir keeps its data, and that it is gone when the demo ends."""
    console.print(escape(say("demo.temporary", folder=str(workdir))))


def run_demo(
    workdir: Path,
    console: Console,
    keep: bool = False,
    ports: tuple[int, int] = (0, 0),
    language: str = "id",
    temporary: bool = False,
    web: dict[str, object] | None = None,
    pages: Callable[[App], str] | None = None,
) -> int:
    """`pages` (with `web`, the [web] settings): serves the web pages once the story is played and
    returns the link that signs Pak Budi in; the demo then stays, as with `keep`."""
    catalogue = Catalogue()
    say = catalogue.words(language)  # the narration: the catalogue's [demo] and the CLI's words
    started = time.monotonic()
    server = DevMailServer(imap_port=ports[0], smtp_port=ports[1]).start()
    try:
        console.print(
            Panel.fit(
                escape(say("demo.banner", imap=server.imap_port, smtp=server.smtp_port, workdir=workdir))
            )
        )
        app = App.build(demo_settings(workdir, server, web=web))

        console.print(f"[bold]1.[/bold] {escape(say('demo.forward', mailbox=MAILBOX))}")
        send_signed(server, clerk_forward())
        service.once(app)
        console.print(f"   {escape(say('demo.filed'))}")
        with Session(app.engine) as session:
            letter = session.exec(select(Letter)).one()
        table = Table(show_header=False)
        for key, value in (
            ("cli.agenda", letter.agenda_number),
            ("field.sender", letter.sender),
            ("field.letter_number", letter.letter_number),
            ("field.letter_date", letter.letter_date),
            ("field.subject", letter.subject),
            ("field.urgency", letter.urgency),
        ):
            # through the catalogue, so that a date reads as people write it in that language
            shown = say("cli.value", value=value) if value else say("cli.unknown")
            table.add_row(escape(say(key)), escape(shown))
        console.print(table)

        receipt = wait_for(server, CLERK, "Tanda terima")
        console.print(f"[bold]2.[/bold] {escape(say('demo.receipt', subject=receipt['Subject']))}")

        request = wait_for(server, KADIS, "Mohon disposisi")
        console.print(f"[bold]3.[/bold] {escape(say('demo.request', subject=request['Subject']))}")
        console.print('   [green]"Sekretaris: Pelajari dan Sosialisasikan"[/green]')
        answer(server, app, request, KADIS, "Sekretaris: Pelajari dan Sosialisasikan")

        instruction = wait_for(server, SEKRETARIS, "Disposisi dari")
        said = say("demo.instruction", subject=instruction["Subject"], reply="Siap!")
        console.print(f"[bold]4.[/bold] {escape(said)}")
        answer(server, app, instruction, SEKRETARIS, "Siap!", signature="Dikirim dari iPhone saya")
        told = wait_for(server, KADIS, "Siap")
        console.print(f"[bold]5.[/bold] {escape(say('demo.told', subject=told['Subject']))}")

        with Session(app.engine) as session:
            record = letter_record(session, session.exec(select(Letter)).one())
        log = Table.grid(padding=(0, 2))  # as `letter show`: a long line wraps under itself
        log.add_column(no_wrap=True)
        log.add_column(no_wrap=True)
        log.add_column(overflow="fold")
        known = catalogue.keys(language)
        for e in record["log"]:
            deadline = dt.date.fromisoformat(e["deadline"]) if e["deadline"] else None
            entry = Entry(e["action"], e["targets"], e["instruction"], deadline, e["text"], e["facts"])
            words = entry_words(entry, partial(catalogue.say, language), known)
            log.add_row(
                f"{office_moment(e['at'], app.settings.zone):%H:%M:%S %Z}",
                escape(say("action." + e["action"])),
                escape(e["actor"] + (f"  {'; '.join(words)}" if words else "")),
            )
        console.print(Panel(log, title=f"mailflow letter show {record['agenda_number']}"))
        console.print(f"[bold]6.[/bold] {escape(say('demo.reminder'))}")
        with Session(app.engine) as session:
            node = session.exec(select(Disposition).where(Disposition.holder == SEKRETARIS)).one()
            deadline = node.deadline or office_today(app.settings.zone)
        later = dt.datetime.combine(
            app.context().rules.calendar.add_workdays(deadline, 1), dt.time(9), app.settings.zone
        )
        service.followups(app, later)
        service.flush(app)
        reminder = wait_for(server, SEKRETARIS, "Terlambat")
        console.print(f"   [italic]{escape(str(reminder['Subject']))}[/italic]")

        records = workdir / "records"
        records.mkdir(exist_ok=True)
        rows = agenda_rows(app.engine, record_year(app), app.settings.zone)
        book = agenda_bytes(rows, "xlsx", say("book.title", year=record_year(app)), say)
        (records / "buku-agenda.xlsx").write_bytes(book)
        with Session(app.engine) as session:
            letter = session.exec(select(Letter)).one()
        (records / "lembar-disposisi.pdf").write_bytes(
            sheet_pdf(app.engine, letter, app.office_rules(letter.office), app.settings.zone)
        )
        console.print(
            "[bold]7.[/bold] "
            + escape(
                say("demo.records", folder=records, book="buku-agenda.xlsx", sheet="lembar-disposisi.pdf")
            )
        )
        _photo_letter(server, app, console, say)
        console.print(escape(say("demo.done", seconds=f"{time.monotonic() - started:.1f}", workdir=workdir)))
        if temporary:
            say_temporary(say, console, workdir)
        if keep or pages is not None:
            running = service.Service(app)  # IDLE and polling: your replies are handled live
            running.start()
            # Ctrl-C and SIGTERM end it, even when started with SIGINT ignored (a background
            # job of a script, a CI runner): the exit is as clean as a Ctrl-C's. Set before the
            # words that say so are shown, so a signal sent on reading them is never missed.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                console.print(
                    escape(
                        say(
                            "demo.keep",
                            imap=server.imap_port,
                            smtp=server.smtp_port,
                            domain=DOMAIN,
                            password=server.password,
                            config=workdir / "config.toml",
                            account=KADIS,
                        )
                    )
                )
                if pages is not None:
                    console.print(escape(say("demo.web", url=pages(app), account=KADIS)), soft_wrap=True)
                while True:
                    time.sleep(service.SIGNAL_SLICE)  # woken in time, whichever thread got the signal
            finally:
                running.stop()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def photo_forward() -> EmailMessage:
    """Two phone photos of one paper letter, as a clerk in a hurry sends them."""
    msg = _from_clerk("surat masuk")
    msg.set_content("Foto surat terlampir.")
    for page, seed in enumerate((2, 3), start=1):
        msg.add_attachment(phone_photo(seed)[0], maintype="image", subtype="jpeg", filename=f"IMG_{page}.jpg")
    return msg


FIELD_LINES = ("Nomor", "Asal", "Tanggal", "Perihal", "Sifat")


def _photo_letter(server: DevMailServer, app: App, console: Console, say: Words) -> None:
    missing = unavailable(app.settings.ocr_languages)
    if missing is not None:  # everything else was played; one line says why this is not
        console.print(escape(say("demo.photo_skipped", reason=missing)), soft_wrap=True)
        return
    console.print(f"[bold]8.[/bold] {escape(say('demo.photos'))}")
    send_signed(server, photo_forward())
    service.once(app)
    receipt = wait_for(server, CLERK, "Tanda terima: Penyampaian")
    body = receipt.get_body(("plain",))
    lines = body.get_content().splitlines() if body is not None else []
    console.print(
        Panel(
            escape("\n".join(line for line in lines if line.startswith(FIELD_LINES))),  # "[mohon periksa]"
            title=escape(str(receipt["Subject"])),
        )
    )
    request = wait_for(server, KADIS, "Penyampaian")
    files = [part.get_filename() for part in request.iter_attachments()]
    said = say("demo.photos_read", mark=say("scan.check"), files=", ".join(f for f in files if f))
    console.print(f"   {escape(said)}")


def record_year(app: App) -> int:
    return dt.datetime.now(app.settings.zone).year
