"""Fitted attributes start as None; reading one before ``fit`` names the estimator."""

from typing import TypeVar

from sklearn.exceptions import NotFittedError

T = TypeVar("T")


def fitted(value: T | None, name: str) -> T:
    if value is None:
        raise NotFittedError(f"{name} is not fitted yet; call fit first")
    return value
