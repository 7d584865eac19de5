"""One finder of the national register number's shape (pii_detectors.national_number_findings),
with each caller's own policy: the chat's redaction only with a valid check, the console's masking
also with a typo or when typed as officially written."""

from __future__ import annotations

import pytest

from bot.privacy import masking, pii_detectors, redaction

VALID = "85.07.30-033.28"  # check holds, birth date 30/07/1985
TYPO = "85.07.30-033.29"  # wrong check, plausible birth date
OFFICIAL_ODD_DATE = "85.13.45-033.28"  # wrong check, month 13: still written as a national number


def found(text: str, **kwargs) -> list:
    view = pii_detectors.normalise(text)
    return [view.text[s:e] for s, e in pii_detectors.national_number_findings(view.text, **kwargs)]


@pytest.mark.parametrize("typed", [VALID, "85073003328", "8507 30033 28", "RRN85073003328", "85,07,30 - 033.28"])
def test_the_shape_however_it_is_typed(typed):
    [number] = found(typed)
    assert number.replace(" ", "") == "85073003328"


@pytest.mark.parametrize("text", ["850 730 033 28", "85 07 30 033 281", "1285 07 30 033 28", "85 07 30 03 328"])
def test_separators_only_where_the_official_format_has_them(text):
    assert found(text, accept=lambda digits, start, end: True) == []


def test_a_rejected_candidate_lets_a_later_one_start_inside_it():
    # "12 85 07 30 033" has the shape too but is refused: the number from "85" still counts
    text = "12 85 07 30 033 28"
    assert found(text) == ["85 07 30 033 28"]


def test_each_caller_keeps_its_policy():
    assert redaction.redact(VALID).categories == ("national_number",)
    assert redaction.redact(TYPO).categories == ()  # the chat lets a typo through
    assert masking.mask_text(TYPO) == "[rijksregisternummer]"  # the console hides it
    assert redaction.redact(OFFICIAL_ODD_DATE).categories == ()
    assert masking.mask_text(f"nr {OFFICIAL_ODD_DATE} ok") == "nr [rijksregisternummer] ok"
    assert masking.mask_text("nr 85 13 45 033 28 ok") == "nr 85 13 45 033 28 ok"  # no check, no date, no format
