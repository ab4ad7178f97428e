"""Reference implementations the course's exercises are graded against.

One module per chapter; every public function is also available here, so
``from autograder.reference import sigmoid`` works whichever module holds it.

- :mod:`autograder.reference.sigmoid`: chapter 1, the sigmoid family.
- :mod:`autograder.reference.classification`: chapter 4, binary
  cross-entropy and labels for a one-unit classifier.
"""

from autograder.reference.classification import *  # noqa: F403
from autograder.reference.classification import __all__ as _classification_all
from autograder.reference.sigmoid import *  # noqa: F403
from autograder.reference.sigmoid import __all__ as _sigmoid_all

__all__ = [*_sigmoid_all, *_classification_all]
