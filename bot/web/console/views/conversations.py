"""Conversations: the list with its filters, the free-text search, one transcript (masked, or
revealed for a while after an audited reveal), the review, and the annotation queue with its export.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Dict, Optional
from urllib.parse import quote, urlencode

from aiohttp import web
from aiohttp_session import get_session

from bot.core import limits
from bot.privacy import rights
from bot.staff import accounts, conversations, review
from bot.staff import audit as staff_audit
from bot.web.console.plumbing import Plumbing
from bot.web.console.search import SEARCH_LIMITED, search_audit_text

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


def settings_threshold(raw: Optional[str]) -> float:
    try:
        value = float(raw) if raw else conversations.DEFAULT_LOW_CONFIDENCE
    except ValueError:
        value = conversations.DEFAULT_LOW_CONFIDENCE
    return min(max(value, 0.0), 1.0)


class ConversationViews(Plumbing):
    """The pages under /conversations and /annotations."""

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
            raise await self.redirect(request, back, error=str(exc)) from None
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
            raise await self.redirect(request, back, error=str(exc)) from None
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
