"""Rights requests: the queue with a tab per status, the search, one request (masked for agents),
a status change with its mail, erasing an erasure requester's chats, and the access document.
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import quote

from aiohttp import web

from bot.core import company, limits
from bot.dialogue import forms
from bot.privacy import references, rights, status_mail
from bot.staff import accounts, conversations, subjects
from bot.staff import audit as staff_audit
from bot.web.console.plumbing import STATUS_LABELS, Plumbing
from bot.web.console.search import SEARCH_LIMITED


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


# The start of a request reference (bot.privacy.references.PARTIAL), for the search box.
REFERENCE_PART = re.compile(references.PARTIAL, re.I)


def request_search_audit_text(needle: str) -> str:
    """What the audit log keeps of a request search: a piece of a reference as typed, anything
    else (a whole or partial e-mail address) only as a placeholder."""
    if REFERENCE_PART.fullmatch(needle):
        return f'"{needle.upper()}"'
    return '"[e-mailadres of tekst]"'


class RequestViews(Plumbing):
    """The pages under /requests."""

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
            raise await self.redirect(request, here, error=str(exc)) from None
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
            raise await self.redirect(request, here, error=str(exc)) from None
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
            raise await self.redirect(request, f"/requests/{quote(reference, safe='')}", error=str(exc)) from None
        page = self.env.get_template("subject_document.html").render(
            doc=document, mailbox=company.privacy_mailbox(), channel_labels=forms.CHANNEL_LABELS
        )
        return web.Response(
            text=page,
            content_type="text/html",
            headers={"Content-Disposition": f'attachment; filename="inzage-{document.reference}.html"'},
        )
