"""What the chat forms ask, in which order, what they say before confirming, and what they
answer once the request, opt-out or status lookup has (or has not) been stored.

Plain Python over ``rights``, ``verification`` and ``optouts``; the Rasa actions in
``actions/`` only pass slots in and messages out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.core import clock, company, limits
from bot.dialogue.form_input import ALL_CHANNELS, SKIP
from bot.privacy import contact, optouts, redaction, rights, verification
from bot.store.db import Store

log = logging.getLogger(__name__)

# The privacy mailbox in use, taken once at import: the texts below are module constants
# (bot.core.company says why that is enough).
MAILBOX = company.privacy_mailbox()
MAX_LOOKUP_FAILURES = 3

# ---- the rights request form ---------------------------------------------------------------
RIGHTS_FORM = "rights_request_form"
RIGHTS_SLOTS = [
    "request_type",
    "requester_name",
    "requester_email",
    "customer_number",
    "request_details",
    "change_field",
    "request_confirmed",
]

# Rights whose handling needs to know what exactly: what is wrong, or which processing.
DETAILS_QUESTION = {
    "rectification": "Welke gegevens kloppen niet, en wat moet het zijn?",
    "restriction": "Welke verwerking van je gegevens wil je laten beperken, en waarom?",
    "objection": "Tegen welke verwerking maak je bezwaar, en om welke reden die met je situatie te maken heeft?",
    "consent_withdrawal": "Voor welke verwerking trek je je toestemming in (bv. de nieuwsbrief)?",
}

# What happens after the request, per right: only what the privacy statement says.
WHAT_HAPPENS = {
    "access": "Je krijgt bevestiging of we je gegevens verwerken, hoe en waarom, en een kopie ervan.",
    "rectification": "We zetten de foutieve gegevens recht.",
    "erasure": (
        "Wissing is geen absoluut recht: sommige gegevens moeten we een tijd bijhouden om aan de wet te voldoen."
    ),
    "restriction": "Beperking kan in bepaalde specifieke gevallen; we laten je weten of dat voor jou geldt.",
    "portability": "Je krijgt de gegevens die je ons zelf gaf in een machineleesbare vorm.",
    "objection": "We bekijken je bezwaar tegen de verwerking op basis van ons gerechtvaardigd belang.",
    "marketing_objection": (
        "Bezwaar tegen direct marketing is absoluut: er wordt altijd gevolg aan gegeven, een reden is niet nodig."
    ),
    "consent_withdrawal": (
        "Je toestemming intrekken is even eenvoudig als ze geven; de verwerking op basis ervan stopt."
    ),
}

FIELD_LABELS = {
    "request_type": "Soort verzoek",
    "requester_name": "Naam",
    "requester_email": "E-mailadres",
    "customer_number": "Klant- of polisnummer",
    "request_details": "Toelichting",
}


def needs_details(request_type: Optional[str]) -> bool:
    return request_type in DETAILS_QUESTION


def rights_required_slots(slots: Dict[str, object]) -> List[str]:
    """The slots still to ask, in order; 'change_field' first while the visitor is choosing
    what to change (request_confirmed is False)."""
    required = ["request_type", "requester_name", "requester_email", "customer_number"]
    if needs_details(slots.get("request_type")):
        required.append("request_details")
    required.append("request_confirmed")
    if slots.get("request_confirmed") is False:
        required.insert(0, "change_field")
    return required


def changeable_fields(request_type: Optional[str]) -> List[str]:
    fields = ["request_type", "requester_name", "requester_email", "customer_number"]
    if needs_details(request_type):
        fields.append("request_details")
    return fields


def type_label(request_type: Optional[str]) -> str:
    return rights.TYPE_LABELS.get(request_type or "", "een privacyverzoek")


def name_question(request_type: Optional[str]) -> str:
    return (
        f"Ik registreer hier meteen je verzoek: {type_label(request_type)}. Ik vraag alleen wat nodig is "
        "om het te behandelen; typ 'annuleer' om te stoppen. Wat is je voor- en achternaam?"
    )


def details_question(request_type: Optional[str]) -> str:
    return DETAILS_QUESTION.get(request_type or "", "Wat moeten we weten om je verzoek te behandelen?")


BULLET = "• "  # the widget renders lines starting with this as a list (contract of issue 16)


def _one_line(value: object) -> str:
    """A value on one line: a toelichting typed with line breaks must not break the list."""
    return " ".join(str(value).split())


def summary(slots: Dict[str, object]) -> str:
    """Everything the visitor gave, as a short list, and what happens next, before asking to
    send it: one intro line, one "• " line per answer, then the question line."""
    request_type = slots.get("request_type")
    items = [
        ("request_type", type_label(request_type)),
        ("requester_name", slots.get("requester_name")),
        ("requester_email", slots.get("requester_email")),
    ]
    number = slots.get("customer_number")
    if number and number != SKIP:
        items.append(("customer_number", number))
    if needs_details(request_type) and slots.get("request_details"):
        items.append(("request_details", slots.get("request_details")))
    lines = ["Even nakijken of alles klopt:"]
    lines += [f"{BULLET}{FIELD_LABELS[name]}: {_one_line(value)}" for name, value in items]
    lines.append(
        "Je krijgt een bevestigingslink per mail: pas als je die binnen 7 dagen aanklikt, behandelen we je "
        "verzoek (zo weten we dat het e-mailadres van jou is; wie je bent, kunnen we je nog vragen). "
        f"{WHAT_HAPPENS.get(request_type or '', '')} We antwoorden binnen één maand. Zal ik het versturen?"
    )
    return "\n".join(lines)


@dataclass
class Outcome:
    """What to tell the visitor; ``stored`` is True only after the commit succeeded."""

    text: str
    stored: bool
    reference: Optional[str] = None
    extra: Dict[str, object] = field(default_factory=dict)


CANCELLED = {
    RIGHTS_FORM: "utter_request_cancelled",
    "unsubscribe_form": "utter_unsubscribe_cancelled",
    "status_lookup_form": "utter_lookup_cancelled",
}
NOT_SENT = "utter_request_not_sent"
# Responses the form actions send themselves (no story or rule names them).
RESPONSES = {*CANCELLED.values(), NOT_SENT}


def cancel_response(active_loop: Optional[str]) -> str:
    return CANCELLED.get(active_loop or "", CANCELLED[RIGHTS_FORM])


def db_trouble(what: str) -> str:
    return (
        f"Sorry, door een technisch probleem kon ik {what} nu niet registreren: er is niets geregistreerd "
        f"of verstuurd. Probeer het later opnieuw, of mail je verzoek naar {MAILBOX}."
    )


CLIENT_LIMIT_REACHED = (
    "Vanaf dit adres kwamen vandaag al veel verzoeken binnen, dus ik registreer er nu geen "
    f"meer. Mail je verzoek naar {MAILBOX}; we behandelen het dan gewoon."
)
# The request is registered, but its address already got the day's verification mails
# (bot.core.limits.verification_mails_per_address): no new mail, and nothing promised that is not sent.
VERIFICATION_MAIL_LIMIT_REACHED = (
    "Je verzoek is geregistreerd met referentie {reference}. Naar {email} gingen vandaag al meerdere "
    "bevestigingsmails, dus ik stuur er nu geen nieuwe. Kijk in die mailbox (ook bij spam) of er een mail van ons "
    "staat, of mail naar " + MAILBOX + " met je referentie: zonder bevestiging kunnen we het verzoek niet "
    "behandelen."
)
OPTOUT_LIMIT_REACHED = (
    "Vanaf dit adres kwamen het afgelopen uur al veel afmeldingen binnen, dus ik registreer er "
    f"nu geen meer. Probeer het later opnieuw, of mail je afmelding naar {MAILBOX}; we "
    "verwerken ze dan gewoon."
)
LOOKUP_LIMIT_REACHED = (
    "Vanaf dit adres werd de status al vaak opgevraagd. Probeer het over een uur opnieuw, of "
    f"mail naar {MAILBOX} met je referentie."
)


def _over_limit(limit: "limits.Limit", client: Optional[str]) -> bool:
    """Per-client limits need the client's key (the chat channel's hash of the address; the
    local tools' per-conversation key, bot.core.limits.local_client)."""
    return bool(client) and not limits.shared().allow(limit, client)


NO_CLIENT = "Ik kan dit verzoek hier niet registreren. Mail het naar " + MAILBOX + "; vermeld je naam en wat je vraagt."
UNCHECKED = "Een van je antwoorden kan ik zo niet registreren. Je verzoek is niet verstuurd; begin gerust opnieuw."


def recheck(slots: Dict[str, object]) -> Optional[str]:
    """What is wrong with the form's values, checked again right before storing, or None.

    The form validates every answer as it comes in; this repeats the format checks on what
    arrives at the submit action, so that a value that did not pass the form (a slot set any
    other way) is never stored (issue 15, finding 4)."""
    from bot.dialogue import form_input

    request_type = slots.get("request_type")
    if request_type not in rights.TYPE_LABELS:
        return UNCHECKED
    name = str(slots.get("requester_name") or "")
    if form_input.name(name) != name.strip() or form_input.looks_like_sentence(name):
        return UNCHECKED
    number = slots.get("customer_number")
    if number not in (None, SKIP) and form_input.customer_number(str(number)) is None:
        return UNCHECKED
    details = slots.get("request_details")
    if needs_details(str(request_type)) and details and len(str(details)) > form_input.MAX_DETAILS_CHARS:
        return UNCHECKED
    try:
        contact.normalise_email(str(slots.get("requester_email") or ""))
    except contact.InvalidContact:
        return UNCHECKED
    return None


def submit_rights_request(
    store: Optional[Store], slots: Dict[str, object], conversation_id: Optional[str], client: Optional[str] = None
) -> Outcome:
    """Store the request (and queue its e-mails); confirm only what was committed.

    Every front door (chat channel, converse, shell) gives a client key; a call without one
    did not come through them and registers nothing."""
    if not client:
        return Outcome(NO_CLIENT, stored=False)
    problem = recheck(slots)  # before the limit: a refused value uses up nothing
    if problem:
        return Outcome(problem, stored=False)
    if _over_limit(limits.requests_per_client(), client):
        return Outcome(CLIENT_LIMIT_REACHED, stored=False)
    request_type = str(slots.get("request_type"))
    number = slots.get("customer_number")
    new = rights.NewRequest(
        request_type=request_type,
        name=str(slots.get("requester_name") or ""),
        email=str(slots.get("requester_email") or ""),
        customer_number=None if number in (None, SKIP) else str(number),
        details=(
            redaction.redact(str(slots.get("request_details"))).text
            if needs_details(request_type) and slots.get("request_details")
            else None
        ),
        conversation_id=conversation_id,
    )
    try:
        if store is None:
            raise SQLAlchemyError("geen database")
        request = verification.submit(store, new)
    except (SQLAlchemyError, OSError) as exc:
        log.error("rights request not stored: %s", type(exc).__name__)
        return Outcome(db_trouble("je verzoek"), stored=False)
    except (rights.RequestError, contact.InvalidContact) as exc:
        return Outcome(f"{exc} Je verzoek is niet verstuurd; begin gerust opnieuw.", stored=False)
    deadline = clock.show_date(request.deadline)
    if verification.verification_mailed(store, request):
        text = (
            f"Je verzoek is geregistreerd met referentie {request.reference}. We mailden een bevestigingslink "
            f"naar {request.email}: klik erop binnen 7 dagen, anders kunnen we het niet behandelen. We antwoorden "
            f"uiterlijk op {deadline} (één maand na ontvangst). Vragen? Mail naar {MAILBOX} met je referentie."
        )
    else:
        text = VERIFICATION_MAIL_LIMIT_REACHED.format(reference=request.reference, email=request.email)
    return Outcome(text, stored=True, reference=request.reference)


# ---- status lookup ---------------------------------------------------------------------------
STATUS_FORM = "status_lookup_form"
STATUS_SLOTS = ["lookup_reference", "lookup_email"]
STATUS_TEXT = {
    rights.UNVERIFIED: "wacht op de bevestiging van je e-mailadres: klik op de link in onze e-mail",
    rights.OPEN: "is ontvangen en bevestigd, en wacht op behandeling",
    rights.IN_PROGRESS: "is in behandeling",
    rights.DONE: "is afgehandeld",
    # An unverified request that staff reject gets no mail (bot.privacy.status_mail: never to an unproven
    # address), so the text does not promise one.
    rights.REJECTED: "is afgewezen; kreeg je geen mail met de reden, vraag ze dan via " + MAILBOX,
    rights.EXPIRED: "is afgesloten omdat je e-mailadres niet binnen 7 dagen bevestigd werd",
}
NOT_FOUND = (
    "Ik vind geen verzoek met die combinatie van referentie en e-mailadres. Kijk beide na in onze "
    "bevestigingsmail; lukt het niet, mail dan naar " + MAILBOX + "."
)
TOO_MANY = (
    "Je gaf te vaak een combinatie op die ik niet vind. Om je gegevens te beschermen zoek ik in dit "
    "gesprek niet verder; mail je referentie naar " + MAILBOX + "."
)


# Both lookup slots hold this when the visitor has no reference: the form is then complete
# (rasa_sdk drops a slot that required_slots no longer lists, so they are filled, not skipped).
NO_REFERENCE = "-"
NO_REFERENCE_TEXT = (
    "Zonder referentie kan ik de status hier niet opzoeken: ik vind alleen verzoeken die via "
    "deze chat werden ingediend. Mailde je je verzoek zelf, of ben je de referentie kwijt? "
    f"Vraag de status dan na via {MAILBOX}."
)


def status_required_slots(failures: float) -> List[str]:
    return [] if failures >= MAX_LOOKUP_FAILURES else list(STATUS_SLOTS)


def look_up(
    store: Optional[Store],
    reference: Optional[str],
    email: Optional[str],
    failures: float,
    client: Optional[str] = None,
) -> Outcome:
    """Same answer for an unknown reference and a wrong e-mail address; counts failures (per
    conversation) and lookups (per client, across conversations: no enumerating references)."""
    if failures >= MAX_LOOKUP_FAILURES:
        return Outcome(TOO_MANY, stored=False, extra={"failures": failures})
    if reference == NO_REFERENCE:  # not a lookup: counts neither as a failure nor against the limit
        return Outcome(NO_REFERENCE_TEXT, stored=False, extra={"failures": failures})
    if not client:  # not through one of our front doors: no lookup without a per-client limit
        return Outcome(NOT_FOUND, stored=False, extra={"failures": failures + 1})
    if _over_limit(limits.lookups_per_client(), client):
        return Outcome(LOOKUP_LIMIT_REACHED, stored=False, extra={"failures": failures})
    try:
        if store is None:
            raise SQLAlchemyError("geen database")
        found = rights.lookup_status(store, reference or "", email or "")
        request = rights.get(store, reference) if found else None
    except (SQLAlchemyError, OSError) as exc:
        log.error("status lookup failed: %s", type(exc).__name__)
        return Outcome(
            f"Sorry, door een technisch probleem kan ik de status nu niet opzoeken. Probeer het later "
            f"opnieuw, of mail naar {MAILBOX}.",
            stored=False,
            extra={"failures": failures},
        )
    if request is None:
        failures += 1
        text = NOT_FOUND if failures < MAX_LOOKUP_FAILURES else TOO_MANY
        return Outcome(text, stored=False, extra={"failures": failures})
    text = f"Je verzoek {request.reference} ({type_label(request.request_type)}) {STATUS_TEXT[request.status]}."
    if request.status in rights.ACTIVE:
        text += f" We antwoorden uiterlijk op {clock.show_date(request.deadline)}."
    return Outcome(text, stored=True, reference=request.reference, extra={"failures": failures})


# ---- unsubscribe form ----------------------------------------------------------------------------
UNSUBSCRIBE_FORM = "unsubscribe_form"
UNSUBSCRIBE_SLOTS = ["unsubscribe_channel", "unsubscribe_email", "unsubscribe_phone", "unsubscribe_postal"]
ADDRESS_SLOT = {
    "email": "unsubscribe_email",
    "phone": "unsubscribe_phone",
    "sms": "unsubscribe_phone",
    "post": "unsubscribe_postal",
}
CHANNEL_LABELS = {"email": "e-mail", "post": "post", "phone": "telefoon", "sms": "sms", ALL_CHANNELS: "alle kanalen"}


def unsubscribe_required_slots(channel: Optional[str]) -> List[str]:
    if channel == ALL_CHANNELS:
        return ["unsubscribe_channel", "unsubscribe_email", "unsubscribe_phone", "unsubscribe_postal"]
    if channel in ADDRESS_SLOT:
        return ["unsubscribe_channel", ADDRESS_SLOT[channel]]
    return ["unsubscribe_channel"]


def optional_for(channel: Optional[str]) -> bool:
    """With 'alle kanalen' each address may be skipped (at least one is needed)."""
    return channel == ALL_CHANNELS


def opt_outs_for(slots: Dict[str, object]) -> List[tuple]:
    """(channel, address) pairs to record for the answers given."""
    channel = slots.get("unsubscribe_channel")

    def given(slot: str) -> Optional[str]:
        value = slots.get(slot)
        return None if value in (None, SKIP) else str(value)

    if channel == ALL_CHANNELS:
        pairs = []
        if given("unsubscribe_email"):
            pairs.append(("email", given("unsubscribe_email")))
        if given("unsubscribe_phone"):
            pairs += [("phone", given("unsubscribe_phone")), ("sms", given("unsubscribe_phone"))]
        if given("unsubscribe_postal"):
            pairs.append(("post", given("unsubscribe_postal")))
        return pairs
    address = given(ADDRESS_SLOT.get(str(channel), ""))
    return [(str(channel), address)] if address else []


ADDRESS_NOUN = {"email": "dit e-mailadres", "post": "dit postadres", "phone": "dit nummer", "sms": "dit nummer"}


def unsubscribed_text(pairs: List[tuple]) -> str:
    """The reply after an opt-out: the same whether or not the address was already on the list
    (issue 15, finding 6: "je stond al uitgeschreven" told anyone whether a person was on it),
    and true in both cases."""
    channels = ", ".join(sorted({CHANNEL_LABELS[channel] for channel, _ in pairs}))
    addresses = {address for _, address in pairs}
    subject = ADDRESS_NOUN[pairs[0][0]] + " krijgt" if len(addresses) == 1 else "deze adressen krijgen"
    text = f"Klaar: {subject} geen reclame (meer) van ons via {channels}; dat geldt meteen."
    if any(channel in ("phone", "sms") for channel, _ in pairs):
        text += (
            " Wil je van geen enkel bedrijf nog telefonische reclame, zet je nummer dan ook op de "
            "Bel-me-niet-meer-lijst."
        )
    return text + f" Vragen? Mail naar {MAILBOX}."


def submit_unsubscribe(store: Optional[Store], slots: Dict[str, object], client: Optional[str] = None) -> Outcome:
    """Record the opt-outs (at most PRIVACYBOT_OPTOUT_LIMIT_PER_IP forms per client per hour).

    Registered at once, without a confirmation link: an opt-out only stops our advertising,
    so one made by someone else harms nobody, and a mail to ask for a click would itself be a
    mail to an address the visitor chose (README, 'Afmelden voor reclame')."""
    pairs = opt_outs_for(slots)
    if not pairs:
        return Outcome(
            "Ik kreeg geen adres of nummer om uit te schrijven; er is niets veranderd. Probeer het gerust opnieuw.",
            stored=False,
        )
    if _over_limit(limits.optouts_per_client(), client):
        return Outcome(OPTOUT_LIMIT_REACHED, stored=False)
    try:
        if store is None:
            raise SQLAlchemyError("geen database")
        results = [optouts.opt_out(store, channel, address) for channel, address in pairs]
    except (SQLAlchemyError, OSError) as exc:
        log.error("opt-out not stored: %s", type(exc).__name__)
        return Outcome(db_trouble("je uitschrijving"), stored=False)
    except contact.InvalidContact as exc:
        return Outcome(f"{exc} Er is niets veranderd.", stored=False)
    return Outcome(
        unsubscribed_text([(r.channel, r.address) for r in results]),
        stored=True,
        extra={"created": sum(r.created for r in results), "total": len(results)},
    )
