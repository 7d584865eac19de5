"""Reading answers in a form (bot/dialogue/form_input.py) and what the forms ask and say (bot/dialogue/forms.py)."""

from __future__ import annotations

import pytest

from bot.dialogue import form_input, forms
from bot.dialogue.form_input import Message


def msg(text: str, intent: str | None = "inform", confidence: float = 0.9, key: str | None = None) -> Message:
    return Message(text=text, intent=intent, confidence=confidence, response_key=key)


@pytest.mark.parametrize(
    "text, intent, key, expected",
    [
        ("ik wil mijn gegevens laten wissen", "request_erasure", None, "erasure"),
        ("/request_portability", "request_portability", None, "portability"),
        ("heb ik recht op inzage?", "faq", "right_access", "access"),
        ("wissing", "nlu_fallback", None, "erasure"),
        ("bezwaar tegen direct marketing", "inform", None, "marketing_objection"),
        ("gewoon bezwaar", "inform", None, "objection"),
        ("mijn toestemming intrekken", "deny", None, "consent_withdrawal"),
        ("een kopie van mijn dossier", "inform", None, "access"),
        ("ik weet het niet", "inform", None, None),
    ],
)
def test_request_type_from_intent_topic_or_words(text, intent, key, expected):
    assert form_input.request_type(msg(text, intent, key=key)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jan Peeters", "Jan Peeters"),
        ("ik ben An Janssens", "An Janssens"),
        ("mijn naam is Sofie De Smet", "Sofie De Smet"),
        ("Lotte Van den Broeck-Aerts", "Lotte Van den Broeck-Aerts"),
        ("jan.peeters@example.be", None),
        ("0470 12 34 56", None),
        ("", None),
        ("x" * 90, None),
        ("dit is een heel lange zin met veel te veel woorden erin", None),
    ],
)
def test_names(text, expected):
    assert form_input.name(text) == expected


def test_a_sentence_is_not_a_name():
    assert form_input.looks_like_sentence("ik wil eigenlijk inzage")
    assert not form_input.looks_like_sentence("Jan Van de Velde")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mijn mail is An.Peeters@Example.be.", "An.Peeters@Example.be"),
        ("e-mail: jan@example.be", "jan@example.be"),
        ("geen idee", None),
    ],
)
def test_email_candidates(text, expected):
    assert form_input.email_candidate(text) == expected


@pytest.mark.parametrize(
    "text, intent, skip",
    [
        ("geen", "deny", True),
        ("nee", "deny", True),
        ("heb ik niet", "inform", True),
        ("n.v.t.", "inform", True),
        ("884512", "inform", False),
        ("geen idee wat dat is, wacht", "inform", False),
    ],
)
def test_skipping_an_optional_answer(text, intent, skip):
    assert form_input.is_skip(msg(text, intent)) is skip


@pytest.mark.parametrize(
    "text, expected",
    [
        ("klantnummer 884512", "884512"),
        ("POL-2023-00417", "POL-2023-00417"),
        ("polis 12/345.678", "12/345.678"),
        ("weet ik veel", None),
        ("1" * 40, None),
    ],
)
def test_customer_numbers(text, expected):
    assert form_input.customer_number(text) == expected


def test_details_need_words_and_are_capped():
    assert form_input.details("ok") is None
    assert form_input.details("123 456") is None
    assert form_input.details("mijn straatnaam is fout gespeld") == "mijn straatnaam is fout gespeld"
    assert len(form_input.details("woord " * 200)) == form_input.MAX_DETAILS_CHARS


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("/affirm", "affirm", True),
        ("ja hoor", "affirm", True),
        ("klopt, verstuur maar", "inform", True),
        ("nee", "deny", False),
        ("/change_answer", "change_answer", False),
        ("iets aanpassen", "inform", False),
        ("hoe lang duurt dat?", "faq", None),
    ],
)
def test_confirmation_answers(text, intent, expected):
    assert form_input.confirmation(msg(text, intent, 0.95)) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mijn e-mailadres was fout", "requester_email"),
        ("E-mailadres aanpassen", "requester_email"),
        ("Klant- of polisnummer aanpassen", "customer_number"),
        ("Naam aanpassen", "requester_name"),
        ("Toelichting aanpassen", "request_details"),
        ("Soort verzoek aanpassen", "request_type"),
        ("ik heb me vergist", None),
    ],
)
def test_which_field_to_change(text, expected):
    assert form_input.field(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("stop met die reclamemails", "email"),
        ("per e-mail", "email"),
        ("niet meer bellen aub", "phone"),
        ("per sms", "sms"),
        ("geen folders meer in de bus", "post"),
        ("alle kanalen", "all"),
        ("ik wil geen enkele mail, sms of brief meer", "all"),
        ("alles", "all"),
        ("schrijf mij uit", None),
    ],
)
def test_channels(text, expected):
    assert form_input.channel(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("PRV-7K2M9QX4TB", "PRV-7K2M9QX4TB"),
        ("mijn referentie is prv-3hw8zd1qne", "PRV-3HW8ZD1QNE"),
        ("prv 5tg7ka9w2d", "PRV-5TG7KA9W2D"),
        ("PRV-O0I1L", None),
        ("geen referentie", None),
    ],
)
def test_references(text, expected):
    assert form_input.reference(text) == expected


@pytest.mark.parametrize(
    "message, steps_out",
    [
        (msg("laat maar", "cancel", 0.9), True),
        (msg("tot ziens", "goodbye", 0.9), True),
        (msg("hoe lang bewaren jullie dat?", "faq", 0.5), True),
        (msg("Jan Peeters", "faq", 0.4), False),
        (msg("Jan Peeters", "inform", 0.99), False),
        (msg("stop", "cancel", 0.3), False),
    ],
)
def test_what_steps_out_of_a_form(message, steps_out):
    assert message.steps_out() is steps_out


def test_message_from_rasa_parse_data():
    parsed = Message.from_parse(
        {
            "text": " hoe lang? ",
            "intent": {"name": "faq", "confidence": 0.8},
            "response_selector": {"faq": {"response": {"intent_response_key": "faq/retention"}}},
        }
    )
    assert (parsed.text, parsed.intent, parsed.response_key) == ("hoe lang?", "faq", "retention")


# ---- chat_forms --------------------------------------------------------------------------------
def test_required_slots_depend_on_the_right_and_on_changing():
    assert "request_details" in forms.rights_required_slots({"request_type": "rectification"})
    assert "request_details" not in forms.rights_required_slots({"request_type": "marketing_objection"})
    assert "request_details" not in forms.rights_required_slots({"request_type": "access"})
    assert forms.rights_required_slots({"request_type": "erasure", "request_confirmed": False})[0] == "change_field"
    assert forms.unsubscribe_required_slots("sms") == ["unsubscribe_channel", "unsubscribe_phone"]
    assert forms.unsubscribe_required_slots("all")[1:] == [
        "unsubscribe_email",
        "unsubscribe_phone",
        "unsubscribe_postal",
    ]
    assert forms.status_required_slots(3) == []


@pytest.mark.parametrize(
    "text",
    [
        "ik heb geen referentie",
        "nee",
        "weet ik niet",
        "die ben ik kwijt",
        "ik heb gewoon gemaild",
        "ik heb een mail gestuurd naar privacy@kmo-verzekeringen.be",
        "heb nooit een referentienummer gekregen",
        "zonder nummer, ik stuurde het per brief",
        "mijn referentie vind ik niet meer",
        "niet ontvangen",
        "daar heb ik er geen van, ik stuurde mijn vraag per e-mail",
    ],
)
def test_no_reference_is_recognised(text):
    assert form_input.no_reference(Message(text, "inform", 0.9))


@pytest.mark.parametrize("text", ["PRV-4RT8KW2M7D", "het is prv 4rt8kw2m7d", "ik denk PRV-ABC", "jan@example.be"])
def test_an_attempt_at_a_reference_is_not_taken_for_none(text):
    assert not form_input.no_reference(Message(text, "inform", 0.9))


def test_without_a_reference_nothing_is_looked_up_or_counted(monkeypatch):
    monkeypatch.setattr(forms, "_over_limit", lambda *a: pytest.fail("counted against the lookup limit"))
    outcome = forms.look_up(None, forms.NO_REFERENCE, None, 1.0, client="c")
    assert outcome.text == forms.NO_REFERENCE_TEXT and outcome.extra["failures"] == 1.0 and not outcome.stored


def test_summary_names_everything_and_what_happens():
    text = forms.summary(
        {
            "request_type": "erasure",
            "requester_name": "Jan Peeters",
            "requester_email": "jan@example.be",
            "customer_number": "geen",
        }
    )
    assert "Jan Peeters" in text and "jan@example.be" in text and "Klant" not in text
    assert "7 dagen" in text and "één maand" in text and "geen absoluut recht" in text
    assert text.rstrip().endswith("?")


def test_marketing_objection_needs_no_reason():
    text = forms.summary(
        {
            "request_type": "marketing_objection",
            "requester_name": "An",
            "requester_email": "an@example.be",
            "request_details": "omdat",
        }
    )
    assert "absoluut" in text and "omdat" not in text


def test_opt_outs_for_all_channels_skip_what_was_not_given():
    pairs = forms.opt_outs_for(
        {
            "unsubscribe_channel": "all",
            "unsubscribe_email": "geen",
            "unsubscribe_phone": "+32470123456",
            "unsubscribe_postal": "geen",
        }
    )
    assert pairs == [("phone", "+32470123456"), ("sms", "+32470123456")]
