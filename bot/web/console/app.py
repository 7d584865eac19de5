"""The console's app factory: ``Console`` puts the views (bot/web/console/views/) and the
middleware together, ``Console.app`` adds the encrypted session cookie, the guard, the security
headers and the routes of routes.py; ``make_app`` and ``main`` (``python -m bot.web.console``)
start it.
"""

from __future__ import annotations

import argparse
from typing import Optional

from aiohttp import web
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.core import settings
from bot.store.db import open_store
from bot.web.console.middleware import Middleware
from bot.web.console.plumbing import SESSION_HOURS, derived_key
from bot.web.console.routes import ROUTES
from bot.web.console.views.audit import AuditViews
from bot.web.console.views.conversations import ConversationViews
from bot.web.console.views.login import LoginViews
from bot.web.console.views.optouts import OptoutViews
from bot.web.console.views.requests import RequestViews
from bot.web.console.views.subjects import SubjectViews


class Console(LoginViews, ConversationViews, RequestViews, OptoutViews, SubjectViews, AuditViews, Middleware):
    """The whole console: one object per process, holding the store (plumbing.Plumbing)."""

    def app(self) -> web.Application:
        storage = EncryptedCookieStorage(
            derived_key("session"),
            cookie_name="privacybot_console",
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="Strict",
            secure=self.secure_cookies,
        )
        app = web.Application(middlewares=[session_middleware(storage), self.guard])
        app.on_response_prepare.append(self.headers)
        for method, path, view, permission in ROUTES:
            handler = getattr(self, view)
            app.router.add_route(method, path, self.allowed(permission)(handler) if permission else handler)
        return app


def make_app(database_url: Optional[str] = None, secure_cookies: bool = False) -> web.Application:
    return Console(open_store(database_url), secure_cookies=secure_cookies).app()


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="Console voor support")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secure-cookies", action="store_true", help="cookies enkel over HTTPS (achter TLS)")
    args = parser.parse_args(argv)
    web.run_app(
        make_app(secure_cookies=args.secure_cookies),
        host=settings.bind_address(),
        port=args.port,
        print=None,
        access_log=None,
    )
