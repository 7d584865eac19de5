from __future__ import annotations

import time

from bot.ops import jobs
from bot.store.db import Store


def test_scheduler_survives_an_unreachable_database_and_stops():
    scheduler = jobs.Scheduler(Store("postgresql://nobody@127.0.0.1:1/none"), every=0.05)
    scheduler.start()
    time.sleep(0.5)
    assert scheduler.is_alive()  # logged and retried, not crashed
    scheduler.stop()
    scheduler.join(timeout=5)
    assert not scheduler.is_alive()
