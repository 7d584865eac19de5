"""Detectors for personal numbers, shared by chat redaction (bot/privacy/redaction.py) and console masking
(bot/privacy/masking.py).

Why one module: the two used to carry their own IBAN tables (36 and 77 countries) and their own
national-number checks, so a number one of them hid could pass the other. Here is one ISO 13616
length table, one mod-97 check, one Belgian national-register check and one finder of its
yy.mm.dd-sss.cc shape, one Luhn check, and one way to read what visitors really type:
"85.07.30 - 033.28", "85,07,30,033,28", double spaces, "RRN85073003328", "BE68.5390.0754.7034".
Each caller keeps its own policy: what to replace a finding with, and whether a number with a
wrong checksum still counts.

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
from typing import Callable, Iterator, Mapping, Optional, Sequence

# ISO 13616 IBAN registry (SWIFT): all 89 countries with the format of their BBAN, the part after
# the check digits: "3n7n2n" is 3, 7 and 2 digits (n), "a" stands for capital letters, "c" for
# letters or digits. Territories that use another country's code (Åland: FI, Jersey: GB,
# Réunion: FR, ...) have no entry of their own.
_BBAN_FORMATS = {
    entry[:2]: entry[3:]
    for entry in """
    AD:4n4n12c AE:3n16n AL:8n16c AT:5n11n AZ:4a20c BA:3n3n8n2n BE:3n7n2n BG:4a4n2n8c BH:4a14c
    BI:5n5n11n2n BR:8n5n10n1a1c BY:4c4n16c CH:5n12c CR:4n14n CY:3n5n16c CZ:4n6n10n DE:8n10n
    DJ:5n5n11n2n DK:4n9n1n DO:4c20n EE:2n14n EG:4n4n17n ES:4n4n1n1n10n FI:3n11n FK:2a12n FO:4n9n1n
    FR:5n5n11c2n GB:4a6n8n GE:2a16n GI:4a15c GL:4n9n1n GR:3n4n16c GT:4c20c HN:4a20n HR:7n10n
    HU:3n4n1n15n1n IE:4a6n8n IL:3n3n13n IQ:4a3n12n IS:4n2n6n10n IT:1a5n5n12c JO:4a4n18c KW:4a22c
    KZ:3n13c LB:4n20c LC:4a24c LI:5n12c LT:5n11n LU:3n13c LV:4a13c LY:3n3n15n MC:5n5n11c2n MD:2c18c
    ME:3n13n2n MK:3n10c2n MN:4n12n MR:5n5n11n2n MT:4a5n18c MU:4a2n2n12n3n3a NI:4a20n NL:4a10n
    NO:4n6n1n OM:3n16c PK:4a16c PL:8n16n PS:4a21c PT:4n4n11n2n QA:4a21c RO:4a16c RS:3n13n2n
    RU:9n5n15c SA:2n18c SC:4a2n2n16n3a SD:2n12n SE:3n16n1n SI:5n8n2n SK:4n6n10n SM:1a5n5n12c
    SO:4n3n12n ST:8n11n2n SV:4a20n TL:3n14n2n TN:2n3n13n2n TR:5n1n16c UA:6n19c VA:3n15n VG:4a16n
    XK:4n10n2n YE:4a4n18c""".split()
}
_KINDS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
BBAN_PATTERNS: Mapping[str, "re.Pattern[str]"] = MappingProxyType(
    {
        country: re.compile("".join(f"{_KINDS[kind]}{{{count}}}" for count, kind in re.findall(r"(\d+)([nac])", spec)))
        for country, spec in _BBAN_FORMATS.items()
    }
)
IBAN_LENGTHS: Mapping[str, int] = MappingProxyType(
    {country: 4 + sum(int(count) for count in re.findall(r"\d+", spec)) for country, spec in _BBAN_FORMATS.items()}
)
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
_BETWEEN_LETTER_AND_DIGIT = re.compile(r"[ \t]*[.-][ \t]*|[ \t]+")  # "NL91.ABNA", "NL91 - ABNA": not "7034, mijn"
# Prefixes typed onto the number: "RRN85073003328", "INSZ-nr85...", "rijksregisternummer85...".
_GLUED = (
    r"(?<![A-Za-z])(?:rijksregister|rrn?|insz|inss|niss|bis|nn)(?:-?(?:nummer|nr|no))?"
    r"(?=[0-9])"
)
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
    word end, with its country's length and format, else one with a typo (valid=False), unless it is written
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
        compact = re.sub(r"[ -]", "", text[found.start() : end]).upper()
        if expected:  # the country's length and BBAN format: "BE0123 456 789 zijn" is no IBAN
            shaped = length == expected and bool(BBAN_PATTERNS[country.upper()].fullmatch(compact[4:]))
        else:
            shaped = country.isupper() and length <= IBAN_MAX
        if shaped and mod97_ok(compact):
            return IbanFinding(found.start(), end, True)
        if expected and shaped and typo is None and not casual:
            typo = IbanFinding(found.start(), end, False)
    return typo


# ---- digit runs and payment cards -----------------------------------------------------------------
# In a normalised view groups of digits stand one space apart; a run is never the tail of a word or
# of "+32".
_DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?: \d+)*", re.A)
_GROUP = re.compile(r"\d+", re.A)

Groups = list[tuple[int, int]]  # (start, end) of each group of digits in one run


def digit_runs(text: str) -> Iterator[Groups]:
    """The groups of each run of digits in a normalised text; a last group that runs on into a
    word ("…28abc") is left out."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [group.span() for group in _GROUP.finditer(text, run.start(), run.end())]
        if groups and groups[-1][1] < len(text) and text[groups[-1][1]].isalnum():
            groups.pop()
        yield groups


# ---- national register numbers --------------------------------------------------------------------
NATIONAL_NUMBER_CUTS = (2, 4, 6, 9)  # yy.mm.dd-sss.cc: separators may only stand after these many digits


def national_number_end(text: str, groups: Groups, i: int) -> int:
    """Index of the last group of an 11-digit number shaped like a national register number
    (groups split only where yy.mm.dd-sss.cc has a separator) from group i, or -1. The shape only:
    whether it counts is the caller's policy."""
    size = 0
    for j in range(i, min(i + 5, len(groups))):
        size += groups[j][1] - groups[j][0]
        if size == 11:
            return j
        if size not in NATIONAL_NUMBER_CUTS:
            return -1
    return -1


def national_number_findings(
    text: str, accept: Callable[[str, int, int], bool] = lambda digits, start, end: national_number_ok(digits)
) -> Iterator[tuple[int, int]]:
    """(start, end) of each national register number in a normalised text: a run of digits of the
    right shape that ``accept(digits, start, end)`` takes (by default: the check holds and the
    birth date can exist)."""
    for groups in digit_runs(text):
        i = 0
        while i < len(groups):
            j = national_number_end(text, groups, i)
            if j >= 0:
                start, end = groups[i][0], groups[j][1]
                if accept("".join(text[s:e] for s, e in groups[i : j + 1]), start, end):
                    yield start, end
                    i = j + 1
                    continue
            i += 1


def card_end(text: str, groups: Groups, i: int) -> int:
    """Index of the last group of the longest Luhn-valid card number from group i, or -1.
    Typed as one block, in fours (the last group shorter), or as 4-6-5 / 4-6-4 (Amex, Diners)."""
    best, first = -1, groups[i][1] - groups[i][0]
    for j in range(i, min(i + 5, len(groups)) if first == 4 else i + 1):
        sizes = [e - s for s, e in groups[i : j + 1]]
        shaped = (
            len(sizes) == 1
            or (len(sizes) >= 4 and set(sizes[:-1]) == {4} and sizes[-1] <= 4)
            or sizes in ([4, 6, 5], [4, 6, 4])
        )
        digits = "".join(text[s:e] for s, e in groups[i : j + 1])
        if shaped and 13 <= len(digits) <= 19 and digits[0] != "0" and luhn_ok(digits):
            best = j
    return best


def card_findings(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each payment card number in a normalised text."""
    for groups in digit_runs(text):
        i = 0
        while i < len(groups):
            j = card_end(text, groups, i)
            if j >= 0:
                yield groups[i][0], groups[j][1]
            i = j + 1 if j >= 0 else i + 1
