"""Shapley-value attribution over channel coalitions.

A journey's coalition is the set of channels it touched. The worth of a coalition S is
computed from the journeys whose coalition lies inside S, i.e. the journeys that would
still happen if the marketer ran only the channels in S:

- ``conversion_rate`` (default): their conversion rate (conversions / journeys) and their
  revenue per journey. Uses non-converting journeys, so channels whose journeys convert
  better earn more; a channel whose journeys convert worse than average can earn negative
  credit.
- ``conversions``: their conversions and revenue. This game is a sum of unanimity games, so
  its Shapley value has the closed form "each journey's conversions split evenly over its
  distinct channels".

Up to ``max_exact_channels`` channels the value is exact: the worth of all 2^n coalitions
comes from one subset-sum (zeta) transform, then the Shapley sum runs over all of them.
Beyond that, random channel orderings are sampled and ``standard_error_`` states the
sampling error of every credit. Credits are the Shapley values scaled so they sum to the
totals (the values themselves sum to the worth of the grand coalition).
"""

from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd

from analytics.attribution.base import CHANNEL, AttributionModel
from analytics.attribution.paths import PathTable

VALUE_FUNCTIONS = ("conversion_rate", "conversions")


class Shapley(AttributionModel):
    name = "shapley"
    learned_frames = ("credits_", "standard_error_")

    def __init__(
        self,
        value_function: str = "conversions",
        max_exact_channels: int = 15,
        n_permutations: int = 2000,
        random_state: int = 0,
    ):
        self.value_function = value_function
        self.max_exact_channels = max_exact_channels
        self.n_permutations = n_permutations
        self.random_state = random_state

    def _credit(self, paths):
        if self.value_function not in VALUE_FUNCTIONS:
            raise ValueError(f"value_function must be one of {VALUE_FUNCTIONS}")
        members, conv, nulls, value = coalitions(paths)
        n = paths.n_channels
        self.exact_ = n <= self.max_exact_channels
        if self.exact_:
            masks = (members.astype(np.int64) << np.arange(n)).sum(axis=1)
            worth = self._worth(*_subset_sums(masks, n, conv, nulls, value))
            phi = np.array([exact_shapley(w, n) for w in worth])
            se = np.zeros_like(phi)
            grand = np.array([w[-1] for w in worth])
        else:
            phi, se, grand = self._sampled(members, conv, nulls, value, n)
        totals = np.array(paths.totals())
        factor = np.divide(totals, grand, out=np.zeros(2), where=grand != 0)
        credits = phi * factor[:, None]
        self.standard_error_ = pd.DataFrame(
            {
                CHANNEL: paths.channels,
                "total_conversions": se[0] * abs(factor[0]),
                "total_conversion_value": se[1] * abs(factor[1]),
            }
        )
        return credits[0], credits[1]

    def _worth(self, conv, nulls, value) -> tuple[np.ndarray, np.ndarray]:
        if self.value_function == "conversions":
            return conv, value
        journeys = conv + nulls
        rate = np.divide(conv, journeys, out=np.zeros_like(conv), where=journeys > 0)
        per_journey = np.divide(value, journeys, out=np.zeros_like(value), where=journeys > 0)
        return rate, per_journey

    def _sampled(self, members, conv, nulls, value, n):
        rng = np.random.default_rng(self.random_state)
        sums = np.zeros((2, n))
        squares = np.zeros((2, n))
        batch = max(1, min(self.n_permutations, 2**24 // max(1, members.size)))
        done = 0
        grand = None
        while done < self.n_permutations:
            size = min(batch, self.n_permutations - done)
            marginal, grand = self._permutation_marginals(rng, size, members, conv, nulls, value)
            sums += marginal.sum(axis=1)
            squares += (marginal**2).sum(axis=1)
            done += size
        mean = sums / done
        variance = np.maximum(squares / done - mean**2, 0) / max(done - 1, 1)
        return mean, np.sqrt(variance), grand

    def _permutation_marginals(self, rng, size, members, conv, nulls, value):
        """Marginal contribution of every channel in ``size`` random orderings: (2, size, n)."""
        n = members.shape[1]
        order = np.argsort(rng.random((size, n)), axis=1)  # order[p, step] = channel
        position = np.argsort(order, axis=1)  # position[p, channel] = step
        # a coalition joins the growing set at the step its last channel arrives
        joins = np.where(members[None], position[:, None, :], -1).max(axis=2)  # (size, K)
        flat = (joins + np.arange(size)[:, None] * n).ravel()
        per_step = [
            np.bincount(flat, weights=np.tile(x, size), minlength=size * n).reshape(size, n)
            for x in (conv, nulls, value)
        ]
        cumulative = [np.cumsum(x, axis=1) for x in per_step]
        worth = np.stack(self._worth(*cumulative))  # (2, size, n) after each step
        gains = np.diff(worth, axis=2, prepend=0.0)
        marginal = np.empty_like(gains)
        rows = np.arange(size)[:, None]
        marginal[:, rows, order] = gains
        return marginal, worth[:, 0, -1]


def coalitions(paths: PathTable):
    """Distinct touched-channel sets: membership (K, n) and conversions, nulls, revenue per set."""
    n = paths.n_channels
    if n <= 62:  # a coalition fits in one int64 bit mask
        bits = np.left_shift(np.int64(1), paths.codes)
        masks = np.bitwise_or.reduceat(bits, paths.offsets[:-1])
        unique, inverse = np.unique(masks, return_inverse=True)
        members = ((unique[:, None] >> np.arange(n)) & 1).astype(bool)
    else:
        member = np.zeros((paths.n_paths, n), dtype=bool)
        member[paths.path_of_touch, paths.codes] = True
        packed = np.ascontiguousarray(np.packbits(member, axis=1))
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        members = member[first]
    k = len(members)
    return (
        members,
        np.bincount(inverse, weights=paths.conversions, minlength=k),
        np.bincount(inverse, weights=paths.nulls, minlength=k),
        np.bincount(inverse, weights=paths.value, minlength=k),
    )


def _subset_sums(masks: np.ndarray, n: int, *columns: np.ndarray) -> list[np.ndarray]:
    """For every coalition S of n players, the sum of each column over the sets inside S."""
    out = []
    for column in columns:
        table = np.bincount(masks, weights=column, minlength=2**n).astype(float)
        for bit in range(n):
            view = table.reshape(-1, 2, 2**bit)
            view[:, 1, :] += view[:, 0, :]
        out.append(table)
    return out


def exact_shapley(worth: np.ndarray, n: int) -> np.ndarray:
    """Shapley values of the game whose worth of coalition ``mask`` is ``worth[mask]``."""
    sizes = np.bitwise_count(np.arange(2**n, dtype=np.uint64)).astype(np.int64)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for player in range(n):
        view = worth.reshape(-1, 2, 2**player)
        without = sizes.reshape(-1, 2, 2**player)[:, 0, :]
        phi[player] = np.sum(weight[without] * (view[:, 1, :] - view[:, 0, :]))
    return phi
