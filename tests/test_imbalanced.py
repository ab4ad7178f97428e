"""The imbalanced problem and the network that chapters 4 and 5 share."""

import numpy as np
import pytest

from autograder.reference import (
    binary_cross_entropy_from_logits,
    imbalanced_network,
    imbalanced_splits,
    prior_logit,
)


@pytest.fixture(scope="module")
def parts():
    return imbalanced_splits()


def test_splits_are_stratified_disjoint_and_standardised_on_training_data(parts):
    sizes = {name: len(parts[f"y_{name}"]) for name in ("train", "val", "test")}
    assert sizes == {"train": 20_000, "val": 10_000, "test": 10_000}
    for name in sizes:
        assert parts[f"X_{name}"].dtype == np.float32
        assert parts[f"y_{name}"].dtype == np.float32
        assert parts[f"y_{name}"].mean() == pytest.approx(0.01, abs=2e-4)
    train = parts["X_train"].astype(np.float64)
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train.std(axis=0), 1, atol=1e-4)
    # The other parts were scaled with the training statistics, not their own.
    assert np.abs(parts["X_test"].mean(axis=0)).max() > 1e-3
    rows = {tuple(row) for row in parts["X_train"][:, :3]}
    assert not rows & {tuple(row) for row in parts["X_test"][:, :3]}


def test_splits_are_reproducible_and_depend_on_the_seed():
    first, again = imbalanced_splits(n_samples=2000), imbalanced_splits(n_samples=2000)
    other = imbalanced_splits(n_samples=2000, seed=1)
    np.testing.assert_array_equal(first["X_val"], again["X_val"])
    assert not np.array_equal(first["X_val"], other["X_val"])


@pytest.mark.parametrize("bad", [10, 999, 2000.0, "40000"])
def test_splits_refuse_too_few_samples(bad):
    with pytest.raises(ValueError, match="n_samples"):
        imbalanced_splits(n_samples=bad)


def test_prior_logit_is_the_log_odds_of_the_labels():
    y = np.array([1, 0, 0, 0, 0, 1, 0, 0])
    assert prior_logit(y) == pytest.approx(np.log(2 / 6))
    assert 1 / (1 + np.exp(-prior_logit(y))) == pytest.approx(y.mean())


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        ([0, 0, 0], "0 positives"),
        ([1, 1], "0 negatives"),
        ([0, 2, 1], "only 0s and 1s"),
    ],
)
def test_prior_logit_explains_bad_labels(labels, words):
    with pytest.raises(ValueError, match=words):
        prior_logit(labels)


def test_the_network_started_at_the_prior_scores_near_its_entropy(parts):
    X, y = parts["X_train"], parts["y_train"]
    rate = y.mean()
    entropy = -(rate * np.log(rate) + (1 - rate) * np.log(1 - rate))
    losses = {}
    for name, bias in [("zero", 0.0), ("prior", prior_logit(y))]:
        network = imbalanced_network(X.shape[1], output_bias=bias)
        assert network.layers[-1].get_weights()[1][0] == pytest.approx(bias)
        scores = network.predict(X, batch_size=4096, verbose=0)[:, 0]
        losses[name] = binary_cross_entropy_from_logits(y, scores)
    # Started at the base rate, the loss is a tenth of the way from the
    # prior's entropy to where the default start leaves it, or closer.
    assert losses["prior"] - entropy < 0.1 * (losses["zero"] - entropy)
    assert losses["zero"] > 5 * entropy


def test_equal_seeds_give_equal_initial_weights():
    first = imbalanced_network(20, seed=3).get_weights()
    again = imbalanced_network(20, seed=3).get_weights()
    other = imbalanced_network(20, seed=4).get_weights()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
