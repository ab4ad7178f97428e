"""Checks that compare a learner's function with the reference.

Each check either returns quietly or raises :class:`CheckFailure`, whose
message names the input that failed, the expected value, the value that came
back, and a hint. nbgrader counts any exception in a graded cell as a failed
test, so these are what the exercise notebooks' test cells call.

The package is laid out like :mod:`autograder.reference`: the shared
machinery (failures, messages, calling learner code) in
:mod:`~autograder.checks.machinery`, then one module per exercise. The
notebooks import every check from here, ``from autograder.checks import
check_values``, so the modules can change without touching them.
"""

from autograder.checks.activations import (
    check_activation_choices,
    check_arrays,
    check_lstm_step,
)
from autograder.checks.classification import (
    check_build_model,
    check_fix_labels,
    check_fix_labels_rejects,
    check_loss,
    check_model_learns,
    check_predict_labels,
    import_keras,
)
from autograder.checks.gradients import check_gradients
from autograder.checks.machinery import CheckFailure, call_context
from autograder.checks.metrics import (
    WITHHELD_MODULES,
    check_metric,
    check_metric_raises,
    check_metric_speed,
)
from autograder.checks.sigmoid import check_extremes, check_shapes, check_values

# Learners and doctests see the class under the name they import it by.
CheckFailure.__module__ = __name__

__all__ = [
    "CheckFailure",
    "check_values",
    "check_shapes",
    "check_extremes",
    "check_gradients",
    "check_arrays",
    "check_lstm_step",
    "check_activation_choices",
    "check_loss",
    "check_build_model",
    "check_model_learns",
    "check_predict_labels",
    "check_fix_labels",
    "check_fix_labels_rejects",
    "import_keras",
    "check_metric",
    "check_metric_raises",
    "check_metric_speed",
    "call_context",
    "withheld_modules",
]


def withheld_modules(names):
    """Modules learner code must not use while the checks ``names`` run.

    >>> withheld_modules(["check_values", "check_metric"])
    ['sklearn.metrics']
    """
    found = [module for name in names for module in WITHHELD_MODULES.get(name, ())]
    return list(dict.fromkeys(found))
