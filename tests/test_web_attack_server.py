"""The web pages attacked from outside, with a browser's requests only, against the real app (the
loopback Dovecot and relay, a real database): numbers too big for an id or a page, a session
cookie replayed after sign-out, a CSRF token carried from another session, `next` redirects,
cookie tampering, and the headers on errors and files."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import zipfile

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mailflow.ops import service
from mailflow.storage.models import Event, Letter, LetterFile, OutboxMessage, QuarantineItem, WebSession
from mailflow.web.site import build, safe_next
from tests.conftest import DOMAIN
from tests.support import regency
from tests.support.letters import _base
from tests.test_web_server import (
    ADMIN,
    KADIS,
    PAUD,
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

HUGE = "9" * 5000  # past Python's int() digit limit: a ValueError unless refused first
BIG = "9" * 25  # past every database's integer
CLERK = "agenda@probolinggokab.example"


@pytest.fixture
def web_office(office):
    office.reconfigure(extra=WEB)
    return office


def _no_crash(client: TestClient, path: str) -> int:
    answer = client.get(path)
    assert "content-security-policy" in answer.headers, path  # an error page carries them too
    return answer.status_code


def test_numbers_too_big_for_an_id_or_a_page_are_not_found_not_a_crash(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    client = TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False,
                        cookies=client.cookies)  # fmt: skip
    for number in (HUGE, BIG):
        assert _no_crash(client, f"/letters/{number}") == 404
        assert _no_crash(client, f"/letters/1/files/{number}") == 404
        assert _no_crash(client, f"/letters/1/files/1/pages/{number}.png") == 404
        assert _no_crash(client, f"/book/export?format=csv&year={number}") == 404
        assert _no_crash(client, f"/book?page={number}") == 200
    admin = sign_in(web_office, ADMIN)
    admin = TestClient(admin.app, base_url="https://testserver", raise_server_exceptions=False,
                       cookies=admin.cookies)  # fmt: skip
    token = csrf(admin.get("/admin").text)
    for number in (HUGE, BIG):
        answer = admin.post(f"/admin/quarantine/{number}/release", data={"csrf": token})
        assert answer.status_code == 404 and "content-security-policy" in answer.headers


def test_session_cookie_copied_before_sign_out_is_refused_after(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    stolen = client.cookies.get("mailflow_session")
    assert client.get("/surat", follow_redirects=False).status_code == 200
    token = csrf(client.get("/surat").text)
    assert client.post("/sign-out", data={"csrf": token}, follow_redirects=False).status_code == 303
    thief = client_for(web_office)
    thief.cookies.set("mailflow_session", stolen or "")
    assert thief.get("/surat", follow_redirects=False).status_code == 303
    # Another instance on the same database refuses it as well: the session is the database's.
    other = TestClient(build(web_office.app), base_url="https://testserver")
    other.cookies.set("mailflow_session", stolen or "")
    assert other.get("/surat", follow_redirects=False).status_code == 303
    with Session(web_office.app.engine) as session:
        [row] = session.exec(select(WebSession)).all()
        assert row.address == KADIS and row.revoked_at is not None


def _session_row(office) -> WebSession:
    with Session(office.app.engine) as session:
        return session.exec(select(WebSession).where(WebSession.revoked_at == None)).one()  # noqa: E711


def _moved(office, **moments: dt.timedelta) -> None:
    """The live session's moments set back by `moments`, as if that much time had passed."""
    with Session(office.app.engine) as session:
        row = session.exec(select(WebSession).where(WebSession.revoked_at == None)).one()  # noqa: E711
        for name, by in moments.items():
            setattr(row, name, getattr(row, name) - by)
        session.add(row)
        session.commit()


def test_session_cookie_reused_after_its_expiry_is_refused(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    row = _session_row(web_office)
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)  # session_hours
    assert client.get("/surat", follow_redirects=False).status_code == 200
    _moved(web_office, expires_at=dt.timedelta(hours=12, seconds=1))
    assert client.get("/surat", follow_redirects=False).status_code == 303


def test_session_idle_longer_than_the_timeout_is_refused(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    _moved(web_office, last_seen_at=dt.timedelta(minutes=119))
    assert client.get("/surat", follow_redirects=False).status_code == 200  # seen: idle again from now
    assert dt.datetime.now(dt.UTC) - _session_row(web_office).last_seen_at < dt.timedelta(minutes=1)
    _moved(web_office, last_seen_at=dt.timedelta(minutes=120))  # session_idle_minutes
    assert client.get("/surat", follow_redirects=False).status_code == 303


def test_a_cookie_signed_with_the_key_for_an_unknown_session_is_a_stranger(web_office, inbox):
    """The right key (one who read it off a server) does not make a session: the id must be a
    live row, and the table holds only hashes of the ids."""
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    payload = client.cookies.get("mailflow_session", "").split(".")[0]
    real = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    row = _session_row(web_office)
    assert real["sid"] not in (row.id, "") and hashlib.sha256(real["sid"].encode()).hexdigest() == row.id
    for sid in ("forged-session-id", row.id):  # a made-up id, and the stored hash itself
        data = base64.b64encode(json.dumps({"sid": sid, "csrf": "x"}).encode())
        stranger = client_for(web_office)
        stranger.cookies.set("mailflow_session", TimestampSigner(SECRET).sign(data).decode())
        assert stranger.get("/surat", follow_redirects=False).status_code == 303, sid
    old = base64.b64encode(json.dumps({"who": KADIS, "csrf": "x"}).encode())  # a cookie of before
    stranger = client_for(web_office)
    stranger.cookies.set("mailflow_session", TimestampSigner(SECRET).sign(old).decode())
    assert stranger.get("/surat", follow_redirects=False).status_code == 303


def test_csrf_token_of_another_session_is_refused(web_office, inbox):
    request = filed_letter(web_office, inbox)
    del request
    kadis = sign_in(web_office, KADIS)
    paud = sign_in(web_office, PAUD)
    theirs = csrf(kadis.get("/surat").text)
    assert csrf(paud.get("/surat").text) != theirs
    assert paud.post("/sign-out", data={"csrf": theirs}, follow_redirects=False).status_code == 403
    # Still signed in: the foreign token did nothing.
    assert paud.get("/surat", follow_redirects=False).status_code == 200


def test_tampered_or_foreign_session_cookie_is_a_stranger(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, PAUD)
    value = client.cookies.get("mailflow_session") or ""
    stranger = client_for(web_office)
    # The payload changed to another official's address, the signature kept: refused.
    payload, _, signature = value.partition(".")
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    data["sid"] = "another-session"
    forged = base64.b64encode(json.dumps(data).encode()).decode() + "." + signature
    stranger.cookies.set("mailflow_session", forged)
    assert stranger.get("/surat", follow_redirects=False).status_code == 303
    stranger.cookies.set("mailflow_session", "not-a-cookie")
    assert stranger.get("/surat", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "wanted",
    ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/\t/evil.example",
     "\\\\evil.example", " //evil.example", "/%0d%0aSet-Cookie:x=1", "%2F%2Fevil.example", "/\r\n//evil"],
)  # fmt: skip
def test_next_never_leaves_the_site(wanted):
    kept = safe_next(wanted)
    assert kept.startswith("/") and not kept.startswith(("//", "/\\"))
    assert "evil" not in kept or kept.startswith("/%")  # an encoded path stays a path on this host
    assert "\r" not in kept and "\n" not in kept


def test_sign_in_redirect_keeps_the_path_only(web_office):
    client = client_for(web_office)
    answer = client.get("//evil.example/surat", follow_redirects=False)
    location = answer.headers.get("location", "")
    assert not location.startswith("//") and "evil.example/" not in location.split("next=")[0]


def test_headers_and_private_caching_on_errors_and_files(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    for path in ("/nothing-here", "/letters/999999", "/sign-in", "/static/nothing.css"):
        answer = client.get(path, follow_redirects=False)
        headers = answer.headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "unsafe-inline" not in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["cache-control"] == "no-store", path


@pytest.fixture
def own_tree_regency(regency_office, tmp_path):
    """The example regency over a copy of its rules, which the test may break on disk."""
    tree = tmp_path / "rules"
    shutil.copytree(regency.TREE, tree)
    regency_office.rules_dir = tree
    path = regency_office.write_config()
    path.write_text(path.read_text() + WEB)
    regency_office._app = None
    return regency_office


def test_an_office_admin_sees_no_other_office_in_the_rules_check(own_tree_regency):
    office = own_tree_regency
    admin = sign_in(office, "admin.setda@probolinggokab.example")
    assert admin.get("/admin").status_code == 200
    # Another office's rules break on disk (a secret contact in the broken line).
    org = office.rules_dir / "disdik" / "organisation.toml"
    org.write_text(org.read_text() + '\n[[people]]\nid = "rahasia.disdik@probolinggokab.example"\n')
    page = admin.get("/admin").text
    assert "disdik/" not in page and "rahasia.disdik" not in page
    # Their own office's problem they do see.
    own = office.rules_dir / "setda" / "organisation.toml"
    own.write_text(own.read_text() + '\n[[people]]\nid = "broken-setda"\n')
    assert "setda/organisation.toml" in admin.get("/admin").text


EVIL = "<script>alert(1)</script><svg onload=alert(2)>"


def test_script_through_the_box_is_escaped_in_the_tree_and_the_log(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    letter = follow(client, link_in(request)).headers["location"]
    token = csrf(client.get(letter).text)
    said = f"Sekretaris: pelajari {EVIL}"
    client.post(f"{letter}/act", data={"csrf": token, "text": said, "step": "apply"})
    for shown in (client.post(f"{letter}/act", data={"csrf": token, "text": said, "step": "explain"}),
                  client.get(letter)):  # fmt: skip
        assert shown.status_code == 200
        assert "<script>alert" not in shown.text and "<svg onload" not in shown.text
        assert "&lt;script&gt;alert(1)" in shown.text


def test_one_who_sees_a_letter_but_holds_none_of_it_cannot_act_on_it(web_office, inbox):
    request = filed_letter(web_office, inbox)
    letter = follow(client_for(web_office), link_in(request)).headers["location"]
    clerk = sign_in(web_office, CLERK)  # sees every open letter of the office, holds no node
    page = clerk.get(letter)
    assert page.status_code == 200
    clerk.post(f"{letter}/act", data={"csrf": csrf(page.text), "text": "Sekretaris: pelajari", "step": "apply"})
    with Session(web_office.app.engine) as session:
        assert not session.exec(select(Event).where(Event.action == "disposed")).all()


def test_pages_above_ones_role_are_not_found(web_office, inbox):
    web_office.mail.send(_base("Surat langsung dari luar", "Isi surat.", sender="stranger@elsewhere.example"))
    web_office.poll()
    with Session(web_office.app.engine) as session:
        item = session.exec(select(QuarantineItem)).one()
    paud = sign_in(web_office, PAUD)  # neither head nor admin
    token = csrf(paud.get("/surat").text)
    assert paud.get("/admin").status_code == 404
    assert paud.get("/dashboard").status_code == 404
    assert paud.post(f"/admin/quarantine/{item.id}/release", data={"csrf": token}).status_code == 404
    with Session(web_office.app.engine) as session:
        assert session.get(QuarantineItem, item.id).status == "held"


def test_sign_in_limit_holds_across_case_spaces_and_forwarded_for(web_office):
    client = client_for(web_office)
    token = csrf(client.get("/sign-in").text)
    variants = [PAUD, PAUD.upper(), f"  {PAUD}\t"]
    assert all(client.post("/sign-in", data={"csrf": token, "email": v}).status_code == 200 for v in variants)
    spoofed = client.post("/sign-in", data={"csrf": token, "email": f" {PAUD.title()} "},
                          headers={"x-forwarded-for": "203.0.113.9"})  # fmt: skip
    assert spoofed.status_code == 429  # one address, however written, from wherever it claims


def test_a_header_in_the_address_sends_nothing_and_answers_alike(web_office):
    client = client_for(web_office)
    token = csrf(client.get("/sign-in").text)
    plain = client.post("/sign-in", data={"csrf": token, "email": f"nobody@{DOMAIN}"})
    injected = client.post("/sign-in", data={"csrf": token, "email": f"{PAUD}\r\nBcc: evil@elsewhere.example"})
    assert injected.status_code == plain.status_code == 200 and injected.text == plain.text
    with Session(web_office.app.engine) as session:
        assert not session.exec(select(OutboxMessage)).all()


def test_a_search_of_ten_thousand_terms_and_a_far_page_answer(web_office, inbox):
    filed_letter(web_office, inbox)
    client = sign_in(web_office, KADIS)
    terms = "x " * 10_000  # ten thousand terms
    assert client.get("/book", params={"q": terms}).status_code == 200
    assert client.get("/book", params={"page": "9999999999"}).status_code == 200


def test_a_failure_inside_a_page_still_carries_the_headers(web_office, inbox):
    filed_letter(web_office, inbox)
    with Session(web_office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
        scan = session.exec(select(LetterFile).where(LetterFile.letter_id == letter.id)).first()
    assert scan is not None
    web_office.app.archive.file_path(scan.sha256).unlink()  # a damaged archive: the page fails
    signed = sign_in(web_office, KADIS)
    client = TestClient(signed.app, base_url="https://testserver", raise_server_exceptions=False,
                        cookies=signed.cookies)  # fmt: skip
    answer = client.get(f"/letters/{letter.id}/files/{scan.id}")
    assert answer.status_code == 500
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_another_offices_letters_never_in_the_book_search_or_export(own_tree_regency):
    office = own_tree_regency
    office.mail.send(regency.letter_for("SETDA", subject="Rapat Rahasia Sekretariat Daerah"))
    office.mail.send(regency.letter_for("DISDIK", subject="Pembentukan Cabang Dinas dan UPTD"))
    office.poll()
    with Session(office.app.engine) as session:
        setda = session.exec(select(Letter).where(Letter.office == "SETDA")).one()
        year = setda.year
    clerk = sign_in(office, regency.clerk_of("DISDIK"))
    assert "Pembentukan Cabang" in clerk.get("/book").text
    assert "Rapat Rahasia" not in clerk.get("/book", params={"q": "rahasia"}).text
    for fmt in ("csv", "json", "xlsx"):
        answer = clerk.get("/book/export", params={"format": fmt, "year": str(year), "office": "SETDA"})
        assert answer.status_code == 200
        content = answer.content
        if fmt == "xlsx":  # its cells are in the zip's XML parts
            sheet = zipfile.ZipFile(io.BytesIO(content))
            content = b"".join(sheet.read(name) for name in sheet.namelist())
        assert b"Pembentukan Cabang" in content and b"Rapat Rahasia" not in content, fmt
    assert clerk.get(f"/letters/{setda.id}").status_code == 404


def test_an_office_admin_cannot_release_another_offices_held_message(own_tree_regency):
    office = own_tree_regency
    stray = _base("Surat langsung dari luar", "Isi surat.", sender="stranger@elsewhere.example")
    stray.replace_header("To", regency.mailbox_of("DISDIK"))
    office.mail.send(stray)
    office.poll()
    with Session(office.app.engine) as session:
        item = session.exec(select(QuarantineItem)).one()
    assert item.office == "DISDIK"
    admin = sign_in(office, "admin.setda@probolinggokab.example")
    page = admin.get("/admin")
    assert "Surat langsung dari luar" not in page.text
    answer = admin.post(f"/admin/quarantine/{item.id}/release", data={"csrf": csrf(page.text)})
    assert answer.status_code == 404
    with Session(office.app.engine) as session:
        assert session.get(QuarantineItem, item.id).status == "held"


def test_one_who_left_the_chart_loses_session_and_link(own_tree_regency):
    office = own_tree_regency
    clerk_address = regency.clerk_of("DISDIK")
    signed = sign_in(office, clerk_address)
    assert signed.get("/book", follow_redirects=False).status_code == 200
    later = client_for(office)
    later.post("/sign-in", data={"csrf": csrf(later.get("/sign-in").text), "email": clerk_address})
    service.flush(office.app)
    mails = office.mail.wait_for(clerk_address, lambda m: "/sign-in/" in body(m), 10)
    path = link_in(mails, "sign-in")
    # The clerk moves away: their address leaves the office's chart.
    rules = office.rules_dir / "disdik" / "office.toml"
    rules.write_text(rules.read_text().replace(clerk_address, "pindah@probolinggokab.example"))
    stat = rules.stat()
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert signed.get("/book", follow_redirects=False).status_code == 303  # to the sign-in page
    assert follow(later, path).status_code == 400
    with Session(office.app.engine) as session:
        [row] = session.exec(select(WebSession).where(WebSession.address == clerk_address)).all()
        assert row.revoked_at is not None  # ended, not merely unknown today
    # Back on the chart (a mistaken edit undone): the old cookie still signs nobody in.
    rules.write_text(rules.read_text().replace("pindah@probolinggokab.example", clerk_address))
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    assert signed.get("/book", follow_redirects=False).status_code == 303


def test_sessions_of_one_who_left_the_chart_end_when_the_rules_change(own_tree_regency):
    """Revoked when any page is next asked for after the edit, their own or anyone's."""
    office = own_tree_regency
    clerk_address = regency.clerk_of("DISDIK")
    signed = sign_in(office, clerk_address)
    admin = sign_in(office, "admin.setda@probolinggokab.example")
    assert signed.get("/book", follow_redirects=False).status_code == 200
    rules = office.rules_dir / "disdik" / "office.toml"
    rules.write_text(rules.read_text().replace(clerk_address, "pindah@probolinggokab.example"))
    stat = rules.stat()
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert admin.get("/admin").status_code == 200  # another's page: the new rules are seen
    with Session(office.app.engine) as session:
        rows = session.exec(select(WebSession)).all()
        assert {r.address: r.revoked_at is not None for r in rows} == {
            clerk_address: True, "admin.setda@probolinggokab.example": False}  # fmt: skip


def test_a_huge_form_is_refused_before_it_is_read(web_office, inbox):
    filed_letter(web_office, inbox)
    client = client_for(web_office)
    token = csrf(client.get("/sign-in").text)
    # Each field under Starlette's own 1 MB a field, together far more than any form needs.
    fields = {"csrf": token, "email": "a" * 600_000, **{f"x{n}": "b" * 600_000 for n in range(3)}}
    answer = client.post("/sign-in", data=fields)
    assert answer.status_code == 413 and answer.headers["x-content-type-options"] == "nosniff"
    kadis = sign_in(web_office, KADIS)
    letter = kadis.get("/book").text
    found = re.search(r'href="(/letters/\d+)"', letter)
    assert found
    token = csrf(kadis.get(found[1]).text)
    answer = kadis.post(f"{found[1]}/act", data={"csrf": token, "text": "Siap " * 100_000, "step": "explain"})
    assert answer.status_code == 413
    assert kadis.post(f"{found[1]}/act", data={"csrf": token, "text": "Siap", "step": "explain"}).status_code == 200
