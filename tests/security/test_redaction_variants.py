"""Issue 15, finding 3: redaction missed what visitors ordinarily type.

The attacker's misses ("85.07.30 - 033.28", "85,07,30,033,28", "RRN85073003328",
"BE68.5390.0754.7034", "4111.1111.1111.1111", double spaces, "want ik heb een strafblad" in a
message that says "jullie" or "gegevens", MS, hernia, alcoholprobleem, "depresie", religion,
origin, sexual orientation, union membership) are generated here as families of variants
(hypothesis), and each must be hidden by both users of bot/privacy/pii_detectors.py: the chat's redaction
(bot.privacy.redaction.redact, before Rasa stores anything) and the console's masking
(bot.privacy.masking.mask_text, for what was stored before a rule existed).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import masking, pii_detectors, redaction
from bot.privacy.redaction import PLACEHOLDERS, redact

# ---- numbers, computed from their checksums ------------------------------------------------------
digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731


@st.composite
def national_numbers(draw) -> str:
    year = draw(st.integers(0, 99))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    serial = draw(st.integers(1, 997))
    born_2000s = draw(st.booleans())
    first9 = f"{year:02d}{month:02d}{day:02d}{serial:03d}"
    check = 97 - int(("2" if born_2000s else "") + first9) % 97
    return f"{first9}{check:02d}"


def with_check(country: str, bban: str) -> str:
    number = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(number) % 97:02d}{bban}"


@st.composite
def ibans(draw) -> str:
    kind = draw(st.sampled_from(["BE", "NL", "DE", "FR", "LU"]))
    if kind == "BE":
        account = draw(digits(10))
        return with_check("BE", account + f"{int(account) % 97 or 97:02d}")
    if kind == "NL":
        return with_check("NL", draw(st.sampled_from(["ABNA", "RABO", "INGB", "KNAB"])) + draw(digits(10)))
    if kind == "DE":
        return with_check("DE", draw(digits(18)))
    if kind == "FR":
        return with_check("FR", draw(digits(10)) + draw(st.sampled_from("ABCMX")) + draw(digits(12)))
    return with_check("LU", draw(digits(3)) + "0" + draw(digits(12)))


def luhn_digit(body: str) -> str:
    return next(d for d in "0123456789" if pii_detectors.luhn_ok(body + d))


@st.composite
def cards(draw) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "2221", "6011"]))
    body = prefix + draw(digits(15 - len(prefix)))
    return body + luhn_digit(body)


# ---- the ways people write them ------------------------------------------------------------------
SEPARATORS = ["", ".", ",", "-", " ", "  ", " - ", ". ", " .", "\u00a0", "\u2013", " , "]
PREFIXES = ["", "RRN", "rrn ", "RRN: ", "rijksregisternummer ", "rijksregisternummer: ", "INSZ-nr", "insz ", "nr. "]
FRAMES = [
    "{}",
    "mijn nummer is {}",
    "Dag, {} is van mij. Hoe lang bewaren jullie mijn gegevens?",
    "hier: {} (voor het dossier)",
    "{}!",
    "ik geef jullie {}, klopt dat?",
]


@st.composite
def written_national_number(draw) -> str:
    n = draw(national_numbers())
    parts = [n[:2], n[2:4], n[4:6], n[6:9], n[9:]]
    style = draw(st.sampled_from(["one", "each"]))  # one separator throughout, or one per gap
    one = draw(st.sampled_from(SEPARATORS))
    text = parts[0]
    for part in parts[1:]:
        text += (one if style == "one" else draw(st.sampled_from(SEPARATORS))) + part
    return draw(st.sampled_from(PREFIXES)) + text


@st.composite
def written_iban(draw) -> str:
    number = draw(ibans())
    if draw(st.booleans()):
        number = number.lower()
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    sep = draw(st.sampled_from(["", " ", ".", "-", "  ", " - ", "\u00a0"]))
    return sep.join(groups)


@st.composite
def written_card(draw) -> str:
    number = draw(cards())
    sep = draw(st.sampled_from(["", " ", ".", "-", ",", "  ", " - ", "\u2009"]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def _no_digits_left(text: str) -> bool:
    return not re.search(r"\d", pii_detectors.fold(text))


NUMBER_CASES = [("national_number", written_national_number()), ("iban", written_iban()), ("card", written_card())]


@pytest.mark.parametrize("category,written", NUMBER_CASES, ids=[c for c, _ in NUMBER_CASES])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_way_of_writing_a_number_is_redacted_in_chat_and_masked_in_the_console(category, written, data) -> None:
    number = data.draw(written)
    message = data.draw(st.sampled_from(FRAMES)).format(number)
    redacted = redact(message)
    assert redacted.categories == (category,), (message, redacted)
    assert PLACEHOLDERS[category] in redacted.text and _no_digits_left(redacted.text), (message, redacted)
    masked = masking.mask_text(message)
    assert _no_digits_left(masked), (message, masked)
    assert masking.LABELS[category] in masked, (message, masked)


@pytest.mark.parametrize(
    "message,category",
    [
        ("mijn rrn is 85.07.30 - 033.28", "national_number"),
        ("85,07,30,033,28", "national_number"),
        ("RRN85073003328", "national_number"),
        ("85.07.30  033.28", "national_number"),
        ("85073003328 is mijn nummer", "national_number"),
        ("BE68.5390.0754.7034", "iban"),
        ("stort het op BE68  5390  0754  7034 aub", "iban"),
        ("4111.1111.1111.1111", "card"),
        ("4111,1111,1111,1111 vervalt in 2027", "card"),
    ],
)
def test_the_attackers_examples(message: str, category: str) -> None:
    redacted = redact(message)
    assert redacted.categories == (category,) and PLACEHOLDERS[category] in redacted.text
    assert masking.LABELS[category] in masking.mask_text(message)


def test_look_alikes_with_a_wrong_checksum_stay_in_chat() -> None:
    """Separators may not turn ordinary numbers into findings: a wrong check stays visible."""
    for message in [
        "85.07.30 - 033.29",
        "85,07,30,033,27",
        "BE68.5390.0754.7035",
        "4111.1111.1111.1112",
        "0470 12 34 56",
        "polis 12.345.678",
        "bedrag 1.250,00 euro",
        "2024-05-17",
    ]:
        assert redact(message).categories == (), message


# ---- one table for both users --------------------------------------------------------------------
PUBLISHED_IBANS = [  # examples of the ISO 13616 registry, one per country here
    "BE68539007547034",
    "NL91ABNA0417164300",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "GB29NWBK60161331926819",
    "LU280019400644750000",
    "AD1200012030200359100100",
    "MT84MALT011000012345MTLCAST001S",
    "NO9386011117947",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "PT50000201231234567890154",
    "AT611904300234573201",
    "IE29AIBK93115212345678",
    "PL61109010140000071219812874",
]


@pytest.mark.parametrize("account", PUBLISHED_IBANS)
def test_console_and_chat_know_the_same_countries(account: str) -> None:
    """masking once knew 36 countries, sensitive 77: now both read pii_detectors' one table."""
    assert pii_detectors.mod97_ok(account) and pii_detectors.IBAN_LENGTHS[account[:2]] == len(account)
    text = f"rekening {' '.join(account[i : i + 4] for i in range(0, len(account), 4))} graag"
    assert redact(text).categories == ("iban",)
    assert masking.mask_text(text) == "rekening [IBAN] graag"


def test_the_table_is_the_iso_registry() -> None:
    assert len(pii_detectors.IBAN_LENGTHS) == 89
    assert (pii_detectors.IBAN_LENGTHS["BE"], pii_detectors.IBAN_LENGTHS["NO"], pii_detectors.IBAN_LENGTHS["RU"]) == (
        16,
        15,
        33,
    )
    assert not hasattr(redaction, "IBAN_LENGTHS") and not hasattr(masking, "IBAN_LENGTHS")


# ---- words: special categories in a first-person statement ---------------------------------------
STATEMENTS = {
    "criminal": ["strafblad", "strafregister"],
    "health": ["MS", "een hernia", "een alcoholprobleem", "een depresie", "diabetes", "een burn-out"],
    "religion": ["moslim", "katholiek", "joods", "getuige van Jehova"],
    "origin": ["Marokkaan", "van Turkse afkomst", "Congolees"],
    "orientation": ["homo", "lesbisch", "biseksueel"],
    "union": ["lid van de vakbond", "lid van het ABVV", "aangesloten bij het ACV"],
}
VERB = {
    "criminal": "heb een",
    "health": "heb",
    "religion": "ben",
    "origin": "ben",
    "orientation": "ben",
    "union": "ben",
}
STATEMENT_FRAMES = [
    "ik {verb} {term}",
    "want ik {verb} {term}",
    "Hoe lang bewaren jullie mijn gegevens want ik {verb} {term}",
    "mogen jullie weten dat ik {verb} {term}?",
    "Dag, ik {verb} {term} en ik wil weten welke gegevens jullie hebben",
    "IK {VERB} {TERM}",
]


@settings(max_examples=200, deadline=None)
@given(category=st.sampled_from(sorted(STATEMENTS)), data=st.data())
def test_special_categories_in_a_statement_are_redacted_whatever_else_the_message_says(category, data) -> None:
    term = data.draw(st.sampled_from(STATEMENTS[category]))
    frame = data.draw(st.sampled_from(STATEMENT_FRAMES))
    verb = VERB[category]
    if category == "health" and term == "MS":
        verb = "heb"
    message = frame.format(verb=verb, term=term, VERB=verb.upper(), TERM=term.upper())
    redacted = redact(message)
    assert category in redacted.categories, (message, redacted)
    assert PLACEHOLDERS[category] in redacted.text


@pytest.mark.parametrize(
    "message",
    [
        "verwerken jullie gegevens over religie of afkomst?",
        "mag ik vragen of jullie mijn vakbond kennen",
        "moet ik een uittreksel uit het strafregister geven?",
        "vragen jullie naar mijn strafblad?",
        "ik gebruik MS Teams voor mijn werk",
        "ik ben aangesloten bij de Christelijke Mutualiteit",
        "ik heb een vraag over gevoelige gegevens zoals gezondheid",
        "ik oefen een liberaal beroep uit, welke gegevens bewaren jullie?",
        "hoe lang bewaren jullie mijn gegevens?",
    ],
)
def test_questions_about_the_policy_and_everyday_words_stay(message: str) -> None:
    assert redact(message).categories == (), message


def test_one_warning_names_each_new_category() -> None:
    text = redaction.warning(["religion", "origin", "orientation", "union"])
    for plain in ("je geloof", "je etnische afkomst", "je seksuele geaardheid", "vakbond"):
        assert plain in text
    assert "privacy@kmo-verzekeringen.be" in text
