"""Aggregated customer journeys in ChannelAttribution's layout, held as flat integer arrays.

A journey table has one row per distinct path with ``total_conversions``,
``total_conversion_value`` and ``total_null``. The channels of all paths are stored
flat in ``codes`` with ``offsets`` marking where each path starts, so every model is a
handful of vectorised NumPy operations instead of a Python loop over paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PATH = "path"
CONVERSIONS = "total_conversions"
VALUE = "total_conversion_value"
NULL = "total_null"
PARSE_CHUNK = 200_000


@dataclass(frozen=True)
class PathTable:
    channels: list[str]
    codes: np.ndarray  # int64, channel index of every touch, paths laid end to end
    offsets: np.ndarray  # int64, len = n_paths + 1
    conversions: np.ndarray  # float64 per path
    value: np.ndarray  # float64 per path
    nulls: np.ndarray  # float64 per path
    ages: np.ndarray | None = None  # float64 per touch: days before the conversion or path end

    def __post_init__(self):
        n = len(self.offsets) - 1
        if n < 0 or self.offsets[0] != 0 or self.offsets[-1] != len(self.codes):
            raise ValueError("offsets must start at 0 and end at the number of touches")
        if np.any(np.diff(self.offsets) <= 0):
            raise ValueError("every path needs at least one touch")
        for name in ("conversions", "value", "nulls"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one entry per path")
        if self.ages is not None and len(self.ages) != len(self.codes):
            raise ValueError("ages must have one entry per touch")

    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def path_of_touch(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_paths), self.lengths)

    @property
    def position_in_path(self) -> np.ndarray:
        return np.arange(len(self.codes)) - np.repeat(self.offsets[:-1], self.lengths)

    @property
    def first_touch(self) -> np.ndarray:
        return self.codes[self.offsets[:-1]]

    @property
    def last_touch(self) -> np.ndarray:
        return self.codes[self.offsets[1:] - 1]

    def totals(self) -> tuple[float, float]:
        return float(self.conversions.sum()), float(self.value.sum())

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        sep: str = ">",
        path_col: str = PATH,
        conversions_col: str = CONVERSIONS,
        value_col: str = VALUE,
        null_col: str = NULL,
    ) -> PathTable:
        """Parses ChannelAttribution-style rows. Channel names are trimmed; empty ones dropped.

        Rows are parsed in chunks so the intermediate strings never hold the whole table."""
        n = len(frame)
        paths = frame[path_col].fillna("").astype(str).to_numpy()
        index: dict[str, int] = {}
        codes_parts, counts_parts = [], []
        for start in range(0, max(n, 1), PARSE_CHUNK):
            chunk_codes, chunk_counts, names = _parse_chunk(paths[start : start + PARSE_CHUNK], sep)
            remap = np.array([index.setdefault(name, len(index)) for name in names], dtype=np.int64)
            codes_parts.append(remap[chunk_codes] if len(names) else chunk_codes)
            counts_parts.append(chunk_counts)
        codes = np.concatenate(codes_parts) if codes_parts else np.zeros(0, dtype=np.int64)
        counts = np.concatenate(counts_parts) if counts_parts else np.zeros(0, dtype=np.int64)
        channels = list(index)
        if np.any(counts == 0):
            raise ValueError(f"path {int(np.argmin(counts > 0))} has no channel")
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(
            channels=channels,
            codes=codes,
            offsets=offsets,
            conversions=_column(frame, conversions_col, n),
            value=_column(frame, value_col, n),
            nulls=_column(frame, null_col, n),
        )

    @classmethod
    def from_sequences(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Sequence[float],
        value: Sequence[float] | None = None,
        nulls: Sequence[float] | None = None,
        ages: Sequence[Sequence[float]] | None = None,
    ) -> PathTable:
        """Builds a table from Python lists: handy for journeys built in code and for tests."""
        channels: dict[str, int] = {}
        codes = [channels.setdefault(c, len(channels)) for path in paths for c in path]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in paths])]).astype(np.int64)
        n = len(paths)
        return cls(
            channels=list(channels),
            codes=np.asarray(codes, dtype=np.int64),
            offsets=offsets,
            conversions=np.asarray(conversions, dtype=float),
            value=np.zeros(n) if value is None else np.asarray(value, dtype=float),
            nulls=np.zeros(n) if nulls is None else np.asarray(nulls, dtype=float),
            ages=None if ages is None else np.asarray([a for row in ages for a in row], float),
        )

    def to_frame(self, sep: str = " > ") -> pd.DataFrame:
        names = np.asarray(self.channels, dtype=object)[self.codes]
        paths = [
            sep.join(names[a:b]) for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=False)
        ]
        return pd.DataFrame(
            {PATH: paths, CONVERSIONS: self.conversions, VALUE: self.value, NULL: self.nulls}
        )


def _parse_chunk(paths: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Channel codes (local to the chunk), channels per path and the chunk's channel names.

    Tokens are dictionary-encoded as they are; only the few distinct spellings are trimmed,
    so ``" search"`` and ``"search "`` become one channel and blank tokens are dropped."""
    tokens = pc.split_pattern(pa.array(paths, type=pa.string()), pattern=sep)
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))
    names: dict[str, int] = {}
    lookup = np.array(
        [
            names.setdefault(name, len(names)) if name else -1
            for name in (raw.strip(" \t") for raw in encoded.dictionary.to_pylist())
        ],
        dtype=np.int64,
    )
    codes = lookup[encoded.indices.to_numpy(zero_copy_only=False)] if len(lookup) else lookup
    keep = codes >= 0
    path_idx = np.repeat(np.arange(len(paths)), lengths)[keep]
    return codes[keep], np.bincount(path_idx, minlength=len(paths)), list(names)


def _column(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(n)
    return frame[name].to_numpy(dtype=float)
