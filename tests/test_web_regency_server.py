"""The web pages in a regency: each office sees its own letters only (pages and files), and the
Sekda sees the path of a letter across offices; acting from the page passes a letter on."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mailflow.ops import service
from mailflow.storage.models import Letter, LetterFile
from tests.support.inbox import Inbox
from tests.support.regency import letter_for
from tests.test_web_server import WEB, client_for, csrf, follow, link_in

pytestmark = pytest.mark.server

D = "@probolinggokab.example"
SEKDA, PLT_KADIS = f"sekda{D}", f"asisten2{D}"


@pytest.fixture
def inbox(regency_office) -> Inbox:
    path = regency_office.config_path
    path.write_text(path.read_text() + WEB)
    regency_office._app = None
    return Inbox(regency_office)


def sekda_on_a_letter(office, inbox) -> tuple[TestClient, str, str]:
    """A letter filed at SETDA; the Sekda signed in by its request's link, on its page: the
    Sekda's client, the page's path and its form's CSRF token."""
    office.mail.send(letter_for("SETDA"))
    office.poll()
    sekda = client_for(office)
    home = follow(sekda, link_in(inbox.next(SEKDA, "Mohon disposisi"))).headers["location"]
    return sekda, home, csrf(sekda.get(home).text)


def test_each_office_sees_its_own_and_the_sekda_the_path(regency_office, inbox):
    office = regency_office
    sekda, home, token = sekda_on_a_letter(office, inbox)
    said = "Dinas Pendidikan: untuk ditindaklanjuti"
    preview = sekda.post(f"{home}/act", data={"csrf": token, "text": said, "step": "explain"})
    assert 'id="apply"' in preview.text
    sekda.post(f"{home}/act", data={"csrf": token, "text": said, "step": "apply"})
    service.flush(office.app)
    to_plt = inbox.next(PLT_KADIS, "Disposisi dari Sekretaris Daerah")
    plt = client_for(office)
    there = follow(plt, link_in(to_plt)).headers["location"]
    assert there != home and plt.get(there).status_code == 200
    with Session(office.app.engine) as session:
        setda = session.exec(select(Letter).where(Letter.office == "SETDA")).one()
        scan = session.exec(select(LetterFile).where(LetterFile.letter_id == setda.id)).first()
    assert scan is not None
    # Another office's letter by id, its page and its files: not found.
    for path in (home, f"{home}/files/{scan.id}", f"{home}/files/{scan.id}/pages/1.png"):
        assert plt.get(path).status_code == 404, path
    book = plt.get("/book").text
    assert f'href="{there}"' in book and f'href="{home}"' not in book
    # The Sekda sees where it went: the other office's book in the tree.
    assert "DISDIK 001/SM/2026" in sekda.get(home).text
