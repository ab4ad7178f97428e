"""The sigmoid course's Python package.

- :mod:`autograder.reference`: reference implementations the exercises are
  graded against.
- :mod:`autograder.checks`: the checks the exercises' test cells call.
- :mod:`autograder.grading`, :mod:`autograder.release`: the instructor's
  commands, run as ``python -m autograder``.
- :mod:`autograder.book`: what the book's chapters share (figure style,
  quiet TensorFlow import, number formats).
"""

import sys

# jsonschema (under nbformat and nbgrader) imports rfc3987_syntax, when it is
# installed, for its "iri" format, and that compiles 38 Lark grammars: 1.3 s
# in every grading process. No schema nbformat or nbgrader validates uses the
# format, so the import is declined; jsonschema then leaves the format out.
sys.modules.setdefault("rfc3987_syntax", None)
