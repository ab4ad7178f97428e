"""The imbalanced problem and the Keras network of chapters 4 and 5.

Chapter 4 ends by building a small network on a generated problem with 1 %
positives, and chapter 5 chooses that network's threshold, measures its
calibration and compares the usual remedies for imbalance on it. Both
chapters run on their own, so the data and the network are made here, the
same way in both:

* :func:`imbalanced_splits` generates the problem with scikit-learn
  (nothing is downloaded) and splits it into standardised training,
  validation and test parts;
* :func:`prior_logit` is the output bias that makes an untrained network
  predict the training set's positive rate;
* :func:`imbalanced_network` builds the network, whose output is the score
  (logit) and whose loss is binary cross-entropy from logits.

Keras is imported only when a network is built, so that importing
:mod:`autograder.reference` stays fast.
"""

import numpy as np

__all__ = ["imbalanced_splits", "prior_logit", "imbalanced_network"]


def imbalanced_splits(n_samples=40_000, seed=0):
    """The generated problem, split 50/25/25 and standardised.

    Parameters
    ----------
    n_samples : int, default 40_000
        Examples in all; 1 % of them are positive.
    seed : int, default 0
        Seed of the generator and of the split.

    Returns
    -------
    dict
        ``"X_train"``, ``"X_val"``, ``"X_test"`` (float32, shape (n, 20),
        standardised with the training part's mean and standard deviation)
        and ``"y_train"``, ``"y_val"``, ``"y_test"`` (float32 0s and 1s,
        shape (n,)). The splits are stratified, so each keeps the positive
        rate.

    Raises
    ------
    ValueError
        If ``n_samples`` is too small to leave positives in every part.

    Examples
    --------
    >>> from autograder.reference import imbalanced_splits
    >>> parts = imbalanced_splits()
    >>> parts["X_train"].shape, int(parts["y_train"].sum()), int(parts["y_val"].sum())
    ((20000, 20), 200, 100)
    """
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1000:
        raise ValueError(
            f"n_samples must be an integer of at least 1000 (1 % positives in "
            f"three parts), got {n_samples!r}"
        )
    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=6,
        n_redundant=2,
        weights=[0.99],
        flip_y=0.0,
        class_sep=0.8,
        random_state=seed,
    )
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=seed
    )
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    parts = {}
    for name, features, labels in [
        ("train", X_train, y_train),
        ("val", X_val, y_val),
        ("test", X_test, y_test),
    ]:
        parts[f"X_{name}"] = ((features - mean) / std).astype(np.float32)
        parts[f"y_{name}"] = labels.astype(np.float32)
    return parts


def prior_logit(y):
    """The log-odds of the positive class, ``log(pos / neg)``.

    An output bias set to this value makes a network whose other weights
    contribute little predict the positive rate for every example, and its
    initial loss is then the entropy of the class prior.

    Parameters
    ----------
    y : array_like of 0 and 1
        Training labels, with at least one of each class.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a label is not 0 or 1, or one class is missing.

    Examples
    --------
    >>> from autograder.reference import prior_logit
    >>> round(prior_logit([0, 0, 0, 1]), 4)  # log(1/3)
    -1.0986
    """
    labels = np.asarray(y, dtype=float).reshape(-1)
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("y must hold only 0s and 1s")
    pos = int(labels.sum())
    neg = labels.size - pos
    if pos == 0 or neg == 0:
        raise ValueError(
            f"y needs both classes for a prior log-odds; it has {pos} positives "
            f"and {neg} negatives"
        )
    return float(np.log(pos / neg))


def imbalanced_network(n_features, output_bias=0.0, seed=0, learning_rate=3e-3):
    """The chapters' network: 16 ReLU units, then one linear output (the score).

    Parameters
    ----------
    n_features : int
        Number of input features.
    output_bias : float, default 0.0
        Initial bias of the output unit; :func:`prior_logit` of the
        training labels starts the network at the positive rate.
    seed : int, default 0
        Seeds Python, NumPy and TensorFlow before the weights are drawn, so
        equal arguments give equal initial weights.
    learning_rate : float, default 3e-3
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with ``BinaryCrossentropy(from_logits=True)``; its
        ``predict`` returns scores, of shape (n, 1). Apply the sigmoid for
        probabilities.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(
                1, bias_initializer=keras.initializers.Constant(float(output_bias))
            ),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return model
