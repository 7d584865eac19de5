"""What the assistant does with messages it should not try to understand.

Plain functions, shared by the NLU component (bot.plugins.nlu_components) and the fallback action.
"""

from __future__ import annotations

import unicodedata
from typing import Optional

MAX_MESSAGE_CHARS = 1000
"""Longest message the assistant reads; a longer one is refused with a clear reply."""

EMPTY = "empty"
NO_WORDS = "no_words"
TOO_LONG = "too_long"


def check(text: Optional[str]) -> Optional[str]:
    """Why a message cannot be answered as a question (EMPTY, NO_WORDS, TOO_LONG), or None."""
    if text is None or not text.strip():
        return EMPTY
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG
    if not any(unicodedata.category(ch).startswith(("L", "N")) for ch in text):
        return NO_WORDS  # emoji, punctuation, symbols only
    return None
