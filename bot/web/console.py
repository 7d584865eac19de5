"""The support console: server-rendered pages (aiohttp + Jinja2) over the same domain code
as the CLI. Sessions are encrypted cookies (aiohttp-session), CSRF tokens come from WTForms'
SessionCSRF, passwords are argon2 hashes (bot/staff/accounts.py).

It talks to the database only; Rasa's HTTP API and the database URL are never exposed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode

import jinja2
from aiohttp import web
from aiohttp_session import get_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

from bot.core import clients, keys, limits, settings
from bot.dialogue import forms
from bot.privacy import contact, optouts, retention, rights, status_mail, verification
from bot.staff import accounts, conversations, review, subjects
from bot.staff import audit as staff_audit
from bot.store.db import Store, open_store

WEB = Path(__file__).parent
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
        request_labels=verification.TYPE_LABELS,
    )
    return env


class Console:
    def __init__(self, store: Store, secure_cookies: bool = False) -> None:
        self.store = store
        self.secure_cookies = secure_cookies
        self.env = templates()
        # Failed logins per client address, and per address and account, per 5 minutes.
        self.throttle = accounts.LoginThrottle(limit=settings.login_limit())

    # ---- plumbing ----------------------------------------------------------------------------
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

    # ---- middleware ---------------------------------------------------------------------------
    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every route but the login page and the stylesheet needs a live session; every POST a
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

    # ---- login --------------------------------------------------------------------------------
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

    # ---- conversations --------------------------------------------------------------------------
    @staticmethod
    def _date(value: Optional[str]) -> Optional[date]:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    async def conversation_list(self, request: web.Request) -> web.Response:
        """The list with the filters of the address bar. Free text is not one of them: it is
        searched through the POST form only (``conversation_search``), so it never lands in a URL."""
        error = "Zoeken op tekst gaat via het zoekveld, niet via de adresbalk." if request.query.get("q") else None
        return await self._conversation_page(request, request.query, None, error)

    async def conversation_search(self, request: web.Request) -> web.Response:
        """Free-text search: POST, at least ``MIN_SEARCH_LENGTH`` characters, rate-limited per
        account, audit-logged, and matched on the masked text only (``senders_with_text``)."""
        data = await request.post()
        username = request["user"].username
        try:
            needle = conversations.check_search_text(str(data.get("q", "")))
        except conversations.SearchError as exc:
            return await self._conversation_page(request, data, None, str(exc), status=400)
        if not limits.shared().allow(limits.console_searches_per_user(), username):
            return await self._conversation_page(request, data, None, SEARCH_LIMITED, status=429)
        return await self._conversation_page(request, data, needle, None, audit=username)

    async def _conversation_page(
        self,
        request: web.Request,
        q,
        text: Optional[str],
        error: Optional[str],
        status: int = 200,
        audit: Optional[str] = None,
    ) -> web.Response:
        threshold = settings_threshold(q.get("threshold"))
        filters = conversations.Filters(
            date_from=self._date(q.get("from")),
            date_to=self._date(q.get("to")),
            intent=q.get("intent") or None,
            slot=q.get("slot") or None,
            action=q.get("action") or None,
            text=text,
            text_in_bot=bool(text) and q.get("bot") == "1",
            tag=q.get("tag") or None,
            flag=q.get("flag") if q.get("flag") in conversations.FLAGS else None,
            threshold=threshold,
        )
        raw_page = str(q.get("page", "1") or "1")
        page = conversations.list_conversations(
            self.store,
            filters,
            page=int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 6 else 1,
        )
        if audit:
            staff_audit.record(
                self.store,
                audit,
                "search_conversations",
                detail=f"{search_audit_text(text)} -> {page.total} gesprek(ken)",
            )
        known = conversations.known_values_for(self.store, [item.sender_id for item in page.items])
        for item in page.items:
            item.first_message = conversations.masked_preview(item.first_message, known[item.sender_id])
        base = {k: str(v) for k, v in q.items() if k not in {"page", "flag", "q", "bot", "csrf_token"} and v}
        return await self.render(
            request,
            "conversations.html",
            status=status,
            page=page,
            filters=filters,
            query=base,
            urlencode=urlencode,
            threshold=threshold,
            catalogue=review.intent_catalogue(),
            error=error,
        )

    async def conversation(self, request: web.Request) -> web.Response:
        """One transcript, masked. ``?tonen=1`` shows it revealed, but only to a privacy officer
        holding a grant for this conversation in their session, which only the audited reveal
        POST hands out (``reveal``): the flag alone reveals nothing. ``?technisch=verbergen``
        hides slot, form and action lines (console.js remembers the choice per browser)."""
        sender = request.match_info["sender"]
        if not conversations.valid_sender(sender) or not conversations.exists(self.store, sender):
            return await self.render(request, "conversation.html", status=404, gone=True)
        reveal = request.query.get("tonen") == "1" and await self._reveal_granted(request, sender)
        hide_technical = request.query.get("technisch") == "verbergen"
        lines = conversations.transcript(self.store, sender, reveal=reveal)
        requests = [r for r in rights.list_requests(self.store) if r.conversation_id == sender]
        review_ = review.get_review(self.store, sender)
        return await self.render(
            request,
            "conversation.html",
            gone=False,
            sender=sender,
            lines=lines,
            reveal=reveal,
            review=review_,
            tags=[t for t in (review_.tags.split(",") if review_ else []) if t],
            catalogue=review.intent_catalogue(),
            labels=set(review.intent_choices()),
            requests=requests,
            hide_technical=hide_technical,
            view=transcript_view(reveal, hide_technical),
            next_unreviewed=conversations.next_unreviewed(self.store, sender),
            rating_labels=conversations.RATING_LABELS,
            reveal_minutes=REVEAL_MINUTES,
        )

    async def conversation_page(self, request: web.Request) -> web.Response:
        return await self.conversation(request)

    @staticmethod
    async def _reveal_granted(request: web.Request, sender: str) -> bool:
        """Whether this session may see ``sender``'s conversation unmasked right now."""
        if not accounts.can(request["user"].role, "reveal"):
            return False
        grants = (await get_session(request)).get("reveal_grants") or {}
        return float(grants.get(reveal_key(sender), 0)) > datetime.now().timestamp()

    async def reveal(self, request: web.Request) -> web.Response:
        """Audit-log the reveal, grant it to this session for REVEAL_MINUTES, and redirect to the
        revealed view (POST, redirect, GET): a refresh shows the page again without posting again."""
        sender = request.match_info["sender"]
        if not conversations.valid_sender(sender) or not conversations.exists(self.store, sender):
            return await self.render(request, "conversation.html", status=404, gone=True)
        staff_audit.record(self.store, request["user"].username, "reveal", target=sender)
        session = await get_session(request)
        now = datetime.now().timestamp()
        grants = {s: t for s, t in (session.get("reveal_grants") or {}).items() if float(t) > now}
        grants[reveal_key(sender)] = now + REVEAL_MINUTES * 60
        session["reveal_grants"] = dict(sorted(grants.items(), key=lambda item: item[1])[-MAX_REVEAL_GRANTS:])
        data = await request.post()
        raise web.HTTPFound(transcript_url(sender, transcript_view(True, data.get("technisch") == "verbergen")))

    async def save_review(self, request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        if not conversations.valid_sender(sender):
            raise web.HTTPNotFound()
        data = await request.post()
        back = transcript_url(sender, posted_view(data))
        try:
            review.save_review(
                self.store,
                sender,
                request["user"].username,
                data.get("reviewed") == "1",
                str(data.get("tags", "")),
                str(data.get("note", "")),
            )
        except review.ReviewError as exc:
            raise await self.redirect(request, back, error=str(exc))
        raise await self.redirect(request, back, ok="Opgeslagen")

    def _event_id(self, data) -> int:
        raw = str(data.get("event_id", "") or "")
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else 0

    async def annotate(self, request: web.Request) -> web.Response:
        """Queue (or change) a message's annotation; back to the same message (#e<id>)."""
        sender = request.match_info["sender"]
        if not conversations.valid_sender(sender):
            raise web.HTTPNotFound()
        data = await request.post()
        event_id = self._event_id(data)
        back = transcript_url(sender, posted_view(data), anchor=f"e{event_id}" if event_id else None)
        try:
            review.annotate(self.store, sender, event_id, str(data.get("intent", "")), request["user"].username)
        except review.ReviewError as exc:
            raise await self.redirect(request, back, error=str(exc))
        raise await self.redirect(request, back, ok="Aan de annotatiewachtrij toegevoegd")

    async def unannotate(self, request: web.Request) -> web.Response:
        """Undo an annotation: from the transcript (back to the message) or from the queue."""
        sender = request.match_info["sender"]
        if not conversations.valid_sender(sender):
            raise web.HTTPNotFound()
        data = await request.post()
        event_id = self._event_id(data)
        back = (
            "/annotations"
            if data.get("back") == "annotations"
            else transcript_url(sender, posted_view(data), anchor=f"e{event_id}" if event_id else None)
        )
        if not review.remove_annotation(self.store, sender, event_id):
            raise await self.redirect(request, back, error="Dit bericht stond niet (meer) in de annotatiewachtrij.")
        raise await self.redirect(request, back, ok="Uit de annotatiewachtrij gehaald")

    # ---- annotations -----------------------------------------------------------------------------
    async def annotations(self, request: web.Request) -> web.Response:
        items = review.queue(self.store)
        known = conversations.known_values_for(self.store, {item.sender_id for item in items})
        for item in items:
            item.text = conversations.masking.mask_text(item.text, known[item.sender_id])
        return await self.render(request, "annotations.html", items=items)

    async def export_annotations(self, request: web.Request) -> web.Response:
        text = review.export_yaml(self.store)
        staff_audit.record(self.store, request["user"].username, "export_annotations")
        return web.Response(
            text=text,
            content_type="application/x-yaml",
            headers={"Content-Disposition": 'attachment; filename="annotations.yml"'},
        )

    # ---- rights requests and opt-outs ------------------------------------------------------------------
    async def request_list(self, request: web.Request) -> web.Response:
        """The queue with a tab per status (with counts), days left per request. Searching is
        the POST form (``request_search``): a searched address never lands in a URL."""
        status = request.query.get("status") or None
        if status not in {None, *STATUS_LABELS}:
            status = None
        error = "Zoeken gaat via het zoekveld, niet via de adresbalk." if request.query.get("q") else None
        items = rights.list_requests(self.store, status=status, request_type=request.query.get("type") or None)
        return await self._request_page(request, items, selected=status, q="", error=error)

    async def request_search(self, request: web.Request) -> web.Response:
        """Search by reference, or also by e-mail address for roles that may see personal data
        (an agent could otherwise confirm an address through the hit count). Like the other
        searches (issue 15): POST, a minimum length, a limit per account, audited (masked)."""
        data = await request.post()
        username = request["user"].username
        by_email = accounts.can(request["user"].role, "reveal")
        try:
            needle = conversations.check_search_text(str(data.get("q", "")))
            if "@" in needle and not by_email:
                raise conversations.SearchError(
                    "Zoeken op e-mailadres mag alleen een privacy officer of beheerder; zoek op referentie (PRV-...)."
                )
        except conversations.SearchError as exc:
            return await self._request_page(request, [], selected=None, q="", error=str(exc), status=400)
        if not limits.shared().allow(limits.console_searches_per_user(), username):
            return await self._request_page(request, [], selected=None, q="", error=SEARCH_LIMITED, status=429)
        items = rights.search(self.store, needle, by_email=by_email)
        staff_audit.record(
            self.store,
            username,
            "search_requests",
            detail=f"{request_search_audit_text(needle)} -> {len(items)} verzoek(en)",
        )
        return await self._request_page(request, items, selected=None, q=needle, error=None)

    async def _request_page(
        self, request: web.Request, items, selected: Optional[str], q: str, error: Optional[str], status: int = 200
    ) -> web.Response:
        today = rights.today_in_brussels()
        return await self.render(
            request,
            "requests.html",
            status=status,
            items=items,
            selected=selected,
            q=q,
            error=error,
            counts=rights.status_counts(self.store, today=today),
            tabs=[*rights.STATUS_ORDER[:3], "overdue", *rights.STATUS_ORDER[3:]],
            overdue=lambda r: rights.is_overdue(r, today),
            days_left=lambda r: rights.days_left(r, today),
        )

    async def request_detail(self, request: web.Request) -> web.Response:
        item = rights.get(self.store, request.match_info["reference"])
        if item is None:
            raise web.HTTPNotFound(text="Geen verzoek met die referentie.")
        if not accounts.can(request["user"].role, "reveal"):  # agents see the queue, not the person
            item = masked_request(item)
        choices = rights.next_statuses(item.status)
        return await self.render(
            request,
            "request.html",
            item=item,
            overdue=rights.is_overdue(item),
            days=rights.days_left(item),
            next_statuses=choices,
            mails={s: status_mail.will_mail(item.status, s) for s in choices},
            reason_needed=[s for s in choices if status_mail.message_required(item.status, s)],
            can_erase=item.request_type == subjects.ERASURE and item.status in subjects.ERASABLE,
            can_document=item.status in subjects.DOCUMENT_STATUSES,
            error=None,
        )

    async def change_status(self, request: web.Request) -> web.Response:
        """A new status with a required note (audit trail) and, when the address is proven, a
        mail to the requester from bot.privacy.status_mail, with the staff's message for them."""
        reference = request.match_info["reference"]
        here = f"/requests/{quote(reference, safe='')}"
        data = await request.post()
        note = str(data.get("note", "")).strip()
        to_status = str(data.get("status", ""))
        if not to_status:
            raise await self.redirect(request, here, error="Kies een nieuwe status.")
        if not note:
            raise await self.redirect(request, here, error="Een notitie is verplicht.")
        try:
            change = status_mail.change_status(
                self.store, reference, to_status, request["user"].username, note, message=str(data.get("message", ""))
            )
        except rights.RequestError as exc:
            raise await self.redirect(request, here, error=str(exc))
        told = (
            "De aanvrager krijgt een mail."
            if change.mailed
            else "Er gaat geen mail naar de aanvrager (adres niet bevestigd of geen mail bij deze status)."
        )
        raise await self.redirect(request, here, ok=f"Status gewijzigd. {told}")

    async def request_erase_page(self, request: web.Request) -> web.Response:
        """The confirmation step of erasing an erasure requester's chats: the address and the
        conversations that will go."""
        reference = request.match_info["reference"]
        item = rights.get(self.store, reference)
        if item is None:
            raise web.HTTPNotFound(text="Geen verzoek met die referentie.")
        try:
            found, error = subjects.erasure_candidates(self.store, reference), None
        except subjects.SubjectRequestError as exc:
            found, error = [], str(exc)
        return await self.render(
            request, "request_erase.html", status=400 if error else 200, item=item, found=found, error=error
        )

    async def request_erase(self, request: web.Request) -> web.Response:
        reference = request.match_info["reference"]
        here = f"/requests/{quote(reference, safe='')}"
        data = await request.post()
        if data.get("confirm") != "1":
            raise await self.redirect(request, f"{here}/erase", error="Bevestig het wissen met het vinkje.")
        try:
            counts = subjects.erase_for_request(self.store, reference, request["user"].username)
        except (subjects.SubjectRequestError, rights.RequestError) as exc:
            raise await self.redirect(request, here, error=str(exc))
        raise await self.redirect(
            request,
            here,
            ok=f"{counts['conversations']} gesprek(ken) gewist; dat staat nu "
            "in de audit trail. Zet het verzoek op afgehandeld als alles gewist is.",
        )

    async def request_document(self, request: web.Request) -> web.Response:
        """The data-subject export as a readable, printable HTML document for this request
        (besides the JSON of /subjects); a download, so it opens outside the console."""
        reference = request.match_info["reference"]
        try:
            document = subjects.document_for_request(self.store, reference, request["user"].username)
        except (subjects.SubjectRequestError, rights.RequestError) as exc:
            raise await self.redirect(request, f"/requests/{quote(reference, safe='')}", error=str(exc))
        page = self.env.get_template("subject_document.html").render(
            doc=document, mailbox=verification.privacy_mailbox(), channel_labels=forms.CHANNEL_LABELS
        )
        return web.Response(
            text=page,
            content_type="text/html",
            headers={"Content-Disposition": f'attachment; filename="inzage-{document.reference}.html"'},
        )

    async def optout_list(self, request: web.Request) -> web.Response:
        error = "Zoeken gaat via het zoekveld, niet via de adresbalk." if request.query.get("q") else None
        return await self._optout_page(request, optouts.list_optouts(self.store), q="", error=error)

    async def _optout_page(
        self, request: web.Request, items, q: str, error: Optional[str], status: int = 200
    ) -> web.Response:
        return await self.render(
            request,
            "optouts.html",
            status=status,
            items=items,
            q=q,
            error=error,
            channels=optouts.CHANNELS,
            channel_labels=forms.CHANNEL_LABELS,
        )

    async def optout_export(self, request: web.Request) -> web.Response:
        """The whole list as CSV for the marketing tools: a POST (it is a list of addresses),
        audited with the number of rows, cells made safe for spreadsheets."""
        items = optouts.list_optouts(self.store)
        staff_audit.record(self.store, request["user"].username, "export_optouts", detail=f"{len(items)} afmelding(en)")
        body = "\ufeff" + optouts.csv_text(items, forms.CHANNEL_LABELS)  # BOM: Excel reads it as UTF-8
        return web.Response(
            body=body.encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="afmeldingen.csv"'},
        )

    async def optout_add(self, request: web.Request) -> web.Response:
        """An officer puts an address on the list by hand (a phone call, a letter), with a note;
        the staff audit keeps the channel and the note, the address only masked."""
        data = await request.post()
        channel, note = str(data.get("channel", "")), " ".join(str(data.get("note", "")).split())
        if channel not in optouts.CHANNELS:
            return await self._optout_page(
                request, optouts.list_optouts(self.store), q="", status=400, error="Kies een kanaal."
            )
        if not note:
            return await self._optout_page(
                request,
                optouts.list_optouts(self.store),
                q="",
                status=400,
                error="Een notitie is verplicht: waarom en op wiens vraag.",
            )
        try:
            result = optouts.opt_out(self.store, channel, str(data.get("address", "")), source="console")
        except contact.InvalidContact as exc:
            return await self._optout_page(request, optouts.list_optouts(self.store), q="", status=400, error=str(exc))
        staff_audit.record(
            self.store,
            request["user"].username,
            "optout_add",
            target=channel,
            detail=optout_audit_text(channel, note) + ("" if result.created else " (stond er al)"),
        )
        told = "Toegevoegd aan de afmeldlijst." if result.created else "Dat adres stond al op de lijst voor dat kanaal."
        raise await self.redirect(request, "/optouts", ok=told)

    async def optout_remove(self, request: web.Request) -> web.Response:
        data = await request.post()
        note = " ".join(str(data.get("note", "")).split())
        raw_id = request.match_info["optout_id"]
        if not note:
            raise await self.redirect(
                request, "/optouts", error="Een notitie is verplicht om een afmelding te verwijderen."
            )
        removed = (
            optouts.remove(self.store, int(raw_id))
            if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 12
            else None
        )
        if removed is None:
            raise await self.redirect(request, "/optouts", error="Die afmelding bestaat niet (meer).")
        staff_audit.record(
            self.store,
            request["user"].username,
            "optout_remove",
            target=removed.channel,
            detail=optout_audit_text(removed.channel, note),
        )
        raise await self.redirect(request, "/optouts", ok="Afmelding verwijderd.")

    async def optout_search(self, request: web.Request) -> web.Response:
        """Like the conversation search: POST, a minimum length, a limit per account, audited."""
        data = await request.post()
        username = request["user"].username
        try:
            needle = conversations.check_search_text(str(data.get("q", "")))
        except conversations.SearchError as exc:
            return await self._optout_page(request, [], q="", error=str(exc), status=400)
        if not limits.shared().allow(limits.console_searches_per_user(), username):
            return await self._optout_page(request, [], q="", error=SEARCH_LIMITED, status=429)
        items = [o for o in optouts.list_optouts(self.store) if needle.lower() in o.address.lower()]
        staff_audit.record(
            self.store, username, "search_optouts", detail=f"{search_audit_text(needle)} -> {len(items)} afmelding(en)"
        )
        return await self._optout_page(request, items, q=needle, error=None)

    # ---- data subjects: access and erasure ------------------------------------------------------------------
    def _subject(self, data) -> Dict[str, Optional[str]]:
        return {"email": (data.get("email") or "").strip() or None, "phone": (data.get("phone") or "").strip() or None}

    async def subjects_page(self, request: web.Request) -> web.Response:
        """GET shows the form; the search itself is a POST, so the address never lands in a URL
        (browser history, proxy logs), and it is audit-logged like the export and the erasure."""
        who: Dict[str, Optional[str]] = {"email": None, "phone": None}
        found, error = None, None
        if request.method == "POST":
            who = self._subject(await request.post())
            if who["email"] or who["phone"]:
                try:
                    found = subjects.find_conversations(self.store, **who)
                except contact.InvalidContact as exc:
                    error = str(exc)
                else:
                    staff_audit.record(
                        self.store, request["user"].username, "search_subject", detail=f"{len(found)} gesprek(ken)"
                    )
        return await self.render(request, "subjects.html", who=who, found=found, error=error)

    async def subjects_export(self, request: web.Request) -> web.Response:
        who = self._subject(await request.post())
        try:
            found = subjects.find_conversations(self.store, **who)
        except contact.InvalidContact as exc:
            return web.Response(text=str(exc), status=400)
        staff_audit.record(self.store, request["user"].username, "export_subject", detail=f"{len(found)} gesprek(ken)")
        body = json.dumps(subjects.export_conversations(self.store, found), ensure_ascii=False, indent=2)
        return web.Response(
            text=body,
            content_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="gesprekken.json"'},
        )

    async def subjects_erase(self, request: web.Request) -> web.Response:
        data = await request.post()
        who = self._subject(data)
        if data.get("confirm") != "1":
            return web.Response(text="Bevestig het wissen met het vinkje.", status=400)
        # The request this erasure is for, when staff give its reference: it goes on its audit trail.
        reference = str(data.get("reference", "")).strip().upper() or None
        given = rights.get(self.store, reference) if reference else None
        if reference and given is None:
            return await self.render(
                request,
                "subjects.html",
                status=400,
                who=who,
                found=None,
                error=f"Geen verzoek met referentie {reference}: niets gewist.",
            )
        # Only on the request of this person: an erasure noted on someone else's request would
        # put a false entry on their trail (review of issue 16).
        if given is not None and not subjects.same_email(given.email, who["email"]):
            return await self.render(
                request,
                "subjects.html",
                status=400,
                who=who,
                found=None,
                error=f"Verzoek {reference} hoort niet bij dit e-mailadres: niets gewist.",
            )
        try:
            found = subjects.find_conversations(self.store, **who)
        except contact.InvalidContact as exc:
            return web.Response(text=str(exc), status=400)
        counts = subjects.erase_conversations(self.store, found)
        staff_audit.record(
            self.store,
            request["user"].username,
            "erase_subject",
            target=reference,
            detail=f"{len(found)} gesprek(ken), {counts}",
        )
        if reference:
            subjects.note_erasure(self.store, reference, request["user"].username, counts)
        raise await self.redirect(
            request,
            "/subjects",
            ok=f"{len(found)} gesprek(ken) gewist." + (f" Genoteerd bij verzoek {reference}." if reference else ""),
        )

    # ---- retention ---------------------------------------------------------------------------------------------
    async def purge_page(self, request: web.Request) -> web.Response:
        report = retention.purge(self.store, dry_run=True)
        return await self.render(request, "purge.html", report=report, months=settings.chat_retention_months())

    async def purge(self, request: web.Request) -> web.Response:
        report = retention.purge(self.store)
        staff_audit.record(
            self.store,
            request["user"].username,
            "purge",
            detail=f"{report.conversations} gesprekken, {report.events} events",
        )
        raise await self.redirect(request, "/purge", ok=f"{report.conversations} gesprek(ken) verwijderd.")

    async def audit_page(self, request: web.Request) -> web.Response:
        """The audit log, paged and filtered from the address bar (staff accounts, action codes
        and days only: nothing personal). Staff actions by default; failed logins, which anyone
        on the internet can add, in a view of their own (issue 15, finding 14)."""
        form = {key: str(request.query.get(key, "")).strip() for key in AUDIT_FILTERS}
        actors, actions = staff_audit.actors(self.store), staff_audit.actions(self.store)
        context = dict(
            form=form,
            kinds=staff_audit.KINDS,
            actors=actors,
            actions=actions,
            urlencode=urlencode,
            query={key: value for key, value in form.items() if value and key != "page"},
        )
        try:
            filters, page_no = audit_filters(form, actors, actions)
        except AuditFilterError as exc:
            return await self.render(request, "audit.html", status=400, page=None, error=str(exc), **context)
        page = staff_audit.page_of(self.store, filters, page=page_no)
        return await self.render(request, "audit.html", page=page, error=None, **context)

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

    # ---- the app -----------------------------------------------------------------------------------------------------
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
        a = self.allowed
        routes = [
            ("GET", "/login", self.login_page),
            ("POST", "/login", self.login),
            ("POST", "/logout", self.logout),
            ("GET", "/", self.home),
            ("GET", "/static/console.css", self.stylesheet),
            ("GET", "/static/console.js", self.script),
            ("GET", "/conversations", a("view_conversations")(self.conversation_list)),
            ("POST", "/conversations", a("view_conversations")(self.conversation_search)),
            ("GET", "/conversations/{sender}", a("view_conversations")(self.conversation_page)),
            ("POST", "/conversations/{sender}/reveal", a("reveal")(self.reveal)),
            ("POST", "/conversations/{sender}/review", a("review")(self.save_review)),
            ("POST", "/conversations/{sender}/annotate", a("annotate")(self.annotate)),
            ("POST", "/conversations/{sender}/unannotate", a("annotate")(self.unannotate)),
            ("GET", "/annotations", a("annotate")(self.annotations)),
            ("POST", "/annotations/export", a("export_annotations")(self.export_annotations)),
            ("GET", "/requests", a("view_requests")(self.request_list)),
            ("GET", "/requests/{reference}", a("view_requests")(self.request_detail)),
            ("POST", "/requests", a("view_requests")(self.request_search)),
            ("POST", "/requests/{reference}/status", a("handle_requests")(self.change_status)),
            ("GET", "/requests/{reference}/erase", a("erase_subject")(self.request_erase_page)),
            ("POST", "/requests/{reference}/erase", a("erase_subject")(self.request_erase)),
            ("POST", "/requests/{reference}/document", a("export_subject")(self.request_document)),
            ("GET", "/optouts", a("handle_requests")(self.optout_list)),
            ("POST", "/optouts", a("handle_requests")(self.optout_search)),
            ("POST", "/optouts/export", a("handle_requests")(self.optout_export)),
            ("POST", "/optouts/add", a("handle_requests")(self.optout_add)),
            ("POST", "/optouts/{optout_id}/remove", a("handle_requests")(self.optout_remove)),
            ("GET", "/subjects", a("export_subject")(self.subjects_page)),
            ("POST", "/subjects", a("export_subject")(self.subjects_page)),
            ("POST", "/subjects/export", a("export_subject")(self.subjects_export)),
            ("POST", "/subjects/erase", a("erase_subject")(self.subjects_erase)),
            ("GET", "/purge", a("purge")(self.purge_page)),
            ("POST", "/purge", a("purge")(self.purge)),
            ("GET", "/audit", a("purge")(self.audit_page)),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        return app


REVEAL_MINUTES = 10  # how long one audited reveal shows a conversation unmasked in that session
MAX_REVEAL_GRANTS = 20  # the session cookie keeps at most this many (the newest)


def reveal_key(sender: str) -> str:
    """How the session cookie names a conversation's reveal grant: short, whatever the sender id
    (visitors choose those, up to 255 characters, and a cookie holds about 4 kB)."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:20]


def transcript_view(reveal: bool, hide_technical: bool) -> Dict[str, str]:
    """The query of a transcript view: revealed (needs the session's grant), technical lines hidden."""
    return {**({"tonen": "1"} if reveal else {}), **({"technisch": "verbergen"} if hide_technical else {})}


def posted_view(data) -> Dict[str, str]:
    """The view a form on a transcript came from (its hidden fields), checked: known values only."""
    return transcript_view(data.get("tonen") == "1", data.get("technisch") == "verbergen")


def transcript_url(sender: str, view: Dict[str, str], anchor: Optional[str] = None) -> str:
    return (
        f"/conversations/{quote(sender, safe='')}"
        + (f"?{urlencode(view)}" if view else "")
        + (f"#{anchor}" if anchor else "")
    )


def masked_request(item):
    """A copy of a request for readers without 'reveal': who it is stays hidden."""
    from types import SimpleNamespace

    labels = conversations.masking.LABELS
    return SimpleNamespace(
        **{
            k: getattr(item, k)
            for k in ("reference", "request_type", "status", "received_at", "deadline", "conversation_id", "events")
        },
        name=labels["name"],
        email=labels["email"],
        customer_number=labels["customer_number"] if item.customer_number else None,
        details="[verborgen]" if item.details else None,
    )


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


AUDIT_FILTERS = ("kind", "actor", "action", "from", "to", "page")
AUDIT_DATE_LABELS = {"from": "van", "to": "tot"}


class AuditFilterError(ValueError):
    """A filter of the audit page that cannot be used; the message is for staff (Dutch)."""


def audit_filters(
    form: Dict[str, str], actors: Sequence[str], actions: Sequence[str]
) -> Tuple[staff_audit.AuditFilters, int]:
    """The audit page's filters from the address bar, checked: a known view, actor and action,
    whole days in Europe/Brussels (like the conversation list) and a page number."""
    kind = form["kind"] or "staff"
    if kind not in staff_audit.KINDS:
        raise AuditFilterError("Onbekende soort: kies medewerkersacties, mislukte aanmeldingen of alles.")
    if form["actor"] and form["actor"] not in actors:
        raise AuditFilterError("Onbekende medewerker: kies er een uit de lijst.")
    if form["action"] and form["action"] not in actions:
        raise AuditFilterError("Onbekende actie: kies er een uit de lijst.")
    days: Dict[str, Optional[date]] = {}
    for key, label in AUDIT_DATE_LABELS.items():
        try:
            days[key] = date.fromisoformat(form[key]) if form[key] else None
        except ValueError:
            raise AuditFilterError(f"Ongeldige datum bij '{label}': kies een dag in de kalender.") from None
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise AuditFilterError("De datum bij 'van' ligt na die bij 'tot'.")
    bounds: Dict[str, Optional[datetime]] = {}
    for key, day in days.items():
        try:  # the same Brussels day boundaries as the conversation list's van/tot
            bounds[key] = conversations._aware(conversations._epoch(day, end=key == "to")) if day else None
        except (OverflowError, OSError, ValueError):
            raise AuditFilterError(f"Datum bij '{AUDIT_DATE_LABELS[key]}' valt buiten het bereik.") from None
    raw_page = form["page"] or "1"
    if not (raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 6):
        raise AuditFilterError("Ongeldig paginanummer.")
    filters = staff_audit.AuditFilters(
        kind=kind, actor=form["actor"] or None, action=form["action"] or None, since=bounds["from"], until=bounds["to"]
    )
    return filters, int(raw_page)


SEARCH_LIMITED = "Te veel zoekopdrachten na elkaar: probeer het over een minuut opnieuw."


def search_audit_text(needle: Optional[str]) -> str:
    """What the audit log keeps of a search: the text with personal data masked (a searched
    e-mail address or phone number stays out of the log), quoted."""
    return f'"{conversations.masking.mask_text(needle or "")}"'


# The start of a request reference as bot.privacy.rights makes them ("PRV-" and Crockford's base32). Only
# with its "PRV" prefix: "jan85" or "peeters1" are pieces of an address or a name (review of issue 16).
REFERENCE_PART = re.compile(r"PRV-?[0-9A-HJKMNP-TV-Z]{0,10}", re.I)


def request_search_audit_text(needle: str) -> str:
    """What the audit log keeps of a request search: a piece of a reference as typed, anything
    else (a whole or partial e-mail address) only as a placeholder."""
    if REFERENCE_PART.fullmatch(needle):
        return f'"{needle.upper()}"'
    return '"[e-mailadres of tekst]"'


OPTOUT_ADDRESS_KINDS = {"email": "email", "phone": "phone", "sms": "phone", "post": "address"}


def optout_audit_text(channel: str, note: str) -> str:
    """An opt-out added or removed by hand, for the audit log: the kind of address as a
    placeholder (never the address) and the officer's note, masked."""
    label = conversations.masking.LABELS[OPTOUT_ADDRESS_KINDS[channel]]
    return f"{label}: {conversations.masking.mask_text(note)[:500]}"


def settings_threshold(raw: Optional[str]) -> float:
    try:
        value = float(raw) if raw else conversations.DEFAULT_LOW_CONFIDENCE
    except ValueError:
        value = conversations.DEFAULT_LOW_CONFIDENCE
    return min(max(value, 0.0), 1.0)


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


if __name__ == "__main__":
    main()
