"""Background work while the assistant runs: deliver the outbox, remind and expire
unverified requests. One pass is a plain function; ``privacybot run`` calls it every
PRIVACYBOT_JOB_INTERVAL seconds (default 60). Conversations past the retention period are
purged at most once a day (bot.privacy.retention)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.core import clock, settings
from bot.privacy import mail, retention, verification
from bot.staff import audit as staff_audit
from bot.store.db import Store

log = logging.getLogger(__name__)
PURGE_EVERY = timedelta(hours=24)


def run_once(store: Store) -> str:
    housekeeping = verification.housekeeping(store)
    delivery = mail.deliver_pending(store)
    return (
        f"{delivery.sent} mail(s) verstuurd, {delivery.failed} mislukt (later opnieuw); "
        f"{housekeeping.reminded} herinnering(en), {housekeeping.expired} verlopen"
    )


class Scheduler(threading.Thread):
    """Runs ``run_once`` periodically; a database hiccup is logged and retried next time."""

    def __init__(self, store: Optional[Store] = None, every: Optional[float] = None) -> None:
        super().__init__(name="privacybot-jobs", daemon=True)
        self.store = store or Store()
        self.every = every if every is not None else settings.job_interval()
        self.stopped = threading.Event()
        self.last_purge: Optional[datetime] = None  # set only when a purge succeeded

    def purge_if_due(self, now: Optional[datetime] = None) -> Optional[retention.PurgeReport]:
        """Purge old conversations if the last successful purge is 24 hours ago (or never).
        A failure is logged and retried next interval; it never raises."""
        now = now or clock.now_utc()
        if self.last_purge is not None and now - self.last_purge < PURGE_EVERY:
            return None
        try:
            report = retention.purge(self.store, now=now)
            if report.conversations:
                staff_audit.record_purge(self.store, report, "jobs", now=now)
        except Exception as exc:  # noqa: BLE001 - the thread must keep running; retried next time
            log.warning("jobs: opschonen van oude gesprekken mislukt (%s), volgende keer opnieuw", type(exc).__name__)
            return None
        self.last_purge = now
        log.info("jobs: opgeschoond: %s", retention.describe_counts(**report.counts()))
        return report

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                summary = run_once(self.store)
                log.info("jobs: %s", summary)
            except (SQLAlchemyError, OSError) as exc:  # nothing is lost: the outbox keeps it
                log.warning("jobs: overgeslagen (%s)", type(exc).__name__)
            self.purge_if_due()
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
