"""The web pages in a real browser: Debian's Chromium driven by selenium through Debian's
chromedriver (nothing downloaded at run time), against the real uvicorn server, at a phone's
390x844 and a laptop's 1366x768. Sign-in by link, "Surat saya", a letter with its scan, acting
from the box, a quarantine release; axe-core (fetched by scripts/install-test-deps) checks every
page for serious accessibility violations. Screenshots are kept in tests/artifacts/web/."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from mailflow.app import App
from mailflow.config import load_settings
from mailflow.ops import service
from mailflow.storage.models import Event, QuarantineItem
from mailflow.web.serve import serve_beside
from tests.support.dovecot import free_port
from tests.support.letters import _base
from tests.test_web_server import ADMIN, KADIS, body, filed_letter

pytestmark = pytest.mark.server

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts" / "web"
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}


def _missing() -> str | None:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return "Debian's chromium and chromium-driver are not installed (scripts/install-test-deps)"
    if not AXE.exists():
        return f"{AXE} is missing: scripts/install-test-deps fetches axe-core from the npm registry"
    return None


@pytest.fixture
def site(office):
    """The office's pages served by uvicorn on a loopback port, as `mailflow web` serves them."""
    port = free_port()
    office.reconfigure(
        extra=f"""
[web]
bind = "127.0.0.1"
port = {port}
public_url = "http://127.0.0.1:{port}"
secret_key = "{"b" * 40}"
secure_cookie = false  # plain HTTP on loopback; behind the proxy it is HTTPS and Secure
"""
    )
    app = App.build(load_settings(office.config_path))
    office._app = app
    server = serve_beside(app)
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True


@pytest.fixture
def browser():
    why = _missing()
    if why:
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def _axe(driver) -> list[dict]:
    """Serious and critical violations on the page shown (axe-core run in the page)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)));"
    )
    return [v for v in json.loads(found) if v["impact"] in ("serious", "critical")]


def _shot(driver, size: str, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{size}-{name}.png"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width, _ = SIZES[size]
    driver.set_window_size(width, min(max(SIZES[size][1], height), 4000))
    deadline = time.monotonic() + 10  # the page images, rendered on the server, drawn
    while time.monotonic() < deadline and not driver.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"
    ):
        time.sleep(0.1)
    driver.save_screenshot(str(path))
    driver.set_window_size(*SIZES[size])
    print(f"screenshot: {path}")
    return path


def _check(driver, size: str, name: str, problems: dict) -> None:
    _shot(driver, size, name)
    serious = _axe(driver)
    if serious:
        problems[f"{size}/{name}"] = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


@pytest.mark.parametrize("size", list(SIZES))
def test_in_a_browser(office, inbox, site, browser, size):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(*SIZES[size])
    problems: dict = {}
    request = filed_letter(office, inbox)
    # Sign-in by link: the sign-in page emails one; the official follows it.
    browser.get(f"{site}/sign-in")
    _check(browser, size, "1-sign-in", problems)
    browser.find_element(By.ID, "email").send_keys(KADIS)
    browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.note"))  # asked
    service.flush(office.app)
    mail = office.mail.wait_for(KADIS, lambda m: "/sign-in/" in body(m), 10)
    link = next(word for word in body(mail).split() if "/sign-in/" in word)
    browser.get(link)
    _check(browser, size, "2-follow-link", problems)
    browser.find_element(By.ID, "follow").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/surat"))
    browser.get(f"{site}/surat")
    assert "Pembentukan Cabang Dinas" in browser.page_source
    _check(browser, size, "3-surat-saya", problems)
    # A letter with its scan.
    browser.find_element(By.CSS_SELECTOR, ".card a").click()
    pages = browser.find_elements(By.CSS_SELECTOR, "img.page")
    assert pages
    browser.execute_script("arguments[0].scrollIntoView()", pages[0])
    deadline = time.monotonic() + 10  # a page image rendered on the server (lazy: loaded when seen)
    while browser.execute_script("return arguments[0].naturalWidth", pages[0]) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.execute_script("return arguments[0].naturalWidth", pages[0]) > 100
    _check(browser, size, "4-letter", problems)
    # Acting from the box: what it reads, then applied.
    browser.find_element(By.ID, "text").send_keys("Sekretaris: pelajari dan laporkan")
    browser.find_element(By.ID, "explain").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "apply"))
    _check(browser, size, "5-explained", problems)
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, 10).until(lambda d: not d.find_elements(By.ID, "apply"))
    _check(browser, size, "6-applied", problems)
    with Session(office.app.engine) as session:
        assert session.exec(select(Event).where(Event.action == "disposed", Event.actor == KADIS)).one()
    assert request is not None
    # The book and the dashboard (the head's).
    browser.get(f"{site}/book")
    _check(browser, size, "7-book", problems)
    browser.get(f"{site}/dashboard")
    _check(browser, size, "8-dashboard", problems)
    # A quarantine release, by the admin.
    office.mail.send(_base("Surat langsung dari luar", "Isi surat.", sender="stranger@elsewhere.example"))
    office.poll()
    browser.delete_all_cookies()
    browser.get(f"{site}/sign-in")
    browser.find_element(By.ID, "email").send_keys(ADMIN)
    browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.note"))  # asked
    service.flush(office.app)
    mail = office.mail.wait_for(ADMIN, lambda m: "/sign-in/" in body(m), 10)
    browser.get(next(word for word in body(mail).split() if "/sign-in/" in word))
    browser.find_element(By.ID, "follow").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/surat"))
    browser.get(f"{site}/admin")
    _check(browser, size, "9-admin", problems)
    with Session(office.app.engine) as session:
        item = session.exec(select(QuarantineItem)).one()
    browser.find_element(By.ID, f"release-{item.id}").click()
    WebDriverWait(browser, 10).until(lambda d: not d.find_elements(By.ID, f"release-{item.id}"))
    _check(browser, size, "10-released", problems)
    with Session(office.app.engine) as session:
        assert session.get(QuarantineItem, item.id).status == "released"
    assert not problems, json.dumps(problems, indent=1)
