"""Opt-outs and verification mails, attacked the way the outside attacker did (issue 15,
findings 6 and 8), through the chat of the running stack.

6: anyone could opt out any address, and the reply ("Klaar: je bent meteen uitgeschreven" or
"Je stond al uitgeschreven") told whether that person was on the list; nothing limited how many
addresses one client tried. 8: an unverified request made the privacy mailbox send a mail that
began with a name the attacker typed ("Beste <naam>") to any address, as often as asked, and the
mail did not say that the link proves control of the mailbox and not who someone is.

The security stack trusts 127.0.0.1 as a proxy (the default), so X-Forwarded-For plays the
visitors' addresses: the per-client limits count each one apart, as behind our nginx.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import List

import sqlalchemy as sa

from bot.dialogue import forms
from bot.store.models import RequestEvent, RightsRequest
from bot.web import console
from tests.security.conftest import LIMITS
from tests.security.test_running_stack import request, text_of

LINK_PROVES = "dat je dit mailadres beheert, niet wie je bent"


def say_from(stack, client: str, sender: str, text: str) -> str:
    """One message from the visitor at `client` (via the trusted proxy); the replies' text."""
    status, _, body = request(
        f"{stack.url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": client},
    )
    assert status == 200, (status, body)
    return text_of(json.loads(body))


def opt_out(stack, client: str, sender: str, email: str) -> str:
    say_from(stack, client, sender, "stop met die reclamemails")
    return say_from(stack, client, sender, email)


def ask_access(stack, client: str, sender: str, name: str, email: str) -> str:
    for text in ("ik wil inzage in mijn gegevens", name, email, "geen"):
        say_from(stack, client, sender, text)
    return say_from(stack, client, sender, "ja")


def rows(stack, sql: str, **params) -> List[sa.Row]:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        found = conn.execute(sa.text(sql), params).all()
    engine.dispose()
    return found


def test_an_opt_out_does_not_tell_whether_the_address_was_on_the_list(stack):
    first = opt_out(stack, "198.51.100.11", "sec-optout-new", "nog.niet.afgemeld@example.be")
    again = opt_out(stack, "198.51.100.12", "sec-optout-listed", "nog.niet.afgemeld@example.be")
    other = opt_out(stack, "198.51.100.13", "sec-optout-other", "iemand.anders@example.be")
    assert first.startswith("Klaar: dit e-mailadres krijgt geen reclame (meer) van ons")
    assert again == first == other  # new or already listed: the attacker reads the same reply
    assert "al uitgeschreven" not in again
    listed = rows(stack, "select channel from optouts where address = :a", a="nog.niet.afgemeld@example.be")
    assert [r.channel for r in listed] == ["email"]  # and still one opt-out, not two


def test_one_client_cannot_try_a_list_of_addresses(stack):
    allowed = int(LIMITS["PRIVACYBOT_OPTOUT_LIMIT_PER_IP"])
    replies = [
        opt_out(stack, "198.51.100.21", f"sec-optout-list-{n}", f"lijst{n}@example.be") for n in range(allowed + 1)
    ]  # a new conversation for each: the count is per client
    assert all(r.startswith("Klaar:") for r in replies[:allowed])
    assert replies[allowed] == forms.OPTOUT_LIMIT_REACHED
    stored = {r.address for r in rows(stack, "select address from optouts where address like 'lijst%'")}
    assert stored == {f"lijst{n}@example.be" for n in range(allowed)}
    assert opt_out(stack, "198.51.100.22", "sec-optout-list-other", "lijst-ander@example.be").startswith("Klaar:")


def test_the_verification_mail_carries_no_typed_name_and_says_what_the_link_proves(stack):
    reply = ask_access(stack, "198.51.100.31", "sec-mail-name", "Mallory Vandamme", "ontvanger@example.be")
    assert "geregistreerd met referentie PRV-" in reply
    [mail] = rows(
        stack,
        "select subject, body from outbox where kind = 'confirmation' and recipient = :r",
        r="ontvanger@example.be",
    )
    assert "Mallory" not in mail.body and "Vandamme" not in mail.body and "Mallory" not in mail.subject
    assert LINK_PROVES in mail.body
    assert "/webhooks/privacy/verify?token=" in mail.body  # still the mail that verifies


def test_one_address_gets_a_few_verification_mails_a_day_however_many_ask(stack):
    allowed = int(LIMITS["PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS"])
    replies = [
        ask_access(stack, f"198.51.100.{41 + n}", f"sec-mail-flood-{n}", "Jan Peeters", "doelwit@example.be")
        for n in range(allowed + 1)
    ]  # other clients, other conversations: the limit is per recipient
    assert all("We mailden een bevestigingslink" in r for r in replies[:allowed])
    registered = rows(stack, "select reference from rights_requests where email = 'doelwit@example.be' order by id")
    assert len(registered) == allowed + 1  # the request is registered all the same...
    last = registered[-1].reference
    assert replies[allowed] == forms.VERIFICATION_MAIL_LIMIT_REACHED.format(
        reference=last, email="doelwit@example.be"
    )  # ...and the visitor is told no mail went out
    mails = rows(stack, "select kind from outbox where recipient = 'doelwit@example.be'")
    assert len(mails) == allowed


def test_the_console_request_page_tells_staff_to_check_who_the_requester_is():
    received = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)
    item = RightsRequest(
        reference="PRV-0000000001",
        request_type="access",
        status="unverified",
        received_at=received,
        deadline=(received + timedelta(days=31)).date(),
        name="[naam]",
        email="[e-mailadres]",
        customer_number=None,
        details=None,
        conversation_id=None,
    )
    item.events = [RequestEvent(at=received, actor="chat", from_status=None, to_status="unverified", note=None)]
    page = (
        console.templates()
        .get_template("request.html")
        .render(
            item=item,
            overdue=False,
            next_statuses=[],
            error=None,
            flash=None,
            user=None,
            csrf="x",
            can=lambda permission: False,
            days=31,
            path="/requests/PRV-0000000001",
            mails={},
            reason_needed=[],
            can_erase=False,
            can_document=False,
        )
    )
    assert "Controleer wie de aanvrager is voor je het verzoek behandelt." in page
    assert "bewijst alleen dat de aanvrager dat mailadres beheert, niet wie" in page
