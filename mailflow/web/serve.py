"""Serving the pages with uvicorn: alone (`mailflow web`) or in a thread beside the service
(`mailflow run` with `[web]`)."""

from __future__ import annotations

import threading

import uvicorn

from mailflow.app import App
from mailflow.web.site import build


def server(app: App) -> uvicorn.Server:
    web = app.settings.web
    if web is None:
        raise ValueError("no [web] section")
    config = uvicorn.Config(
        build(app),
        host=web.bind,
        port=web.port,
        proxy_headers=True,  # the client's address for the rate limit, from the reverse proxy
        forwarded_allow_ips=web.forwarded_allow_ips,
        server_header=False,
        log_config=None,  # Mailflow's own logging (ops/logs.py)
        access_log=False,
    )
    return uvicorn.Server(config)


def serve(app: App) -> None:
    """In the foreground, until SIGINT/SIGTERM."""
    server(app).run()


def serve_beside(app: App) -> uvicorn.Server:
    """In a daemon thread; the caller sets `should_exit` to stop it."""
    running = server(app)
    running.config.install_signal_handlers = False  # type: ignore[attr-defined]
    threading.Thread(target=running.run, name="web", daemon=True).start()
    return running
