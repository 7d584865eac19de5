"""The CLI's one printer: a listing is a table for people or, with ``--json``, JSON for scripts.

Commands build a list of dicts and call ``listing()``; the JSON is those dicts as they are, the
table shows the chosen columns. Times are shown as staff read them, in Brussels time
(bot.core.clock: the console's and the mails' formats too).
Plain Python: the tables are simple, and of the table libraries Rasa brings, terminaltables is
no longer maintained and tabulate would become a direct dependency for these thirty lines.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, TextIO

from bot.core import clock

GAP = "  "  # between columns


def _json_value(value: Any) -> Any:
    """Times in JSON: ISO 8601 in Brussels time, to the second (``2026-07-01T12:00:00+02:00``)."""
    if isinstance(value, datetime):
        return clock.iso_brussels(value, timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is niet als JSON te schrijven")


def print_json(data: Any, out: Optional[TextIO] = None) -> None:
    """JSON for scripts: UTF-8 as it is (names with accents stay readable), indented."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value), file=out or sys.stdout)


def cell(value: Any) -> str:
    """How one value reads in a table: ``-`` for nothing, ja/nee, times in Brussels time."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return clock.show_time(value)
    if isinstance(value, date):
        return clock.show_date(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One table column: the dict key it shows, its heading, and how it is aligned."""

    key: str
    title: str
    right: bool = False  # figures
    show: Callable[[Any], str] = cell


def table_lines(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> List[str]:
    """A heading line and one line per row, each column as wide as its widest cell."""
    cells = [[column.show(row.get(column.key)) for column in columns] for row in rows]
    widths = [max([len(column.title), *(len(line[i]) for line in cells)]) for i, column in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if column.right else value.ljust(width)
            for column, value, width in zip(columns, values, widths, strict=True)
        ]
        return GAP.join(parts).rstrip()

    return [line([column.title for column in columns]), *(line(values) for values in cells)]


def print_table(
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    empty: str,
    footer: Optional[str] = None,
    out: Optional[TextIO] = None,
) -> None:
    """The table, or ``empty`` (a Dutch sentence saying there is nothing) when there are no rows."""
    out = out or sys.stdout
    if not rows:
        print(empty, file=out)
        return
    for text in table_lines(columns, rows):
        print(text, file=out)
    if footer:
        print(footer, file=out)


def listing(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    as_json: bool,
    empty: str,
    footer: Optional[str] = None,
) -> int:
    """What every list command ends with: JSON (``[]`` when empty) or the table; exit code 0."""
    if as_json:
        print_json(list(rows))
    else:
        print_table(columns, rows, empty, footer)
    return 0
