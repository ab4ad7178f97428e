"""What the chapters' set-up cells share: figure style, quiet imports, formats.

Every chapter of the book starts with a folded cell that calls
:func:`use_book_style` (and :func:`import_tensorflow` where it needs
TensorFlow), so that all figures are drawn the same way and sized for the
page, and uses :func:`sci` to write numbers into its prose.

The figure style is sized for the book's text column, 684 CSS pixels wide.
Matplotlib's SVG output measures 72 points to the inch and the browser draws
96 CSS pixels to the inch, so a figure :data:`FIGURE_WIDTH_IN` inches wide
is ``6.8 * 96 = 653`` pixels on the page: it fits the column and is never
scaled down, and a 9-point label is 12 pixels tall. ``tests/test_browser.py``
fails on rendered figure text smaller than :data:`MIN_TEXT_PX` pixels.
"""

import inspect
import logging
import os
import re
import textwrap

FIGURE_WIDTH_IN = 6.8
"""Widest figure, in inches: drawn at 96 px per inch, it fits 684 px."""

MIN_FONT_PT = 9
"""Smallest font size of the style, in points (12 px at 96 px per inch)."""

MIN_TEXT_PX = 11
"""Smallest figure text the browser test accepts, in CSS pixels."""

STYLE = {
    "figure.figsize": (FIGURE_WIDTH_IN, 3.6),
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
"""Matplotlib settings of every figure in the book."""

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def use_book_style():
    """Draw every later figure as SVG, in the book's style.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_book_style()
    >>> mpl.rcParams["figure.figsize"]
    [6.8, 3.6]
    >>> min(mpl.rcParams[k] for k in ("xtick.labelsize", "legend.fontsize"))
    9.0
    """
    # Matplotlib may log a note to stderr while it builds its font cache,
    # and anything on stderr is a build error.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib as mpl
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg")
    mpl.rcParams.update(STYLE)


def import_tensorflow():
    """Import TensorFlow without its start-up messages; return the module.

    TensorFlow writes start-up lines (oneDNN, absl) from C++ straight to file
    descriptor 2, past Python and past ``TF_CPP_MIN_LOG_LEVEL``: the
    descriptor points at ``/dev/null`` while it loads, so they reach neither
    the page nor the build log. Its Python-side notes (retracing) go through
    logging, which is set to errors only. Anything a cell writes to stderr
    later is a build warning (``execute.stderr_output`` in ``_config.yml``).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved_fd = os.dup(2)
    null_fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null_fd, 2)
    try:
        import tensorflow as tf
    finally:
        os.dup2(saved_fd, 2)
        os.close(null_fd)
        os.close(saved_fd)
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return tf


def sci(value, digits=2):
    """Format a number for the prose as '1.2 × 10⁻⁵'.

    Parameters
    ----------
    value : float
        The number; 0 is written "0", not "0.0 × 10⁰".
    digits : int, default 2
        Significant digits of the mantissa.

    Returns
    -------
    str

    Examples
    --------
    >>> sci(1.234e-5)
    '1.2 × 10⁻⁵'
    >>> sci(2.5e-4, digits=3)
    '2.50 × 10⁻⁴'
    >>> sci(0.0)
    '0'
    """
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPTS)}"


ROLE = re.compile(r":(func|meth|class|mod|data|attr|exc|obj):`~?([^`]+)`")


def docstring_markdown(docstring):
    """A reST docstring as Markdown, to show on a page of the book.

    The course's docstrings are written for Sphinx: inline literals in
    double backquotes, cross-references as roles (``:func:`name```) and
    literal blocks after ``::``. Printed as they are, a reader sees that
    markup; this turns them into Markdown code spans and code blocks, which
    the page renders.

    Parameters
    ----------
    docstring : str
        The docstring, as ``module.__doc__`` gives it.

    Returns
    -------
    str
        Markdown text (MyST).

    Examples
    --------
    >>> print(docstring_markdown('''Run it.
    ...
    ...     Uses ``argv`` (:func:`launcher`, :mod:`autograder.zygote`).
    ...     Usage::
    ...
    ...         python -m tool --flag
    ...
    ...     Done.'''))
    Run it.
    <BLANKLINE>
    Uses `argv` (`launcher()`, `autograder.zygote`).
    Usage:
    <BLANKLINE>
    ```text
    python -m tool --flag
    ```
    <BLANKLINE>
    Done.
    """
    if not isinstance(docstring, str):
        raise TypeError(f"docstring must be a str, not {type(docstring).__name__}")
    text = inspect.cleandoc(docstring)
    text = ROLE.sub(
        lambda m: (
            f"`{m.group(2)}()`" if m.group(1) in ("func", "meth") else f"`{m.group(2)}`"
        ),
        text,
    )
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.rstrip().endswith("::"):
            out.append(line)
            continue
        # "Text::" ends a paragraph; the indented block after it is literal.
        out.append(line.rstrip()[:-1])
        block = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        out += [
            "",
            "```text",
            *textwrap.dedent("\n".join(block)).strip("\n").splitlines(),
        ]
        out += ["```", ""]
    return "\n".join(out).rstrip() + "\n"
