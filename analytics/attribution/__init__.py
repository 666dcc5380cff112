"""Attribution models: rule-based (first, last, last non-direct, linear, time decay, position)
and data-driven (Markov removal effect, Shapley value)."""

from analytics.attribution.base import CHANNEL, CREDIT_COLUMNS, AttributionModel
from analytics.attribution.heuristic import (
    FirstClick,
    LastClick,
    LastNonDirectClick,
    Linear,
    PositionBased,
    TimeDecay,
)
from analytics.attribution.markov import Markov
from analytics.attribution.paths import PathTable
from analytics.attribution.shapley import Shapley

MODELS: dict[str, type[AttributionModel]] = {
    model.name: model
    for model in (
        FirstClick,
        LastClick,
        LastNonDirectClick,
        Linear,
        TimeDecay,
        PositionBased,
        Markov,
        Shapley,
    )
}


def make_model(name: str, **params) -> AttributionModel:
    if name not in MODELS:
        raise ValueError(f"unknown attribution model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name](**params)


__all__ = [
    "CHANNEL",
    "CREDIT_COLUMNS",
    "MODELS",
    "AttributionModel",
    "FirstClick",
    "LastClick",
    "LastNonDirectClick",
    "Linear",
    "Markov",
    "PathTable",
    "PositionBased",
    "Shapley",
    "TimeDecay",
    "make_model",
]
