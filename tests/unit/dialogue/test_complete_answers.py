"""Answers that list or restrict ("enkel", "alleen", "uitsluitend") must be complete to the
whole statement, not just to the paragraph they were written from.

Two checks:
- every answer that uses a restricting word is registered below, with each restriction or list
  item grounded in the statement's own words (so the registry cannot invent), or is an answer
  about the bot itself, checked against the system;
- for "who receives my data" every sentence of the statement that gives data to someone
  (``SHARING``) is covered by an item the recipients answer names.
"""

from __future__ import annotations

import re

import pytest
import yaml

from bot.core import paths, settings
from bot.staff import accounts

DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
STATEMENT = settings.policy_path().read_text(encoding="utf-8").split("Back to Top", 1)[0]
RESTRICTING = re.compile(r"\b(enkel|alleen|uitsluitend|slechts)\b", re.IGNORECASE)
NOT_RESTRICTING = re.compile(r"geen enkel", re.IGNORECASE)  # "van geen enkel bedrijf" lists nothing


def text(response: str) -> str:
    return " ".join(v.get("text", "") for v in DOMAIN["responses"][response])


def low(value: str) -> str:
    return re.sub(r"\s+", " ", value.lower())


# response -> [(words in the statement, words in the answer)]: each item of a list answer, or the
# restriction itself, as the statement says it and as the answer says it.
LISTS = {
    "utter_faq/recipients": [
        (
            "leveranciers, onderaannemers en andere dienstverleners",
            "leveranciers, onderaannemers en andere dienstverleners",
        ),
        (
            "verzekeringsmaatschappijen waarmee we een partnership hebben",
            "verzekeringsmaatschappijen waarmee we een partnership hebben",
        ),
        ("zakelijke overdrachten", "zakelijke overdracht"),
        ("online marketingbedrijven zoals google, facebook en bing", "google, facebook en bing"),
        ("overheidsinstellingen (bv. politie, gerecht", "politie en gerecht"),
        ("we verkopen je persoonsgegevens in geen geval", "verkopen je gegevens in geen geval"),
    ],
    "utter_faq/purposes": [
        ("om onze diensten te kunnen verlenen en onze tools aan te kunnen bieden", "diensten en tools te leveren"),
        ("om onze dienstverlening te verbeteren", "dienstverlening te verbeteren"),
        ("om je direct marketing toe te sturen", "direct marketing"),
        ("om je online gerichte boodschappen of advertenties te tonen", "online gerichte advertenties"),
        ("om misbruik of fraude te voorkomen", "misbruik of fraude te voorkomen"),
        ("om wet- en regelgeving na te leven", "wet- en regelgeving na te leven"),
        ("om studies, testen en statistieken bij te houden", "studies en statistieken"),
        ("telkens enkel de gegevens verwerken die noodzakelijk zijn", "enkel de gegevens die nodig zijn"),
    ],
    "utter_faq/data_categories": [
        ("identificatie-, contact- en betalingsgegevens", "identificatie- en contactgegevens"),
        ("gebruiksgegevens", "gebruiksgegevens"),
        ("gegevens die je meedeelt bij het gebruik van tools en formulieren", "in tools en formulieren invult"),
        ("een contract wil regelen bij een verzekeringsmaatschappij", "contract bij een verzekeringsmaatschappij"),
        ("bijzondere gegevens", "gevoelige gegevens"),
        ("communicatievoorkeuren", "communicatievoorkeuren"),
        ("telkens enkel de gegevens verwerken die noodzakelijk zijn", "enkel wat nodig is"),
    ],
    "utter_faq/scope": [
        (
            "uitsluitend van toepassing op de diensten die kmo-verzekeringen via haar website aanbiedt",
            "uitsluitend voor de diensten die kmo-verzekeringen via haar website aanbiedt",
        )
    ],
    "utter_faq/tool_data": [("enkel gebruikt in de context van de tool", "enkel in de context van die tool")],
    "utter_faq/sensitive_data": [
        (
            "enkel gebruikt om het risico voor een bepaalde verzekering te bepalen",
            "enkel gebruikt om het risico voor een bepaalde verzekering te bepalen",
        )
    ],
    "utter_faq/medical_sharing": [
        (
            "enkel gebruikt om het risico voor een bepaalde verzekering te bepalen",
            "enkel gebruikt om het risico voor een bepaalde verzekering te bepalen",
        )
    ],
    "utter_faq/suppliers": [
        (
            "enkel toestemming om je persoonsgegevens te verwerken voor zover dit noodzakelijk is",
            "enkel toegang voor zover dat nodig is",
        )
    ],
    "utter_faq/partner_insurers": [
        ("enkel doorgegeven om uw gebruiksgemak te verbeteren", "enkel om je gebruiksgemak te verbeteren")
    ],
    "utter_faq/automated_decisions": [
        ("uitsluitend op basis van geautomatiseerde verwerkingen", "uitsluitend op geautomatiseerde verwerking")
    ],
    "utter_faq/refused_cover": [
        ("uitsluitend op basis van geautomatiseerde verwerkingen", "niet uitsluitend door een computer")
    ],
    "utter_faq/bel_me_niet_meer": [
        ("houdt steeds met beide lijsten rekening", "rekening met die lijst en met haar eigen")
    ],
}

# Restrictions about the bot itself, true of the system rather than of the statement.
ABOUT_THE_BOT = {
    "utter_out_of_scope",
    "utter_insurance_question",
    "utter_other_language",
    "utter_other_organisation",
    "utter_faq/chat_privacy",
}


def restricting_responses():
    found = []
    for name, variants in DOMAIN["responses"].items():
        body = NOT_RESTRICTING.sub("", " ".join(v.get("text", "") for v in variants))
        if RESTRICTING.search(body):
            found.append(name)
    return found


def test_every_restricting_answer_is_registered():
    unchecked = set(restricting_responses()) - set(LISTS) - ABOUT_THE_BOT
    assert not unchecked, f"answers with enkel/alleen that nobody checked against the statement: {unchecked}"


@pytest.mark.parametrize("response", sorted(LISTS))
def test_list_answers_name_every_item_the_statement_gives(response):
    for in_statement, in_answer in LISTS[response]:
        assert low(in_statement) in low(STATEMENT), f"registry invents: {in_statement!r}"
        assert low(in_answer) in low(text(response)), f"{response} leaves out: {in_answer!r}"


SHARING = re.compile(
    r"\b(gedeeld|delen|doorgegeven|doorgeven|over te dragen|bekend te maken|bekendmaken|"
    r"toegang krijgen)\b",
    re.IGNORECASE,
)
# Sentences with a sharing verb that give data to nobody new.
NOT_A_RECIPIENT = (
    "niet gedeeld met de andere takken",
    "rechtstreeks met ons deelt",
    "gegevens deelt met bedrijven",
    "met ons deelt",
    "aan wie kunnen mijn persoonsgegevens doorgegeven worden",
    "concreet worden je gegevens enkel gedeeld met volgende partijen",
)


def test_every_place_where_the_statement_shares_data_is_in_the_recipients_answer():
    covered = [low(s) for s, _ in LISTS["utter_faq/recipients"]]
    # The partner and supplier paragraphs and the legal paragraph repeat their own subject.
    covered += [
        "deze leveranciers",
        "deze gegevens worden enkel doorgegeven",
        "deze informatie bekendmaken",
        "gegevens over te dragen",
        "bekend te maken in het kader van een geschil",
    ]
    sentences = [s.strip() for s in re.split(r"(?<=[.:?!])\s+|\n", STATEMENT) if SHARING.search(s)]
    assert len(sentences) >= 8
    for sentence in sentences:
        if any(p in low(sentence) for p in NOT_A_RECIPIENT):
            continue
        assert any(c in low(sentence) for c in covered), f"not covered by the recipients answer: {sentence!r}"


def test_the_chat_privacy_answer_names_who_may_see_unmasked_data():
    """'alleen privacyverantwoordelijken en beheerders' must be what the console allows."""
    assert accounts.PERMISSIONS["reveal"] == frozenset({"privacy_officer", "admin"})
    assert "alleen privacyverantwoordelijken en beheerders" in text("utter_faq/chat_privacy")
