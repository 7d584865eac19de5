"""The console's own audit log: who revealed, exported, erased or purged what, and when.
Shared by the console and the CLI; it never stores the personal data itself."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import select

from bot.store.db import Store
from bot.store.models import StaffAudit


def record(store: Store, username: str, action: str, target: Optional[str] = None,
           detail: Optional[str] = None, now: Optional[datetime] = None) -> None:
    with store.session() as session:
        session.add(StaffAudit(at=now or datetime.now(timezone.utc), username=username, action=action,
                               target=target, detail=detail))


def recent(store: Store, limit: int = 200, action: Optional[str] = None) -> List[StaffAudit]:
    query = select(StaffAudit).order_by(StaffAudit.at.desc(), StaffAudit.id.desc()).limit(limit)
    if action:
        query = query.where(StaffAudit.action == action)
    with store.session() as session:
        return list(session.execute(query).scalars())
