"""CSV files that a spreadsheet opens as data, never as formulas.

A learner id, a message or a notebook's text that starts with ``=``, ``+``,
``-`` or ``@`` is a formula to Excel, LibreOffice and Google Sheets, and a
formula can run commands or send the sheet's contents away (CSV injection).
OWASP's remedy: put a single quote before such a field, so the spreadsheet
shows it as text. Every CSV file the course writes goes through
:func:`escape`.
"""

import csv
import os
from pathlib import Path

# OWASP's list: formula starts, and the tab and carriage return some
# spreadsheets skip before looking for one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(value):
    """``value`` as a CSV field that no spreadsheet reads as a formula.

    Numbers are written as they are; a string starting like a formula gets a
    leading single quote (OWASP's CSV-injection advice).

    Examples
    --------
    >>> escape("=HYPERLINK(\\"http://x\\")"), escape("-1+2"), escape("ada")
    ('\\'=HYPERLINK("http://x")', "'-1+2", 'ada')
    >>> escape(2.5), escape(None)
    ('2.5', '')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write(path, header, rows):
    """Write ``header`` and ``rows``, every field escaped, through a temporary file.

    An interrupted run never leaves half a file behind.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(
            f"{path}: the folder {path.parent} does not exist. Create it, or "
            "choose another place for the file."
        )
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape(field) for field in header])
        for row in rows:
            writer.writerow([escape(field) for field in row])
    os.replace(partial, path)
