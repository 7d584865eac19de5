"""The request reference (PRV-7K3M9Q2XWB): how it is made and how it is recognised in text.

One home, because four places read references: the status lookup in the chat (typed, with
look-alikes and without the hyphen), console masking and chat redaction (which must leave a
reference readable, its digits are not a phone number), and the console's request search."""

from __future__ import annotations

import secrets

PREFIX = "PRV-"
LENGTH = 10
# Crockford's base32 without I, L, O, U: easy to read aloud and type, 10 symbols = 50 bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# As people type it: "prv 7k3m9q2xwb", "PRV7K3M9Q2XWB"; look-alikes (O, I, L) still match and
# are fixed by the reader. The code is the group ``code``. Compile with re.I.
TYPED = rf"PRV[\s-]?(?P<code>[0-9A-Z]{{{LENGTH}}})"
# Exactly as we write it.
EXACT = rf"PRV-[0-9A-Z]{{{LENGTH}}}"
# The start of one, for a search box: only with its "PRV" prefix, since "jan85" or "peeters1"
# are pieces of an address or a name.
PARTIAL = rf"PRV-?[{ALPHABET}]{{0,{LENGTH}}}"


def new_reference() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
