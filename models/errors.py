"""Errors of SmartTag training, storage and the registry."""

from pathlib import Path


class CorruptModelError(ValueError):
    """A saved model directory that cannot be read; names the file and what is wrong with it."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"SmartTag model file {self.path}: {reason}")


class NotEnoughDataError(ValueError):
    """The training gates refused the data; the message names the counts."""

    def __init__(self, message: str, report: dict | None = None):
        self.report = report or {}
        super().__init__(message)


class TrainingAlreadyRunning(RuntimeError):
    """A training request for the account is already pending or running (the API answers 409)."""

    def __init__(self, account_id: int, request_id: int):
        self.account_id, self.request_id = account_id, request_id
        super().__init__(
            f"account {account_id} already has SmartTag training request {request_id} "
            "pending or running; wait until it finishes"
        )


class RegistryError(LookupError):
    """A registry operation named a version, preset or request that does not exist."""
