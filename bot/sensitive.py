"""Redact sensitive data that visitors type into the chat, before Rasa reads or stores it.

Visitors sometimes paste a national register number, a bank account or card number, or tell us
about an illness or a conviction. None of that is needed to answer a privacy question, and once it
is in the tracker store it would have to be found and erased again; so the chat channel redacts it
first and the bot warns the visitor (``warning``). The rules favour the ordinary data our forms
need (e-mail addresses, phone numbers, PRV- references, customer and policy numbers, dates,
addresses, amounts): numbers count only when their checksum holds, words only when they name a
specific condition, treatment or offence, never the general words of a question about our policy.

Standard library only. Every pattern runs in linear time (bounded repetitions, no nested
quantifiers that can backtrack); detection runs on a copy folded character for character
(NBSP and other spaces, dashes, full-width and other Unicode digits), so offsets stay valid.

Not caught, on purpose: numbers with a wrong checksum (typos included), the old Belgian account
format (539-0075470-34), card numbers in other groupings, digits split by zero-width characters,
general words ("ziek", "dokter", "ongeval", "diefstal" as a victim reports it), and health or
criminal details described in other words than those listed here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator

MAILBOX = "privacy@kmo-verzekeringen.be"  # as bot.chat_forms.MAILBOX, without its imports
PLACEHOLDERS = {
    "national_number": "[rijksregisternummer weggelaten]", "iban": "[rekeningnummer weggelaten]",
    "card": "[kaartnummer weggelaten]", "health": "[gezondheidsgegeven weggelaten]",
    "criminal": "[gerechtelijk gegeven weggelaten]",
}
_PLAIN = {  # what the warning calls each category, in this order
    "national_number": "je rijksregisternummer", "iban": "een bankrekeningnummer (IBAN)",
    "card": "een kaartnummer", "health": "gegevens over je gezondheid",
    "criminal": "gegevens over strafrechtelijke zaken",
}


@dataclass(frozen=True)
class Redaction:
    text: str  # the message with each finding replaced by its PLACEHOLDERS text
    categories: tuple[str, ...]  # sorted, unique keys of PLACEHOLDERS; () when nothing was found


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


# Left alone whatever they contain: e-mail addresses, request references, policy numbers.
_PROTECTED = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+"
                        r"|(?<!\w)(?:PRV-[A-Z0-9]{10}|POL-\d[\d-]*)", re.I)

# IBAN: a greedy candidate ("BE68 5390 0754 7034 dank" takes "dank" too); _iban_end trims it.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2} ?\d{2}(?:[ -]?[A-Za-z0-9]){11,30}", re.A)
_IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 "
    "EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 "
    "KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 "
    "PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 "
    "XK20").split()}

# A run of digit groups, one space, dot or dash between groups; never the tail of a word or "+32".
_DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?:[ .-]\d+)*", re.A)
_GROUP = re.compile(r"\d+", re.A)
_NATIONAL_CUTS = (2, 4, 6, 9)  # yy.mm.dd-sss.cc: separators may only stand at these digit counts


def _terms(words: str) -> "re.Pattern[str]":
    """One case-insensitive pattern for whole words; "_" in a word stands for any whitespace."""
    return re.compile(r"(?<!\w)(?:" + "|".join(w.replace("_", r"\s+") for w in words.split())
                      + r")(?!\w)", re.I)


# Health: specific conditions, treatments and care; never "gezondheid(sgegevens)", "medische
# gegevens" or "beperking" (of processing): those are words of questions about our policy.
_HEALTH_RE = _terms(r"""
    \w*(?:kanker|tumor|tumoren|leukemie|diabetes|suikerziekte|depressie)\w* diabeti\w*
    burn(?:-|_)?out\w* overspannen hiv(?:-?positief)? aids seropositief soa epilep\w* hartaanval\w*
    hartinfarct\w* hart(?:falen|operatie|kwaal|ziekte|problemen) beroerte hersen(?:infarct|bloeding)
    zwanger\w* bevalling\w* miskraam abortus ivf handicap\w* gehandicapt\w* mindervalide\w*
    rolstoel\w* medicatie medicijn\w* medicament\w* antidepressiv\w* slaap(?:pil|middel)\w* insuline
    methadon chemo\w* bestraling\w* radiotherapie dialyse psychiat\w* psycholo(?:og|oge|gen)
    psychotherapie psychose psychotisch\w* schizofren\w* bipolai?r\w* autis\w* adhd angststoornis\w*
    paniekaanval\w* eetstoornis\w* anorexia boulimi\w* versla(?:afd|ving)\w* alcoholis\w* afkick\w*
    parkinson\w* alzheimer\w* dement(?:ie|erend\w*) multiple_sclerose reuma\w* astma\w* copd
    mucoviscidose hepatitis tuberculose (?:long_)?covid(?:-?19)? allergie\w* geopereerd
    arbeidsongeschikte? arbeidsongeschiktheid_(?:door|wegens|na)_(?:een_|mijn_)?\w+ ziekteverlof
    ziekenbriefje doktersbriefje langdurig_ziek\w* ziek_thuis ziekgemeld ziekenhuisopname\w*
    (?:opname|opgenomen)_(?:geweest_)?in_(?:het|de|een)_(?:ziekenhuis|kliniek|psychiatrie)
    in_(?:het|de|een)_(?:ziekenhuis|kliniek)_(?:opgenomen|gelegen)
""")
# Criminal, always: offences, sentences and police measures that someone underwent.
_CRIMINAL_RE = _terms(r"""
    (?:in_(?:de|het)_)?(?:gevangenis|cel|bak|nor|jeugdinstelling)_gezeten enkelband vluchtmisdrijf
    (?:cel|gevangenis|werk|taak)straf\w* rijbewijs_(?:\w+_){0,3}?(?:ingetrokken|ingenomen|afgenomen)
    dronken_achter_het_stuur onder_invloed_(?:gereden|achter_het_stuur) positief_geblazen
    (?:pv|p\.v\.|proces-verbaal|proces_verbaal)_(?:gekregen|(?:voor|wegens)(?:_(?:een|de|het))?_\w+)
    veroordeeld_(?:tot|voor|wegens)(?:_(?:een|de|het))?_\w+ gearresteerd
    betrapt_op_(?:\w*diefstal|fraude|drugs\w*|zwartwerk)
    (?:\w*diefstal|fraude|oplichting|misdrijf|misdaad)_gepleegd voorarrest voorhechtenis
    (?:opgepakt|aangehouden)_door_de_politie in_verdenking_gesteld strafrechtelijk_vervolgd
    problemen_met_(?:het_gerecht|justitie|de_politie)
""")
# Criminal, in context only: general words that questions about our policy use too (_first_person).
_GENERAL_RE = _terms(r"""strafblad\w* strafregister\w* veroordee?l\w* gevangenis\w* rijverbod\w*
    in_de_(?:cel|bak|nor) vervolgd (?:straf|ge)rechtelijk_verleden""")
_FIRST_PERSON = {"ik", "mijn", "m'n", "mn", "me", "mij", "heb", "had", "ben", "was", "zat", "kreeg", "werd"}
_ABOUT_POLICY = {"jullie", "u", "uw", "gegevens", "informatie", "info", "data", "vraag", "vragen",
                 "verwerken", "verwerkt", "bewaren", "bewaart", "uittreksel", "gevoelige", "zoals",
                 "bijvoorbeeld", "gezondheid"}
_CLAUSE_END = re.compile(r"[.,;:!?()\n]")
_WORD = re.compile(r"[\w']+")


def _iban_end(text: str, match: re.Match) -> tuple[int, bool]:
    """End of the longest checksum-valid IBAN in a greedy candidate at a word end, and True; else
    the end of one with its country's length but a typo, and False (its digits are no card), or -1."""
    ends, count = [], 0
    for i in range(match.start(), match.end()):
        if text[i] not in " -":
            count += 1
            if count >= 15 and (i + 1 == len(text) or not text[i + 1].isalnum()):
                ends.append(i + 1)
    mistyped = -1
    for end in reversed(ends):
        compact = re.sub(r"[ -]", "", text[match.start():end])
        expected = _IBAN_LENGTHS.get(compact[:2].upper())  # unknown country: only in capitals
        if (len(compact) == expected if expected else compact[:2].isupper()) and _mod97(compact):
            return end, True
        if len(compact) == expected and mistyped < 0:
            mistyped = end
    return mistyped, False


def _mod97(compact: str) -> bool:
    """ISO 13616: the country code and check digits moved to the end, letters as 10..35."""
    return int("".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])) % 97 == 1


def _national_end(text: str, groups: list[tuple[int, int]], i: int) -> int:
    """Index of the last group of a valid national register (or BIS) number from group i, or -1."""
    size = 0
    for j in range(i, min(i + 5, len(groups))):
        size += groups[j][1] - groups[j][0]
        if size == 11:
            digits = "".join(text[s:e] for s, e in groups[i:j + 1])
            month, day, check = int(digits[2:4]), int(digits[4:6]), int(digits[9:])
            plausible = day <= 31 and (month <= 12 or 20 <= month <= 32 or 40 <= month <= 52)
            born = (int(digits[:9]), int("2" + digits[:9]))  # born before 2000, from 2000 on
            return j if plausible and check in [97 - n % 97 for n in born] else -1
        if size not in _NATIONAL_CUTS:
            return -1
    return -1


def _card_end(text: str, groups: list[tuple[int, int]], i: int) -> int:
    """Index of the last group of the longest Luhn-valid card number from group i, or -1.
    Typed as one block, in fours (the last group shorter), or as 4-6-5 / 4-6-4."""
    best, first = -1, groups[i][1] - groups[i][0]
    for j in range(i, min(i + 5, len(groups)) if first == 4 else i + 1):
        if j > i and text[groups[j - 1][1]] == ".":
            break
        sizes = [e - s for s, e in groups[i:j + 1]]
        shaped = (len(sizes) == 1 or (len(sizes) >= 4 and set(sizes[:-1]) == {4} and sizes[-1] <= 4)
                  or sizes in ([4, 6, 5], [4, 6, 4]))
        digits = "".join(text[s:e] for s, e in groups[i:j + 1])
        if shaped and 13 <= len(digits) <= 19 and digits[0] != "0" and _luhn(digits):
            best = j
    return best


def _luhn(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _first_person(text: str, start: int) -> bool:
    """A general criminal word counts when the clause before it has a first-person word among its
    last five words ("ik heb een strafblad", "mijn veroordeling") and no word of a question about
    our policy ("verwerken jullie gegevens over veroordelingen?", "vragen jullie naar mijn
    strafblad?", "moet ik een uittreksel uit het strafregister geven?")."""
    clause = _CLAUSE_END.split(text[max(0, start - 80):start])[-1]
    words = [word.lower() for word in _WORD.findall(clause)]
    return bool(_FIRST_PERSON.intersection(words[-5:])) and not _ABOUT_POLICY.intersection(words)


def _findings(text: str) -> Iterator[tuple[int, int, str]]:
    """Candidate spans, most specific first; redact() keeps those that overlap nothing earlier."""
    for found in _PROTECTED.finditer(text):
        yield found.start(), found.end(), ""
    pos = 0
    while (found := _IBAN.search(text, pos)) is not None:
        end, valid = _iban_end(text, found)
        if end > 0:
            yield found.start(), end, "iban" if valid else ""
        pos = end if end > 0 else found.start() + 1
    runs = [list(_GROUP.finditer(text, run.start(), run.end())) for run in _DIGIT_RUN.finditer(text)]
    for category, last_group in (("national_number", _national_end), ("card", _card_end)):
        for run in runs:
            groups = [g.span() for g in run]
            if groups and groups[-1][1] < len(text) and text[groups[-1][1]].isalnum():
                groups.pop()  # "…28abc": the last group runs on into a word
            i = 0
            while i < len(groups):
                j = last_group(text, groups, i)
                if j >= 0:
                    yield groups[i][0], groups[j][1], category
                i = j + 1 if j >= 0 else i + 1
    for pattern, category in ((_CRIMINAL_RE, "criminal"), (_HEALTH_RE, "health")):
        for found in pattern.finditer(text):
            yield found.start(), found.end(), category
    for found in _GENERAL_RE.finditer(text):
        if _first_person(text, found.start()):
            yield found.start(), found.end(), "criminal"


def redact(text: str) -> Redaction:
    """The message with national register, IBAN and card numbers and health and criminal details
    replaced by Dutch placeholders, so they never reach Rasa's tracker store. Never raises."""
    text = text if isinstance(text, str) else "" if text is None else str(text)
    folded = text if text.isascii() else text.translate(_Fold())
    taken = bytearray(len(text))
    kept = []
    for start, end, category in _findings(folded):
        if start < end and 1 not in taken[start:end]:
            taken[start:end] = b"\x01" * (end - start)
            if category:
                kept.append((start, end, category))
    parts, pos = [], 0
    for start, end, category in sorted(kept):
        parts += [text[pos:start], PLACEHOLDERS[category]]
        pos = end
    parts.append(text[pos:])
    return Redaction("".join(parts), tuple(sorted({category for _, _, category in kept})))


def warning(categories: Iterable[str]) -> str:
    """The Dutch warning for a redacted message: what was found, that it was left out and not
    stored, and where to send it if it is really needed. Unknown or no categories: in general."""
    found = {categories} if isinstance(categories, str) else set(categories or ())
    names = [plain for category, plain in _PLAIN.items() if category in found] or ["gevoelige gegevens"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
    return (f"Deel {listed} niet in deze chat: we hebben dat uit je bericht weggelaten en niet "
            f"bewaard. Moet je zulke gegevens echt aan ons bezorgen, mail dan naar {MAILBOX}.")
