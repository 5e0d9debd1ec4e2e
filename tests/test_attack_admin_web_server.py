"""The web pages as a new admin tries them after the upgrade (the loopback Dovecot and relay, a
real database): a cookie of the release before gets the sign-in page; a cookie taken before
sign-in is still nobody after it (no fixation); signing out on the phone leaves the laptop
signed in; markup stored in the log's facts is escaped; and entries of before written in
English read in Indonesian on the letter page."""

from __future__ import annotations

import base64
import json
import os
import shutil

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mailflow.ops import service
from mailflow.storage.models import Event, Letter
from tests.support import REPO
from tests.test_web_server import (
    KADIS,
    SECRET,
    WEB,
    body,
    client_for,
    csrf,
    filed_letter,
    follow,
    link_in,
    sign_in,
)

pytestmark = pytest.mark.server

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def web_office(office):
    office.reconfigure(extra=WEB)
    return office


def _log(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return page.text.split('<ol class="log">')[1].split("</ol>")[0]


def _add(office, *events: Event) -> None:
    with Session(office.app.engine) as session:
        session.add_all(events)
        session.commit()


def _letter_id(office) -> int:
    with Session(office.app.engine) as session:
        return session.exec(select(Letter)).one().id or 0


def test_a_cookie_of_the_release_before_gets_the_sign_in_page(web_office):
    old = base64.b64encode(json.dumps({"who": KADIS, "csrf": "x" * 32}).encode())
    client = client_for(web_office)
    client.cookies.set("mailflow_session", TimestampSigner(SECRET).sign(old).decode())
    answer = client.get("/surat", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and 'name="email"' in page.text
    # The form it shows works with that cookie: the link is asked for.
    assert client.post("/sign-in", data={"csrf": csrf(page.text), "email": KADIS}).status_code == 200


def test_a_cookie_taken_before_sign_in_is_nobody_after_it(web_office, inbox):
    """Session fixation: a cookie planted (or read) before the official signs in does not become
    their session, nor does its CSRF token work in it."""
    filed_letter(web_office, inbox)
    client = client_for(web_office)
    page = client.get("/sign-in")
    planted, planted_csrf = client.cookies.get("mailflow_session") or "", csrf(page.text)
    client.post("/sign-in", data={"csrf": planted_csrf, "email": KADIS})
    service.flush(web_office.app)
    msg = web_office.mail.wait_for(KADIS, lambda m: "/sign-in/" in body(m), 10)
    assert follow(client, link_in(msg, "sign-in")).status_code == 303
    assert client.get("/surat", follow_redirects=False).status_code == 200
    attacker = client_for(web_office)
    attacker.cookies.set("mailflow_session", planted)
    assert attacker.get("/surat", follow_redirects=False).status_code == 303
    assert csrf(client.get("/surat").text) != planted_csrf
    assert client.post("/sign-out", data={"csrf": planted_csrf}, follow_redirects=False).status_code == 403


def test_signing_out_on_the_phone_leaves_the_laptop_signed_in(web_office, inbox):
    request = filed_letter(web_office, inbox)
    phone = client_for(web_office)  # the request email's link, opened on the phone
    assert follow(phone, link_in(request)).status_code == 303
    laptop = sign_in(web_office, KADIS)  # the sign-in page, on the laptop
    assert phone.post("/sign-out", data={"csrf": csrf(phone.get("/surat").text)},
                      follow_redirects=False).status_code == 303  # fmt: skip
    assert phone.get("/surat", follow_redirects=False).status_code == 303
    assert laptop.get("/surat", follow_redirects=False).status_code == 200


def test_markup_stored_in_the_logs_facts_is_escaped(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    path = follow(client, link_in(request)).headers["location"]
    n = _letter_id(web_office)
    _add(
        web_office,
        Event(letter_id=n, actor=SCRIPT, action="registered", targets=[], facts={"mailbox": SCRIPT}),
        Event(letter_id=n, actor="k", action="received_from", targets=[SCRIPT], instruction=SCRIPT,
              facts={"office": SCRIPT, "agenda": SCRIPT}),
        Event(letter_id=n, actor="k", action="corrected", targets=[],
              facts={"changes": [["subject", SCRIPT, SCRIPT]]}),
        Event(letter_id=n, actor="k", action="scanned", targets=[],
              facts={"pages": 1, "confidence": 9, "read": [SCRIPT], "refused": [SCRIPT]}),
        Event(letter_id=n, actor="k", action="rejected", targets=[], facts={"quarantine": SCRIPT, "reason": SCRIPT}),
        Event(letter_id=n, actor="k", action="noted", targets=[], text=SCRIPT, facts=None),
    )  # fmt: skip
    log = _log(client, path)
    assert "<script" not in log and "<img" not in log, log
    assert log.count("&lt;script&gt;") >= 10, log


def test_entries_of_before_in_english_read_in_indonesian_on_the_page(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    path = follow(client, link_in(request)).headers["location"]
    n = _letter_id(web_office)
    _add(
        web_office,
        Event(letter_id=n, actor="agenda@x", action="duplicate", text="filed again in <a@b.example>", facts=None),
        Event(letter_id=n, actor=KADIS, action="bounced", targets=[KADIS],
              text=f"request to {KADIS} could not be delivered", facts=None),
        Event(letter_id=n, actor="mailflow", action="scanned", text="OCR: 1 page(s), confidence 80; read nothing",
              facts=None),
    )  # fmt: skip
    log = _log(client, path)
    assert "dikirim lagi dalam pesan" in log and "email permintaan disposisi tidak terkirim" in log, log
    assert "OCR 1 halaman, keyakinan 80; terbaca: tidak ada" in log, log
    for english in ("filed again", "could not be delivered", "page(s)", "read nothing"):
        assert english not in log, english


def test_a_role_address_given_to_a_new_head_ends_the_old_heads_session(office, inbox, tmp_path):
    """kadis@ is the head's address; the rules now name another person behind it. The browser of
    the head who left is no longer signed in as the new head; the new head signs in anew."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    office.rules_dir = rules
    office.reconfigure(extra=WEB)
    request = filed_letter(office, inbox)
    old_head = client_for(office)
    assert follow(old_head, link_in(request)).status_code == 303
    assert old_head.get("/surat", follow_redirects=False).status_code == 200
    chart = rules / "organisation.toml"
    chart.write_text(chart.read_text().replace('name = "Budi Santoso"', 'name = "Dewi Lestari"'))
    stat = chart.stat()
    os.utime(chart, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert old_head.get("/surat", follow_redirects=False).status_code == 303
    new_head = sign_in(office, KADIS)
    assert new_head.get("/surat", follow_redirects=False).status_code == 200
