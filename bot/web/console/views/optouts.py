"""The opt-out list: the list, the search, the CSV export for the marketing tools, and adding or
removing an address by hand (audited with the address masked).
"""

from __future__ import annotations

from typing import Optional

from aiohttp import web

from bot.core import limits
from bot.dialogue import forms
from bot.privacy import contact, optouts
from bot.staff import audit as staff_audit
from bot.staff import conversations
from bot.web.console.plumbing import Plumbing
from bot.web.console.search import SEARCH_LIMITED, search_audit_text

OPTOUT_ADDRESS_KINDS = {"email": "email", "phone": "phone", "sms": "phone", "post": "address"}


def optout_audit_text(channel: str, note: str) -> str:
    """An opt-out added or removed by hand, for the audit log: the kind of address as a
    placeholder (never the address) and the officer's note, masked."""
    label = conversations.masking.LABELS[OPTOUT_ADDRESS_KINDS[channel]]
    return f"{label}: {conversations.masking.mask_text(note)[:500]}"


class OptoutViews(Plumbing):
    """The pages under /optouts."""

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
