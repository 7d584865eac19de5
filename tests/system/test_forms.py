"""The chat forms end to end through `privacybot converse`: the trained model, the policies,
the real action server and a real SQLite store. Each flow is checked in what the visitor
sees (bot text, buttons), in what converse shows (active_loop, slots) and in the database.

The same batch (one assistant start) also covers how answers lead to the forms: the offer
buttons under an answer about a right, the "Bedoel je ...?" buttons, the source links, the
deflection route, and that what the bot says about storing a message is what the events
table holds."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.core import settings
from bot.dialogue import answers, forms
from bot.privacy import optouts, rights, verification
from bot.store import events
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage, RightsRequest
from tests.conftest import converse

FORM = "rights_request_form"

# (type, opening message, customer number answer, details answer or None)
RIGHTS = [
    ("access", "ik wil graag een kopie van alle gegevens die jullie over mij hebben", "klantnummer 884512", None),
    (
        "rectification",
        "jullie hebben mijn adres verkeerd staan, pas dat aan aub",
        "geen",
        "mijn straatnaam is Kerkstraat, niet Kerkstaat",
    ),
    ("erasure", "verwijder al mijn persoonsgegevens uit jullie systemen", "geen", None),
    (
        "restriction",
        "ik wil dat jullie de verwerking van mijn gegevens beperken",
        "POL-2023-00417",
        "de gegevens over mijn schadegeval, die kloppen niet",
    ),
    ("portability", "ik wil mijn gegevens in een machineleesbaar bestand ontvangen", "geen", None),
    (
        "objection",
        "ik maak bezwaar tegen de verwerking van mijn gegevens op basis van jullie gerechtvaardigd belang",
        "geen",
        "de profilering voor reclame, ik wil niet geprofileerd worden",
    ),
    ("marketing_objection", "ik maak bezwaar tegen direct marketing", "geen", None),
    ("consent_withdrawal", "ik trek mijn toestemming in", "geen", "de nieuwsbrief over acties"),
]

SEEDED_EMAIL = "lookup@example.be"


def rights_conversation(request_type, opening, number, details):
    messages = [opening, "Jan Peeters", f"Jan.{request_type}@Example.be", number]
    if details:
        messages.append(details)
    messages.append("ja")
    return {"id": f"right-{request_type}", "messages": messages}


CONVERSATIONS = [rights_conversation(*case) for case in RIGHTS] + [
    {"id": "cancel", "messages": ["ik wil inzage in mijn gegevens", "An Janssens", "laat maar"]},
    {
        "id": "cancel-at-confirmation",
        "messages": ["ik maak bezwaar tegen direct marketing", "An Janssens", "an@example.be", "geen", "annuleer"],
    },
    {
        "id": "interruption",
        "messages": [
            "verwijder al mijn gegevens aub",
            "hoe lang bewaren jullie mijn gegevens?",
            "Sofie De Smet",
            "sofie@example.be",
            "geen",
            "ja",
        ],
    },
    {
        "id": "invalid-email",
        "messages": [
            "ik wil inzage in mijn gegevens",
            "Pieter Vermeulen",
            "pieter.vermeulen@",
            "pieter-at-example.be",
            "pieter.vermeulen@example.be",
            "geen",
            "ja",
        ],
    },
    {
        "id": "change-at-confirmation",
        "messages": [
            "ik wil inzage in mijn gegevens",
            "Lotte Maes",
            "lote@example.be",
            "geen",
            "nee",
            "E-mailadres aanpassen",
            "lotte@example.be",
            "ja",
        ],
    },
    {
        "id": "change-midway",
        "messages": [
            "ik wil inzage in mijn gegevens",
            "Lotte Mas",
            "oeps, ik heb een tikfout gemaakt in mijn naam",
            "Lotte Maes",
            "lotte.maes@example.be",
            "geen",
            "ja",
        ],
    },
    {"id": "which-right", "messages": ["ik wil mijn privacyrechten uitoefenen", "/request_portability", "Tom Claes"]},
    {"id": "not-a-name", "messages": ["ik wil inzage in mijn gegevens", "dank je wel", "Tom Claes"]},
    {"id": "status-found", "messages": ["wat is de status van mijn verzoek?", "{reference}", SEEDED_EMAIL]},
    {"id": "status-in-one-go", "messages": ["hoe ver staat mijn aanvraag {reference}?", SEEDED_EMAIL]},
    {
        "id": "status-no-reference",
        "messages": [
            "ik wil weten hoe ver mijn privacyverzoek staat",
            "daar heb ik er geen van, ik stuurde mijn vraag per e-mail",
            "wat is de status van mijn verzoek?",
            "weet ik niet",
        ],
    },
    {
        "id": "status-limit",
        "messages": [
            "wat is de status van mijn verzoek?",
            "{reference}",
            "iemand.anders@example.be",
            "ik wil de status van mijn aanvraag weten",
            "PRV-0000000000",
            SEEDED_EMAIL,
            "status van mijn verzoek opvragen",
            "PRV-ZZZZZZZZZZ",
            SEEDED_EMAIL,
            "wat is de status van mijn verzoek?",
        ],
    },
    {
        "id": "unsubscribe-email",
        "messages": [
            "stop met die reclamemails",
            "Mail.Lijst@Example.be",
            "ik wil geen reclame meer ontvangen",
            "per e-mail",
            "mail.lijst@example.be",
        ],
    },
    {"id": "unsubscribe-phone", "messages": ["jullie mogen mij niet meer bellen voor reclame", "0470 12 34 56"]},
    {"id": "unsubscribe-bad-phone", "messages": ["ik wil geen sms'jes meer", "12", "+32 470 65 43 21"]},
    {
        "id": "unsubscribe-all",
        "messages": [
            "ik wil uitgeschreven worden voor alle communicatie",
            "alle@example.be",
            "geen",
            "Kerkstraat 12, 3300 Tienen",
        ],
    },
    {"id": "unsubscribe-cancel", "messages": ["schrijf mij uit aub", "laat maar"]},
    {"id": "outside-a-form", "messages": ["laat maar", "jan.peeters@example.be"]},
    {"id": "answer-offers", "messages": [answers.topic_payload("right_access"), "/request_access"]},
    {"id": "marketing-offer", "messages": [answers.topic_payload("direct_marketing"), "/unsubscribe"]},
    {"id": "clarify-other", "messages": [answers.topic_payload("recipients"), answers.CLARIFY_OTHER_PAYLOAD]},
    {"id": "chat-privacy", "messages": [answers.topic_payload("chat_privacy")]},
    {"id": "silent-topic", "messages": [answers.topic_payload("data_breach")]},
    {"id": "insurance", "messages": ["/insurance_question"]},
]
# Visitors' own words from the issue that asked for honest answers (tussentaal, chat spelling,
# off-topic questions): (message, outcomes that are right, the topic a question must offer).
PROBES = [
    ("ik wil da ge mij nie meer belt", {"form:unsubscribe", "form:request_marketing_objection"}, None),
    ("mn adres klopt ni meer, kunnen jullie da aanpassen?", {"form:request_rectification"}, None),
    ("Wat is een FG eigenlijk?", {"answer:faq/contact_dpo"}, "contact_dpo"),
    ("hoe lang bewaren jullie deze chat eigenlijk", {"answer:faq/chat_privacy"}, "chat_privacy"),
    ("hoeveel is 12 keer 13", {"deflect:deflect", "fallback"}, None),
    ("wat kost een hypotheek bij jullie", {"deflect:deflect", "fallback"}, None),
    ("verkopen jullie ook kassasystemen voor mijn winkel", {"deflect:deflect", "fallback"}, None),
]
CONVERSATIONS += [{"id": f"probe-{n}", "messages": [text]} for n, (text, _, _) in enumerate(PROBES)]
RETENTION_MONTHS = "9"  # not the default 6: the replies must read the setting


@pytest.fixture(scope="module")
def flows(trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("forms")
    url = f"sqlite:///{tmp / 'tracker.db'}"
    migrate(url)
    store = Store(url)
    seeded = verification.submit(store, rights.NewRequest("erasure", "Els Wouters", SEEDED_EMAIL))
    rights.change_status(store, seeded.reference, rights.OPEN, "test")
    rights.change_status(store, seeded.reference, rights.IN_PROGRESS, "test")
    conversations = [
        {**c, "messages": [m.replace("{reference}", seeded.reference.lower()) for m in c["messages"]]}
        for c in CONVERSATIONS
    ]
    results, proc = converse(
        conversations,
        tmp,
        env={"PRIVACYBOT_OUTBOX_DIR": str(tmp / "outbox"), "PRIVACYBOT_CHAT_RETENTION_MONTHS": RETENTION_MONTHS},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    yield {"results": results, "store": store, "seeded": seeded}
    store.dispose()


def turns(flows, key):
    return flows["results"][key]["turns"]


def said(turn) -> str:
    return " ".join(turn["bot"])


def stored_requests(store, email):
    with store.session() as session:
        return list(session.execute(select(RightsRequest).where(RightsRequest.email == email)).scalars())


@pytest.mark.parametrize("request_type, opening, number, details", RIGHTS, ids=[r[0] for r in RIGHTS])
def test_each_right_is_registered_from_the_chat(flows, request_type, opening, number, details):
    conversation = turns(flows, f"right-{request_type}")
    first, name, email, customer = conversation[:4]
    assert first["active_loop"] == FORM and first["slots"]["request_type"] == request_type
    assert "voor- en achternaam" in said(first)
    assert name["slots"]["requester_name"] == "Jan Peeters" and "e-mailadres" in said(name)
    address = f"jan.{request_type}@example.be"
    assert email["slots"]["requester_email"] == address  # normalised
    if details:
        assert said(customer) == forms.details_question(request_type)
        summary_turn = conversation[4]
        assert summary_turn["slots"]["request_details"] == details
    else:
        summary_turn = customer
        assert "request_details" not in forms.rights_required_slots({"request_type": request_type})
    assert said(summary_turn).startswith("Even nakijken") and address in said(summary_turn)
    assert [b["payload"] for b in summary_turn["buttons"]] == ["/affirm", "/change_answer", "/cancel"]
    last = conversation[-1]
    assert last["active_loop"] is None
    assert all(last["slots"].get(slot) is None for slot in forms.RIGHTS_SLOTS)
    [request] = stored_requests(flows["store"], address)
    assert request.request_type == request_type and request.status == rights.UNVERIFIED
    assert request.name == "Jan Peeters" and request.details == details
    assert request.customer_number == (
        "884512" if number.startswith("klant") else "POL-2023-00417" if number.startswith("POL") else None
    )
    assert f"referentie {request.reference}" in said(last)
    assert request.deadline.strftime("%d/%m/%Y") in said(last)
    with flows["store"].session() as session:
        mails = sorted(
            m.kind
            for m in session.execute(select(OutboxMessage).where(OutboxMessage.request_id == request.id)).scalars()
        )
    assert mails == ["confirmation", "notification"]


def stored_events_mentioning(store, text):
    """Rasa's stored events (user messages and slot events) whose JSON holds ``text``."""
    table = events.events_table(store.engine)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.type_name, table.c.data)).all()
    return [row.type_name for row in rows if text in json.dumps(events.parse(row.data), ensure_ascii=False)]


def test_cancel_stops_the_form_and_registers_nothing(flows):
    *_, cancel = turns(flows, "cancel")
    assert cancel["intent"] == "cancel" and cancel["active_loop"] is None
    assert "niet verstuurd" in said(cancel) and cancel["slots"].get("requester_name") is None
    assert stored_requests(flows["store"], "an@example.be") == []


def test_after_cancel_the_bot_says_truthfully_that_the_typed_name_stays_in_the_chat(flows):
    *_, cancel = turns(flows, "cancel")
    assert "niets bewaard" not in said(cancel)
    assert "blijft wel in dit chatgesprek staan" in said(cancel) and f"{RETENTION_MONTHS} maanden" in said(cancel)
    kinds = stored_events_mentioning(flows["store"], "An Janssens")
    assert "user" in kinds  # the typed name is in the events table, as the reply says
    *_, at_summary = turns(flows, "cancel-at-confirmation")
    assert at_summary["active_loop"] is None and "niet verstuurd" in said(at_summary)


def test_a_question_in_between_is_answered_and_the_form_resumes(flows):
    opening, question, name, *_, last = turns(flows, "interruption")
    assert question["response_key"] == "faq/retention" and "10 jaar" in said(question)
    assert question["active_loop"] == FORM and said(question).endswith("Wat is je voor- en achternaam?")
    assert name["slots"]["requester_name"] == "Sofie De Smet"
    assert "PRV-" in said(last)
    assert len(stored_requests(flows["store"], "sofie@example.be")) == 1


def test_an_invalid_email_gets_a_dutch_error_and_is_asked_again(flows):
    _, _, broken, no_at, good, *_ = turns(flows, "invalid-email")
    for turn in (broken, no_at):
        assert "geen geldig e-mailadres" in said(turn) and turn["slots"]["requester_email"] is None
        assert turn["active_loop"] == FORM
    assert good["slots"]["requester_email"] == "pieter.vermeulen@example.be"
    assert len(stored_requests(flows["store"], "pieter.vermeulen@example.be")) == 1


def test_an_answer_can_be_changed_at_the_summary(flows):
    *_, summary, no, which, new_email, yes = turns(flows, "change-at-confirmation")
    assert "lote@example.be" in said(summary)
    assert said(no) == "Wat wil je aanpassen?" and "E-mailadres" in [b["title"] for b in no["buttons"]]
    assert "e-mailadres" in said(which) and which["slots"]["requester_email"] is None
    assert "lotte@example.be" in said(new_email) and said(new_email).startswith("Even nakijken")
    assert "PRV-" in said(yes)
    assert stored_requests(flows["store"], "lote@example.be") == []
    assert len(stored_requests(flows["store"], "lotte@example.be")) == 1


def test_an_answer_can_be_changed_midway(flows):
    _, _, oops, name, *_ = turns(flows, "change-midway")
    assert oops["intent"] == "change_answer" and oops["slots"]["requester_name"] is None
    assert "voor- en achternaam" in said(oops)
    assert name["slots"]["requester_name"] == "Lotte Maes"
    [request] = stored_requests(flows["store"], "lotte.maes@example.be")
    assert request.name == "Lotte Maes"


def test_an_unclear_right_is_asked_with_buttons(flows):
    opening, button, name = turns(flows, "which-right")
    assert opening["active_loop"] == FORM and opening["slots"]["request_type"] is None
    assert len(opening["buttons"]) == 8 and "/request_erasure" in [b["payload"] for b in opening["buttons"]]
    assert button["slots"]["request_type"] == "portability" and "voor- en achternaam" in said(button)
    assert name["slots"]["requester_name"] == "Tom Claes"


def test_small_talk_is_not_taken_for_a_name(flows):
    _, thanks, name = turns(flows, "not-a-name")
    assert thanks["slots"]["requester_name"] is None and "geen naam" in said(thanks)
    assert name["slots"]["requester_name"] == "Tom Claes"


def test_status_lookup_with_reference_and_email(flows):
    reference = flows["seeded"].reference
    opening, ref, email = turns(flows, "status-found")
    assert opening["active_loop"] == forms.STATUS_FORM and "PRV-" in said(opening)
    assert ref["slots"]["lookup_reference"] == reference
    assert reference in said(email) and "in behandeling" in said(email)
    opening, email = turns(flows, "status-in-one-go")
    assert opening["slots"]["lookup_reference"] == reference and "e-mailadres" in said(opening)
    assert "in behandeling" in said(email)


def test_without_a_reference_the_visitor_is_sent_to_the_mailbox_and_nothing_counts(flows):
    opening, none, again, unknown = turns(flows, "status-no-reference")
    assert opening["active_loop"] == forms.STATUS_FORM and "zelf mailde" in said(opening)
    for answer in (none, unknown):
        assert said(answer) == forms.NO_REFERENCE_TEXT and answer["active_loop"] is None
        assert not answer["slots"]["lookup_failures"]  # not a failed lookup: no step towards the limit
        assert answer["slots"]["lookup_reference"] is None
    assert again["active_loop"] == forms.STATUS_FORM  # the form can be opened again


def test_a_wrong_pair_reveals_nothing_and_attempts_are_limited(flows):
    conversation = turns(flows, "status-limit")
    wrong_email, wrong_reference, third = conversation[2], conversation[5], conversation[8]
    assert said(wrong_email) == said(wrong_reference) == forms.NOT_FOUND  # same answer for both
    assert flows["seeded"].reference not in said(wrong_email) + said(wrong_reference)
    assert said(third) == forms.TOO_MANY and third["slots"]["lookup_failures"] == 3
    after = conversation[9]
    assert said(after) == forms.TOO_MANY and after["active_loop"] is None  # not asked again


def test_unsubscribing_by_email_is_immediate_and_idempotent(flows):
    opening, address, again, channel, same = turns(flows, "unsubscribe-email")
    assert opening["active_loop"] == forms.UNSUBSCRIBE_FORM and opening["slots"]["unsubscribe_channel"] == "email"
    assert "dit e-mailadres krijgt geen reclame (meer)" in said(address) and address["active_loop"] is None
    assert again["slots"]["unsubscribe_channel"] is None and len(again["buttons"]) == 5
    assert said(same) == said(address)  # the reply does not tell whether the address was on the list
    assert optouts.opted_out_channels(flows["store"], "MAIL.lijst@example.be") == ["email"]


def test_unsubscribing_by_phone_mentions_the_national_list(flows):
    opening, number = turns(flows, "unsubscribe-phone")
    assert opening["slots"]["unsubscribe_channel"] == "phone"
    assert "Bel-me-niet-meer-lijst" in said(number)
    assert optouts.opted_out_channels(flows["store"], "0470/12.34.56") == ["phone"]


def test_a_bad_phone_number_is_asked_again(flows):
    _, bad, good = turns(flows, "unsubscribe-bad-phone")
    assert "geen geldig telefoonnummer" in said(bad) and bad["active_loop"] == forms.UNSUBSCRIBE_FORM
    assert "Klaar: dit nummer krijgt geen reclame (meer)" in said(good)
    assert optouts.opted_out_channels(flows["store"], "0470 65 43 21") == ["sms"]


def test_unsubscribing_from_all_channels_takes_what_is_given(flows):
    *_, last = turns(flows, "unsubscribe-all")
    assert "Klaar: deze adressen krijgen geen reclame (meer)" in said(last)
    assert optouts.opted_out_channels(flows["store"], "alle@example.be") == ["email"]
    assert optouts.opted_out_channels(flows["store"], "kerkstraat 12 , 3300 tienen") == ["post"]


def test_unsubscribing_can_be_cancelled(flows):
    _, cancel = turns(flows, "unsubscribe-cancel")
    assert cancel["active_loop"] is None and "niets veranderd" in said(cancel)


def test_form_words_outside_a_form(flows):
    cancel, email = turns(flows, "outside-a-form")
    assert "niets dat ik moet stoppen" in said(cancel)
    assert email["active_loop"] is None
    # Not needed, and said truthfully: the message stays in the conversation for the retention period.
    assert "bewaar ze niet" not in said(email)
    assert f"{RETENTION_MONTHS} maanden in dit chatgesprek bewaard" in said(email)
    assert "user" in stored_events_mentioning(flows["store"], "jan.peeters@example.be")


def test_an_answer_about_a_right_offers_the_form_and_the_button_opens_it(flows):
    answer, opened = turns(flows, "answer-offers")
    assert answer["outcome"] == "answer:faq/right_access"
    assert settings.privacy_page_url("recht-van-inzage") in said(answer)
    assert {"title": "Inzage aanvragen", "payload": "/request_access"} in answer["buttons"]
    assert opened["active_loop"] == FORM and opened["slots"]["request_type"] == "access"
    assert opened["outcome"] == "form:request_access"


def test_a_marketing_answer_offers_the_unsubscribe_form(flows):
    answer, opened = turns(flows, "marketing-offer")
    assert answer["outcome"] == "answer:faq/direct_marketing"
    assert {"title": "Uitschrijven", "payload": "/unsubscribe"} in answer["buttons"]
    assert opened["active_loop"] == "unsubscribe_form"


def test_none_of_the_suggested_topics_gets_an_honest_reply(flows):
    _, other = turns(flows, "clarify-other")
    assert other["outcome"] == "fallback" and "privacy@kmo-verzekeringen.be" in said(other)


def test_the_chat_privacy_answer_gives_the_configured_retention(flows):
    [answer] = turns(flows, "chat-privacy")
    assert answer["outcome"] == "answer:faq/chat_privacy"
    assert f"tot {RETENTION_MONTHS} maanden na je laatste bericht" in said(answer)
    assert "{months}" not in said(answer)


def test_a_silent_topic_says_so_and_links_to_the_nearest_part(flows):
    [answer] = turns(flows, "silent-topic")
    assert "zegt niets over datalekken" in said(answer)
    assert "Wat het privacystatement hierover het dichtst zegt: " + settings.privacy_page_url(
        "leveranciers-onderaannemers-en-andere-dienstverleners"
    ) in said(answer)


@pytest.mark.parametrize("number", range(len(PROBES)), ids=[p[0][:30] for p in PROBES])
def test_visitors_own_words_get_the_right_reply_or_an_honest_question(flows, number):
    text, right, may_ask_about = PROBES[number]
    [turn] = turns(flows, f"probe-{number}")
    offered = {b["payload"] for b in turn["buttons"]}
    asked_well = (
        turn["outcome"] == "ask:clarify"
        and may_ask_about is not None
        and answers.topic_payload(may_ask_about) in offered
    )
    assert turn["outcome"] in right or asked_well, (text, turn["outcome"], turn["ranking"])


def test_an_insurance_question_gets_the_brokers_contact_route(flows):
    [answer] = turns(flows, "insurance")
    assert answer["outcome"] == "deflect:deflect"
    assert settings.contact_url() in said(answer) and "{contact_url}" not in said(answer)
