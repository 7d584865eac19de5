"""The console's plumbing that every view shares: the template environment, the session-bound
CSRF form, the keys derived from the console's own secret, and the base class of the views
(``Plumbing``: the store, rendering a page, the redirect after a POST, the session's user).

No route lives here; the pages are in bot/web/console/views/, the middleware in middleware.py.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import quote

import jinja2
from aiohttp import web
from aiohttp_session import get_session
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

from bot.core import keys, settings
from bot.privacy import rights
from bot.staff import accounts, conversations
from bot.store.db import Store

WEB = Path(__file__).resolve().parents[1]  # bot/web: templates/ and static/
SESSION_HOURS = 8
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS_LABELS = rights.STATUS_LABELS
# How the console names the roles of bot.staff.accounts.ROLES (navigation, "Geen toegang").
ROLE_LABELS = {"agent": "agent", "privacy_officer": "privacy officer", "admin": "beheerder (admin)"}


def derived_key(purpose: str) -> bytes:
    """A key per use (session cookie, CSRF) from the console's own secret (bot.core.keys): the
    internet-facing Rasa processes never hold it."""
    return hashlib.sha256(f"{purpose}:{keys.key('console')}".encode()).digest()


class CsrfForm(Form):
    """Every form posts a token bound to the session; a post without it is refused."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = timedelta(hours=SESSION_HOURS)

        @property
        def csrf_secret(self) -> bytes:
            return derived_key("csrf")


class PostData(dict):
    """aiohttp's form data in the shape WTForms reads (getlist)."""

    def __init__(self, multidict) -> None:
        super().__init__()
        self.multi = multidict

    def getlist(self, key: str):
        return self.multi.getall(key, [])

    def __contains__(self, key) -> bool:
        return key in self.multi

    def __iter__(self):
        return iter(self.multi.keys())


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(WEB / "templates" / "console")),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["q"] = lambda value: quote(str(value), safe="")  # a path segment, never a path
    env.globals.update(
        status_labels=STATUS_LABELS,
        role_labels=ROLE_LABELS,
        brussels=conversations.brussels,
        flag_labels=conversations.FLAG_LABELS,
        request_labels=rights.TYPE_LABELS,
    )
    return env


class Plumbing:
    """What every view uses: the store, the templates, the login throttle and the helpers below."""

    def __init__(self, store: Store, secure_cookies: bool = False) -> None:
        self.store = store
        self.secure_cookies = secure_cookies
        self.env = templates()
        # Failed logins per client address, and per address and account, per 5 minutes.
        self.throttle = accounts.LoginThrottle(limit=settings.login_limit())

    async def form(self, request: web.Request, post: bool = False) -> CsrfForm:
        session = await get_session(request)
        data = PostData(await request.post()) if post else None
        form = CsrfForm(formdata=data, meta={"csrf_context": session})
        return form

    async def render(self, request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
        form = await self.form(request)
        user = request.get("user")
        # A message left by the redirect after a POST (``redirect``): from the session, never from
        # the URL, so a crafted link cannot put text of its choosing on a console page.
        left = (await get_session(request)).pop("flash", None) or {}
        if context.get("error") is None and left.get("error"):
            context["error"] = left["error"]
        page = self.env.get_template(name).render(
            user=user,
            csrf=form.csrf_token.current_token,
            path=request.path,
            can=lambda p: bool(user) and accounts.can(user.role, p),
            flash=context.pop("flash", None) or left.get("ok"),
            **context,
        )
        return web.Response(text=page, content_type="text/html", status=status)

    @staticmethod
    async def redirect(
        request: web.Request, location: str, ok: Optional[str] = None, error: Optional[str] = None
    ) -> web.HTTPFound:
        """Redirect after a POST, with a message for the next page kept in the session."""
        (await get_session(request))["flash"] = {"ok": ok, "error": error}
        return web.HTTPFound(location)

    async def check_csrf(self, request: web.Request) -> Optional[web.Response]:
        form = await self.form(request, post=True)
        if not form.validate():
            return web.Response(text="Ongeldig of verlopen formulier (CSRF). Laad de pagina opnieuw.", status=403)
        return None

    def user_of(self, data: Dict[str, Any]):
        user = accounts.get_user(self.store, data.get("user_id")) if data.get("user_id") else None
        if user is None or not user.active or data.get("version") != user.session_version:
            return None
        return user
