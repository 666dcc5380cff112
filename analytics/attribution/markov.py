"""Markov-chain attribution with removal effects solved exactly on the absorbing chain.

States are the last ``order`` channels of a journey (a journey shorter than ``order`` is one
state), repeated consecutive states collapse into one, and every journey runs from
``(start)`` to ``(conversion)`` or ``(null)``. Removing a channel sends every state that
contains it to ``(null)``; the removal effect is the share of conversions (or revenue) lost:

    RE(c) = 1 - P_without_c(conversion) / P(conversion)

Both probabilities are absorption probabilities, the solution of ``(I - Q) x = r`` over the
transient states, so they are computed exactly with one sparse LU solve per channel.
Revenue uses the expected value of a conversion given the state it converts from.
Credits are the removal effects scaled to the totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from analytics.attribution.base import CHANNEL, AttributionModel, normalised_to
from analytics.attribution.paths import PathTable

START, CONVERSION, NULL_STATE = "(start)", "(conversion)", "(null)"
DENSE_LIMIT = 2**22  # up to ~2,000 states the transition counts are summed in a dense array


@dataclass
class AbsorbingChain:
    """Transient states ``0 = (start)`` and ``1..S``; absorbing ``(conversion)``, ``(null)``."""

    state_channels: np.ndarray  # bool (S + 1, C): which channels each transient state holds
    state_names: list[str]
    counts: sp.csr_matrix  # transient -> transient transition counts
    to_conversion: np.ndarray  # counts per transient state
    to_null: np.ndarray
    value_at_conversion: np.ndarray  # revenue of the conversions leaving each state

    @property
    def out_counts(self) -> np.ndarray:
        return np.asarray(self.counts.sum(axis=1)).ravel() + self.to_conversion + self.to_null

    def absorption(self, removed_channel: int | None = None) -> tuple[float, float]:
        """P(conversion) and expected revenue from ``(start)``, optionally without a channel."""
        out = self.out_counts
        scale = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
        keep = np.ones(len(out), dtype=bool)
        if removed_channel is not None:
            keep &= ~self.state_channels[:, removed_channel]
        kept = np.flatnonzero(keep)
        q = sp.diags(scale[kept]) @ self.counts[kept][:, kept]
        rhs = np.column_stack(
            [self.to_conversion[kept] * scale[kept], self.value_at_conversion[kept] * scale[kept]]
        )
        system = (sp.identity(len(kept), format="csc") - q).tocsc()
        solution = spla.splu(system).solve(rhs)
        return float(solution[0, 0]), float(solution[0, 1])

    def transition_frame(self) -> pd.DataFrame:
        names = [*self.state_names, CONVERSION, NULL_STATE]
        coo = self.counts.tocoo()
        rows = np.concatenate([coo.row, np.arange(len(self.to_conversion)).repeat(2)])
        cols = np.concatenate(
            [
                coo.col,
                np.tile([len(self.state_names), len(self.state_names) + 1], len(self.to_null)),
            ]
        )
        weights = np.concatenate(
            [coo.data, np.column_stack([self.to_conversion, self.to_null]).ravel()]
        )
        out = self.out_counts
        mask = weights > 0
        frame = pd.DataFrame(
            {
                "channel_from": np.asarray(names, dtype=object)[rows[mask]],
                "channel_to": np.asarray(names, dtype=object)[cols[mask]],
                "transition_probability": weights[mask] / out[rows[mask]],
            }
        )
        return frame.sort_values(["channel_from", "channel_to"], ignore_index=True)


def build_chain(paths: PathTable, order: int = 1) -> AbsorbingChain:
    if order < 1:
        raise ValueError("order must be at least 1")
    n_channels = paths.n_channels
    base = n_channels + 1
    if order * np.log2(base) >= 62:
        raise ValueError(f"order {order} with {n_channels} channels is too large")

    keys, win_path = _window_keys(paths, order, base)
    repeat = np.zeros(len(keys), dtype=bool)
    repeat[1:] = (win_path[1:] == win_path[:-1]) & (keys[1:] == keys[:-1])
    keys, win_path = keys[~repeat], win_path[~repeat]
    del repeat
    if order == 1:  # a state is a channel: no need to sort the keys
        state_keys = np.arange(1, n_channels + 1, dtype=np.int64)
        state = keys
    else:
        state_keys, state = np.unique(keys, return_inverse=True)
        state = state + 1  # 0 is (start)
    n_states = len(state_keys) + 1

    weight = paths.conversions + paths.nulls
    first = np.ones(len(state), dtype=bool)
    first[1:] = win_path[1:] != win_path[:-1]
    last = np.ones(len(state), dtype=bool)
    last[:-1] = first[1:]
    prev = np.where(first, 0, np.roll(state, 1))
    counts = _transition_counts(prev * n_states + state, weight[win_path], n_states)
    end_state, end_path = state[last], win_path[last]
    to_conversion = np.bincount(end_state, weights=paths.conversions[end_path], minlength=n_states)
    to_null = np.bincount(end_state, weights=paths.nulls[end_path], minlength=n_states)
    value_end = np.bincount(end_state, weights=paths.value[end_path], minlength=n_states)

    digits = _digits(state_keys, base, order)  # (S, order), 0 = padding
    state_channels = np.zeros((n_states, n_channels), dtype=bool)
    for j in range(order):
        has = digits[:, j] > 0
        state_channels[1:][has, digits[has, j] - 1] = True
    names = np.asarray(paths.channels, dtype=object)
    state_names = [START] + [" > ".join(names[row[row > 0] - 1]) for row in digits]
    return AbsorbingChain(state_channels, state_names, counts, to_conversion, to_null, value_end)


def _transition_counts(pairs: np.ndarray, weights: np.ndarray, n_states: int) -> sp.csr_matrix:
    """Sums the weights of each (from, to) pair, coded ``from * n_states + to``."""
    if n_states**2 <= DENSE_LIMIT:
        dense = np.bincount(pairs, weights=weights, minlength=n_states**2)
        counts = sp.csr_matrix(dense.reshape(n_states, n_states))
    else:
        unique, inverse = np.unique(pairs, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
        rows, cols = np.divmod(unique, n_states)
        counts = sp.csr_matrix((sums, (rows, cols)), shape=(n_states, n_states))
    counts.eliminate_zeros()
    return counts


def _window_keys(paths: PathTable, order: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """One key per window of ``order`` consecutive touches (a short path is one window),
    with the path each window belongs to. A key packs the channel codes + 1 in base
    ``base``, 0 padding a short path."""
    if order == 1:
        return paths.codes + 1, paths.path_of_touch
    lengths = paths.lengths
    windows = np.maximum(lengths - order + 1, 1)
    win_path = np.repeat(np.arange(paths.n_paths), windows)
    win_pos = np.arange(len(win_path)) - np.repeat(np.cumsum(windows) - windows, windows)
    win_start = paths.offsets[win_path] + win_pos
    keys = np.zeros(len(win_path), dtype=np.int64)
    for j in range(order):
        valid = win_pos + j < lengths[win_path]
        touch = np.minimum(win_start + j, len(paths.codes) - 1)
        keys = keys * base + np.where(valid, paths.codes[touch] + 1, 0)
    return keys, win_path


def _digits(keys: np.ndarray, base: int, order: int) -> np.ndarray:
    digits = np.zeros((len(keys), order), dtype=np.int64)
    rest = keys.copy()
    for j in range(order - 1, -1, -1):
        rest, digits[:, j] = np.divmod(rest, base)
    return digits


class Markov(AttributionModel):
    """Removal-effect attribution on a Markov chain of order 1 to 3 (higher works, grows fast)."""

    name = "markov"
    learned_frames = ("credits_", "removal_effects_", "transition_matrix_")

    def __init__(self, order: int = 1):
        self.order = order

    def _credit(self, paths):
        chain = build_chain(paths, self.order)
        p_conv, p_value = chain.absorption()
        self.conversion_probability_ = p_conv
        lost_conv = np.zeros(paths.n_channels)
        lost_value = np.zeros(paths.n_channels)
        for channel in range(paths.n_channels):
            without_conv, without_value = chain.absorption(channel)
            lost_conv[channel] = _removal_effect(p_conv, without_conv)
            lost_value[channel] = _removal_effect(p_value, without_value)
        self.removal_effects_ = pd.DataFrame(
            {
                CHANNEL: paths.channels,
                "removal_effects_conversion": lost_conv,
                "removal_effects_conversion_value": lost_value,
            }
        )
        self.transition_matrix_ = chain.transition_frame()
        total_conv, total_value = paths.totals()
        return normalised_to(lost_conv, total_conv), normalised_to(lost_value, total_value)


def _removal_effect(with_channel: float, without_channel: float) -> float:
    if with_channel <= 0:
        return 0.0
    return max(0.0, 1.0 - without_channel / with_channel)
