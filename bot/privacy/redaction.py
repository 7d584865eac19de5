"""Redact sensitive data that visitors type into the chat, before Rasa reads or stores it.

Visitors sometimes paste a national register number, a bank account or card number, or tell us
about an illness or a conviction. None of that is needed to answer a privacy question, and once it
is in the tracker store it would have to be found and erased again; so the chat channel redacts it
first and the bot warns the visitor (``warning``). The rules favour the ordinary data our forms
need (e-mail addresses, phone numbers, PRV- references, customer and policy numbers, dates,
addresses, amounts): numbers count only when their checksum holds, words only when they name a
specific condition, treatment or offence, never the general words of a question about our policy.

Standard library only, besides the privacy mailbox of bot.core.company. Every pattern runs in
linear time (bounded repetitions, no nested quantifiers that can backtrack); detection runs on a
copy folded character for character (NBSP and other spaces, dashes, full-width and other Unicode
digits), so offsets stay valid.

Not caught, on purpose: numbers with a wrong checksum (typos included), the old Belgian account
format (539-0075470-34), card numbers in other groupings, digits split by zero-width characters,
general words ("ziek", "dokter", "ongeval", "diefstal" as a victim reports it), and health or
criminal details described in other words than those listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from bot.core import company
from bot.privacy import pii_detectors, references

PLACEHOLDERS = {
    "national_number": "[rijksregisternummer weggelaten]",
    "iban": "[rekeningnummer weggelaten]",
    "card": "[kaartnummer weggelaten]",
    "health": "[gezondheidsgegeven weggelaten]",
    "criminal": "[gerechtelijk gegeven weggelaten]",
    "religion": "[geloofsovertuiging weggelaten]",
    "origin": "[afkomst weggelaten]",
    "orientation": "[seksuele geaardheid weggelaten]",
    "political": "[politieke overtuiging weggelaten]",
    "union": "[vakbondslidmaatschap weggelaten]",
}
_PLAIN = {  # what the warning calls each category, in this order
    "national_number": "je rijksregisternummer",
    "iban": "een bankrekeningnummer (IBAN)",
    "card": "een kaartnummer",
    "health": "gegevens over je gezondheid",
    "criminal": "gegevens over strafrechtelijke zaken",
    "religion": "je geloof of levensbeschouwing",
    "origin": "je etnische afkomst",
    "orientation": "je seksuele geaardheid",
    "political": "je politieke overtuiging",
    "union": "je lidmaatschap van een vakbond",
}


@dataclass(frozen=True)
class Redaction:
    text: str  # the message with each finding replaced by its PLACEHOLDERS text
    categories: tuple[str, ...]  # sorted, unique keys of PLACEHOLDERS; () when nothing was found


# Left alone whatever they contain: e-mail addresses, request references, policy numbers.
_PROTECTED = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<!\w)(?:{references.EXACT}|POL-\d[\d-]*)",
    re.I,
)


def _terms(words: str) -> "re.Pattern[str]":
    """One case-insensitive pattern for whole words; "_" in a word stands for any whitespace."""
    return re.compile(r"(?<!\w)(?:" + "|".join(w.replace("_", r"\s+") for w in words.split()) + r")(?!\w)", re.I)


# ---- always: words that name a specific condition, treatment, offence ---------------------------
# Health: never "gezondheid(sgegevens)", "medische gegevens" or "beperking" (of processing): those
# are words of questions about our policy.
_HEALTH_RE = _terms(r"""
    \w*(?:kanker|tumor|tumoren|leukemie|suikerziek)\w* diabet\w* \w*depres+i\w* suikerpati\w*
    \w+pati[eë]nte? ms-pati[eë]nte? burn(?:-|_)?out\w* overspannen hiv(?:-?positief)? aids
    seropositief soa chlamydia syfilis herpes epilep\w* hartaanval\w* hartinfarct\w*
    hart(?:falen|operatie|kwaal|ziekte|problemen|ritmestoornis\w*) pacemaker hoge_bloeddruk
    beroerte hersen(?:infarct|bloeding|schudding) zwanger\w* bevalling\w* miskraam abortus ivf
    handicap\w* gehandicapt\w* mindervalide\w* rolstoel\w* slechtziend\w* slechthorend\w*
    gehoorapparaat incontinent\w* medicatie medicijn\w* medicament\w* antidepressiv\w*
    slaap(?:pil|middel)\w* insuline methadon chemo\w* bestraling\w* radiotherapie dialyse
    \w*transplantatie\w* revalidatie\w* psychiat\w* psycholo(?:og|oge|gen) psychotherapie psychose
    psychotisch\w* psychische_(?:problemen|klachten|aandoening\w*|ziekte\w*|stoornis\w*)
    mentale_(?:problemen|klachten) schizofren\w* bipolai?r\w* autis\w* adhd angststoornis\w*
    paniekaanval\w* eetstoornis\w* anorexia boulimi\w* ptss posttraumatisch\w* zelfmoord\w*
    zelfdoding su[iï]cid\w* \w*versla(?:afd|ving)\w* alcoholis\w*
    (?:alcohol|drank|drugs|gok|cannabis)(?:probleem|problemen) afkick\w* parkinson\w* alzheimer\w*
    dement(?:ie|erend\w*) multiple_sclerose sclerose ziekte_van_(?:crohn|lyme|pfeiffer|bechterew)
    crohn lyme(?:ziekte)? pfeiffer hernia\w* rh?euma\w* artrose artritis fibromyalgie migraine
    astma\w* asthma\w* copd mucoviscidose hepatitis tuberculose obesitas (?:long_)?covid(?:-?19)?
    allergie\w* geopereerd chronisch_ziek\w* chronische_(?:ziekte|pijn|aandoening)\w*
    arbeidsongeschikte? arbeidsongeschiktheid_(?:door|wegens|na)_(?:een_|mijn_)?\w+ ziekteverlof
    ziekenbriefje doktersbriefje langdurig_ziek\w* ziek_thuis ziekgemeld ziekenhuisopname\w*
    (?:opname|opgenomen)_(?:geweest_)?in_(?:het|de|een)_(?:ziekenhuis|kliniek|psychiatrie)
    in_(?:het|de|een)_(?:ziekenhuis|kliniek)_(?:opgenomen|gelegen)
""")
# Criminal: offences, sentences and police measures that someone underwent.
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

# ---- in a first-person statement only: words that questions about our policy use too ----------
_PARTIES = (
    r"(?:n-va|nva|vlaams_belang|pvda|ptb|groen|vooruit|cd&v|cdv|open_vld|open-vld|vld"
    r"|les_engag[eé]s|d[eé]fi|ecolo|mr|ps)"
)
_STATEMENT_TERMS = {
    "criminal": _terms(r"""strafbla\w* strafregister\w* veroordee?l\w* gevangenis\w* rijverbod\w*
        in_de_(?:cel|bak|nor) vervolgd (?:straf|ge)rechtelijk_verleden rijden_onder_invloed"""),
    # "MS" only as a word of its own: "ik heb MS", never "MS Teams" in "ik gebruik MS Teams"
    "health": _terms(r"ms suiker depri corona doof operatie"),
    # never the Christelijke, Socialistische or Liberale Mutualiteit, nor a "liberaal beroep"
    "religion": _terms(r"""moslim\w* islamiet\w* islamitisch\w* christen\w* christelijk\w*(?!_mutualiteit)
        katholiek\w* protestant\w* evangelisch\w* jood joods\w* boeddhist\w* hindoe\w* sikh
        athe[iï]st\w* agnost\w* jehova\w* getuige_van_jehova orthodox\w* gelovig\w* ongelovig\w*
        vrijzinnig\w* bekeerd\w* praktiserend\w* ramadan hoofddoek\w* keppel tulband
        naar_de_(?:moskee|synagoge|kerk|tempel)"""),
    "origin": _terms(r"""marokkaan\w* turk turks turkse koerd\w* berber\w* arabier\w* congole\w*
        afrikaan\w* noord-afrikaan\w* aziaat\w* roma zigeuner\w* allochto\w* surinaams\w*
        surinamer\w* antilliaan\w* migratieachtergrond van_\w+_(?:afkomst|origine|komaf)"""),
    "orientation": _terms(r"""homo homoseksu\w* homofiel lesbisch\w* lesbienne bi biseksu\w* gay
        queer panseksu\w* aseksu\w* holebi\w*"""),
    "political": _terms(
        r"""communist\w* socialist\w*(?!_mutualiteit) liberaal(?!_beroep) liberale(?!_mutualiteit)
        nationalist\w* anarchist\w*
        marxist\w* fascist\w* extreem-?(?:rechts|links)\w* partijlid
        lid_van_(?:een_|de_)?(?:politieke_)?partij
        (?:stem|stemde|stemmen)_(?:\w+_)?(?:op_|voor_)?(?:de_|het_)?PARTY op_(?:de_|het_)?PARTY_gestemd
        """.replace("PARTY", _PARTIES)
    ),
    "union": _terms(r"""vakbond vakbondslid vakbondsafgevaardigde vakbondsmilitant
        syndica(?:al|le)_afgevaardigde delegee abvv acv acv-csc acv-puls acv_puls aclvb acod bbtk
        setca cgsp vsoa lbc-nvk fgtb csc cgslb"""),
}
_ME = {"ik", "'k", "k", "ikke"}
_POSSESSIVE = {"mijn", "m'n", "mn"}
_FIRST_PERSON = _ME | _POSSESSIVE | {"me", "mij", "heb", "had", "ben", "was", "zat", "kreeg", "werd"}
# Verbs of a first-person statement: "ik heb een strafblad", "ik ben moslim", "ik stem op ...".
_VERBS = {
    "heb",
    "had",
    "ben",
    "was",
    "zat",
    "zit",
    "kreeg",
    "krijg",
    "werd",
    "word",
    "lijd",
    "leed",
    "draag",
    "droeg",
    "kamp",
    "kampte",
    "sukkel",
    "ga",
    "ging",
    "voel",
    "blijf",
    "stem",
    "stemde",
}
# Before "ik" they make a question, not a statement: "moet ik een strafblad voorleggen?"
_ASKING = {
    "moet",
    "mag",
    "kan",
    "wil",
    "zal",
    "zou",
    "hoef",
    "moeten",
    "mogen",
    "kunnen",
    "vraag",
    "vroeg",
    "vragen",
    "of",
    "wat",
    "welke",
    "hoe",
    "waarom",
    "wanneer",
}
# Words that may stand between the subject or verb and the term: "ik heb al jaren een strafblad".
_FILLERS = set(
    """een 'n n al ook wel nog toch helaas jammer genoeg sinds lang lange jaren jaar maanden
    maand weken week dagen paar vorig vorige vroeger ooit toen nu zelf in op aan last van met bij voor
    lid aangesloten de het dit deze die zware zwaar ernstige ernstig lichte licht chronische chronisch
    kleine klein oude oud erge erg echt eigenlijk dus dan geleden destijds soms gewoon altijd sindsdien
    pas net even tijdje beetje diagnose officieel""".split()
)
_CONJUNCTIONS = {"en", "maar", "want", "dus", "ook"}  # before a verb whose subject "ik" was dropped
_ABOUT_POLICY = {
    "jullie",
    "u",
    "uw",
    "gegevens",
    "informatie",
    "info",
    "data",
    "vraag",
    "vragen",
    "verwerken",
    "verwerkt",
    "bewaren",
    "bewaart",
    "uittreksel",
    "gevoelige",
    "zoals",
    "bijvoorbeeld",
    "gezondheid",
}
_CLAUSE_END = re.compile(r"[.,;:!?()\n]")
_WORD = re.compile(r"[\w']+")


def _clause_words(text: str, start: int) -> list[str]:
    """The lower-cased words of the clause before ``start``, at most 80 characters back."""
    clause = _CLAUSE_END.split(text[max(0, start - 80) : start])[-1]
    return [word.lower() for word in _WORD.findall(clause)]


def _statement(words: list[str]) -> bool:
    """The clause ends in a first-person statement about the term that follows it: the subject or
    its verb, then only fillers. "ik heb een strafblad", "dat ik sinds 2019 MS heb", "Heb een
    strafblad", "ik ben moslim" and "mijn vakbond" count, whatever else the clause says about our
    policy ("mogen jullie weten dat ik een strafblad heb?"); "ik heb een vraag over strafbladen",
    "moet ik een strafblad voorleggen?" and "vragen jullie naar mijn strafblad?" do not."""
    i = len(words) - 1
    while i >= 0 and len(words) - i <= 6 and (words[i] in _FILLERS or words[i].isdigit()):
        i -= 1
    if i < 0 or len(words) - i > 6:
        return False
    before = words[i - 1] if i > 0 else ""
    if words[i] in _ME:
        return before not in _ASKING
    if words[i] in _VERBS:
        return before in _ME or before in _CONJUNCTIONS or before == ""
    return words[i] in _POSSESSIVE and not _ABOUT_POLICY.intersection(words)


def _first_person(words: list[str]) -> bool:
    """For criminal words also: a first-person word among the clause's last five words and no word
    of a question about our policy ("mijn zoon heeft een strafblad" counts; "verwerken jullie
    gegevens over veroordelingen?", "moet ik een uittreksel uit het strafregister geven?" do not)."""
    return _statement(words) or (bool(_FIRST_PERSON.intersection(words[-5:])) and not _ABOUT_POLICY.intersection(words))


# ---- numbers ---------------------------------------------------------------------------------------
def _number_findings(view: pii_detectors.View) -> Iterator[tuple[int, int, str]]:
    """IBANs, national register and card numbers in the normalised view, at original offsets. An
    IBAN with a typo is yielded as protected (""): its digits are no card number."""
    text = view.text
    for iban in pii_detectors.iban_findings(text):
        yield (*view.span(iban.start, iban.end), "iban" if iban.valid else "")
    for start, end in pii_detectors.national_number_findings(text):  # only with a valid check
        yield (*view.span(start, end), "national_number")
    for start, end in pii_detectors.card_findings(text):
        yield (*view.span(start, end), "card")


def _findings(text: str) -> Iterator[tuple[int, int, str]]:
    """Candidate spans in the folded text, most specific first; redact() keeps those that overlap
    nothing earlier."""
    for found in _PROTECTED.finditer(text):
        yield found.start(), found.end(), ""
    yield from _number_findings(pii_detectors.normalise(text))
    for pattern, category in ((_CRIMINAL_RE, "criminal"), (_HEALTH_RE, "health")):
        for found in pattern.finditer(text):
            yield found.start(), found.end(), category
    for category, pattern in _STATEMENT_TERMS.items():
        counts = _first_person if category == "criminal" else _statement
        for found in pattern.finditer(text):
            if counts(_clause_words(text, found.start())):
                yield found.start(), found.end(), category


def redact(text: str) -> Redaction:
    """The message with national register, IBAN and card numbers and health and criminal details
    replaced by Dutch placeholders, so they never reach Rasa's tracker store. Never raises."""
    text = text if isinstance(text, str) else "" if text is None else str(text)
    folded = pii_detectors.fold(text)
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
    return (
        f"Deel {listed} niet in deze chat: we hebben dat uit je bericht weggelaten en niet "
        f"bewaard. Moet je zulke gegevens echt aan ons bezorgen, mail dan naar {company.privacy_mailbox()}."
    )
