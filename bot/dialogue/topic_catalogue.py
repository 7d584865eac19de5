"""Everything the assistant knows about each privacy topic besides its answer text.

One entry per response key of the retrieval intent ``faq`` (``faq/retention`` -> ``retention``):
- ``title``: the short label of its button when the bot asks "Bedoel je ...?";
- ``anchor``: the part of the privacy statement the answer comes from (an id on ``/privacy``);
  for a topic the statement is silent on, the part that comes closest;
- ``offer``: the chat form the answer offers to open ("register it here"), as the intent
  that opens it, or None;
- ``silent``: the statement does not answer this; the answer says so and what it does say.

The answer texts themselves live in ``domain.yml`` (``utter_faq/<topic>``); the tests check
that both list the same topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from bot.dialogue.topics import FAQ_INTENT


@dataclass(frozen=True)
class Topic:
    title: str
    anchor: str
    offer: Optional[str] = None
    silent: bool = False


_RIGHTS = "wat-zijn-mijn-rechten-en-hoe-oefen-ik"
_DATA = "welke-gegevens-gebruiken-wij"
_PURPOSES = "waarvoor-worden-mijn-gegevens-gebruikt"
_SHARING = "aan-wie-kunnen-mijn-persoonsgegevens-doorgegeven-worden"
_RETENTION = "hoe-lang-worden-mijn-gegevens-bewaard"
_CONTACT = "vraag-tip-of-klacht"

TOPICS: Dict[str, Topic] = {
    # company and statement
    "controller": Topic("Wie is verantwoordelijk?", "over-kmo-verzekeringen"),
    "group_sharing": Topic("Delen binnen de groep", "over-kmo-verzekeringen"),
    "scope": Topic("Waarvoor geldt het statement?", "wanneer-is-dit-privacybeleid-van-toepassing"),
    "policy_changes": Topic("Wijzigingen van het statement", "wijzigingen"),
    "contact_dpo": Topic("De DPO contacteren", _CONTACT),
    # which data
    "data_categories": Topic("Welke gegevens?", _DATA),
    "identification_data": Topic(
        "Naam, adres en contactgegevens", "identificatie-contact-en-betalingsgegevens", offer="request_access"
    ),
    "usage_data_cookies": Topic("Gebruiksgegevens en cookies", "gebruiksgegevens"),
    "tool_data": Topic("Gegevens in tools en formulieren", "gegevens-die-je-meedeelt-bij-het-gebruik-van"),
    "insurer_contract_data": Topic("Gegevens voor een contract", "gegevens-die-we-verkrijgen-als-je-via-kmo"),
    "sensitive_data": Topic("Gevoelige gegevens", "bijzondere-gegevens"),
    "communication_preferences": Topic("Je communicatievoorkeuren", "communicatievoorkeuren", offer="unsubscribe"),
    # purposes and legal basis
    "purposes": Topic("Waarvoor gebruikt?", _PURPOSES),
    "legal_basis": Topic("Op welke rechtsgrond?", _PURPOSES),
    "direct_marketing": Topic(
        "Reclame en nieuwsbrieven", "om-je-direct-marketing-toe-te-sturen-over", offer="unsubscribe"
    ),
    "online_ads": Topic(
        "Advertenties via Google, Facebook, Bing",
        "om-je-online-gerichte-boodschappen-of-advertenties-te",
        offer="request_marketing_objection",
    ),
    "fraud": Topic("Fraudebestrijding", "om-misbruik-of-fraude-te-voorkomen-en-of"),
    "legal_obligations": Topic("Politie, gerecht en overheid", "om-wet-en-regelgeving-na-te-leven"),
    "statistics": Topic("Studies en statistieken", "om-studies-testen-en-statistieken-bij-te-houden"),
    "service_improvement": Topic(
        "Dienstverlening verbeteren", "om-onze-dienstverlening-te-verbeteren-en-algemene-trends"
    ),
    "call_recording": Topic("Opgenomen telefoongesprekken", "om-onze-dienstverlening-te-verbeteren-en-algemene-trends"),
    "automated_decisions": Topic(
        "Beslist een computer over mij?", "doet-kmo-verzekeringen-aan-geautomatiseerde-individuele-besluitvorming"
    ),
    # recipients
    "selling_data": Topic("Verkopen jullie gegevens?", _SHARING),
    "recipients": Topic("Met wie gedeeld?", _SHARING),
    "suppliers": Topic("Leveranciers en dienstverleners", "leveranciers-onderaannemers-en-andere-dienstverleners"),
    "partner_insurers": Topic(
        "Verzekeringsmaatschappijen", "verzekeringsmaatschappijen-waarmee-we-een-partnership-hebben"
    ),
    "business_transfer": Topic("Bij een fusie of overname", "zakelijke-overdrachten"),
    # retention
    "retention": Topic("Hoe lang bewaard?", _RETENTION),
    "retention_recordings": Topic("Hoe lang worden opnames bewaard?", _RETENTION),
    # rights
    "rights_overview": Topic("Welke rechten heb ik?", _RIGHTS, offer="request_right"),
    "right_access": Topic("Inzage in je gegevens", "recht-van-inzage", offer="request_access"),
    "right_rectification": Topic("Gegevens laten verbeteren", "recht-op-rectificatie", offer="request_rectification"),
    "right_erasure": Topic("Gegevens laten wissen", "recht-op-gegevenswissing", offer="request_erasure"),
    "right_restriction": Topic("Verwerking laten beperken", "recht-op-beperking", offer="request_restriction"),
    "right_portability": Topic("Je gegevens meenemen", "recht-op-overdraagbaarheid", offer="request_portability"),
    "right_objection": Topic("Bezwaar maken", "recht-van-bezwaar", offer="request_objection"),
    "right_marketing_objection": Topic(
        "Bezwaar tegen direct marketing", "recht-van-bezwaar-tegen-direct-marketing", offer="unsubscribe"
    ),
    "right_consent_withdrawal": Topic(
        "Toestemming intrekken", "recht-om-toestemming-in-te-trekken", offer="request_consent_withdrawal"
    ),
    "right_complaint": Topic("Klacht bij de GBA", "recht-om-klacht-in-te-dienen"),
    "exercise_rights": Topic("Hoe oefen ik mijn rechten uit?", _RIGHTS, offer="request_right"),
    "bel_me_niet_meer": Topic(
        "Bel-me-niet-meer-lijst", "recht-van-bezwaar-tegen-direct-marketing", offer="unsubscribe"
    ),
    # where the statement is silent: the nearest part it does have
    "data_location": Topic(
        "Waar staan mijn gegevens?", "leveranciers-onderaannemers-en-andere-dienstverleners", silent=True
    ),
    "international_transfer": Topic("Doorgifte buiten Europa", _SHARING, silent=True),
    "security": Topic("Beveiliging", "leveranciers-onderaannemers-en-andere-dienstverleners", silent=True),
    "data_breach": Topic("Datalek", "leveranciers-onderaannemers-en-andere-dienstverleners", silent=True),
    "id_documents": Topic("Kopie van je identiteitskaart", "identificatie-contact-en-betalingsgegevens", silent=True),
    "camera_images": Topic("Camerabeelden", _DATA, silent=True),
    "minors": Topic("Gegevens van kinderen", _DATA, silent=True),
    "medical_sharing": Topic("Medische gegevens en je arts", "bijzondere-gegevens", silent=True),
    "refused_cover": Topic(
        "Geweigerd voor een verzekering",
        "doet-kmo-verzekeringen-aan-geautomatiseerde-individuele-besluitvorming",
        offer="request_access",
        silent=True,
    ),
    "request_handling": Topic("Hoe een verzoek behandeld wordt", _RIGHTS, offer="request_right", silent=True),
    "escalation": Topic("Geen antwoord of geweigerd?", "recht-om-klacht-in-te-dienen"),
    "chat_privacy": Topic("Wat deze chat bewaart", _CONTACT),
}

# The buttons an answer offers, by the intent that opens the form.
OFFER_TITLES = {
    "request_access": "Inzage aanvragen",
    "request_rectification": "Verbetering aanvragen",
    "request_erasure": "Wissing aanvragen",
    "request_restriction": "Beperking aanvragen",
    "request_portability": "Mijn gegevens opvragen",
    "request_objection": "Bezwaar indienen",
    "request_marketing_objection": "Bezwaar tegen reclame",
    "request_consent_withdrawal": "Toestemming intrekken",
    "request_right": "Een verzoek indienen",
    "unsubscribe": "Uitschrijven",
}


def topic(key: Optional[str]) -> Optional[Topic]:
    return TOPICS.get(key or "")


def response_name(key: str) -> str:
    """``retention`` -> ``utter_faq/retention``."""
    return f"utter_{FAQ_INTENT}/{key}"
