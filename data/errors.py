"""Errors shared by every package."""

from pathlib import Path


class InputError(ValueError):
    """Bad input in a file: names the file, the line and the field."""

    def __init__(self, file: str | Path, line: int | None, field: str | None, reason: str):
        self.file, self.line, self.field, self.reason = str(file), line, field, reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"field {self.field}: " if self.field else ""
        return f"{where}: {what}{self.reason}"


class ModelMissingError(FileNotFoundError):
    """A model that must be on local disk is not there. Nothing is ever downloaded at run time."""

    def __init__(self, model: str, setting: str, where: str, path: str | Path | None = None):
        self.model, self.setting, self.where, self.path = model, setting, where, path
        looked = f" (looked in {path})" if path else ""
        super().__init__(
            f"model {model} is not available{looked}. Download it from {where}, unpack it "
            f"locally and point {setting} at its directory."
        )


class ConfigError(ValueError):
    """A rule or setting that cannot be applied; names the rule and the field."""

    def __init__(self, entity: str, field: str | None, reason: str):
        self.entity, self.field, self.reason = entity, field, reason
        what = f" field {field}" if field else ""
        super().__init__(f"{entity}:{what} {reason}".strip())
