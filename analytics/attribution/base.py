"""What every attribution model shares: the estimator contract, credit frames and persistence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from analytics.attribution.paths import PathTable

CHANNEL = "channel_name"
CREDIT_COLUMNS = [CHANNEL, "total_conversions", "total_conversion_value"]


class AttributionModel(BaseEstimator):
    """Credits conversions and revenue to channels. ``fit`` sets ``credits_``.

    ``credits_`` has one row per channel (``channel_name``, ``total_conversions``,
    ``total_conversion_value``) and its columns sum to the totals of the paths it was fit on.
    """

    name: ClassVar[str]
    learned_frames: ClassVar[tuple[str, ...]] = ("credits_",)

    def fit(self, paths: PathTable, y=None) -> AttributionModel:
        if paths.n_paths == 0:
            conversions = value = np.zeros(paths.n_channels)
        else:
            conversions, value = self._credit(paths)
        self.credits_ = credit_frame(paths.channels, conversions, value)
        self.totals_ = paths.totals()
        return self

    def _credit(self, paths: PathTable) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        scalars = {
            name: value
            for name, value in vars(self).items()
            if name.endswith("_") and isinstance(value, bool | int | float)
        }
        meta = {
            "model": self.name,
            "params": self.get_params(),
            "totals": list(self.totals_),
            "scalars": scalars,
        }
        (directory / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
        for attr in self.learned_frames:
            getattr(self, attr).to_parquet(directory / f"{attr.rstrip('_')}.parquet", index=False)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> AttributionModel:
        directory = Path(directory)
        meta = json.loads((directory / "model.json").read_text())
        if meta["model"] != cls.name:
            raise ValueError(f"{directory} holds a {meta['model']} model, not {cls.name}")
        model = cls(**meta["params"])
        model.totals_ = tuple(meta["totals"])
        for name, value in meta.get("scalars", {}).items():
            setattr(model, name, value)
        for attr in cls.learned_frames:
            setattr(model, attr, pd.read_parquet(directory / f"{attr.rstrip('_')}.parquet"))
        return model


def credit_frame(channels: list[str], conversions: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            CHANNEL: list(channels),
            "total_conversions": np.asarray(conversions, dtype=float),
            "total_conversion_value": np.asarray(value, dtype=float),
        }
    )


def normalised_to(weights: np.ndarray, total: float) -> np.ndarray:
    """Scales non-negative shares so they sum to ``total`` (zeros when there is nothing to share)."""
    weights = np.asarray(weights, dtype=float)
    mass = weights.sum()
    if mass == 0 or total == 0:
        return np.zeros_like(weights)
    return weights / mass * total
