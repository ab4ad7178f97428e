"""Reference implementations the course's exercises are graded against.

One module per chapter; every public function is also available here, so
``from autograder.reference import sigmoid`` works whichever module holds it.

- :mod:`autograder.reference.sigmoid`: chapter 1, the sigmoid family.
- :mod:`autograder.reference.gradients`: chapter 2, backpropagation.
- :mod:`autograder.reference.activations`: chapter 3, the other activations
  and the LSTM cell.
- :mod:`autograder.reference.classification`: chapter 4, binary
  cross-entropy and label formats.
- :mod:`autograder.reference.metrics`: chapter 5, thresholds and metrics.
- :mod:`autograder.reference.imbalanced`: chapters 4 and 5, the imbalanced
  problem and the Keras network they share.
"""

from autograder.reference.activations import *  # noqa: F403
from autograder.reference.activations import __all__ as _activations_all
from autograder.reference.classification import *  # noqa: F403
from autograder.reference.classification import __all__ as _classification_all
from autograder.reference.gradients import *  # noqa: F403
from autograder.reference.gradients import __all__ as _gradients_all
from autograder.reference.imbalanced import *  # noqa: F403
from autograder.reference.imbalanced import __all__ as _imbalanced_all
from autograder.reference.metrics import *  # noqa: F403
from autograder.reference.metrics import __all__ as _metrics_all
from autograder.reference.sigmoid import *  # noqa: F403
from autograder.reference.sigmoid import __all__ as _sigmoid_all

__all__ = [
    *_sigmoid_all,
    *_gradients_all,
    *_activations_all,
    *_classification_all,
    *_metrics_all,
    *_imbalanced_all,
]
