"""Every fact the bot states must be true to the privacy statement, in its "je" register."""

from __future__ import annotations

import re
import unicodedata

import pytest
import yaml

from bot.core import paths, settings
from bot.dialogue import message_guard

DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
RESPONSES = {name: variant["text"] for name, variants in DOMAIN["responses"].items() for variant in variants}
POLICY = settings.policy_path().read_text(encoding="utf-8")

# Responses about the product itself rather than the statement (checked separately below).
PRODUCT_FACTS = {"utter_message_too_long"}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[-\u2013\u2014]", " ", text)
    return re.sub(r"\s+", " ", text)


NORMALISED_POLICY = normalise(POLICY)

FACT_PATTERNS = {
    "e-mail address": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "date": r"\b\d{2}/\d{2}/\d{4}\b",
    "enterprise number": r"\b\d{4}\.\d{3}\.\d{3}\b",
    "duration": r"\b\d+\s+(?:jaar|jaren|maand|maanden|weken|dagen)\b",
    "street address": r"\b[A-Z][a-z]+(?:straat|pad|laan|plein)\s+\d+\b",
    "postcode and town": r"\b\d{4}\s+[A-Z][a-z]+\b",
    "named body or list": r"Gegevensbeschermingsautoriteit|Bel-me-niet-meer-lijst|Groep LB Republico(?: VOF)?"
    r"|Google|Facebook|Bing|Data [Pp]rotectie officer|Data Protection Officer",
}


def facts(text: str):
    for kind, pattern in FACT_PATTERNS.items():
        for match in re.finditer(pattern, text):
            yield kind, match.group(0)


def any_number_outside_facts(text: str) -> list[str]:
    """Numbers that no fact pattern explains: each must be accounted for."""
    explained = "".join(f" {value} " for _, value in facts(text))
    return [n for n in re.findall(r"\d+", text) if n not in explained]


@pytest.mark.parametrize("name", sorted(set(RESPONSES) - PRODUCT_FACTS))
def test_every_fact_occurs_in_the_policy(name):
    text = RESPONSES[name]
    for kind, value in facts(text):
        assert normalise(value) in NORMALISED_POLICY, f"{name}: {kind} '{value}' not in the policy"
    assert not any_number_outside_facts(text), f"{name}: unexplained number in '{text}'"


def test_fact_check_catches_invented_facts():
    """The checker itself must fail on facts the statement does not contain."""
    invented = [
        "We bewaren je gegevens 5 jaar.",
        "Mail naar dpo@kmo-verzekeringen.be.",
        "Schrijf naar Kerkstraat 12, 3000 Leuven.",
        "De versie is van 01/01/2024.",
    ]
    for text in invented:
        assert any(normalise(v) not in NORMALISED_POLICY for _, v in facts(text)), text


def test_message_length_reply_states_the_real_cap():
    text = RESPONSES["utter_message_too_long"]
    assert "{max_chars}" in text  # filled in by the fallback action from the same constant
    assert message_guard.MAX_MESSAGE_CHARS == 1000


def sentences(text: str) -> list[str]:
    text = re.sub(r"\b(bv|t\.a\.v|bijv)\.", "", text)
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z'\"(])", text.strip()) if s]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_answers_are_short(name):
    assert 1 <= len(sentences(RESPONSES[name])) <= 4, RESPONSES[name]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_je_register_not_u(name):
    words = re.findall(r"[a-zà-ÿ]+", RESPONSES[name].lower())
    assert "u" not in words and "uw" not in words, RESPONSES[name]


FAQ_RESPONSES = sorted(n for n in RESPONSES if n.startswith("utter_faq/"))
NEXT_STEP = re.compile(
    r"privacy@kmo-verzekeringen\.be|website|vraag (het )?gerust|Bel-me-niet-meer-lijst|uitschrijflink", re.IGNORECASE
)


@pytest.mark.parametrize("name", FAQ_RESPONSES)
def test_every_answer_names_where_to_go_next(name):
    assert NEXT_STEP.search(RESPONSES[name]), RESPONSES[name]


SILENT_TOPICS = ["utter_faq/data_location", "utter_faq/international_transfer", "utter_faq/security"]


@pytest.mark.parametrize("name", SILENT_TOPICS)
def test_silent_topics_say_so_and_point_to_the_dpo(name):
    text = RESPONSES[name]
    assert "privacystatement" in text and ("niet" in text or "geen" in text)
    assert "privacy@kmo-verzekeringen.be" in text


def test_bot_says_it_is_automated():
    assert "automatische assistent" in RESPONSES["utter_iamabot"]
    assert "geen mens" in RESPONSES["utter_iamabot"]


def test_greeting_is_the_widgets_greeting():
    assert RESPONSES["utter_greet"].startswith("Hallo 👋 Hoe kunnen we je helpen?")
    assert "Hallo 👋" in POLICY and "Hoe kunnen we je helpen?" in POLICY


def test_key_figures_of_the_statement_are_answered():
    """The figures a visitor most often asks about are stated exactly as the statement has them."""
    assert "10 jaar" in RESPONSES["utter_faq/retention"]
    assert "6 maanden" in RESPONSES["utter_faq/retention_recordings"]
    assert "0630.925.810" in RESPONSES["utter_faq/controller"]
    assert "Drukpersstraat 35, 1000 Brussel" in RESPONSES["utter_faq/right_complaint"]
    assert "04/07/2022" in RESPONSES["utter_faq/policy_changes"]
    assert "absoluut" in RESPONSES["utter_faq/right_marketing_objection"]
    assert "geen absoluut recht" in RESPONSES["utter_faq/right_erasure"]
    assert RESPONSES["utter_faq/automated_decisions"].startswith("Nee")
    assert RESPONSES["utter_faq/selling_data"].startswith("Nee")
    assert "niet gedeeld met de andere takken" in RESPONSES["utter_faq/group_sharing"]


# ---- texts the form actions build (bot/dialogue/forms.py) ------------------------------------------
# Facts about our own process, not the statement: the verification link lasts 7 days.
PROCESS_FACTS = {"7 dagen"}


def form_texts() -> list[str]:
    from bot.dialogue import forms
    from bot.privacy import rights

    slots = {
        "request_type": "rectification",
        "requester_name": "Jan Peeters",
        "requester_email": "jan@example.be",
        "customer_number": "geen",
        "request_details": "mijn straat is fout",
    }
    texts = [forms.summary({**slots, "request_type": t}) for t in rights.REQUEST_TYPES]
    texts += [forms.name_question(t) for t in rights.REQUEST_TYPES]
    texts += [forms.details_question(t) for t in rights.REQUEST_TYPES]
    texts += list(forms.STATUS_TEXT.values()) + [forms.NOT_FOUND, forms.TOO_MANY, forms.db_trouble("je verzoek")]
    texts += [
        forms.submit_unsubscribe(None, {"unsubscribe_channel": "email", "unsubscribe_email": "a@example.be"}).text
    ]
    texts += [
        forms.unsubscribed_text([("phone", "+32470123456"), ("sms", "+32470123456")]),
        forms.OPTOUT_LIMIT_REACHED,
        forms.VERIFICATION_MAIL_LIMIT_REACHED.format(reference="PRV-0000000000", email="a@example.be"),
    ]
    return texts


@pytest.mark.parametrize("text", form_texts())
def test_form_texts_state_only_policy_or_process_facts(text):
    for kind, value in facts(text):
        if value in PROCESS_FACTS or value.endswith("@example.be"):
            continue
        assert normalise(value) in NORMALISED_POLICY, f"{kind} '{value}' not in the policy: {text}"
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    assert "u" not in words and "uw" not in words, text
