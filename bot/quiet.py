"""Keeping third-party noise out of what people read."""
from __future__ import annotations

import warnings


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
