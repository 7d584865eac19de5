"""The CLI's one printer (bot/cli/output.py): tables for people, JSON for scripts."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from bot.cli.output import Column, cell, listing, print_json, table_lines

COLUMNS = (
    Column("reference", "referentie"),
    Column("active", "actief"),
    Column("received", "ontvangen"),
    Column("f1", "F1", right=True),
    Column("overdue", "", show=lambda overdue: "TE LAAT" if overdue else ""),
)
SUMMER = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)  # 12:00 in Brussels
WINTER = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # 11:00 in Brussels
ROWS = [
    {"reference": "PRV-AAAAAAAAAA", "active": True, "received": SUMMER, "f1": 0.91234, "overdue": True},
    {"reference": "PRV-B", "active": False, "received": None, "f1": None, "overdue": False},
]


def test_the_table_aligns_columns_and_shows_values_as_staff_read_them():
    heading, first, second = table_lines(COLUMNS, ROWS)
    assert heading == "referentie      actief  ontvangen            F1"
    assert first == "PRV-AAAAAAAAAA  ja      01/07/2026 12:00  0.912  TE LAAT"
    assert second == "PRV-B           nee     -                     -"  # figures right-aligned, no trailing space
    assert first.index("ja") == heading.index("actief")


def test_cells():
    assert cell(None) == cell("") == "-"
    assert (cell(True), cell(False)) == ("ja", "nee")
    assert cell(WINTER) == "01/12/2026 11:00"
    assert cell(date(2026, 11, 28)) == "28/11/2026"
    assert cell(0) == "0" and cell(0.5) == "0.500"


def test_listing_prints_the_table_or_the_empty_sentence(capsys):
    assert listing(ROWS, COLUMNS, as_json=False, empty="Geen verzoeken.", footer="* = in gebruik") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("referentie") and len(lines) == 4 and lines[-1] == "* = in gebruik"
    assert listing([], COLUMNS, as_json=False, empty="Geen verzoeken.") == 0
    assert capsys.readouterr().out == "Geen verzoeken.\n"


def test_json_is_the_rows_with_times_in_brussels(capsys):
    assert listing(ROWS, COLUMNS, as_json=True, empty="Geen verzoeken.") == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["received"] == "2026-07-01T12:00:00+02:00" and data[1]["received"] is None
    assert data[0]["active"] is True and data[0]["f1"] == 0.91234  # values as they are, not as shown
    assert listing([], COLUMNS, as_json=True, empty="Geen verzoeken.") == 0
    assert json.loads(capsys.readouterr().out) == []  # scripts get a list, never the sentence


def test_json_keeps_accents_readable(capsys):
    print_json({"name": "Zoë Vermeulen", "day": date(2026, 11, 28)})
    out = capsys.readouterr().out
    assert "Zoë" in out and json.loads(out) == {"name": "Zoë Vermeulen", "day": "2026-11-28"}
