"""How big a submitted notebook may be before it is refused unread.

nbgrader runs every cell of a notebook, each with its own time-out, and the
time it may take in all grows with the number of cells: a notebook of 10^5
empty cells would keep the grader busy for hours. Real exercise notebooks
have tens of cells and a few hundred kB.
"""

import json

MAX_BYTES = 20 * 2**20
MAX_CELLS = 2000


def too_big(path):
    """What is too big about the notebook file ``path``; None if nothing.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "n.ipynb"
    >>> _ = path.write_text('{"cells": [' + ",".join(["{}"] * 2001) + "]}")
    >>> too_big(path)
    'n.ipynb has 2001 cells; at most 2000 are graded'
    """
    size = path.stat().st_size
    if size > MAX_BYTES:
        limit = MAX_BYTES // 2**20
        return f"{path.name} is {size / 2**20:.0f} MB; at most {limit} MB are graded"
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None  # the caller says what is wrong with it
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        return f"{path.name} has {len(cells)} cells; at most {MAX_CELLS} are graded"
    return None
