"""Background work while the assistant runs: deliver the outbox, remind and expire
unverified requests. One pass is a plain function; ``privacybot run`` calls it every
PRIVACYBOT_JOB_INTERVAL seconds (default 60)."""
from __future__ import annotations

import logging
import os
import threading
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot import mail, request_flow
from bot.store.db import Store

log = logging.getLogger(__name__)


def interval() -> float:
    return float(os.environ.get("PRIVACYBOT_JOB_INTERVAL", "60"))


def run_once(store: Store) -> str:
    housekeeping = request_flow.housekeeping(store)
    delivery = mail.deliver_pending(store)
    return (f"{delivery.sent} mail(s) verstuurd, {delivery.failed} mislukt (later opnieuw); "
            f"{housekeeping.reminded} herinnering(en), {housekeeping.expired} verlopen")


class Scheduler(threading.Thread):
    """Runs ``run_once`` periodically; a database hiccup is logged and retried next time."""

    def __init__(self, store: Optional[Store] = None, every: Optional[float] = None) -> None:
        super().__init__(name="privacybot-jobs", daemon=True)
        self.store = store or Store()
        self.every = every if every is not None else interval()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                summary = run_once(self.store)
                log.info("jobs: %s", summary)
            except (SQLAlchemyError, OSError) as exc:  # nothing is lost: the outbox keeps it
                log.warning("jobs: overgeslagen (%s)", type(exc).__name__)
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
