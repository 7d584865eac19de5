"""Redaction of sensitive data before a chat message reaches Rasa (bot.privacy.redaction): plain functions.

Valid numbers are computed here from their checksums, so each test covers many numbers, not one
example; each kind also has look-alikes with a wrong checksum that must be left alone.
"""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from bot.core import company
from bot.privacy.redaction import PLACEHOLDERS, Redaction, redact, warning

NN, IBAN, CARD, HEALTH, CRIMINAL = (PLACEHOLDERS[k] for k in ("national_number", "iban", "card", "health", "criminal"))
RNG = random.Random(20240611)  # fixed seed: the same "random" numbers on every run


# ---- valid numbers, computed ---------------------------------------------------------------------
def national_number(birth: str, serial: str, born_2000_or_later: bool = False) -> str:
    """yymmdd + serial + check: 97 - (9 digits mod 97), with "2" before them from 2000 on."""
    base = int(("2" if born_2000_or_later else "") + birth + serial)
    return f"{birth}{serial}{97 - base % 97:02d}"


def wrong_check(number: str) -> str:
    """The same number with a check that fits neither century."""
    valid = {97 - int(p + number[:9]) % 97 for p in ("", "2")}
    check = next(c for c in range(1, 98) if c not in valid and c != int(number[9:]))
    return f"{number[:9]}{check:02d}"


def nn_formats(n: str) -> list[str]:
    return [
        f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}",
        f"{n[:6]} {n[6:9]} {n[9:]}",
        n,
        f"{n[:6]}-{n[6:9]}.{n[9:]}",
        f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:9]} {n[9:]}",
    ]


def random_birth(rng: random.Random, first: int = 1930, last: int = 1999) -> str:
    return f"{rng.randint(first, last) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def be_iban(rng: random.Random) -> str:
    account = f"{rng.randint(0, 9_999_999_999):010d}"
    return iban("BE", account + f"{int(account) % 97 or 97:02d}")


def random_iban(rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    return rng.choice(
        [
            lambda: be_iban(rng),
            lambda: iban("NL", rng.choice(["ABNA", "RABO", "INGB", "TRIO"]) + digits(10)),
            lambda: iban("DE", digits(18)),
            lambda: iban("FR", digits(10) + rng.choice("ABCMX") + digits(12)),
            lambda: iban("LU", digits(3) + "0" + digits(12)),
        ]
    )()


def spaced(value: str, sep: str = " ", size: int = 4) -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card_number(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + next(d for d in "0123456789" if luhn_ok(body + d))


def broken_luhn(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 3) % 10)


def test_helpers_agree_with_published_examples() -> None:
    assert iban("BE", "539007547034") == "BE68539007547034"
    assert iban("NL", "ABNA0417164300") == "NL91ABNA0417164300"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert national_number("850730", "033") == "85073003328"


def assert_redacted(text: str, secret: str, placeholder: str, category: str) -> Redaction:
    result = redact(text)
    assert category in result.categories, (text, result)
    assert placeholder in result.text and secret not in result.text, (text, result.text)
    return result


# ---- national register number --------------------------------------------------------------------
NN_MESSAGES = [
    "mijn rijksregisternr is {} kunnen jullie dat nakijken",
    "Goeiemiddag, mijn INSZ-nummer: {}. Is mijn dossier in orde?",
    "{}",
    "rrn van mijn vrouw = {} (zij is ook klant)",
    "ge vraagt mijn rijksregisternummer? {} alsjeblieft",
]
NN_NUMBERS = (
    [national_number("850730", "033")]
    + [national_number(random_birth(RNG), f"{RNG.randint(1, 997):03d}") for _ in range(12)]
    + [national_number(random_birth(RNG, 2000, 2023), f"{RNG.randint(1, 997):03d}", True) for _ in range(6)]
)


@pytest.mark.parametrize("number", NN_NUMBERS)
def test_national_numbers_in_every_usual_format(number: str) -> None:
    for written, message in zip(nn_formats(number), NN_MESSAGES, strict=False):
        result = assert_redacted(message.format(written), written, NN, "national_number")
        assert result.categories == ("national_number",)
        assert result.text == message.format(NN)  # only the number goes, the sentence stays


@pytest.mark.parametrize("month_offset", [20, 40])
def test_bis_numbers_count_too(month_offset: int) -> None:
    for _ in range(5):
        birth = random_birth(RNG)
        bis = f"{birth[:2]}{int(birth[2:4]) + month_offset:02d}{birth[4:]}"
        number = national_number(bis, f"{RNG.randint(1, 997):03d}")
        assert_redacted(f"mijn BIS-nummer is {nn_formats(number)[0]}", number[:6], NN, "national_number")


@pytest.mark.parametrize("number", NN_NUMBERS)
def test_national_number_look_alikes_with_a_wrong_check_are_left_alone(number: str) -> None:
    for written in nn_formats(wrong_check(number)):
        text = f"mijn rijksregisternummer is {written} denk ik"
        assert redact(text) == Redaction(text, ())


def test_a_valid_check_on_an_impossible_birth_date_is_not_a_national_number() -> None:
    for birth in ("851330", "857730", "850735"):  # month 13 and 77, day 35
        number = national_number(birth, "033")
        assert redact(f"nummer {number}").categories == ()


# ---- IBAN -----------------------------------------------------------------------------------------
IBANS = ["BE68539007547034", "NL91ABNA0417164300"] + [random_iban(RNG) for _ in range(25)]


@pytest.mark.parametrize("account", IBANS)
def test_ibans_with_and_without_spaces_and_in_lower_case(account: str) -> None:
    for written, message in [
        (spaced(account), "stort het maar op {} aub, dank u"),
        (account, "Rekeningnr: {}."),
        (account.lower(), "terugbetalen op {}"),
        (spaced(account, "-"), "{}"),
        (f"{account[:2]} {account[2:4]} {spaced(account[4:])}", "IBAN {} graag"),
    ]:
        result = assert_redacted(message.format(written), written, IBAN, "iban")
        assert result == Redaction(message.format(IBAN), ("iban",))


@pytest.mark.parametrize("account", IBANS)
def test_iban_look_alikes_with_a_wrong_checksum_are_left_alone(account: str) -> None:
    position = len(account) - 3
    broken = account[:position] + str((int(account[position]) + 1) % 10) + account[position + 1 :]
    for written in (spaced(broken), broken):
        text = f"stort het maar op {written}"
        assert redact(text) == Redaction(text, ()), written  # nor its digits for a card number


def test_two_ibans_in_one_message_and_the_words_around_them_stay() -> None:
    first, second = be_iban(RNG), random_iban(RNG)
    text = f"van {spaced(first)} naar {spaced(second)} overschrijven, bedankt!"
    assert redact(text) == Redaction(f"van {IBAN} naar {IBAN} overschrijven, bedankt!", ("iban",))


def test_an_iban_wins_over_a_card_number_in_its_digits() -> None:
    for _ in range(20):
        bban = card_number(str(RNG.randint(1, 9)), 18, RNG)  # the 18 digits pass Luhn as well
        account = iban("DE", bban)
        result = redact(f"mijn rekening {spaced(account)}")
        assert result == Redaction(f"mijn rekening {IBAN}", ("iban",))
        typo = account[:4] + bban[:16] + str((int(bban[16]) + 1) % 10) + bban[17]  # fails mod 97
        assert redact(f"mijn rekening {spaced(typo)}").categories == ()


# ---- payment cards --------------------------------------------------------------------------------
CARDS = (
    [("4111111111111111", "visa")]
    + [(card_number("4", 16, RNG), "visa") for _ in range(5)]
    + [(card_number(RNG.choice(["51", "53", "55", "2221"]), 16, RNG), "mastercard") for _ in range(5)]
    + [(card_number(RNG.choice(["34", "37"]), 15, RNG), "amex") for _ in range(4)]
    + [(card_number("6703", 19, RNG), "bancontact") for _ in range(3)]
    + [(card_number("4", 13, RNG), "visa13") for _ in range(2)]
)


def card_formats(number: str, kind: str) -> list[str]:
    grouped = f"{number[:4]} {number[4:10]} {number[10:]}" if kind == "amex" else spaced(number)
    return [grouped, grouped.replace(" ", "-"), number]


@pytest.mark.parametrize("number, kind", CARDS)
def test_card_numbers_grouped_dashed_or_in_one_block(number: str, kind: str) -> None:
    for written in card_formats(number, kind):
        text = f"mag ik betalen met mijn kaart {written} vervalt 09/27"
        result = redact(text)
        assert result == Redaction(f"mag ik betalen met mijn kaart {CARD} vervalt 09/27", ("card",))


@pytest.mark.parametrize("number, kind", CARDS)
def test_card_look_alikes_failing_luhn_are_left_alone(number: str, kind: str) -> None:
    for written in card_formats(broken_luhn(number), kind):
        assert redact(f"kaart {written}").categories == ()


def test_a_card_number_followed_by_its_security_code() -> None:
    assert redact("4111 1111 1111 1111 123") == Redaction(f"{CARD} 123", ("card",))


# ---- data our forms need -------------------------------------------------------------------------
ORDINARY = [
    "jan.peeters@example.be",
    "mijn mail is an-sofie.de.smet+privacy@telenet.be",
    "jan85073003328@example.be",  # the digits of an e-mail address are part of the address
    "0470 12 34 56",
    "+32 470 12 34 56",
    "016 81 23 45",
    "0470/12.34.56",
    "+32470123456",
    "0032 470 12 34 56",
    "00 32 470 12 34 56",
    "bel me op 09 233 45 67 of 0498 76 54 32",
    "PRV-7K2M9Q4X1B",
    "mijn referentie is prv-4111111111",
    "klantnummer 884512",
    "klantnr. 884 512",
    "POL-2023-00417",
    "polis POL-2019-12345 loopt nog",
    "12/03/1985",
    "12-03-1985",
    "12.03.1985",
    "geboren op 30 juli 1985",
    "Kerkstraat 12, 3300 Tienen",
    "Grote Markt 1 bus 3, 2000 Antwerpen",
    "€ 1.250,00",
    "1 250,00 euro",
    "EUR 12.500",
    "2023",
    "klant sinds 1998",
    "in 2019 en 2020",
    "ik woon in Sint-Niklaas, 9100",
    "BE 0123.456.789",  # an enterprise number, not an account
    "factuur 2023-0417-118",
    "btw-nummer BE0403.170.701",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_data_our_forms_need_is_left_alone(text: str) -> None:
    assert redact(text) == Redaction(text, ())


def test_a_whole_form_answer_is_left_alone() -> None:
    text = (
        "Jan Peeters, jan.peeters@example.be, 0470 12 34 56, Kerkstraat 12, 3300 Tienen, "
        "klantnummer 884512, polis POL-2023-00417, geboren 12/03/1985, ref PRV-7K2M9Q4X1B, € 1.250,00"
    )
    assert redact(text) == Redaction(text, ())


def test_phone_numbers_in_bulk_are_never_findings() -> None:
    pair = lambda: f"{RNG.randint(0, 99):02d}"  # noqa: E731
    for _ in range(300):
        mobile = f"4{RNG.randint(60, 99)} {pair()} {pair()} {pair()}"
        landline = f"0{RNG.randint(10, 99)} {pair()} {pair()} {pair()}"
        slashed = f"0{mobile[:3]}/{mobile[4:].replace(' ', '.')}"
        for text in (
            f"0{mobile}",
            f"+32 {mobile}",
            f"0032 {mobile}",
            f"0{mobile}".replace(" ", ""),
            f"+32{mobile}".replace(" ", ""),
            landline,
            slashed,
        ):
            assert redact(f"bel me op {text} aub").categories == (), text


# ---- health ---------------------------------------------------------------------------------------
HEALTH_FOUND = [
    ("ik heb diabetes, mag dat bij jullie?", "diabetes"),
    ("Mijn man heeft suikerziekte type 2", "suikerziekte"),
    ("sinds mijn borstkanker ben ik bang dat jullie dat weten", "borstkanker"),
    ("ik ben al een jaar depressief en thuis", "depressief"),
    ("Ik zat in een zware depressie vorig jaar", "depressie"),
    ("mijn vrouw is ZWANGER, verandert dat iets aan de polis?", "ZWANGER"),
    ("tijdens mijn zwangerschap werd ik ontslagen", "zwangerschap"),
    ("ik heb een burn-out gehad in 2021", "burn-out"),
    ("na mijn burnout wil ik weten wat jullie bewaren", "burnout"),
    ("ik ben hiv-positief, wie ziet dat?", "hiv-positief"),
    ("ik heb epilepsie", "epilepsie"),
    ("mijn vader had vorig jaar een hartaanval", "hartaanval"),
    ("ik heb een handicap, wordt dat verwerkt?", "handicap"),
    ("ik neem antidepressiva, moet ik dat melden", "antidepressiva"),
    ("welke medicatie ik neem gaat jullie niks aan", "medicatie"),
    ("ik zit nu in mijn derde chemo", "chemo"),
    ("na de chemotherapie ben ik moe", "chemotherapie"),
    ("ik ga al een jaar naar de psychiater", "psychiater"),
    ("ik ben opgenomen geweest in het ziekenhuis in maart", "opgenomen geweest in het ziekenhuis"),
    ("mijn opname in het ziekenhuis werd toch betaald?", "opname in het ziekenhuis"),
    ("ik ben arbeidsongeschikt sinds januari", "arbeidsongeschikt"),
    ("arbeidsongeschiktheid door ziekte sinds mei", "arbeidsongeschiktheid door ziekte"),
    ("ik ben epilepsiepatiënt", "epilepsiepatiënt"),
    ("ik heb al jaren multiple sclerose", "multiple sclerose"),
]


@pytest.mark.parametrize("text, term", HEALTH_FOUND)
def test_health_details_are_redacted_term_by_term(text: str, term: str) -> None:
    result = assert_redacted(text, term, HEALTH, "health")
    assert result.text == text.replace(term, HEALTH) and result.categories == ("health",)


def test_health_terms_with_odd_spaces_and_dashes() -> None:
    for text in ("ik heb een burn\u2011out", "burn\u00a0out", "ik ben ｚｗａｎｇｅｒ"):
        assert redact(text).categories == ("health",), text


POLICY_QUESTIONS = [
    "verwerken jullie gezondheidsgegevens?",
    "welke gegevens over mijn gezondheid hebben jullie",
    "verwerken jullie medische gegevens?",
    "wat doen jullie met gevoelige gegevens?",
    "bijzondere categorieën van persoonsgegevens, verwerken jullie die?",
    "Ik wil een beperking van de verwerking",
    "dekt mijn hospitalisatieverzekering dat?",
    "waarom hebben jullie medische gegevens van mij nodig",
    "verwerken jullie gerechtelijke gegevens?",
    "verwerkt u gegevens over strafrechtelijke veroordelingen?",
    "vragen jullie naar mijn strafblad",
    "slaan jullie gegevens op over een rijverbod of een veroordeling",
    "moet ik een uittreksel uit het strafregister geven en wat doen jullie daarmee",
    "gevoelige info zoals mijn gezondheid of een veroordeling, da houdt ge toch ni bij?",
    "verwerken jullie gegevens over een intrekking van het rijbewijs?",
    "ik heb een pv laten opmaken na de inbraak",
    "mijn auto is gestolen, ik heb aangifte gedaan",
    "ik wil mijn gegevens laten wissen",
    "hoe lang bewaren jullie mijn gegevens?",
    "de chat is me goed bevallen",
    "ik heb jullie betrapt op een fout in mijn adres",
    "mijn dochter studeert psychologie",
    "het ziekenhuis vroeg mijn e-mailadres",
]


@pytest.mark.parametrize("text", POLICY_QUESTIONS)
def test_questions_about_the_policy_victims_reports_and_everyday_words_are_left_alone(text: str) -> None:
    assert redact(text) == Redaction(text, ())


# ---- criminal -------------------------------------------------------------------------------------
CRIMINAL_FOUND = [
    ("ik heb een strafblad, kan ik nog klant worden?", "strafblad"),
    ("Heb een strafblad, is dat erg?", "strafblad"),
    ("ik ben in 2019 veroordeeld", "veroordeeld"),
    ("mijn veroordeling is toch al lang voorbij", "veroordeling"),
    ("ik heb 2 jaar in de gevangenis gezeten", "in de gevangenis gezeten"),
    ("ik heb een rijverbod gehad, verwerken jullie dat", "rijverbod"),
    ("ik werd betrapt dronken achter het stuur", "dronken achter het stuur"),
    ("vorige maand een pv voor snelheid gekregen", "pv voor snelheid"),
    ("ik kreeg een proces-verbaal wegens dronkenschap", "proces-verbaal wegens dronkenschap"),
    ("mijn zoon heeft diefstal gepleegd", "diefstal gepleegd"),
    ("ze hebben mijn rijbewijs vorig jaar ingetrokken", "rijbewijs vorig jaar ingetrokken"),
    ("mijn rijbewijs werd ingetrokken, wordt dat bij jullie geregistreerd", "rijbewijs werd ingetrokken"),
    ("hij is veroordeeld tot een werkstraf", "veroordeeld tot een werkstraf"),
    ("ik draag een enkelband", "enkelband"),
    ("ik ben gisteren gearresteerd", "gearresteerd"),
]


@pytest.mark.parametrize("text, term", CRIMINAL_FOUND)
def test_criminal_details_are_redacted(text: str, term: str) -> None:
    result = assert_redacted(text, term, CRIMINAL, "criminal")
    assert result.text == text.replace(term, CRIMINAL) and result.categories == ("criminal",)


# ---- together --------------------------------------------------------------------------------------
def test_several_kinds_in_one_message() -> None:
    number, account = national_number("850730", "033"), be_iban(RNG)
    text = (
        f"Dag, ik heb diabetes en een strafblad. Stort op {spaced(account)}, "
        f"mijn rrn is {nn_formats(number)[0]}, kaart 4111-1111-1111-1111. Mail: jan@example.be"
    )
    result = redact(text)
    assert result.categories == ("card", "criminal", "health", "iban", "national_number")
    assert result.text == (
        f"Dag, ik heb {HEALTH} en een {CRIMINAL}. Stort op {IBAN}, mijn rrn is {NN}, kaart {CARD}. Mail: jan@example.be"
    )


def test_redaction_is_frozen_and_redacting_twice_changes_nothing() -> None:
    result = redact(f"ik heb kanker, rrn {national_number('850730', '033')}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
    assert redact(result.text) == Redaction(result.text, ())


# ---- Unicode and odd input ------------------------------------------------------------------------
def test_unicode_spaces_dashes_and_digits_in_numbers() -> None:
    number = national_number("850730", "033")
    fullwidth = number.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    arabic = number.translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
    for written in (
        f"{number[:6]}\u00a0{number[6:9]}\u00a0{number[9:]}",
        "\u202f".join((number[:2], number[2:4], number[4:6], number[6:9], number[9:])),
        f"{number[:6]}\u2013{number[6:9]}.{number[9:]}",
        fullwidth,
        arabic,
    ):
        assert redact(f"rrn: {written} ok") == Redaction(f"rrn: {NN} ok", ("national_number",)), written
    assert redact("BE68\u00a05390\u00a00754\u00a07034").categories == ("iban",)
    assert redact("ＢＥ６８５３９００７５４７０３４").categories == ("iban",)
    assert redact("4111\u202f1111\u202f1111\u202f1111").categories == ("card",)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x1b[31m\x7f",
        "😀" * 50,
        "مرحبا ١٢٣ שלום",
        "\u202eesrever\u202c",
        "\ud800 lone surrogate \udfff",
        "\ufeff\u200b",
    ],
)
def test_odd_strings_never_crash(text: str) -> None:
    assert redact(text) == Redaction(text, ())


def test_not_a_string() -> None:
    assert redact(None) == Redaction("", ())  # type: ignore[arg-type]


ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ..--//@+'()\n\t"
    "\x00\x07\x1b\x7f\u00a0\u202f\u2009\u2011\u2013\u200b\u200d\u200e\u202e\ufeff"
    "éëïçñßİı😀👍🏽🇧🇪مرحبا١٢٣שלום０１２３ＢＥ\ud800\udfff"
)


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 200)))


def test_random_strings() -> None:
    rng = random.Random(7)
    number = nn_formats(national_number("850730", "033"))[0]
    for _ in range(1500):
        text = random_text(rng)
        result = redact(text)
        assert isinstance(result.text, str)
        assert list(result.categories) == sorted(set(result.categories))
        assert set(result.categories) <= set(PLACEHOLDERS)
        if not result.categories:
            assert result.text == text
        assert redact(result.text).text == result.text
        planted = redact(f"{random_text(rng)}\n{number}\n{random_text(rng)}")  # found amid any noise
        assert "national_number" in planted.categories and number not in planted.text


ADVERSARIAL = [
    "1 " * 100_000,
    "1234 " * 40_000,
    "12." * 66_000,
    "8" * 200_000,
    "a@" * 100_000,
    "a." * 100_000 + "@",
    "BE68 " * 40_000,
    "BE68" + " 1" * 100_000,
    "1-" * 100_000,
    "ik heb een " * 18_000,
    "in de " * 33_000,
    "\u00a0" * 200_000,
    "POL-" + "1" * 200_000 + "x",
    "ab1 " * 50_000,
    "rijbewijs " * 20_000,
    "😀1\u202f" * 66_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:12]))
def test_200_kb_adversarial_strings(text: str) -> None:
    number = national_number("850730", "033")
    assert redact(text) == Redaction(text, ())
    # a real finding after all that is still found
    assert redact(text + "\nrrn " + number).text == text + "\nrrn " + NN


def test_200_kb_of_findings() -> None:
    text = "ik heb kanker en een strafblad. " * 6_500
    assert redact(text).text == f"ik heb {HEALTH} en een {CRIMINAL}. " * 6_500


# ---- warning --------------------------------------------------------------------------------------
PLAIN = {
    "national_number": "je rijksregisternummer",
    "iban": "een bankrekeningnummer (IBAN)",
    "card": "een kaartnummer",
    "health": "gegevens over je gezondheid",
    "criminal": "gegevens over strafrechtelijke zaken",
}


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


@pytest.mark.parametrize("category", sorted(PLAIN))
def test_warning_names_what_was_found_and_points_to_the_mailbox(category: str) -> None:
    text = warning((category,))
    assert PLAIN[category] in text
    assert "weggelaten" in text and "niet bewaard" in text and "privacy@kmo-verzekeringen.be" in text
    assert re.search(r"\bje\b", text) and not re.search(r"\b(u|uw)\b", text)  # the "je" register
    assert 1 <= sentences(text) <= 2


def test_warning_for_several_kinds_lists_each_once_in_a_fixed_order() -> None:
    text = warning(["health", "iban", "health", "national_number"])
    assert text.startswith(
        "Deel je rijksregisternummer, een bankrekeningnummer (IBAN) en gegevens over je gezondheid niet in deze chat"
    )
    assert text == warning({"national_number", "iban", "health"}) and 1 <= sentences(text) <= 2


def test_warning_takes_a_redactions_categories_and_copes_with_nothing() -> None:
    result = redact("ik ben zwanger")
    assert PLAIN["health"] in warning(result.categories)
    assert "gevoelige gegevens" in warning(()) and "gevoelige gegevens" in warning(["onbekend"])
    assert company.privacy_mailbox() in warning("card") and PLAIN["card"] in warning("card")
