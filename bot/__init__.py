"""Privacybot: the Dutch privacy assistant of KMO-verzekeringen (package map: docs/architecture.md)."""

import os as _os

from bot.core.quiet import QUIET_ENV

# Before anything imports TensorFlow or SQLAlchemy: quiet logs, no telemetry (child processes
# get the same through bot.core.quiet.quiet_env).
for _key, _value in QUIET_ENV.items():
    _os.environ.setdefault(_key, _value)
