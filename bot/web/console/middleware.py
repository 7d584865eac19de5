"""The console's middleware: the session guard (login and CSRF on every request), the security
headers on every response, and the per-route permission check with its "Geen toegang" page.
"""

from __future__ import annotations

from functools import wraps
from typing import Dict

from aiohttp import web
from aiohttp_session import get_session

from bot.staff import accounts
from bot.web.console.plumbing import ROLE_LABELS, Handler, Plumbing


def forbidden_context(role: str, permission: str) -> Dict[str, str]:
    """What "Geen toegang" tells this user: which roles the page is for and whom to ask,
    depending on their own role (a privacy officer is never told to ask a privacy officer).
    Roles are changed by an admin (``privacybot users``)."""
    needed = [r for r in accounts.ROLES if accounts.can(r, permission)]
    plural = {"agent": "agents", "privacy_officer": "privacy officers", "admin": "beheerders (admin)"}
    for_whom = ("alleen " if len(needed) == 1 else "") + "voor " + " en ".join(plural[r] for r in needed)
    ask = (
        "Vraag een beheerder (admin) om het voor je te doen, of om je rol aan te passen als je dit werk zelf moet doen."
    )
    if "privacy_officer" in needed and role == "agent":
        ask = (
            "Vraag een privacy officer om het voor je te doen; heb je deze toegang zelf nodig, "
            "vraag dan een beheerder (admin) om je rol aan te passen."
        )
    return {"for_whom": for_whom, "own_role": ROLE_LABELS.get(role, role), "ask": ask}


class Middleware(Plumbing):
    """The guard, the headers and the permission check, as methods: they need the store and the templates."""

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every route but the login page and the static files needs a live session; every POST a
        valid CSRF token."""
        public = request.path in {"/login", "/static/console.css", "/static/console.js"}
        session = await get_session(request)
        user = self.user_of(session)
        if user is None and not public:
            if request.method == "GET":
                raise web.HTTPFound("/login")
            raise web.HTTPForbidden(text="Niet aangemeld.")
        request["user"] = user
        if request.method == "POST":
            refused = await self.check_csrf(request)
            if refused is not None:
                return refused
        return await handler(request)

    @staticmethod
    async def headers(request: web.Request, response: web.StreamResponse) -> None:
        """On every response, redirects and errors included."""
        response.headers.update(
            {
                "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                "form-action 'self'; "
                "frame-ancestors 'none'; base-uri 'none'",
                "X-Frame-Options": "DENY",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            }
        )

    def allowed(self, permission: str):
        def decorate(handler: Handler) -> Handler:
            @wraps(handler)
            async def checked(request: web.Request) -> web.StreamResponse:
                if not accounts.can(request["user"].role, permission):
                    return await self.render(
                        request, "forbidden.html", status=403, **forbidden_context(request["user"].role, permission)
                    )
                return await handler(request)

            return checked

        return decorate
