"""Masking of personal data for the staff console (bot.privacy.masking): plain functions, no model needed."""

from __future__ import annotations

import pytest

from bot.privacy import masking
from bot.privacy.masking import LABELS, PERSONAL_SLOTS, known_values, mask_text

EMAIL, PHONE, NN, IBAN, NUMBER, NAME, ADDRESS = (
    LABELS[k] for k in ("email", "phone", "national_number", "iban", "customer_number", "name", "address")
)


def test_labels_and_slots_are_as_agreed() -> None:
    assert LABELS == {
        "email": "[e-mailadres]",
        "phone": "[telefoonnummer]",
        "national_number": "[rijksregisternummer]",
        "iban": "[IBAN]",
        "card": "[kaartnummer]",
        "customer_number": "[klantnummer]",
        "name": "[naam]",
        "address": "[adres]",
    }
    assert PERSONAL_SLOTS == {
        "requester_name": "name",
        "requester_email": "email",
        "customer_number": "customer_number",
        "unsubscribe_email": "email",
        "unsubscribe_phone": "phone",
        "unsubscribe_postal": "address",
        "lookup_email": "email",
    }


def _national_number(first9: str, *, valid: bool, born_2000s: bool = False) -> str:
    """An 11-digit national register number with a right (or deliberately wrong) check number."""
    check = 97 - int(("2" if born_2000s else "") + first9) % 97
    return first9 + f"{check if valid else (check % 97) + 1:02d}"


MASKED = [
    # e-mail
    ("mail me op jan.peeters@example.be.", f"mail me op {EMAIL}."),
    ("Mijn adres: An.De-Smet+verzekering@example.be, bedankt", f"Mijn adres: {EMAIL}, bedankt"),
    ("JAN@EXAMPLE.BE", EMAIL),
    ("zowel a@example.be als b.c@sub.example.be", f"zowel {EMAIL} als {EMAIL}"),
    # phone numbers as typed in Belgium and the Netherlands
    ("0470 12 34 56", PHONE),
    ("bel 0470/12.34.56 aub", f"bel {PHONE} aub"),
    ("+32 470 12 34 56", PHONE),
    ("gsm: +32470123456.", f"gsm: {PHONE}."),
    ("016 12 34 56", PHONE),
    ("016/81.23.45", PHONE),
    ("0032 470 123456", PHONE),
    ("06 12345678", PHONE),
    ("+31 6 12345678", PHONE),
    ("02 512 34 56 of 09/123.45.67", f"{PHONE} of {PHONE}"),
    ("+32 (0)470 12 34 56", PHONE),
    ("0470-12-34-56", PHONE),
    ("0470 12 34 56 0471 65 43 21", f"{PHONE} {PHONE}"),
    ("bel 0470 12 34 56 na 17u", f"bel {PHONE} na 17u"),
    ("0470 12 34 56 2023", f"{PHONE} 2023"),
    ("0470 12 34 5", PHONE),  # a digit short is still someone's number
    # national register numbers
    ("85.03.12-123.45", NN),
    ("rr-nummer 85031212345", f"rr-nummer {NN}"),
    ("85 03 12 123 45.", f"{NN}."),
    ("850312-123-45", NN),
    (_national_number("850312123", valid=True), NN),
    (_national_number("850312123", valid=False), NN),
    (_national_number("050312123", valid=True, born_2000s=True), NN),
    # IBAN
    ("BE68 5390 0754 7034", IBAN),
    ("rekening BE68539007547034, dank", f"rekening {IBAN}, dank"),
    ("be68 5390 0754 7034 dank je", f"{IBAN} dank je"),
    ("NL91ABNA0417164300", IBAN),
    ("NL91 ABNA 0417 1643 00 graag", f"{IBAN} graag"),
    ("BE68 5390 0754 7035", IBAN),  # wrong checksum, right length: a typo is still an account
    # customer and policy numbers: the word stays
    ("klantnummer 884512", f"klantnummer {NUMBER}"),
    ("klantnr. 884512", f"klantnr. {NUMBER}"),
    ("Mijn klantnummer is 884512.", f"Mijn klantnummer is {NUMBER}."),
    ("klantnummer: AB-12345", f"klantnummer: {NUMBER}"),
    ("polisnummer 5501234", f"polisnummer {NUMBER}"),
    ("polis 12/345.678 loopt af", f"polis {NUMBER} loopt af"),
    ("polis 12 345 678", f"polis {NUMBER}"),
    ("over POL-2023-00417?", f"over {NUMBER}?"),
    ("dossiernummer 4455", f"dossiernummer {NUMBER}"),
    ("Dossiernr 4455 en polisnr. 5501234", f"Dossiernr {NUMBER} en polisnr. {NUMBER}"),
]

UNMASKED = [
    "hoe lang bewaren jullie mijn gegevens?",
    "Ik wil inzage in mijn gegevens volgens artikel 15 AVG.",
    "in 2023 betaalde ik 150 euro",
    "tussen 2019 en 2023",
    "2020 2021 2022 2023",
    "geboren op 12/03/1985",
    "op 01.03.1985 om 14:30",
    "een premie van € 1.250,00 of 1 250 000 euro",
    "mijn referentie is PRV-7K2M9QX4TB",
    "PRV-1234567890",
    "prv 7K2M9QX4TB",
    "dossiernummer PRV-7K2M9QX4TB",
    "stap 1 van 3, antwoord binnen 30 dagen",
    "de wet van 30 juli 2018",
    "😀🙈",
    "[naam] belde over klantnummer [klantnummer]",
]


@pytest.mark.parametrize("text, expected", MASKED)
def test_masks_each_kind(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", UNMASKED)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert mask_text(text) == text


TRANSCRIPT = (
    "Ik ben Jan Peeters, klantnummer 884512. Mail jan.peeters@example.be of bel 0470 12 34 56. "
    "Rijksregisternummer 85.03.12-123.45, rekening BE68 5390 0754 7034, polis POL-2023-00417. "
    "Referentie PRV-7K2M9QX4TB, in 2023 betaalde ik 150 euro. Ik woon Kerkstraat 12, 3300 Tienen."
)
KNOWN = {"Jan Peeters": "name", "Kerkstraat 12, 3300 Tienen": "address"}


def test_mixed_transcript() -> None:
    assert mask_text(TRANSCRIPT, KNOWN) == (
        f"Ik ben {NAME}, klantnummer {NUMBER}. Mail {EMAIL} of bel {PHONE}. "
        f"Rijksregisternummer {NN}, rekening {IBAN}, polis {NUMBER}. "
        f"Referentie PRV-7K2M9QX4TB, in 2023 betaalde ik 150 euro. Ik woon {ADDRESS}."
    )


@pytest.mark.parametrize("text", [t for t, _ in MASKED] + UNMASKED + [TRANSCRIPT])
def test_idempotent(text: str) -> None:
    once = mask_text(text, KNOWN)
    assert mask_text(once, KNOWN) == once
    assert mask_text(once) == once


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ik ben Jan Peeters", f"Ik ben {NAME}"),
        ("JAN PEETERS hier", f"{NAME} hier"),
        ("Jan belde, en later Peeters nog eens", f"{NAME} belde, en later {NAME} nog eens"),
        ("groeten, jan", f"groeten, {NAME}"),
        ("Janssens en Jana en Peetersstraat", "Janssens en Jana en Peetersstraat"),  # whole words only
        ("Kerkstraat 12, 3300 Tienen", ADDRESS),
        ("kerkstraat 12,  3300 tienen", ADDRESS),
        ("Kerkstraat 12 in Tienen", f"{ADDRESS} in Tienen"),  # the street without the municipality
        ("jan.peeters@example.be", EMAIL),
    ],
)
def test_known_values(text: str, expected: str) -> None:
    assert mask_text(text, KNOWN) == expected


def test_known_name_parts_skip_short_words_and_particles() -> None:
    known = {"Li Van den Berg": "name"}
    assert mask_text("Li Van den Berg", known) == NAME
    assert mask_text("van de berg af, Li", known) == f"van de {NAME} af, Li"


def test_known_numbers_match_whatever_the_separators() -> None:
    known = {"0470 12 34 56": "phone", "884512": "customer_number"}
    assert mask_text("0470123456 of 884512", known) == f"{PHONE} of {NUMBER}"
    assert mask_text("1884512 en 8845120", known) == "1884512 en 8845120"


def test_known_values_of_unknown_kind_are_still_hidden() -> None:
    hidden = f"code {masking.FALLBACK_LABEL}"
    assert mask_text("code ZORRO-7", {"ZORRO-7": "secret"}) == hidden
    assert mask_text(hidden, {"ZORRO-7": "secret"}) == hidden


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, ""),
        ("", ""),
        ("   ", "   "),
        ("😀 0470 12 34 56 🙈", f"😀 {PHONE} 🙈"),
        ("\ud800 abc", "\ud800 abc"),
        ("\x00\n\t", "\x00\n\t"),
        (12345, "12345"),
    ],
)
def test_odd_input(text, expected) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "known",
    [
        None,
        {},
        {"": "name", "a": "name", "geen": "customer_number"},
        {None: "name"},
        {"Jan Peeters": None},
        "not a mapping",
    ],
)
def test_odd_known(known) -> None:
    question = "hoe lang bewaren jullie mijn gegevens?"
    assert mask_text(question, known) == question
    assert mask_text("bel 0470 12 34 56", known) == f"bel {PHONE}"


@pytest.mark.parametrize(
    "text",
    ["1" * 10_000, "0 " * 5_000, "a@" * 5_000, "x" * 10_000, "😀" * 10_000, "[" * 10_000, (TRANSCRIPT + "\n") * 40],
    ids=["digits", "zeros", "at-signs", "letters", "emoji", "brackets", "transcripts"],
)
def test_long_input(text: str) -> None:
    masked = mask_text(text, KNOWN)
    assert isinstance(masked, str)
    if text.startswith("Ik ben"):
        assert "884512" not in masked and "Peeters" not in masked and "PRV-7K2M9QX4TB" in masked


def test_known_values_from_both_shapes() -> None:
    events = [
        {"event": "user", "text": "ik ben Jan Peeters", "name": "requester_name", "value": "ignored"},
        {"event": "slot", "name": "requester_name", "value": "Jan Peeters"},
        {"event": "slot", "name": "requester_email", "value": "jan.peeters@example.be"},
        {"event": "slot", "name": "customer_number", "value": "geen"},
        {"event": "slot", "name": "request_details", "value": "mijn oude adres staat er nog"},
        {"event": "slot", "name": "unsubscribe_phone", "value": None},
        {"name": "unsubscribe_postal", "value": "Kerkstraat 12, 3300 Tienen"},  # SlotSet-like
    ]
    plain = [
        {
            "lookup_email": "an@example.be",
            "customer_number": "884512",
            "unsubscribe_phone": "0470 12 34 56",
            "requester_name": "Al",
            "unsubscribe_email": "GEEN",
            "request_type": "erasure",
        }
    ]
    assert known_values(events + plain) == {
        "Jan Peeters": "name",
        "jan.peeters@example.be": "email",
        "Kerkstraat 12, 3300 Tienen": "address",
        "an@example.be": "email",
        "884512": "customer_number",
        "0470 12 34 56": "phone",
    }


def test_known_values_odd_input() -> None:
    assert known_values([]) == {}
    assert known_values(None) == {}  # type: ignore[arg-type]
    odd = [
        {"customer_number": 884512},
        "not a mapping",
        {"requester_name": True},
        {"requester_name": ["Jan Peeters", None]},
    ]
    assert known_values(odd) == {"884512": "customer_number", "Jan Peeters": "name"}  # type: ignore[arg-type]
    # one mapping instead of a list of them
    assert known_values({"requester_name": "Jan Peeters"}) == {"Jan Peeters": "name"}


def test_known_values_feed_mask_text() -> None:
    known = known_values(
        [
            {"event": "slot", "name": "requester_name", "value": "Jan Peeters"},
            {"event": "slot", "name": "customer_number", "value": "884512"},
        ]
    )
    assert mask_text("Peeters hier, nummer 884512", known) == f"{NAME} hier, nummer {NUMBER}"


def test_phone_numbers_still_hidden_if_phonenumbers_fails(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("library bug")

    monkeypatch.setattr(masking.phonenumbers, "PhoneNumberMatcher", broken)
    monkeypatch.setattr(masking.phonenumbers, "parse", broken)
    assert mask_text("bel 0470 12 34 56 in 2023") == f"bel {PHONE} in 2023"


def test_a_bug_hides_the_whole_text_rather_than_raise(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(masking, "_mask_once", broken)
    assert mask_text("Ik ben Jan Peeters") == masking.FALLBACK_LABEL
    monkeypatch.undo()
    assert mask_text(masking.FALLBACK_LABEL) == masking.FALLBACK_LABEL


# ---- the company's own public contact details (issue 16) -------------------------------------------
BOT_ANSWER = (
    "Verantwoordelijk is Groep LB Republico VOF, Wolvenpad 2, 3300 Tienen (ondernemingsnummer "
    "0630.925.810, e-mail info@republico.be). Mail privacy@kmo-verzekeringen.be of schrijf naar "
    "Groep LB Republico (KMO-verzekeringen), t.a.v. de DPO, Wolvenpad 2\n3300 Tienen. "
    "Meer op http://127.0.0.1:8000/privacy#rechten."
)


def test_bot_messages_keep_the_companys_public_addresses(monkeypatch) -> None:
    monkeypatch.delenv("PRIVACYBOT_SITE_URL", raising=False)
    monkeypatch.delenv("PRIVACYBOT_CONTACT_URL", raising=False)
    assert mask_text(BOT_ANSWER, keep_public=True) == BOT_ANSWER
    # The same text as a visitor's message is masked as before: only the bot's own words are exempt.
    visitor = mask_text(BOT_ANSWER)
    assert "privacy@kmo-verzekeringen.be" not in visitor and "info@republico.be" not in visitor
    assert "0630.925.810" not in visitor and EMAIL in visitor


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Je gaf jan.peeters@example.be en 0470 12 34 56 op.", f"Je gaf {EMAIL} en {PHONE} op."),
        ("• E-mail: an@example.be\n• Naam: Jan Peeters", f"• E-mail: {EMAIL}\n• Naam: {NAME}"),
        (
            "Zie https://www.kmo-verzekeringen.be/contact?mail=jan@example.be",
            "Zie https://www.kmo-verzekeringen.be/contact?mail=" + EMAIL,
        ),
        ("Klik https://evil.example.be/privacy@kmo", "Klik https://evil.example.be/privacy@kmo"),
        # A link to our own site is no hiding place (review of issue 16): query strings, numbers in the
        # path and the visitor's name in a query are masked like anywhere else.
        (
            "Toelichting: zie http://127.0.0.1:8000/?polis=0470123456&naam=Peeters",
            f"Toelichting: zie http://127.0.0.1:8000/?polis={NUMBER}&naam={NAME}",
        ),
        (
            "Toelichting: http://127.0.0.1:8000/dossier/0470123456",
            f"Toelichting: http://127.0.0.1:8000/dossier/{PHONE}",
        ),
    ],
)
def test_visitors_data_in_bot_messages_stays_masked(text: str, expected: str) -> None:
    """A summary echoes what the visitor typed: that stays hidden, also next to public addresses."""
    assert mask_text(text, KNOWN, keep_public=True) == expected


def test_public_addresses_come_from_the_statement_and_settings(monkeypatch, tmp_path) -> None:
    statement = tmp_path / "statement.txt"
    statement.write_text("Mail dpo@example.org of schrijf naar Kerkweg 7, 9000 Gent.\n", encoding="utf-8")
    monkeypatch.setenv("PRIVACYBOT_POLICY", str(statement))
    monkeypatch.setenv("PRIVACYBOT_PRIVACY_MAILBOX", "privacy@example.org")
    monkeypatch.setenv("PRIVACYBOT_SITE_URL", "https://site.example.org")
    text = "Mail dpo@example.org of privacy@example.org, Kerkweg 7, 9000 Gent, https://site.example.org/privacy."
    assert mask_text(text, keep_public=True) == text
    assert mask_text("Mail info@republico.be", keep_public=True) == f"Mail {EMAIL}"  # not in this statement
    statement.unlink()  # no statement: the mailbox still counts, nothing breaks
    assert (
        mask_text("Mail privacy@example.org of dpo@example.org", keep_public=True)
        == f"Mail privacy@example.org of {EMAIL}"
    )
