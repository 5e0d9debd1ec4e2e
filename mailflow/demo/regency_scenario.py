"""`mailflow demo --regency`: the story across offices, on the embedded loopback mail server.

The Minister's letter is filed at the regional secretariat; the Sekretaris Daerah passes it to the
Dinas Pendidikan, whose acting head (Plt) disposes it to his secretary, who answers "Siap!" and
later reports it done; the secretariat's status shows the whole chain. Every office has its own
mailbox and agenda book; one Mailflow serves them all.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from sqlmodel import Session, col, select

from mailflow.app import App
from mailflow.demo.scenario import (
    answer,
    clerk_forward,
    demo_settings,
    say_temporary,
    send_signed,
    wait_for,
)
from mailflow.demo.server import DevMailServer
from mailflow.office.regency import load_regency, short_name
from mailflow.ops import service
from mailflow.ops.health import snapshot, verdict
from mailflow.ops.offices import office_rows
from mailflow.outbound.catalogue import Catalogue
from mailflow.resources import EXAMPLE_RULES
from mailflow.storage.models import Letter

TREE = EXAMPLE_RULES / "regency"
D = "@probolinggokab.example"
SETDA_BOX, SETDA_CLERK = f"surat.setda{D}", f"Nur Hasanah <agenda.setda{D}>"
SEKDA, PLT_KADIS, SEKDIS = f"sekda{D}", f"asisten2{D}", f"sekretaris.disdik{D}"


def run_regency_demo(workdir: Path, console: Console, language: str = "id", temporary: bool = False) -> int:
    say = Catalogue().words(language)  # the narration, in the admin's language
    started = time.monotonic()
    server = DevMailServer().start()
    try:
        boxes = {
            code.lower(): next(u.mailbox for u in rules.units.values() if u.mailbox)
            for code, rules in load_regency(TREE).offices.items()
        }
        app = App.build(demo_settings(workdir, server, TREE, boxes))
        offices = app.rules.get().offices
        console.print(
            Panel.fit(
                escape(
                    say(
                        "regency_demo.banner",
                        count=len(offices),
                        offices=", ".join(offices),
                        imap=server.imap_port,
                        workdir=workdir,
                    )
                )
            )
        )
        console.print(f"[bold]1.[/bold] {escape(say('regency_demo.forward', mailbox=SETDA_BOX))}")
        send_signed(server, clerk_forward(SETDA_CLERK, SETDA_BOX))
        service.once(app)
        request = wait_for(server, SEKDA, "Mohon disposisi")
        console.print(f"   {escape(say('regency_demo.filed', agenda='SETDA ' + _agenda(app, 'SETDA')))}")
        console.print('   [green]"Dinas Pendidikan: untuk ditindaklanjuti"[/green]')
        answer(server, app, request, SEKDA, "Dinas Pendidikan: untuk ditindaklanjuti")

        to_plt = wait_for(server, PLT_KADIS, "Disposisi dari Sekretaris Daerah")
        disdik = "DISDIK " + _agenda(app, "DISDIK")
        said = say("regency_demo.passed", agenda=disdik, subject=to_plt["Subject"])
        console.print(f"[bold]2.[/bold] {escape(said)}")
        console.print('   [green]"Sekretaris: Pelajari dan Sosialisasikan"[/green]')
        answer(server, app, to_plt, PLT_KADIS, "Sekretaris: Pelajari dan Sosialisasikan")
        to_sekdis = wait_for(server, SEKDIS, "Disposisi dari Plt. Kepala Dinas")
        console.print(f"[bold]3.[/bold] {escape(say('regency_demo.ready', reply='Siap!'))}")
        answer(server, app, to_sekdis, SEKDIS, "Siap!", signature="Dikirim dari iPhone saya")

        console.print(f"[bold]4.[/bold] {escape(say('regency_demo.status', reply='Status'))}")
        confirmation = wait_for(server, SEKDA, "Dicatat")
        answer(server, app, confirmation, SEKDA, "Status")
        status = wait_for(server, SEKDA, "Status")
        body = status.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        chain = text[text.find("Posisi disposisi") :].split("\n\n")[0]
        console.print(Panel(escape(chain), title=escape(say("regency_demo.chain"))))

        report = "Selesai: sudah disosialisasikan ke seluruh sekolah"
        console.print(f"[bold]5.[/bold] {escape(say('regency_demo.done', reply=report))}")
        answer(server, app, to_sekdis, SEKDIS, "Selesai: sudah disosialisasikan ke seluruh sekolah")
        told = wait_for(server, SEKDA, "Selesai di Dinas Pendidikan")
        console.print(f"   [italic]{escape(str(told['Subject']))}[/italic]")

        today = dt.datetime.now(app.settings.zone).date()
        found = verdict(snapshot(app.engine, app.settings), app.settings)
        rows = office_rows(app.engine, app.settings, app.rules.get(), today, found)
        console.print(
            Panel(
                escape(
                    "\n".join(
                        f"{r.code:<13} {short_name(r.name):<20} "
                        + say("regency_demo.office", letters=r.letters, overdue=r.overdue)
                        for r in rows
                    )
                ),
                title="mailflow offices",
            )
        )
        console.print(escape(say("demo.done", seconds=f"{time.monotonic() - started:.1f}", workdir=workdir)))
        if temporary:
            say_temporary(say, console, workdir)
        return 0
    finally:
        server.stop()


def _agenda(app: App, office: str) -> str:
    with Session(app.engine) as session:
        letter = session.exec(
            select(Letter).where(Letter.office == office).order_by(col(Letter.id).desc())
        ).first()
    return letter.agenda_number if letter else "?"
