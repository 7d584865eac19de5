"""The request summary before sending is a short list, not a paragraph (issue 16): one intro
line, one "• " line per answer (the widget renders those as a <ul>), then the question line."""

from __future__ import annotations

from bot.dialogue import forms
from bot.privacy import rights

SLOTS = {
    "request_type": "rectification",
    "requester_name": "Jan Peeters",
    "requester_email": "jan@example.be",
    "customer_number": "KMO-12345",
    "request_details": "mijn straat is fout",
}


def parts(text: str):
    lines = text.split("\n")
    return lines[0], lines[1:-1], lines[-1]


def test_summary_is_intro_items_question():
    intro, items, question = parts(forms.summary(SLOTS))
    assert intro == "Even nakijken of alles klopt:"
    assert items == [
        "• Soort verzoek: rechtzetting van je gegevens",
        "• Naam: Jan Peeters",
        "• E-mailadres: jan@example.be",
        "• Klant- of polisnummer: KMO-12345",
        "• Toelichting: mijn straat is fout",
    ]
    assert not question.startswith("•") and question.endswith("Zal ik het versturen?")
    assert "7 dagen" in question and "één maand" in question


def test_every_request_type_gets_the_same_shape():
    for request_type in rights.REQUEST_TYPES:
        intro, items, question = parts(forms.summary({**SLOTS, "request_type": request_type}))
        assert intro.startswith("Even nakijken") and question.endswith("?")
        assert items and all(line.startswith(forms.BULLET) for line in items)
        assert items[0] == f"• Soort verzoek: {forms.type_label(request_type)}"
        assert ("• Toelichting: mijn straat is fout" in items) == forms.needs_details(request_type)


def test_a_toelichting_with_line_breaks_stays_one_item_and_skipped_answers_are_left_out():
    text = forms.summary({**SLOTS, "customer_number": "geen", "request_details": "mijn straat\n\nis  fout"})
    _, items, _ = parts(text)
    assert "• Toelichting: mijn straat is fout" in items
    assert not any(line.startswith("• Klant") for line in items)
    assert all(line.startswith("• ") for line in items)
