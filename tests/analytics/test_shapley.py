"""Shapley attribution against closed forms and its own sampler."""

import numpy as np
import pytest

from analytics.attribution import PathTable, Shapley
from analytics.attribution.shapley import exact_shapley


def test_glove_game_closed_form():
    # player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1
    worth = np.array([0, 0, 0, 1, 0, 1, 0, 1], dtype=float)  # bit i = player i
    assert exact_shapley(worth, 3) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def random_paths(n_channels: int, n_paths: int = 400, seed: int = 3) -> PathTable:
    rng = np.random.default_rng(seed)
    channels = [f"ch{i}" for i in range(n_channels)]
    return PathTable.from_sequences(
        [list(rng.choice(channels, size=rng.integers(1, 5))) for _ in range(n_paths)],
        conversions=rng.integers(0, 3, n_paths),
        value=rng.gamma(2.0, 100.0, n_paths),
        nulls=rng.integers(0, 6, n_paths),
    )


def test_conversions_game_splits_each_journey_over_its_distinct_channels():
    paths = random_paths(6)
    expected = {c: np.zeros(2) for c in paths.channels}
    names = np.asarray(paths.channels)
    for i in range(paths.n_paths):
        distinct = set(names[paths.codes[paths.offsets[i] : paths.offsets[i + 1]]])
        for channel in distinct:
            expected[channel] += np.array([paths.conversions[i], paths.value[i]]) / len(distinct)
    got = Shapley(value_function="conversions").fit(paths).credits_.set_index("channel_name")
    for channel, (conversions, value) in expected.items():
        assert got.loc[channel, "total_conversions"] == pytest.approx(conversions)
        assert got.loc[channel, "total_conversion_value"] == pytest.approx(value)


def test_conversion_rate_game_by_hand():
    # {a}: 1 of 2 journeys convert, {b}: 0 of 2, {a, b}: 2 of 2.
    # v(a) = 1/2, v(b) = 0, v(ab) = 3/6 -> phi_a = 1/2, phi_b = 0; 3 conversions -> a gets all
    paths = PathTable.from_sequences(
        [["a"], ["b"], ["a", "b"]], conversions=[1, 0, 2], nulls=[1, 2, 0], value=[10, 0, 50]
    )
    model = Shapley(value_function="conversion_rate").fit(paths)
    got = model.credits_.set_index("channel_name")
    assert got.total_conversions.to_dict() == pytest.approx({"a": 3.0, "b": 0.0})
    # revenue per journey: v(a) = 10/2, v(b) = 0, v(ab) = 60/6 -> phi_a = 7.5, phi_b = 2.5
    assert got.total_conversion_value.to_dict() == pytest.approx({"a": 45.0, "b": 15.0})
    assert model.exact_


@pytest.mark.parametrize("value_function", ["conversions", "conversion_rate"])
def test_sampling_agrees_with_exact_within_its_stated_error(value_function):
    paths = random_paths(7, n_paths=300)
    exact = Shapley(value_function=value_function).fit(paths)
    sampled = Shapley(value_function=value_function, max_exact_channels=3, n_permutations=3000)
    sampled.fit(paths)
    assert exact.exact_
    assert not sampled.exact_
    gap = (sampled.credits_.total_conversions - exact.credits_.total_conversions).abs()
    error = sampled.standard_error_.total_conversions
    assert (error > 0).all()
    assert (gap <= 4 * error + 1e-9).all()
    conv, value = paths.totals()
    assert sampled.credits_.total_conversions.sum() == pytest.approx(conv)
    assert sampled.credits_.total_conversion_value.sum() == pytest.approx(value)


def test_many_channels_fall_back_to_sampling():
    model = Shapley(n_permutations=200).fit(random_paths(18, n_paths=200))
    assert not model.exact_
    assert model.standard_error_.total_conversions.max() > 0


def test_more_channels_than_bits_in_a_mask():
    paths = random_paths(70, n_paths=300, seed=5)
    assert paths.n_channels > 62
    model = Shapley(n_permutations=300).fit(paths)
    conv, value = paths.totals()
    assert model.credits_.total_conversions.sum() == pytest.approx(conv)
    assert model.credits_.total_conversion_value.sum() == pytest.approx(value)
