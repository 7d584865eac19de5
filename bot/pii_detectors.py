"""Detectors for personal numbers, shared by chat redaction (bot/sensitive.py) and console masking
(bot/masking.py).

Why one module: the two used to carry their own IBAN tables (36 and 77 countries) and their own
national-number checks, so a number one of them hid could pass the other. Here is one ISO 13616
length table, one mod-97 check, one Belgian national-register check, one Luhn check, and one way to
read what visitors really type: "85.07.30 - 033.28", "85,07,30,033,28", double spaces,
"RRN85073003328", "BE68.5390.0754.7034". Each caller keeps its own policy: what to replace a
finding with, and whether a number with a wrong checksum still counts.

``normalise`` returns a view of the text in which those separators are one space and glued prefixes
stand apart, together with a map back to the original offsets, so that a placeholder replaces
exactly the characters the visitor typed. Standard library only; every pattern runs in linear time
(bounded repetitions, no nested quantifiers that can backtrack).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator, Mapping, Optional, Sequence

# ISO 13616 IBAN registry (SWIFT), all 89 countries with their IBAN length. Territories that use
# another country's code (Åland: FI, Jersey: GB, Réunion: FR, ...) have no entry of their own.
IBAN_LENGTHS: Mapping[str, int] = MappingProxyType({entry[:2]: int(entry[2:]) for entry in (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 "
    "DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 "
    "IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 "
    "MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 "
    "SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30").split()})
IBAN_MIN, IBAN_MAX = 15, 34  # the shortest (NO) and the longest length ISO 13616 allows


def mod97_ok(compact: str) -> bool:
    """ISO 13616 check of an IBAN without separators: country code and check digits moved to the
    end, letters read as 10..35, the whole number mod 97 is 1."""
    try:
        return int("".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])) % 97 == 1
    except ValueError:  # not alphanumeric
        return False


def national_number_check_ok(digits: str) -> bool:
    """The check of an 11-digit Belgian national register (or BIS) number: 97 minus the first nine
    digits mod 97, with a "2" before them for people born from 2000 on."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    check = int(digits[9:])
    return check in (97 - int(digits[:9]) % 97, 97 - int("2" + digits[:9]) % 97)


def plausible_birth_date(digits: str) -> bool:
    """yymmdd of a national register number: month 0-12, or +20 / +40 for BIS numbers, day <= 31
    (0 stands for an unknown month or day)."""
    month, day = int(digits[2:4]), int(digits[4:6])
    return day <= 31 and (month <= 12 or 20 <= month <= 32 or 40 <= month <= 52)


def national_number_ok(digits: str) -> bool:
    """A valid national register number: the check holds and the birth date can exist."""
    return national_number_check_ok(digits) and plausible_birth_date(digits)


def luhn_ok(digits: str) -> bool:
    """The Luhn check of payment card numbers."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# ---- what visitors type --------------------------------------------------------------------------
class _Fold:
    """str.translate table mapping one character to one, so folded offsets are original offsets."""

    def __getitem__(self, code: int) -> int:
        if code < 128:
            raise LookupError
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII: "８５．０７"
            return code - 0xFEE0
        category = unicodedata.category(chr(code))
        if category == "Nd":  # any decimal digit, Arabic-Indic included
            return 0x30 + unicodedata.decimal(chr(code))
        if category == "Zs":  # NBSP, narrow NBSP, thin and figure spaces
            return 0x20
        if category == "Pd" or code == 0x2212:  # hyphens, en/em dashes, minus sign
            return 0x2D
        raise LookupError


_FOLD = _Fold()


def fold(text: str) -> str:
    """Unicode digits, spaces and dashes as their ASCII kin, character for character."""
    return text if text.isascii() else text.translate(_FOLD)


# Between two letters or digits (normalise checks that one of them is a digit): a dot, comma or
# dash with up to three spaces either side, or two to six spaces. A single space stays as it is.
_SEPARATOR = r"(?<=[A-Za-z0-9])(?:[ \t]{0,3}[.,-][ \t]{0,3}|[ \t]{2,6})(?=[A-Za-z0-9])"
_BETWEEN_LETTER_AND_DIGIT = re.compile(r"[.-]|[ \t]+")  # "NL91.ABNA": not "7034, mijn"
# Prefixes typed onto the number: "RRN85073003328", "INSZ-nr85...", "rijksregisternummer85...".
_GLUED = (r"(?<![A-Za-z])(?:rijksregister|rrn?|insz|inss|niss|bis|nn)(?:-?(?:nummer|nr|no))?"
          r"(?=[0-9])")
_NORMALISE = re.compile(rf"(?P<sep>{_SEPARATOR})|(?P<glued>{_GLUED})", re.I)


@dataclass(frozen=True)
class View:
    """The text as the number detectors read it, and where each of its characters came from."""

    text: str
    origin: Optional[Sequence[int]] = None  # origin[i]: offset in the original; None: the same

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the view's characters start..end (end exclusive, end > start)."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> View:
    """``fold`` plus: separators between digits (and between a digit and a letter, as in IBANs)
    become one space, and a space goes between a glued prefix and its digits."""
    folded = fold(text)
    pieces: list[str] = []
    origin: list[int] = []
    pos = 0
    for found in _NORMALISE.finditer(folded):
        if found.lastgroup == "sep":
            digits = folded[found.start() - 1].isdigit() + folded[found.end()].isdigit()
            if digits == 0 or digits == 1 and not _BETWEEN_LETTER_AND_DIGIT.fullmatch(found.group()):
                continue  # "e-mail", "ja, nee", "7034, mijn": words stay apart as they are
            cut = found.start()
        else:
            cut = found.end()
        pieces.append(folded[pos:cut])
        origin.extend(range(pos, cut))
        pieces.append(" ")
        origin.append(cut)
        pos = found.end()
    if not pieces:
        return View(folded)
    pieces.append(folded[pos:])
    origin.extend(range(pos, len(folded)))
    return View("".join(pieces), origin)


# ---- IBAN -----------------------------------------------------------------------------------------
# A greedy candidate ("BE68 5390 0754 7034 dank" takes "dank" too); iban_findings trims it.
IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2} ?\d{2}(?:[ -]?[A-Za-z0-9]){11,30}", re.A)


@dataclass(frozen=True)
class IbanFinding:
    start: int
    end: int
    valid: bool  # the checksum holds and the length is the country's; else a typo


def iban_findings(text: str) -> Iterator[IbanFinding]:
    """IBANs in a normalised text: per candidate the longest checksum-valid one that ends at a
    word end, else one with its country's length and a typo (valid=False), unless it is written
    casually ("is 85 07 ...": a lower-case country code and a space), which may be words and
    digits. An unknown country code counts only in capitals with a valid checksum."""
    pos = 0
    while (found := IBAN_CANDIDATE.search(text, pos)) is not None:
        result = _iban_in(text, found)
        if result is None:
            pos = found.start() + 1
            continue
        yield result
        pos = result.end


def _iban_in(text: str, found: re.Match) -> Optional[IbanFinding]:
    ends, count = [], 0  # (compact length, end offset) at each word end, longest last
    for i in range(found.start(), found.end()):
        if text[i] not in " -":
            count += 1
            if count >= IBAN_MIN and (i + 1 == len(text) or not text[i + 1].isalnum()):
                ends.append((count, i + 1))
    country = found.group(0)[:2]
    expected = IBAN_LENGTHS.get(country.upper())
    casual = found.group(0)[2] == " " and not country.isupper()  # "is 85 07 30 ..."
    typo = None
    for length, end in reversed(ends):
        compact = re.sub(r"[ -]", "", text[found.start():end]).upper()
        right_length = length == expected if expected else country.isupper() and length <= IBAN_MAX
        if right_length and mod97_ok(compact):
            return IbanFinding(found.start(), end, True)
        if expected and length == expected and typo is None and not casual:
            typo = IbanFinding(found.start(), end, False)
    return typo
