"""Reading a visitor's answer while a form is open: is it the value we asked for, an
interruption (a question, "laat maar"), a wish to change an earlier answer, or neither?

The NLU intent alone cannot decide this: a name or an e-mail address has no intent of its
own that a model could learn reliably, and "stop" means something else in a form than
outside it. So each slot reads the text itself, and the intent only breaks ties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from bot.privacy import references, rights
from bot.store import events

# Intents that end or step out of the form: the extractor leaves them alone so that the
# form is rejected and a rule answers them (a question is answered, then the form resumes).
STOP_INTENTS = {"cancel", "goodbye"}
QUESTION_INTENTS = {
    "faq",
    "ask_followup_how",
    "ask_followup_duration",
    "help",
    "bot_challenge",
    "human_handoff",
    "insurance_question",
    "out_of_scope",
    "other_language",
}
CHANGE_INTENT = "change_answer"
SURE = 0.5  # a stop or change intent at least this sure is taken as such
QUESTION = 0.7  # a question intent this sure interrupts even without a question mark

MAX_NAME_CHARS = 80
MAX_DETAILS_CHARS = 500
MAX_NUMBER_CHARS = 30
SKIP = "geen"  # stored for an optional answer the visitor left out


@dataclass
class Message:
    """The parts of Rasa's latest_message a form needs."""

    text: str
    intent: Optional[str]
    confidence: float
    response_key: Optional[str] = None

    @classmethod
    def from_parse(cls, latest: Dict[str, Any]) -> "Message":
        intent = events.intent_of(latest)
        name = intent.get("name")
        key = (events.response_key(latest) or "").split("/", 1)[-1] or None  # faq/retention -> retention
        return cls(
            text=(latest.get("text") or "").strip(),
            intent=name,
            confidence=float(intent.get("confidence") or 0.0),
            response_key=key,
        )

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    def is_stop(self) -> bool:
        return self.intent in STOP_INTENTS and self.confidence >= SURE

    def is_change(self) -> bool:
        return self.intent == CHANGE_INTENT and self.confidence >= SURE

    def is_question(self) -> bool:
        if self.intent not in QUESTION_INTENTS:
            return False
        return "?" in self.text or self.confidence >= QUESTION

    def steps_out(self) -> bool:
        """Leave this message to the rules: stop, or a question to answer first."""
        return self.is_stop() or self.is_question()


def _fold(text: str) -> str:
    return re.sub(r"[^\w@+.-]+", " ", text.casefold()).strip()


# ---- request type -----------------------------------------------------------------------
_TYPE_BY_INTENT = {f"request_{t}": t for t in rights.REQUEST_TYPES}
_TYPE_BY_TOPIC = {f"right_{t}": t for t in rights.REQUEST_TYPES}
_TYPE_WORDS = [  # order matters: "bezwaar tegen direct marketing" before plain "bezwaar"
    ("marketing_objection", r"(direct ?marketing|reclame|publiciteit|promoties?)"),
    ("consent_withdrawal", r"(toestemming|intrek|trek .* in)"),
    ("access", r"(inzage|inkijken|kopie|afschrift|welke gegevens)"),
    ("rectification", r"(rechtzet|rectific|verbeter|corrig|aanpass|fout|klopt niet)"),
    ("erasure", r"(wis|verwijder|vergeten|schrap)"),
    ("restriction", r"(beperk)"),
    ("portability", r"(overdraag|overdracht|machineleesbaar|meenemen|export)"),
    ("objection", r"(bezwaar|verzet|profilering)"),
]


def request_type(message: Message) -> Optional[str]:
    """Which of the eight rights the visitor means, from intent, FAQ topic or words."""
    if message.intent in _TYPE_BY_INTENT and (message.confidence >= SURE or message.is_payload):
        return _TYPE_BY_INTENT[message.intent]
    if message.response_key in _TYPE_BY_TOPIC:
        return _TYPE_BY_TOPIC[message.response_key]
    text = _fold(message.text)
    for request, pattern in _TYPE_WORDS:
        if re.search(pattern, text):
            return request
    return None


# ---- free-text answers -------------------------------------------------------------------
_NAME_PREFIX = re.compile(r"^(ik ben|ik heet|mijn naam is|naam\s*:?|dit is|het is)\s+", re.I)
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]*)*$")


def name(text: str) -> Optional[str]:
    """A plausible personal name (letters, spaces, hyphens, apostrophes), or None."""
    candidate = _NAME_PREFIX.sub("", text.strip()).strip(" .,!")
    if not candidate or len(candidate) > MAX_NAME_CHARS or not _NAME_CHARS.match(candidate):
        return None
    if len(candidate.split()) > 6:
        return None
    return candidate


# Words of a sentence, not of a name: "ik wil eigenlijk inzage" is not someone's name.
_SENTENCE_WORDS = {
    "ik",
    "wil",
    "mijn",
    "jullie",
    "je",
    "jij",
    "u",
    "uw",
    "gegevens",
    "graag",
    "aub",
    "niet",
    "wat",
    "hoe",
    "waarom",
    "wanneer",
    "is",
    "zijn",
    "kan",
    "kunt",
    "heb",
    "hebben",
    "mag",
    "moet",
    "geen",
    "nee",
    "ja",
    "dat",
    "dit",
    "het",
    "een",
    "waar",
    "wie",
    "ok",
    "oké",
}


def looks_like_sentence(text: str) -> bool:
    return any(word in _SENTENCE_WORDS for word in _fold(text).split())


_EMAIL_IN_TEXT = re.compile(r"[^\s<>(),;:]+@[^\s<>(),;:]+")


def email_candidate(text: str) -> Optional[str]:
    """The e-mail-shaped part of the text, still to be validated."""
    found = _EMAIL_IN_TEXT.search(text)
    return found.group(0).strip(".") if found else None


_SKIP_WORDS = re.compile(
    r"^(nee+n?|neen|geen( idee)?|heb ik niet|ik heb (er )?geen|weet ik niet|weet het niet|niet|"
    r"geen klant(nummer)?|geen polis(nummer)?|overslaan|sla over|skip|n\.?v\.?t\.?|-)[.! ]*$",
    re.I,
)


def is_skip(message: Message) -> bool:
    return bool(_SKIP_WORDS.match(message.text.strip())) or (message.intent == "deny" and message.confidence >= SURE)


def customer_number(text: str) -> Optional[str]:
    """A customer or policy number as typed: needs a digit, stays short."""
    candidate = re.sub(r"^(mijn )?(klant|polis)?(nummer|nr\.?)?( is)?\s*:?\s*", "", text.strip(), flags=re.I)
    candidate = candidate.strip(" .")
    if not re.search(r"\d", candidate) or len(candidate) > MAX_NUMBER_CHARS:
        return None
    return candidate


def details(text: str) -> Optional[str]:
    """Free text for what is wrong or which processing is meant; needs some words."""
    candidate = " ".join(text.split())
    if len(re.findall(r"[^\W\d_]{2,}", candidate)) < 2:
        return None
    return candidate[:MAX_DETAILS_CHARS]


# ---- confirmation and changes -------------------------------------------------------------
_YES = re.compile(
    r"^(ja+|jep|jawel|yes|ok(é|e|ay)?|klopt|correct|akkoord|juist|prima|goed|in orde|"
    r"verstuur|verzend|doe maar|ga (maar )?door)\b",
    re.I,
)
_NO = re.compile(r"^(nee+n?|neen|niet juist|klopt niet|fout|aanpassen|wijzigen|iets aanpassen)\b", re.I)


def confirmation(message: Message) -> Optional[bool]:
    """True to send, False to change something, None when the answer is neither."""
    if message.intent == "affirm" and message.confidence >= SURE:
        return True
    if (message.intent == "deny" and message.confidence >= SURE) or message.is_change():
        return False
    if _YES.match(message.text):
        return True
    if _NO.match(message.text):
        return False
    return None


FIELD_WORDS = [
    ("requester_email", r"(e-?mail|mail|@)"),
    ("customer_number", r"(klant|polis|nummer)"),
    ("request_type", r"(soort|type|recht|verzoek)"),
    ("request_details", r"(toelichting|uitleg|reden|details?|wat er fout|verwerking|omschrijving)"),
    ("requester_name", r"(naam|heet)"),
]


def field(text: str) -> Optional[str]:
    """Which earlier answer the visitor wants to change, if the text says."""
    folded = _fold(text)
    for slot, pattern in FIELD_WORDS:
        if re.search(pattern, folded):
            return slot
    return None


# ---- unsubscribing -----------------------------------------------------------------------
ALL_CHANNELS = "all"
_CHANNEL_WORDS = [
    ("email", r"(e-?mail|mails?|nieuwsbrief|newsletter|mailing)"),
    ("sms", r"(sms|sms'?j?e?s|berichtjes|tekstberichten)"),
    ("phone", r"(telefo|bel|gebeld|gsm)"),
    ("post", r"(post|brief|brieven|folders?|bus|drukwerk)"),
]


def channel(text: str) -> Optional[str]:
    """email, post, phone, sms or all; several channels named at once means all."""
    folded = _fold(text)
    if re.search(
        r"\b(alle?s?|overal|elk|ieder)\b.*\b(kana(a)?l(en)?|communicatie|manieren)\b|^alles?\b|"
        r"\balle kanalen\b|\bgeen enkel",
        folded,
    ):
        return ALL_CHANNELS
    found = [name for name, pattern in _CHANNEL_WORDS if re.search(pattern, folded)]
    if len(found) > 1:
        return ALL_CHANNELS
    return found[0] if found else None


# ---- status lookup -----------------------------------------------------------------------
_REFERENCE = re.compile(rf"\b{references.TYPED}\b", re.I)


_NO_REFERENCE = re.compile(
    r"\b(geen|zonder|nooit)\b.{0,30}\b(referentie|referentienummer|nummer|code|bevestiging(smail)?)\b"
    r"|\b(referentie|nummer|code)\b.{0,30}\b(kwijt|niet( meer)?|nooit)\b"
    r"|\b(ge|zelf |per |via )?e?-?mail(de|d|t)?\b.{0,20}\b(gestuurd|verstuurd|ingediend|gemaild)\b"
    r"|\b(gemaild|mailde|stuurde|verstuurde)\b|\b(per|via) (brief|post|e-?mail)\b"
    r"|\bniet (gekregen|ontvangen)\b|\bkwijt\b",
    re.I,
)


def no_reference(message: Message) -> bool:
    """The visitor has no PRV- reference: says so, doesn't know it, or mailed the request
    themselves (only requests made in the chat have one)."""
    return is_skip(message) or bool(_NO_REFERENCE.search(message.text))


def reference(text: str) -> Optional[str]:
    """A PRV- reference anywhere in the text, upper-cased, with Crockford's look-alikes fixed."""
    found = _REFERENCE.search(text)
    if not found:
        return None
    code = found.group("code").upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return references.PREFIX + code
