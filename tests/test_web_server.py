"""The web pages against the real app: the loopback Dovecot and relay, a real database (SQLite, or
PostgreSQL with MAILFLOW_TEST_DATABASE_URL), Starlette's TestClient over HTTPS. Attacked: links
reused or expired, forms without their CSRF token, an open redirect, another tree's letter by
id (page and file), script in a letter's fields, the rate limits; and the headers every answer
carries."""

from __future__ import annotations

import datetime as dt
import re
import time
from email.message import Message

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mailflow.ops import service
from mailflow.storage.models import Disposition, Event, Letter, LetterFile, QuarantineItem
from mailflow.web.site import build, safe_next
from tests.conftest import DOMAIN
from tests.support.letters import _base, gmail_forward, pdf_letter

pytestmark = pytest.mark.server

SECRET = "s" * 40
WEB = f"""
[web]
public_url = "https://testserver"
secret_key = "{SECRET}"
sign_in_per_address = 3
sign_in_per_client = 6
"""
KADIS, PAUD, ADMIN = f"kadis@{DOMAIN}", f"kabid.paud@{DOMAIN}", f"admin@{DOMAIN}"


def body(msg: Message) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def link_in(msg: Message, kind: str = "link") -> str:
    found = re.search(rf"https://testserver(/{kind}/[A-Za-z0-9._-]+)", body(msg))
    assert found, body(msg)
    return found[1]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


def follow(client: TestClient, path: str):
    """A link as an official follows it: the page, then its button."""
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf": csrf(page.text)}, follow_redirects=False)


def client_for(office) -> TestClient:
    return TestClient(build(office.app), base_url="https://testserver")


@pytest.fixture
def web_office(office):
    office.reconfigure(extra=WEB)
    return office


def filed_letter(office, inbox, subject: str = "Pembentukan Cabang Dinas dan UPTD", sender: str = ""):
    office.mail.send(
        gmail_forward(
            pdf=pdf_letter(), original_subject=subject, original_from=sender or "Biro Umum <umum@kemendagri.go.id>"
        )
    )
    office.poll()
    return inbox.next(KADIS, "Mohon disposisi")


def sign_in(office, address: str) -> TestClient:
    """Through the sign-in page: the emailed link, followed."""
    client = client_for(office)
    page = client.get("/sign-in")
    client.post("/sign-in", data={"csrf": csrf(page.text), "email": address})
    service.flush(office.app)
    msg = office.mail.wait_for(address, lambda m: "Mailflow" in str(m["Subject"]) and "/sign-in/" in body(m), 10)
    assert follow(client, link_in(msg, "sign-in")).status_code == 303
    return client


def test_request_email_link_signs_in_once_and_opens_the_letter(web_office, inbox):
    request = filed_letter(web_office, inbox)
    path = link_in(request)
    client = client_for(web_office)
    answer = follow(client, path)
    assert answer.status_code == 303
    assert re.fullmatch(r"/letters/\d+", answer.headers["location"])
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and "Pembentukan Cabang Dinas" in page.text
    mine = client.get("/surat")
    assert "Pembentukan Cabang Dinas" in mine.text
    # The same link again, from another browser: refused.
    again = follow(client_for(web_office), path)
    assert again.status_code == 400 and "/surat" not in again.headers.get("location", "")


def test_expired_and_forged_links_are_refused(web_office, inbox):
    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 86_400

    old = URLSafeTimedSerializer(SECRET, salt="mailflow-web-sign-in", signer=Yesterday)
    token = old.dumps({"a": KADIS, "n": "x" * 24, "l": None})
    client = client_for(web_office)
    assert follow(client, f"/sign-in/{token}").status_code == 400
    forged = URLSafeTimedSerializer("f" * 40, salt="mailflow-web-letter").dumps({"a": KADIS, "n": "y", "l": 1})
    assert follow(client, f"/link/{forged}").status_code == 400
    assert client.get("/surat", follow_redirects=False).status_code == 303  # still signed out


def test_sign_in_page_answers_alike_and_is_rate_limited(web_office):
    client = client_for(web_office)
    token = csrf(client.get("/sign-in").text)
    known = client.post("/sign-in", data={"csrf": token, "email": PAUD})
    unknown = client.post("/sign-in", data={"csrf": token, "email": f"nobody@{DOMAIN}"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    service.flush(web_office.app)
    web_office.mail.wait_for(PAUD, lambda m: "/sign-in/" in body(m), 10)
    for _ in range(2):
        client.post("/sign-in", data={"csrf": token, "email": PAUD})
    per_address = client.post("/sign-in", data={"csrf": token, "email": PAUD})
    assert per_address.status_code == 429  # 3 an hour for one address
    for n in range(2):
        assert client.post("/sign-in", data={"csrf": token, "email": f"x{n}@{DOMAIN}"}).status_code == 200
    per_client = client.post("/sign-in", data={"csrf": token, "email": f"y@{DOMAIN}"})
    assert per_client.status_code == 429  # 6 an hour from one client


def test_forms_without_their_csrf_token_are_refused(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    assert client.post("/sign-in", data={"email": KADIS}).status_code == 403
    answer = follow(client, link_in(request))
    letter = answer.headers["location"]
    assert client.post(f"{letter}/act", data={"text": "Siap", "step": "apply"}).status_code == 403
    assert client.post(f"{letter}/act", data={"text": "Siap", "step": "apply", "csrf": "wrong"}).status_code == 403
    assert client.post("/sign-out", data={}).status_code == 403


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "/\r\nX: y", "evil", ""],
)
def test_next_never_leaves_the_site(target):
    assert safe_next(target) == "/"


def test_next_keeps_a_path_here():
    assert safe_next("/letters/3?x=1") == "/letters/3?x=1"


def test_follow_with_next_elsewhere_stays_here(web_office, inbox):
    client = client_for(web_office)
    token = csrf(client.get("/sign-in").text)
    client.post("/sign-in", data={"csrf": token, "email": PAUD})
    service.flush(web_office.app)
    path = link_in(web_office.mail.wait_for(PAUD, lambda m: "/sign-in/" in body(m), 10), "sign-in")
    page = client.get(path)
    answer = client.post(f"{path}?next=//evil.example/", data={"csrf": csrf(page.text)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_another_trees_letter_is_not_found_page_and_files(web_office, inbox):
    request = filed_letter(web_office, inbox)
    kadis = client_for(web_office)
    letter_path = follow(kadis, link_in(request)).headers["location"]
    with Session(web_office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
        scan = session.exec(select(LetterFile).where(LetterFile.letter_id == letter.id)).first()
    assert scan is not None
    assert kadis.get(f"{letter_path}/files/{scan.id}").status_code == 200
    assert kadis.get(f"{letter_path}/files/{scan.id}/pages/1.png").headers["content-type"] == "image/png"
    # kabid.paud has no part in this letter's tree and supervises nobody in it.
    paud = sign_in(web_office, PAUD)
    for path in (letter_path, f"{letter_path}/files/{scan.id}", f"{letter_path}/files/{scan.id}/pages/1.png",
                 "/letters/999999"):  # fmt: skip
        assert paud.get(path).status_code == 404, path
    assert letter.agenda_number not in paud.get("/book?q=").text


def test_script_in_subject_and_sender_is_escaped(web_office, inbox):
    evil = "<script>alert('x')</script>"
    request = filed_letter(web_office, inbox, subject=f"Undangan {evil}", sender=f"Evil {evil} <umum@kemendagri.go.id>")
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    for path in (letter_path, "/surat", "/book"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>" not in page.text, path
        assert "&lt;script&gt;" in page.text, path


def test_security_headers_on_pages_and_files(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    for path in ("/sign-in", letter_path, "/static/style.css", "/letters/1/files/1"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_acting_from_the_box_explains_then_applies_like_a_reply(web_office, inbox):
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    page = client.get(letter_path)
    token = csrf(page.text)
    preview = client.post(f"{letter_path}/act", data={"csrf": token, "text": "Sekretaris: pelajari", "step": "explain"})
    assert preview.status_code == 200 and 'id="apply"' in preview.text
    with Session(web_office.app.engine) as session:
        assert not session.exec(select(Event).where(Event.action == "disposed")).all()  # nothing yet
    applied = client.post(f"{letter_path}/act", data={"csrf": token, "text": "Sekretaris: pelajari", "step": "apply"})
    assert applied.status_code == 200
    with Session(web_office.app.engine) as session:
        event = session.exec(select(Event).where(Event.action == "disposed")).one()
        assert event.actor == KADIS and event.targets == [f"sekretaris@{DOMAIN}"]
    service.flush(web_office.app)
    inbox.next(KADIS, "Dicatat")  # the same confirmation as a reply by email
    inbox.next(f"sekretaris@{DOMAIN}", "Disposisi dari")


def test_a_letter_of_a_mailbox_since_renamed_is_still_answered_from_the_box(web_office, inbox):
    """The admin renames the intake mailbox in the config (or moves the office to a new one)
    while letters are open: a letter filed through the old name is answered from its office's
    mailbox, as its reminders are."""
    request = filed_letter(web_office, inbox)
    config = web_office.config_path.read_text()
    web_office.config_path.write_text(config.replace('name = "surat"', 'name = "surat-masuk"', 1))
    web_office._app = None
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    token = csrf(client.get(letter_path).text)
    applied = client.post(
        f"{letter_path}/act", data={"csrf": token, "text": "Sekretaris: pelajari", "step": "apply"}
    )
    assert applied.status_code == 200
    service.flush(web_office.app)
    assert f"surat@{DOMAIN}" in str(inbox.next(f"sekretaris@{DOMAIN}", "Disposisi dari")["From"])


def test_admin_releases_a_held_message_like_the_command(web_office, inbox):
    web_office.mail.send(_base("Surat langsung dari luar", "Isi surat.", sender="stranger@elsewhere.example"))
    web_office.poll()
    with Session(web_office.app.engine) as session:
        item = session.exec(select(QuarantineItem)).one()
    admin = sign_in(web_office, ADMIN)
    page = admin.get("/admin")
    assert page.status_code == 200 and "Surat langsung dari luar" in page.text
    released = admin.post(f"/admin/quarantine/{item.id}/release", data={"csrf": csrf(page.text)})
    assert released.status_code == 200
    with Session(web_office.app.engine) as session:
        assert session.get(QuarantineItem, item.id).status == "released"
        event = session.exec(select(Event).where(Event.action == "released")).one()
        assert event.actor == ADMIN
    kadis_page = client_for(web_office).get("/admin", follow_redirects=False)
    assert kadis_page.status_code == 303  # signed out: to the sign-in page


def test_the_dashboard_is_the_heads_alone(web_office):
    """The head has the dashboard and its link; the office's admin (neither head nor clerk) has
    the admin page and neither: they open no letter from the book, so they count none."""
    head, admin = sign_in(web_office, KADIS), sign_in(web_office, ADMIN)
    assert head.get("/dashboard").status_code == 200 and 'href="/dashboard"' in head.get("/surat").text
    assert admin.get("/dashboard").status_code == 404
    page = admin.get("/admin")
    assert page.status_code == 200 and 'href="/dashboard"' not in page.text and 'href="/admin"' in page.text


def test_the_tree_shows_how_long_each_node_waited_in_the_readers_words(web_office, inbox):
    """Each node: from the disposition reaching its holder to their first answer, or until now
    while they have not answered; in Indonesian, the office's language."""
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    with Session(web_office.app.engine) as session:  # the request reached the head 2 days 3 hours ago
        node = session.exec(select(Disposition)).one()
        node.created_at -= dt.timedelta(days=2, hours=3, minutes=1)
        session.add(node)
        session.commit()
    page = client.get(letter_path).text
    assert "menunggu 2 hari 3 jam" in page
    token = csrf(page)
    client.post(f"{letter_path}/act", data={"csrf": token, "text": "Sekretaris: pelajari", "step": "apply"})
    page = client.get(letter_path).text
    assert "dijawab setelah 2 hari 3 jam" in page  # the head answered now
    assert "menunggu 0 menit" in page  # the secretary's, reached them just now
    assert "waiting" not in page and "answered" not in page


def test_the_letters_log_reads_in_the_readers_language(web_office, inbox):
    """The log holds codes and facts; the page words them in Indonesian, the office's language,
    and a row of before the facts (its English words stored then) still reads."""
    request = filed_letter(web_office, inbox)
    client = client_for(web_office)
    letter_path = follow(client, link_in(request)).headers["location"]
    with Session(web_office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
        session.add(Event(letter_id=letter.id or 0, actor="mailflow", action="noted", text="an old English note",
                          facts=None))  # fmt: skip
        session.commit()
    log = client.get(letter_path).text.split('<ol class="log">')[1].split("</ol>")[0]
    assert "dicatat" in log and "dari kotak surat" in log  # registered, from the mailbox
    assert f"diminta disposisi — kepada {KADIS}" in log and "aturan rute" in log and "batas " in log
    assert "tanda terima dikirim" in log
    assert "filed from" not in log and "routing rule" not in log
    assert "an old English note" in log
