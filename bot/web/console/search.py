"""What the console's three free-text searches (conversations, requests, opt-outs) share: the
message when an account searches too often, and how the audit log keeps a searched text.
"""

from __future__ import annotations

from typing import Optional

from bot.staff import conversations

SEARCH_LIMITED = "Te veel zoekopdrachten na elkaar: probeer het over een minuut opnieuw."


def search_audit_text(needle: Optional[str]) -> str:
    """What the audit log keeps of a search: the text with personal data masked (a searched
    e-mail address or phone number stays out of the log), quoted."""
    return f'"{conversations.masking.mask_text(needle or "")}"'
