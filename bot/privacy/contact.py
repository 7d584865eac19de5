"""Contact details as visitors type them, normalised so that a check finds them however
they were written: e-mail addresses (email-validator), Belgian phone numbers to E.164
(phonenumbers), postal addresses by case and spacing."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidContact(ValueError):
    """Carries a Dutch message that can be shown to the visitor as is."""


def normalise_email(raw: str) -> str:
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidContact("Dat lijkt geen geldig e-mailadres. Probeer het opnieuw, bv. naam@example.be.") from None
    return result.normalized.lower()


def normalise_phone(raw: str) -> str:
    try:
        number = phonenumbers.parse((raw or "").strip(), "BE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidContact("Dat lijkt geen geldig telefoonnummer. Probeer het opnieuw, bv. 0470 12 34 56.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postal(raw: str) -> str:
    text = re.sub(r"\s+", " ", (raw or "").replace(",", " , ")).strip().casefold()
    text = re.sub(r"\s+,", ",", text)
    if len(re.sub(r"\W", "", text)) < 6 or not re.search(r"\d", text):
        raise InvalidContact("Geef een volledig postadres, met straat, huisnummer, postcode en gemeente.")
    return text


def kind_of(raw: str) -> str:
    """Guess what a free-form contact detail is: 'email', 'phone' or 'post'."""
    text = (raw or "").strip()
    if "@" in text:
        return "email"
    if re.fullmatch(r"[+\d][\d\s./()-]{5,}", text):
        return "phone"
    return "post"
