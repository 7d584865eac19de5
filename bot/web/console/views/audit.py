"""The retention purge (a dry run first) and the audit log with its filters: the pages behind the
"purge" permission.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Dict, Optional, Sequence, Tuple
from urllib.parse import urlencode

from aiohttp import web

from bot.core import settings
from bot.privacy import retention
from bot.staff import audit as staff_audit
from bot.staff import conversations
from bot.web.console.plumbing import Plumbing

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


class AuditViews(Plumbing):
    """The pages /purge and /audit."""

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
