"""Mask personal data in chat transcripts and lists for the support-staff console.

Staff see transcripts masked by default: most questions ("hoe lang bewaren jullie mijn gegevens?")
can be answered without seeing who asked, and a screen that shows no personal data cannot leak it
over someone's shoulder or in a screenshot. Masking errs on the side of hiding too much: a year
hidden by mistake costs staff a second look, a national register number shown by mistake cannot be
taken back.

Everything here is plain Python without Rasa, so the console, exports and tests can use it cheaply.
IBANs, national register and card numbers are found by the same detectors as the chat's redaction
(bot/privacy/pii_detectors.py: one IBAN table, one way to read separators); this module adds its own policy:
a number with a typo in its checksum is still hidden, because it is still someone's number.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Tuple

import phonenumbers
from phonenumbers import Leniency

from bot.privacy import pii_detectors, references

LABELS: dict[str, str] = {
    "email": "[e-mailadres]",
    "phone": "[telefoonnummer]",
    "national_number": "[rijksregisternummer]",
    "iban": "[IBAN]",
    "card": "[kaartnummer]",
    "customer_number": "[klantnummer]",
    "name": "[naam]",
    "address": "[adres]",
}
"""Kind of personal data -> the Dutch placeholder that replaces it."""

FALLBACK_LABEL = "[persoonsgegeven]"
"""Placeholder for a known value whose kind is not in LABELS: still hidden, just less specific."""

PERSONAL_SLOTS: dict[str, str] = {
    "requester_name": "name",
    "requester_email": "email",
    "customer_number": "customer_number",
    # request_details is free text: masked by what it contains, never as a whole.
    "unsubscribe_email": "email",
    "unsubscribe_phone": "phone",
    "unsubscribe_postal": "address",
    "lookup_email": "email",
}
"""The chatbot's form slots that hold personal data, with the kind each one holds."""

SKIP_VALUE = "geen"  # what the forms store for an optional answer left out (bot.dialogue.form_input.SKIP)
MIN_KNOWN_CHARS = 3  # shorter values would mask ordinary words and digits all over a transcript
_MAX_PASSES = 4  # masking is repeated until nothing changes, so masking masked text is a no-op

Span = Tuple[int, int, str]  # start, end, placeholder ("" = protected: leave as it is)

# ---- protected text ----------------------------------------------------------------------------
# Placeholders are protected so masking twice changes nothing; PRV- references are request
# references staff need to look things up, and their digits must not pass for phone numbers.
_PLACEHOLDER = re.compile("|".join(re.escape(label) for label in [*LABELS.values(), FALLBACK_LABEL]))
_PRV_REFERENCE = re.compile(rf"\b{references.TYPED}\b", re.I)

# ---- patterns ------------------------------------------------------------------------------------
# Starts only where a token starts: without the lookbehind a long run of letters is quadratic.
_EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])")

# "klantnummer 884512", "klantnr. 884512", "polis 12/345.678", "dossiernummer: 4455": the word stays.
_NUMBER_WORD = (
    r"(?:klant(?:en)?|polis|dossier|contract|schade|schadedossier|verzekerings|lid|aansluitings)"
    r"\s?(?:nummer|nr\.?|n°|no\.)"
    r"|polis|dossier"
)
_NUMBER_VALUE = (
    r"\d{1,3}(?:\s\d{3})+(?!\d)"  # grouped by thousands: "12 345 678"
    r"|(?=[A-Z]{0,4}[/-]?\d)(?=[\w./-]{3})[A-Z0-9]+(?:[./-][A-Z0-9]+)*"
)
_CUSTOMER_NUMBER = re.compile(
    rf"(?<!\w)(?:{_NUMBER_WORD})(?:\s*(?::|#|=|is\b|was\b)\s*|\s+)(?P<value>{_NUMBER_VALUE})(?!\w)", re.I
)
_POLICY_TOKEN = re.compile(r"(?<!\w)POL[-/ ]?\d[\d/.-]*\d(?!\w)", re.I | re.A)  # "POL-2023-00417"

# Belgian national register number: found by pii_detectors in its normalise view, so
# "85,07,30 - 123.45" and "RRN85031212345" count too; typed as officially written it always counts.
_NATIONAL_NUMBER_FORMATTED = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}", re.A)

# Runs of digits that may hold a phone number the matcher missed because something follows it
# ("0470 12 34 56 2023", two numbers in a row): split at digit-group boundaries by _phone_runs.
_PHONE_RUN = re.compile(r"(?<![\w+])(?<!\d[./-])(?:\+|0)[\d ./()-]{0,32}\d", re.A)
_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](?:\d{4}|\d{2})(?!\d)", re.A)

# Used only if the phonenumbers library fails on some input: any long run of digits is hidden.
_PHONE_FALLBACK = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s./()-]{0,2}\d){8,14}(?!\w)", re.A)

# Name particles: "Van den Berg" must not hide every "van" and "den" in a transcript.
_NAME_PARTICLES = {
    "van",
    "der",
    "den",
    "ten",
    "ter",
    "von",
    "vom",
    "des",
    "del",
    "della",
    "dos",
    "das",
    "het",
    "vande",
    "vanden",
    "vander",
    "op",
    "uit",
    "aan",
    "les",
    "los",
    "mac",
    "sint",
}
_DIGIT_KINDS = {"phone", "national_number", "customer_number", "iban"}


class _Claims:
    """Non-overlapping spans of the text, in order: the first detector to claim text wins."""

    def __init__(self) -> None:
        self._starts: List[int] = []
        self._spans: List[Span] = []

    def free(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._spans[i - 1][1] > start:
            return False
        return not (i < len(self._spans) and self._spans[i][0] < end)

    def claim(self, start: int, end: int, label: str) -> bool:
        if start >= end or not self.free(start, end):
            return False
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._spans.insert(i, (start, end, label))
        return True

    def apply(self, text: str) -> str:
        parts, pos = [], 0
        for start, end, label in self._spans:
            parts.append(text[pos:start])
            parts.append(label or text[start:end])
            pos = end
        parts.append(text[pos:])
        return "".join(parts)


# ---- detectors -------------------------------------------------------------------------------------
def _national_number_policy(text: str, view: pii_detectors.View) -> Callable[[str, int, int], bool]:
    """Checksum-valid, typed in the official format (in the original text), or at least a
    plausible birth date: a typo in the check still leaves someone's number."""

    def accept(digits: str, start: int, end: int) -> bool:
        if pii_detectors.national_number_check_ok(digits) or pii_detectors.plausible_birth_date(digits):
            return True
        first, last = view.span(start, end)
        return bool(_NATIONAL_NUMBER_FORMATTED.fullmatch(text[first:last]))

    return accept


def _phone_spans(text: str) -> Iterator[Tuple[int, int]]:
    """Phone numbers as phonenumbers finds them, Belgian and Dutch ways of writing included."""
    try:
        for region in ("BE", "NL"):
            for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
                yield found.start, found.end
        # Numbers in unassigned ranges or with a digit too few are still someone's number; keep to
        # ones that start like a phone number and are long enough not to be a date or an amount.
        for found in phonenumbers.PhoneNumberMatcher(text, "BE", leniency=Leniency.POSSIBLE):
            raw = found.raw_string.lstrip("(")
            if raw.startswith(("0", "+")) and sum(ch.isdigit() for ch in raw) >= 9:
                yield found.start, found.end
    except Exception:  # a library bug must not show a number unmasked, nor break the console
        for found in _PHONE_FALLBACK.finditer(text):
            yield found.start(), found.end()


def _phone_runs(text: str, claims: _Claims) -> None:
    """Claim valid phone numbers at the start of digit runs: the longest valid prefix wins."""
    checked: dict[str, bool] = {}  # per call, so no phone number outlives the request in a cache
    pos = 0
    while True:
        run = _PHONE_RUN.search(text, pos)
        if run is None:
            return
        ends = [m.end() for m in re.finditer(r"\d+", run.group(0))]
        pos = run.start() + ends[0]  # if nothing is found here, the next run starts after this group
        for end in reversed(ends):
            candidate = run.group(0)[:end]
            if not _phone_shaped(candidate) or not claims.free(run.start(), run.start() + end):
                continue
            if candidate not in checked:
                checked[candidate] = _valid_phone(candidate, "BE") or _valid_phone(candidate, "NL")
            if checked[candidate]:
                claims.claim(run.start(), run.start() + end, LABELS["phone"])
                pos = run.start() + end
                break


def _phone_shaped(candidate: str) -> bool:
    """Cheap checks before asking phonenumbers: digit count, and no date inside."""
    digits = sum(ch.isdigit() for ch in candidate)
    international = candidate.startswith(("+", "00"))
    if not (9 <= digits <= 15 if international else 9 <= digits <= 10):
        return False
    for date in _DATE.finditer(candidate):
        if 1 <= int(date.group(1)) <= 31 and 1 <= int(date.group(2)) <= 12:
            return False
    return True


def _valid_phone(candidate: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except Exception:  # NumberParseException, or a library bug on odd input
        return False


Patterns = List[Tuple["re.Pattern[str]", str]]  # compiled pattern, placeholder


def _known_patterns(known: Mapping[str, str]) -> Tuple[Patterns, Patterns]:
    """Regexes for the known literal values (longest first) and for the separate words of names."""
    whole: dict[str, Tuple[int, str]] = {}
    parts: dict[str, str] = {}
    for raw_value, raw_kind in known.items():
        value = " ".join(str(raw_value if raw_value is not None else "").split())
        kind = str(raw_kind)
        if len(value) < MIN_KNOWN_CHARS or value.casefold() == SKIP_VALUE:
            continue
        label = LABELS.get(kind, FALLBACK_LABEL)
        if kind in _DIGIT_KINDS and sum(ch.isalnum() for ch in value) >= MIN_KNOWN_CHARS:
            # "0470 12 34 56" in the slot, "0470123456" in the transcript: compare the characters only.
            body = r"[\s./-]?".join(re.escape(ch) for ch in value if ch.isalnum())
        else:
            body = r"\s+".join(re.escape(word) for word in value.split())
        whole.setdefault(body, (len(value), label))
        if kind == "name":
            for word in re.split(r"[\s-]+", value):
                word = word.strip('.,;:!?"()')
                if sum(ch.isalpha() for ch in word) >= 3 and word.casefold() not in _NAME_PARTICLES:
                    parts.setdefault(re.escape(word), label)
        elif kind == "address":
            street = value.split(",")[0].strip()  # "Kerkstraat 12" without the municipality
            has_both = re.search(r"\d", street) and re.search(r"[^\W\d_]", street)
            if street != value and len(street) >= 5 and has_both:
                parts.setdefault(r"\s+".join(re.escape(w) for w in street.split()), label)
    ordered = sorted(whole.items(), key=lambda item: -item[1][0])
    compile_ = lambda body: re.compile(rf"(?<!\w){body}(?!\w)", re.I)  # noqa: E731  whole words only
    return (
        [(compile_(body), label) for body, (_, label) in ordered],
        [(compile_(body), label) for body, label in sorted(parts.items(), key=lambda kv: -len(kv[0]))],
    )


# ---- the company's own public contact details -----------------------------------------------------
# A bot message that says "mail privacy@kmo-verzekeringen.be" or gives the DPO's postal address is
# no one's personal data: masked, it reads like a leak and hides the answer staff are checking.
# Visitors' messages are masked as ever, even when a visitor types the same address.
_STATEMENT_POSTAL = re.compile(  # "Wolvenpad 2, 3300 Tienen" or the two lines of a letter's address
    r"(?<![\w-])([A-Z][\w'-]*(?: [a-z][\w'-]*)? \d{1,4}[a-z]?)\s*(?:,\s*|\n\s*)(\d{4} [A-Z][\w-]+(?: [A-Z][\w-]+)?)"
)
_STATEMENT_COMPANY_NUMBER = re.compile(r"ondernemingsnummer\s+(\d[\d.]*\d)", re.I)
_URL = re.compile(r"https?://[^\s<>\"')]+", re.I)


def _statement_contacts(text: str) -> Tuple[List[str], List[str], List[str]]:
    """E-mail addresses, postal addresses (street, and street with municipality) and company
    numbers as the privacy statement publishes them: the one home of these facts."""
    emails = sorted({found.group(0).lower() for found in _EMAIL.finditer(text)})
    postal: List[str] = []
    for found in _STATEMENT_POSTAL.finditer(text):
        for value in (f"{found.group(1)}, {found.group(2)}", found.group(1)):
            if value not in postal:
                postal.append(value)
    numbers = sorted({found.group(1) for found in _STATEMENT_COMPANY_NUMBER.finditer(text)})
    return emails, postal, numbers


@lru_cache(maxsize=4)
def _public_patterns(statement: str, mailbox: str, sites: Tuple[str, ...]) -> List["re.Pattern[str]"]:
    emails, postal, numbers = _statement_contacts(statement)
    emails = sorted({*emails, mailbox.lower()} - {""})
    patterns = [re.compile(rf"(?<![\w.%+'-]){re.escape(address)}(?![\w-])", re.I) for address in emails]
    patterns += [
        re.compile(r"(?<!\w)" + r"[\s,]+".join(re.escape(w.strip(",")) for w in value.split()) + r"(?!\w)")
        for value in sorted(postal, key=len, reverse=True)
    ]
    patterns += [
        re.compile(r"(?<!\d)" + r"[ .]?".join(ch for ch in number if ch.isdigit()) + r"(?!\d)") for number in numbers
    ]
    hosts = tuple(sorted({address.split("@", 1)[1] for address in emails}))
    return [*patterns, _SiteLinks(tuple(site.rstrip("/").lower() for site in sites if site), hosts)]


# Four digits or more after the scheme (a phone or policy number in a path), outside the port.
_DIGIT_RUN = re.compile(r"(?<![:\d])\d{4,}")


class _SiteLinks:
    """Finds links to the company's sites (a prefix of the configured site URLs, or a host of its
    public mail domains), like a compiled pattern's ``finditer``. A link with an "@", a query
    string or a run of digits in it is left to the detectors: it could carry someone's address,
    name or number (``/?polis=0470123456&naam=…``)."""

    def __init__(self, prefixes: Tuple[str, ...], hosts: Tuple[str, ...]) -> None:
        self.prefixes, self.hosts = prefixes, hosts

    def finditer(self, text: str) -> Iterator[re.Match]:
        for found in _URL.finditer(text):
            url = found.group(0).rstrip(".,;:!?").lower()
            host = re.split(r"[/:#?]", url.split("://", 1)[1], maxsplit=1)[0]
            ours = url.startswith(self.prefixes) or any(host == h or host.endswith("." + h) for h in self.hosts)
            if ours and "@" not in url and "?" not in url and not _DIGIT_RUN.search(url.split("://", 1)[1]):
                yield found


def public_contact_patterns() -> List["re.Pattern[str]"]:
    """What bot messages may show as is: the e-mail addresses, postal addresses and company
    number of the privacy statement (``settings.policy_path()``), the privacy mailbox in use
    (``company.privacy_mailbox()``) and links to the company's sites (``settings.site_url()``,
    ``settings.contact_url()``, the statement's mail domains)."""
    from bot.core import company, settings  # late: keeps this module light to import

    path = settings.policy_path()
    try:
        statement = _read_statement(str(path), path.stat().st_mtime_ns)
    except OSError:  # no statement on this machine: the mailbox and the sites still count
        statement = ""
    return _public_patterns(statement, company.privacy_mailbox(), (settings.site_url(), settings.contact_url()))


@lru_cache(maxsize=2)
def _read_statement(path: str, mtime_ns: int) -> str:
    """The statement's text, read again only when the file changes (a transcript masks every line)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _mask_once(text: str, whole: Patterns, parts: Patterns, public: Iterable[Any] = ()) -> str:
    """One pass of all detectors, most specific first; later ones cannot claim text already claimed."""
    claims = _Claims()
    for pattern in (_PLACEHOLDER, _PRV_REFERENCE):
        for found in pattern.finditer(text):
            claims.claim(found.start(), found.end(), "")
    # The conversation's own values before the company's public details: a visitor's name inside a
    # link to our site is still the visitor's name.
    for pattern, label in whole:
        for found in pattern.finditer(text):
            claims.claim(found.start(), found.end(), label)
    for pattern in public:
        for found in pattern.finditer(text):
            claims.claim(found.start(), found.end(), "")
    for found in _EMAIL.finditer(text):
        claims.claim(found.start(), found.end(), LABELS["email"])
    view = pii_detectors.normalise(text)
    for iban in pii_detectors.iban_findings(view.text):  # a typo still leaves someone's account
        claims.claim(*view.span(iban.start, iban.end), LABELS["iban"])
    for start, end in pii_detectors.card_findings(view.text):
        claims.claim(*view.span(start, end), LABELS["card"])
    for found in _POLICY_TOKEN.finditer(text):
        claims.claim(found.start(), found.end(), LABELS["customer_number"])
    for found in _CUSTOMER_NUMBER.finditer(text):
        claims.claim(found.start("value"), found.end("value"), LABELS["customer_number"])
    for start, end in pii_detectors.national_number_findings(view.text, _national_number_policy(text, view)):
        claims.claim(*view.span(start, end), LABELS["national_number"])
    for start, end in _phone_spans(text):
        claims.claim(start, end, LABELS["phone"])
    _phone_runs(text, claims)
    for pattern, label in parts:  # last: a name's words inside an e-mail address are already hidden
        for found in pattern.finditer(text):
            claims.claim(found.start(), found.end(), label)
    return claims.apply(text)


def mask_text(text: str | None, known: Mapping[str, str] | None = None, *, keep_public: bool = False) -> str:
    """The text with personal data replaced by LABELS placeholders; never raises.

    ``known`` maps literal values (from the conversation's slots, see known_values) to their kind;
    those are hidden wherever they appear, names also word by word. ``keep_public`` is for the
    bot's own messages: the company's public contact details (``public_contact_patterns``) stay
    readable there; what a visitor typed is never passed with it.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    try:
        whole, parts = _known_patterns(known) if isinstance(known, Mapping) else ([], [])
    except Exception:  # odd keys or values in known: still mask what the patterns find
        whole, parts = [], []
    try:
        public = public_contact_patterns() if keep_public else []
    except Exception:  # a broken setting must not break the console: then mask everything
        public = []
    try:
        for _ in range(_MAX_PASSES):
            masked = _mask_once(text, whole, parts, public)
            if masked == text:
                break
            text = masked
    except Exception:  # a bug here must neither break the console nor show what it failed to mask
        return FALLBACK_LABEL
    return text


# ---- slot values ---------------------------------------------------------------------------------
def _slot_pairs(item: Mapping[str, Any]) -> Iterator[Tuple[Any, Any]]:
    """(slot, value) pairs from a plain {slot: value} mapping or a Rasa slot event dict."""
    if "name" in item and "value" in item and ("event" in item or item.get("name") in PERSONAL_SLOTS):
        if item.get("event", "slot") == "slot":
            yield item.get("name"), item.get("value")
        return
    if "event" in item:  # another kind of event ("user", "bot", ...): no slot value in it
        return
    yield from item.items()


def _literals(value: Any) -> Iterator[str]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (str, int, float)):
        yield " ".join(str(value).split())
    elif isinstance(value, (list, tuple, set)):
        for element in value:
            yield from _literals(element)


def known_values(slot_values: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Literal -> kind for the personal slots filled in a conversation, to pass to mask_text.

    Accepts a sequence of plain {slot: value} mappings and/or Rasa slot events
    ({"event": "slot", "name": ..., "value": ...}); a single mapping works too.
    """
    if slot_values is None:
        return {}
    if isinstance(slot_values, Mapping):
        slot_values = [slot_values]
    found: dict[str, str] = {}
    for item in slot_values:
        if not isinstance(item, Mapping):
            continue
        for slot, value in _slot_pairs(item):
            kind = PERSONAL_SLOTS.get(slot) if isinstance(slot, str) else None
            if kind is None:
                continue
            for literal in _literals(value):
                if len(literal) >= MIN_KNOWN_CHARS and literal.casefold() != SKIP_VALUE:
                    found.setdefault(literal, kind)
    return found
