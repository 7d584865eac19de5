"""What the verification link page says must be true of the request (issue 15, finding 15).

The attacker noticed that the link of a request staff had already rejected still answered "Je
e-mailadres is bevestigd. We behandelen verzoek …": a false promise from the privacy mailbox.
"""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from bot import chat_forms, rights
from bot.links_channel import verified_page


def request(status: str) -> SimpleNamespace:
    return SimpleNamespace(reference="PRV-ABCDEFGHJK", status=status,
                           deadline=datetime(2027, 1, 7, tzinfo=timezone.utc))


def test_an_open_request_is_confirmed_with_its_deadline():
    title, body = verified_page(request(rights.OPEN))
    assert title == "Bedankt" and "bevestigd" in body and "07/01/2027" in body


def test_a_closed_request_is_not_promised_to_be_handled():
    for status in (rights.REJECTED, rights.DONE, rights.EXPIRED):
        title, body = verified_page(request(status))
        assert "behandelen" not in body and "bevestigd." not in body, status
        assert chat_forms.STATUS_TEXT[status] in body and "niets gewijzigd" in body, status


def test_the_reference_is_escaped():
    hostile = SimpleNamespace(reference="<b>x</b>", status=rights.REJECTED, deadline=None)
    assert "<b>" not in verified_page(hostile)[1]
