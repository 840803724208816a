"""CSV that is safe to open in a spreadsheet: the one writer of every CSV feed.

Published CSV is opened in Excel and LibreOffice by citizens and journalists, and a spreadsheet
reads a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one)
as a formula: ``=HYPERLINK(...)`` in a hearing's topic became a live link that could leak the
sheet, and ``cmd|...`` payloads run programs on old versions (issue 16, item 9). Following
OWASP's advice on CSV injection, such a text cell is written with a single quote in front,
which spreadsheets show as text; quoting of separators and quotes is the csv module's. Numbers
are written as they are: a number is never a formula, and ``-12.5`` must stay a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def inert(cell: Cell) -> str:
    """The cell as CSV text that no spreadsheet evaluates."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int | float):
        return str(cell)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header line, every cell made inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([inert(cell) for cell in row] for row in rows)
    return out.getvalue()
