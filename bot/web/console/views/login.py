"""Logging in and out (with the login throttle), the start page and the console's static files."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

from bot.core import clients
from bot.staff import accounts
from bot.web.console.plumbing import WEB, Plumbing


class LoginViews(Plumbing):
    """The pages that need no session (login, stylesheet, script) and logging out."""

    async def login_page(self, request: web.Request) -> web.Response:
        if request.get("user") is not None:
            raise web.HTTPFound("/conversations")
        return await self.render(request, "login.html", error=None)

    async def login(self, request: web.Request) -> web.Response:
        data = await request.post()
        # Behind the reverse proxy the peer is the proxy: the visitor's address comes from
        # X-Forwarded-For under the chat's trusted-proxy rule, or every colleague is one client.
        ip = clients.client_address(request.remote or "?", request.headers.get("X-Forwarded-For"))
        username = str(data.get("username", ""))
        keys = (ip, f"{ip} {accounts.normalise_username(username)[:80]}")
        if any(self.throttle.blocked(key) for key in keys):
            return await self.render(
                request,
                "login.html",
                status=429,
                error="Te veel mislukte pogingen vanaf dit adres. Wacht enkele minuten.",
            )
        try:
            user = accounts.authenticate(self.store, username, str(data.get("password", "")), client=ip)
        except accounts.StaffError as exc:
            for key in keys:  # only failures count: a colleague's good logins never use up the limit
                self.throttle.fail(key)
            return await self.render(request, "login.html", status=401, error=str(exc))
        session = await get_session(request)
        session.invalidate()  # start clean: nothing of the anonymous session carries over
        session["user_id"], session["version"] = user.id, user.session_version
        raise web.HTTPFound("/conversations")

    async def logout(self, request: web.Request) -> web.Response:
        session = await get_session(request)
        session.invalidate()
        accounts.end_sessions(self.store, request["user"].username)  # a copied cookie dies too
        raise web.HTTPFound("/login")

    async def home(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/conversations")

    async def stylesheet(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB / "static" / "console.css")

    async def script(self, request: web.Request) -> web.StreamResponse:
        """The console's one script (keyboard shortcuts, intent filter, hiding technical lines):
        a file, so the policy allows 'self' and no inline script."""
        return web.FileResponse(
            WEB / "static" / "console.js", headers={"Content-Type": "application/javascript; charset=utf-8"}
        )
