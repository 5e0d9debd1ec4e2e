"""The Starlette application: security headers, the signed session cookie naming a session kept
on the server (web/sessions.py), CSRF on every form, and the sign-in by emailed link. The pages
themselves are in views.py."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailflow.app import App
from mailflow.clock import office_moment
from mailflow.config import WebSettings
from mailflow.disposition.request import today_in
from mailflow.domain import Said
from mailflow.errors import ConfigError
from mailflow.office.regency import Regency
from mailflow.registry.log_words import Entry, entry_words
from mailflow.resources import TEMPLATES
from mailflow.text.links import LETTER, SIGN_IN, LinkError
from mailflow.web.reader import Reader, reader_for
from mailflow.web.sessions import open_session, revoke, revoke_unknown, session_address
from mailflow.web.sign_in import ask_sign_in, follow

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a link's token never leaves in a Referer
    (b"cache-control", b"no-store"),
]


FORM_BYTES = 64 * 1024  # the answer box's 5,000 characters, each up to 9 bytes url-encoded, and more


class SecurityHeaders:
    """Every response, pages and files alike, carries the headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, sending)


async def failed(request: Request, exc: Exception) -> Response:
    """A failure inside a page (a damaged archive, a lost database) answers 500 with the same
    headers: Starlette's error answer is sent outside every middleware, SecurityHeaders included.
    No body: nothing of the failure is shown, and no words outside the catalogue."""
    return Response(status_code=500, headers={k.decode(): v.decode() for k, v in HEADERS})


def safe_next(value: str | None) -> str:
    """A `next` that stays on this site: a path, never `//host`, `/\\host` or a scheme."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\\\r\n\t"):
        return "/"
    return value


class Web:
    """What every page needs: the App, the web settings, rendering in the reader's language."""

    def __init__(self, app: App) -> None:
        if app.settings.web is None:
            raise ConfigError("the web pages need a [web] section in the config")
        self.app = app
        self.settings: WebSettings = app.settings.web
        # The pages are Mailflow's own files (templates/web/), never an office's: no sandbox, whose
        # check of every attribute and call was most of a page's time (issue 23's benchmark).
        # An office's words still come through its catalogue.
        self.pages = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
        )
        self.idle = dt.timedelta(minutes=self.settings.session_idle_minutes)
        self._regency: Regency = app.rules.get()  # the rules last seen: a new set ends sessions

    def _chart(self) -> Regency:
        """The rules in force; when they changed since the last request, the sessions of those no
        longer on any office's chart are revoked, and those of an address now given to another
        person (a role address passed to a new head): whoever holds the old browser is not them
        (each instance does it once; it is idempotent)."""
        regency = self.app.rules.get()
        if regency is not self._regency:
            today = today_in(self.app.context())
            settings, before = self.app.settings, self._regency

            def same_reader(address: str) -> bool:
                now = reader_for(regency, settings, address, today)
                then = reader_for(before, settings, address, today)
                if now is None or then is None:
                    return now is not None
                return (now.name, now.office) == (then.name, then.office)

            revoke_unknown(self.app.engine, same_reader)
            self._regency = regency
        return regency

    def reader(self, request: Request) -> Reader | None:
        """Who the session's cookie signs in: its server-side session live (not signed out,
        expired or idle) and its address still on the chart, else nobody."""
        regency = self._chart()
        token = request.session.get("sid")
        if not isinstance(token, str):
            return None
        address = session_address(self.app.engine, token, self.idle)
        if address is None:
            return None
        reader = reader_for(regency, self.app.settings, address, today_in(self.app.context()))
        if reader is None:
            revoke(self.app.engine, token)  # they left the chart: coming back signs in anew
        return reader

    def signed_in(self, request: Request) -> Reader:
        reader = self.reader(request)
        if reader is None:
            raise HTTPException(303, headers={"location": f"/sign-in?next={request.url.path}"})
        return reader

    @staticmethod
    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return token

    async def form(self, request: Request) -> dict[str, str]:
        """The posted form, refused (403) without the session's CSRF token, and (413) when it is
        larger than any of the pages' forms: read whole, a form costs its size in memory."""
        size = request.headers.get("content-length", "")
        if not size.isdecimal() or len(size) > 12 or int(size) > FORM_BYTES:
            raise HTTPException(413)
        form = await request.form()
        given = form.get("csrf")
        expected = request.session.get("csrf")
        if not isinstance(given, str) or not isinstance(expected, str):
            raise HTTPException(403)
        if not hmac.compare_digest(given, expected):
            raise HTTPException(403)
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def page(
        self, request: Request, name: str, reader: Reader | None, status: int = 200, **values: Any
    ) -> HTMLResponse:
        language = reader.language if reader else self.app.settings.language
        composer = self.app.context(reader.office if reader else None).composer
        catalogue = composer.catalogue
        known = catalogue.keys(language)
        zone = self.app.settings.zone

        def coded(section: str, code: str) -> str:
            """A stored code (an action, a reason) in the reader's words; one a newer Mailflow
            wrote, as it is."""
            key = f"{section}.{code}"
            return catalogue.say(language, Said.of(key)) if key in known else code

        def say(said: Said) -> str:
            return catalogue.say(language, said)

        html = self.pages.get_template(f"web/{name}.html.j2").render(
            word=lambda key, **v: catalogue.say(language, Said.of(key, **v)),
            say=say,
            coded=coded,
            logged=lambda event: entry_words(Entry.of(event), say, known),
            local=lambda moment: f"{office_moment(moment, zone):%Y-%m-%d %H:%M}",
            language=language,
            reader=reader,
            csrf=self.csrf(request),
            path=request.url.path,
            **values,
        )
        return HTMLResponse(html, status_code=status)


Handler = Callable[[Web, Request], Awaitable[Response]]


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


async def sign_in_form(web: Web, request: Request) -> Response:
    return web.page(request, "sign_in", web.reader(request), next=safe_next(request.query_params.get("next")))


async def sign_in_ask(web: Web, request: Request) -> Response:
    form = await web.form(request)
    address = form.get("email", "").strip().lower()
    app = web.app
    reader = reader_for(app.rules.get(), app.settings, address, today_in(app.context())) if address else None
    if not ask_sign_in(app, web.settings, address, _client(request), reader):
        return web.page(request, "sign_in", None, status=429, limited=True, next="/")
    return web.page(request, "sign_in", None, sent=True, next="/")  # the same, known or not


async def link_form(web: Web, request: Request) -> Response:
    """A link is spent by a button, not by its GET: mail scanners that fetch links spend nothing."""
    return web.page(request, "follow", web.reader(request), token=request.path_params["token"])


async def link_follow(web: Web, request: Request) -> Response:
    await web.form(request)
    kind = SIGN_IN if request.url.path.startswith("/sign-in/") else LETTER
    try:
        link = follow(web.app, web.settings, kind, request.path_params["token"])
    except LinkError:
        return web.page(request, "sign_in", None, status=400, refused=True, next="/")
    app = web.app
    if reader_for(app.rules.get(), app.settings, link.address, today_in(app.context())) is None:
        return web.page(request, "sign_in", None, status=400, refused=True, next="/")
    old = request.session.get("sid")
    if isinstance(old, str):
        revoke(app.engine, old)  # a new sign-in in this browser ends the one before
    request.session.clear()
    lifetime = dt.timedelta(hours=web.settings.session_hours)
    request.session["sid"] = open_session(app.engine, link.address, lifetime)
    request.session["csrf"] = secrets.token_urlsafe(24)
    where = f"/letters/{link.letter_id}" if link.letter_id else safe_next(request.query_params.get("next"))
    return RedirectResponse(where, status_code=303)


async def sign_out(web: Web, request: Request) -> Response:
    """The session ends on the server: a copy of the cookie taken before signs nobody in."""
    await web.form(request)
    token = request.session.get("sid")
    if isinstance(token, str):
        revoke(web.app.engine, token)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


def build(app: App) -> Starlette:
    """The ASGI application over one App (the same edges `mailflow run` uses)."""
    from mailflow.web import views  # the pages need Web; Web does not need them

    web = Web(app)

    def bound(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(web, request)

        return endpoint

    routes = [
        Route("/sign-in", bound(sign_in_form), methods=["GET"]),
        Route("/sign-in", bound(sign_in_ask), methods=["POST"]),
        Route("/sign-in/{token}", bound(link_form), methods=["GET"]),
        Route("/sign-in/{token}", bound(link_follow), methods=["POST"]),
        Route("/link/{token}", bound(link_form), methods=["GET"]),
        Route("/link/{token}", bound(link_follow), methods=["POST"]),
        Route("/sign-out", bound(sign_out), methods=["POST"]),
        *[Route(path, bound(handler), methods=[method]) for path, method, handler in views.ROUTES],
        Mount("/static", StaticFiles(directory=TEMPLATES / "web" / "static"), name="static"),
    ]
    settings = web.settings
    return Starlette(
        routes=routes,
        exception_handlers={Exception: failed},
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret(),
                session_cookie="mailflow_session",
                max_age=settings.session_hours * 3600,
                same_site="lax",
                https_only=settings.secure_cookie,
            ),
        ],
    )
