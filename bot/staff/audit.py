"""The console's own audit log: who revealed, exported, erased or purged what, and when.
Shared by the console and the CLI; it never stores the personal data itself.

The log also keeps every refused login (actor ``bot.staff.accounts.ANONYMOUS``). Anyone on the
internet can add those rows, so reading the log is paged and filtered here, with staff actions
and failed logins apart: a flood of failures must never push what staff did out of view
(issue 15, finding 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import and_, case, func, not_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.core import clock
from bot.privacy import retention
from bot.store.db import Store
from bot.store.models import StaffAudit

# What an unauthenticated client leaves in the log (bot.staff.accounts.authenticate).
FAILED_LOGIN_ACTIONS = ("login_failed", "locked")
# The views of the audit page; the first is the default.
KINDS: Dict[str, str] = {"staff": "medewerkersacties", "failed": "mislukte aanmeldingen", "all": "alles"}
PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilters:
    kind: str = "staff"  # one of KINDS
    actor: Optional[str] = None
    action: Optional[str] = None
    since: Optional[datetime] = None  # aware; inclusive
    until: Optional[datetime] = None  # aware; exclusive


@dataclass
class AuditPage:
    items: List[StaffAudit]
    total: int  # rows matching all filters
    counts: Dict[str, int]  # per kind, under the other filters
    page: int
    pages: int


def record(
    store: Store,
    username: str,
    action: str,
    target: Optional[str] = None,
    detail: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    with store.session() as session:
        session.add(
            StaffAudit(at=now or clock.now_utc(), username=username, action=action, target=target, detail=detail)
        )


def recent(store: Store, limit: int = 200, action: Optional[str] = None) -> List[StaffAudit]:
    query = select(StaffAudit).order_by(StaffAudit.at.desc(), StaffAudit.id.desc()).limit(limit)
    if action:
        query = query.where(StaffAudit.action == action)
    with store.session() as session:
        return list(session.execute(query).scalars())


def _failed_login() -> ColumnElement:
    from bot.staff.accounts import ANONYMOUS  # bot.staff.accounts imports this module

    return and_(StaffAudit.username == ANONYMOUS, StaffAudit.action.in_(FAILED_LOGIN_ACTIONS))


def _kind(kind: str) -> ColumnElement:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return {"staff": not_(_failed_login()), "failed": _failed_login(), "all": true()}[kind]


def page_of(store: Store, filters: AuditFilters, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """Newest first, ``per_page`` rows of page ``page`` (clamped to the pages there are)."""
    kind = _kind(filters.kind)
    others = []
    if filters.actor:
        others.append(StaffAudit.username == filters.actor)
    if filters.action:
        others.append(StaffAudit.action == filters.action)
    if filters.since:
        others.append(StaffAudit.at >= filters.since)
    if filters.until:
        others.append(StaffAudit.at < filters.until)
    failed = func.coalesce(func.sum(case((_failed_login(), 1), else_=0)), 0)
    with store.session() as session:
        everything, failures = session.execute(select(func.count(StaffAudit.id), failed).where(*others)).one()
        counts = {"staff": everything - failures, "failed": failures, "all": everything}
        total = counts[filters.kind]
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        items = list(
            session.execute(
                select(StaffAudit)
                .where(kind, *others)
                .order_by(StaffAudit.at.desc(), StaffAudit.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
        )
    return AuditPage(items, total, counts, page, pages)


def actors(store: Store) -> List[str]:
    """Everyone the log names (staff accounts, ``cli:…`` and the anonymous actor): the choices
    of the actor filter."""
    with store.session() as session:
        return list(session.execute(select(StaffAudit.username).distinct().order_by(StaffAudit.username)).scalars())


def actions(store: Store) -> List[str]:
    with store.session() as session:
        return list(session.execute(select(StaffAudit.action).distinct().order_by(StaffAudit.action)).scalars())


def record_purge(store: Store, report: retention.PurgeReport, username: str, now: Optional[datetime] = None) -> None:
    """A staff audit row for a purge that happened: counts only."""
    record(
        store,
        username,
        "purge",
        target=f"{report.conversations} gesprekken",
        detail=f"{retention.describe_counts(**report.counts())}; laatste bericht voor "
        f"{report.cutoff.isoformat(timespec='seconds')}",
        now=now,
    )
