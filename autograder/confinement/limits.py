"""How big a submitted notebook may be before it is refused unread.

nbgrader runs every cell of a notebook, each with its own time-out, and the
time it may take in all grows with the number of cells: a notebook of 10^5
empty cells would keep the grader busy for hours. Real exercise notebooks
have tens of cells and a few hundred kB.
"""

import json

MAX_BYTES = 20 * 2**20
MAX_CELLS = 2000


def too_big(name, content):
    """What is too big about the notebook ``name`` read as ``content``.

    None if nothing. ``content`` may be cut at ``MAX_BYTES + 1`` bytes: a
    file that long is too big whatever follows.

    >>> too_big("n.ipynb", b'{"cells": [' + b",".join([b"{}"] * 2001) + b"]}")
    'n.ipynb has 2001 cells; at most 2000 are graded'
    >>> too_big("n.ipynb", b"x" * (MAX_BYTES + 1))
    'n.ipynb is over 20 MB; at most 20 MB are graded'
    """
    if len(content) > MAX_BYTES:
        limit = MAX_BYTES // 2**20
        return f"{name} is over {limit} MB; at most {limit} MB are graded"
    try:
        cells = json.loads(content.decode("utf-8")).get("cells", [])
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None  # the caller says what is wrong with it
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        return f"{name} has {len(cells)} cells; at most {MAX_CELLS} are graded"
    return None
