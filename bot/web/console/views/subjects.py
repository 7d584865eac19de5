"""Data subjects: finding a person's conversations by e-mail address or phone number (a POST, so
the address stays out of URLs), their JSON export and their erasure, each audited.
"""

from __future__ import annotations

import json
from typing import Dict, Optional

from aiohttp import web

from bot.privacy import contact, rights
from bot.staff import audit as staff_audit
from bot.staff import subjects
from bot.web.console.plumbing import Plumbing


class SubjectViews(Plumbing):
    """The pages under /subjects."""

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
