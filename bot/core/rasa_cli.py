"""How we call Rasa's own command line: with this interpreter, so the venv's Rasa and our
plugins (bot.plugins, loaded by dotted path) are what runs. Training, evaluation, validation and
the server processes all build their command here."""

from __future__ import annotations

import sys
from typing import List


def rasa_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "rasa", *args]
