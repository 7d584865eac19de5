"""Keeping third-party noise out of what people read: library warnings, and the environment
every process of ours starts with (quiet TensorFlow and SQLAlchemy logs, no Rasa telemetry)."""

from __future__ import annotations

import os
import warnings
from typing import Dict

# Set before anything imports TensorFlow or SQLAlchemy: in bot/__init__.py for this process,
# and through quiet_env() for every child process.
QUIET_ENV: Dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def quiet_env() -> Dict[str, str]:
    """This process's environment with QUIET_ENV on top: what a child process gets."""
    env = dict(os.environ)
    env.update(QUIET_ENV)
    return env


def quiet_library_warnings() -> None:
    """Rasa 3.6 and its pinned libraries warn about their own deprecations on every start
    (one of them even resets the warning filters); our tools show our messages, not theirs.
    `privacybot validate` still shows Rasa's warnings about the project's data."""
    noise = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    show = warnings.showwarning

    def show_relevant(message, category, *args, **kwargs):
        if issubclass(category, noise) or "Slot auto-fill has been removed" in str(message):
            return
        show(message, category, *args, **kwargs)

    warnings.showwarning = show_relevant
