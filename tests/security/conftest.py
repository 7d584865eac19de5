"""One running assistant for the attacks in tests/security/ (one Rasa server, action server,
SQLite), with small limits so that the tests can reach them."""

from __future__ import annotations

import pytest

from bot.ops.deployment import Deployment
from bot.ops.stack import Stack

SITE = "http://127.0.0.1:8000"
LIMITS = {
    "PRIVACYBOT_CHAT_LIMIT_PER_IP": "0",
    "PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION": "8",
    "PRIVACYBOT_REQUEST_LIMIT_PER_IP": "1",
    "PRIVACYBOT_LOOKUP_LIMIT_PER_IP": "2",
    "PRIVACYBOT_OPTOUT_LIMIT_PER_IP": "2",
    "PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS": "2",
}


@pytest.fixture(scope="package")
def stack(trained_model, tmp_path_factory):
    var = tmp_path_factory.mktemp("secure")
    database = f"sqlite:///{var / 'chat.db'}"
    running = Stack(Deployment(database, None), trained_model, var=var, model_server=False, cors=[SITE], env=LIMITS)
    try:
        running.start()
        running.database = database
        yield running
    finally:
        running.stop()
