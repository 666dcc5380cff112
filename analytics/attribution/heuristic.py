"""Rule-based models. Each spreads a path's conversions over its touches by fixed weights.

Touches are counted per occurrence, as ChannelAttribution does: in ``a > a > b`` linear
credit gives ``a`` two thirds.
"""

from __future__ import annotations

import numpy as np

from analytics.attribution.base import AttributionModel
from analytics.attribution.paths import PathTable


class _OneTouchModel(AttributionModel):
    """All of a path's credit goes to one touch."""

    def _touch(self, paths: PathTable) -> np.ndarray:
        raise NotImplementedError

    def _credit(self, paths):
        touched = self._touch(paths)
        n = paths.n_channels
        return (
            np.bincount(touched, weights=paths.conversions, minlength=n),
            np.bincount(touched, weights=paths.value, minlength=n),
        )


class FirstClick(_OneTouchModel):
    name = "first"

    def _touch(self, paths):
        return paths.first_touch


class LastClick(_OneTouchModel):
    name = "last"

    def _touch(self, paths):
        return paths.last_touch


class LastNonDirectClick(_OneTouchModel):
    """The last touch that is not a direct visit; a path of direct visits only stays direct."""

    name = "last_non_direct"

    def __init__(self, direct_channels: tuple[str, ...] = ("direct", "прямые заходы")):
        self.direct_channels = direct_channels

    def _touch(self, paths):
        direct_names = {_fold(c) for c in self.direct_channels}
        is_direct = np.array([_fold(c) in direct_names for c in paths.channels], dtype=bool)
        touch_index = np.arange(len(paths.codes))
        candidate = np.where(is_direct[paths.codes], -1, touch_index)
        last_non_direct = np.maximum.reduceat(candidate, paths.offsets[:-1])
        fallback = paths.offsets[1:] - 1
        return paths.codes[np.where(last_non_direct >= 0, last_non_direct, fallback)]


class _WeightedTouchModel(AttributionModel):
    """Each touch gets a weight; weights within a path sum to one."""

    def _weights(self, paths: PathTable) -> np.ndarray:
        raise NotImplementedError

    def _credit(self, paths):
        weights = self._weights(paths)
        owner = paths.path_of_touch
        n = paths.n_channels
        return (
            np.bincount(paths.codes, weights=weights * paths.conversions[owner], minlength=n),
            np.bincount(paths.codes, weights=weights * paths.value[owner], minlength=n),
        )


class Linear(AttributionModel):
    """Equal credit to every touch. Summed in ChannelAttribution's order, so results match it."""

    name = "linear"

    def _credit(self, paths):
        n = paths.n_channels
        owner = paths.path_of_touch
        # one row per (path, channel): how often the channel occurs in the path
        pair = owner * n + paths.codes
        unique_pairs, counts = np.unique(pair, return_counts=True)
        pair_path, pair_channel = np.divmod(unique_pairs, n)
        lengths = paths.lengths[pair_path].astype(float)
        conv = counts * paths.conversions[pair_path] / lengths
        value = _repeated_sum(paths.value[pair_path], counts) / lengths
        return (
            np.bincount(pair_channel, weights=conv, minlength=n),
            np.bincount(pair_channel, weights=value, minlength=n),
        )


class TimeDecay(_WeightedTouchModel):
    """Weight ``2 ** (-age / half_life)``, age being how long before the conversion it happened.

    Paths carrying ``ages`` (days before the conversion) use them; plain aggregated paths
    have no times, so there the age of a touch is the number of touches after it.
    """

    name = "time_decay"

    def __init__(self, half_life: float = 7.0):
        self.half_life = half_life

    def _weights(self, paths):
        if not self.half_life > 0:
            raise ValueError("half_life must be positive")
        if paths.ages is not None:
            ages = paths.ages
        else:
            ages = (paths.lengths[paths.path_of_touch] - 1 - paths.position_in_path).astype(float)
        # relative to the freshest touch of each path, so old paths never underflow to 0/0
        ages = ages - np.minimum.reduceat(ages, paths.offsets[:-1])[paths.path_of_touch]
        raw = np.exp2(-ages / self.half_life)
        return raw / np.add.reduceat(raw, paths.offsets[:-1])[paths.path_of_touch]


class PositionBased(_WeightedTouchModel):
    """U-shaped: first and last touches get ``edge_share`` each, the middle shares the rest.

    One touch takes everything; two touches split evenly.
    """

    name = "position"

    def __init__(self, edge_share: float = 0.4):
        self.edge_share = edge_share

    def _weights(self, paths):
        if not 0 <= self.edge_share <= 0.5:
            raise ValueError("edge_share must be between 0 and 0.5")
        length = paths.lengths[paths.path_of_touch].astype(float)
        pos = paths.position_in_path
        edge = (pos == 0) | (pos == length - 1)
        middle_share = (1 - 2 * self.edge_share) / np.maximum(length - 2, 1)
        weights = np.where(edge, self.edge_share, middle_share)
        weights = np.where(length == 1, 1.0, weights)
        return np.where(length == 2, 0.5, weights)


def _repeated_sum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``values * counts`` as repeated addition, the way ChannelAttribution accumulates it."""
    total = values.astype(float).copy()
    for step in range(2, int(counts.max(initial=1)) + 1):
        more = counts >= step
        total[more] += values[more]
    return total


def _fold(text: str) -> str:
    return text.strip().lower().replace("ё", "е")
