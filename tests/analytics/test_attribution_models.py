"""Every model on journeys small enough to check by hand."""

import numpy as np
import pandas as pd
import pytest

from analytics.attribution import MODELS, PathTable, make_model


def approx(expected: dict[str, tuple[float, float]]):
    """pytest.approx for {channel: (conversions, value)}."""
    return pytest.approx({f"{k}:{i}": v[i] for k, v in expected.items() for i in (0, 1)})


def flat(got: dict[str, tuple[float, float]]) -> dict[str, float]:
    return {f"{k}:{i}": v[i] for k, v in got.items() for i in (0, 1)}


def credits(model, paths) -> dict[str, tuple[float, float]]:
    frame = model.fit(paths).credits_
    return {
        row.channel_name: (row.total_conversions, row.total_conversion_value)
        for row in frame.itertuples()
    }


@pytest.fixture
def two_paths():
    # a > b > c converts 3 times worth 60; b converts once worth 10; c never converts
    return PathTable.from_sequences(
        [["a", "b", "c"], ["b"], ["c"]], conversions=[3, 1, 0], value=[60, 10, 0], nulls=[1, 2, 4]
    )


def test_first_and_last_click(two_paths):
    assert credits(make_model("first"), two_paths) == {
        "a": (3, 60),
        "b": (1, 10),
        "c": (0, 0),
    }
    assert credits(make_model("last"), two_paths) == {"a": (0, 0), "b": (1, 10), "c": (3, 60)}


def test_last_non_direct_skips_direct_visits_but_keeps_direct_only_paths():
    paths = PathTable.from_sequences(
        [["search", "Direct", "direct"], ["direct"], ["ads", "прямые заходы"]],
        conversions=[2, 1, 1],
        value=[20, 5, 7],
    )
    got = credits(make_model("last_non_direct"), paths)
    assert got["search"] == (2, 20)
    assert got["direct"] == (1, 5)
    assert got["ads"] == (1, 7)
    assert got["Direct"] == (0, 0)
    assert got["прямые заходы"] == (0, 0)


def test_linear_counts_occurrences(two_paths):
    paths = PathTable.from_sequences([["a", "a", "b"]], conversions=[3], value=[30])
    assert flat(credits(make_model("linear"), paths)) == approx({"a": (2, 20), "b": (1, 10)})
    got = credits(make_model("linear"), two_paths)
    assert flat(got) == approx({"a": (1, 20), "b": (2, 30), "c": (1, 20)})


def test_position_based_40_20_40():
    paths = PathTable.from_sequences(
        [["a", "b", "c", "d"], ["a", "b"], ["a"]], conversions=[10, 2, 1], value=[100, 20, 10]
    )
    got = credits(make_model("position"), paths)
    assert got["a"] == pytest.approx((4 + 1 + 1, 40 + 10 + 10))
    assert got["b"] == pytest.approx((1 + 1, 10 + 10))
    assert got["c"] == pytest.approx((1, 10))
    assert got["d"] == pytest.approx((4, 40))


def test_time_decay_halves_credit_per_half_life_of_age():
    # ages in days before the conversion: 14, 7, 0 with a 7-day half-life -> weights 1/4, 1/2, 1
    paths = PathTable.from_sequences(
        [["a", "b", "c"]], conversions=[7], value=[70], ages=[[14, 7, 0]]
    )
    got = credits(make_model("time_decay", half_life=7), paths)
    assert flat(got) == approx({"a": (1, 10), "b": (2, 20), "c": (4, 40)})


def test_time_decay_without_times_counts_touches():
    paths = PathTable.from_sequences([["a", "b"]], conversions=[3])
    got = credits(make_model("time_decay", half_life=1), paths)
    assert got["a"][0] == pytest.approx(1)
    assert got["b"][0] == pytest.approx(2)


def test_markov_by_hand(two_paths):
    # start -> a (4), start -> b (3), start -> c (4); a -> b (4); b -> c (4), b -> conv (1),
    # b -> null (2); c -> conv (3), c -> null (5).
    # P(conv | c) = 3/8, P(conv | b) = 4/7 * 3/8 + 1/7, and a always moves on to b
    from_c = 3 / 8
    from_b = 4 / 7 * from_c + 1 / 7
    p = 4 / 11 * from_b + 3 / 11 * from_b + 4 / 11 * from_c
    without_a = 3 / 11 * from_b + 4 / 11 * from_c
    without_b = 4 / 11 * from_c
    without_c = 7 / 11 * (1 / 7)
    effects = np.array([1 - without_a / p, 1 - without_b / p, 1 - without_c / p])
    model = make_model("markov").fit(two_paths)
    re = model.removal_effects_.set_index("channel_name")["removal_effects_conversion"]
    assert re.loc[["a", "b", "c"]].to_numpy() == pytest.approx(effects)
    expected = effects / effects.sum() * 4
    got = model.credits_.set_index("channel_name").loc[["a", "b", "c"], "total_conversions"]
    assert got.to_numpy() == pytest.approx(expected)
    assert model.conversion_probability_ == pytest.approx(p)


def test_markov_collapses_repeats_and_orders_states():
    paths = PathTable.from_sequences([["a", "a", "b"], ["b", "a"]], conversions=[1, 1])
    matrix = make_model("markov").fit(paths).transition_matrix_
    pairs = set(zip(matrix.channel_from, matrix.channel_to, strict=True))
    assert ("a", "a") not in pairs
    assert ("a", "b") in pairs
    second = make_model("markov", order=2).fit(paths).transition_matrix_
    assert set(second.channel_from) == {"(start)", "a > a", "a > b", "b > a"}
    assert ("a > a", "a > b") in set(zip(second.channel_from, second.channel_to, strict=True))


def test_markov_single_channel_path_gets_all_credit():
    paths = PathTable.from_sequences([["a"], ["b"]], conversions=[2, 0], nulls=[0, 3])
    got = credits(make_model("markov"), paths)
    assert got["a"][0] == pytest.approx(2)
    assert got["b"][0] == pytest.approx(0)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_credits_sum_to_totals(name, two_paths):
    rng = np.random.default_rng(7)
    channels = list("abcdefg")
    paths = PathTable.from_sequences(
        [list(rng.choice(channels, size=rng.integers(1, 6))) for _ in range(200)],
        conversions=rng.integers(0, 4, 200),
        value=rng.gamma(2, 50, 200),
        nulls=rng.integers(0, 10, 200),
        ages=None,
    )
    for table in (paths, two_paths):
        frame = make_model(name).fit(table).credits_
        conv, value = table.totals()
        assert frame.total_conversions.sum() == pytest.approx(conv)
        assert frame.total_conversion_value.sum() == pytest.approx(value)
        assert list(frame.channel_name) == table.channels


def test_no_conversions_gives_zero_credit():
    paths = PathTable.from_sequences([["a", "b"]], conversions=[0], nulls=[5])
    for name in MODELS:
        frame = make_model(name).fit(paths).credits_
        assert frame.total_conversions.tolist() == [0, 0]


@pytest.mark.parametrize("name", ["linear", "markov", "shapley"])
def test_save_and_load_round_trip(name, two_paths, tmp_path):
    model = make_model(name).fit(two_paths)
    loaded = type(model).load(model.save(tmp_path / name))
    pd.testing.assert_frame_equal(loaded.credits_, model.credits_)
    assert loaded.get_params() == model.get_params()
    if name == "shapley":
        assert loaded.exact_ is True
        pd.testing.assert_frame_equal(loaded.standard_error_, model.standard_error_)
    if name == "markov":
        assert loaded.conversion_probability_ == model.conversion_probability_
        pd.testing.assert_frame_equal(loaded.removal_effects_, model.removal_effects_)
    with pytest.raises(ValueError, match="holds a"):
        make_model("first").load(tmp_path / name)


def test_unknown_model_is_named():
    with pytest.raises(ValueError, match="unknown attribution model 'magic'"):
        make_model("magic")


def test_missing_path_is_refused():
    frame = pd.DataFrame({"path": ["a > b", None], "total_conversions": [1, 2]})
    with pytest.raises(ValueError, match="path 1 has no channel"):
        PathTable.from_frame(frame)


def test_frame_parsing_trims_and_skips_empty_channels():
    frame = pd.DataFrame(
        {"path": [" search >display>  direct ", "a >> b"], "total_conversions": [1, 2]}
    )
    table = PathTable.from_frame(frame)
    assert table.channels == ["search", "display", "direct", "a", "b"]
    assert table.lengths.tolist() == [3, 2]
    assert table.nulls.tolist() == [0, 0]


def test_time_decay_survives_very_old_paths():
    paths = PathTable.from_sequences(
        [["a", "b"]], conversions=[1], value=[10], ages=[[50_000.0, 40_000.0]]
    )
    got = credits(make_model("time_decay", half_life=1), paths)
    assert got["b"] == pytest.approx((1, 10))
    assert got["a"][0] == pytest.approx(0)
