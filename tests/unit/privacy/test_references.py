"""The one definition of a request reference is what every reader recognises (issue 17)."""

from __future__ import annotations

import re

from bot.dialogue import form_input
from bot.privacy import masking, redaction, references, rights


def test_a_new_reference_is_recognised_by_every_reader():
    for _ in range(50):
        made = rights.new_reference()
        assert re.fullmatch(references.EXACT, made)
        assert re.fullmatch(references.PARTIAL, made, re.I)
        assert form_input.reference(f"mijn nummer is {made.lower().replace('-', ' ')}") == made
        assert made in masking.mask_text(f"referentie {made}, bel 0470 12 34 56")
        assert made in redaction.redact(f"referentie {made}").text


def test_typed_look_alikes_are_read_as_the_code_we_made():
    assert form_input.reference("prv-7k3m9q2xwo") == "PRV-7K3M9Q2XW0"
    assert form_input.reference("PRV7K3M9Q2XWI") == "PRV-7K3M9Q2XW1"
    assert form_input.reference("PRV-7K3M9") is None  # too short: no reference
