"""The sigmoid course's Python package.

- :mod:`autograder.reference`: reference implementations the exercises are
  graded against.
- :mod:`autograder.checks`: the checks the exercises' test cells call.
- :mod:`autograder.grading`, :mod:`autograder.release`: the instructor's
  commands, run as ``python -m autograder``.
"""
