"""SmartTag: the account's switch and active model, model versions, presets, training requests."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PresetName = Literal["real_estate", "auto"]


class SmartTagVersionPublic(BaseModel):
    id: int
    version: int
    status: str
    decision: str | None = None
    preset: str | None = None
    tags: list[Any] = Field(default_factory=list)
    data_snapshot_id: str | None = None
    created_by: str
    created_at: str | None = None
    macro_f1: float | None = None
    micro_f1: float | None = None
    baseline_macro_f1: float | None = None
    per_tag: dict[str, Any] = Field(default_factory=dict)


class SmartTagState(BaseModel):
    enabled: bool
    active_version: int | None = None
    active: SmartTagVersionPublic | None = None


class SmartTagSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class PresetPublic(BaseModel):
    name: str
    title: str
    built: bool
    tags: list[str] = Field(default_factory=list)
    macro_f1: float | None = None


class TrainingRequestCreate(BaseModel):
    """Which tags to train, and where to send the e-mail when training ends."""

    model_config = ConfigDict(extra="forbid")
    tags: list[str] = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]{1,100}@[^@\s]{1,150}$")
    preset: PresetName | None = Field(None, description="Start from a preset and retrain it.")


class TrainingRequestPublic(BaseModel):
    id: int
    tags: list[str]
    email: str
    preset: str | None = None
    status: str
    progress: float
    message: str | None = None
    failure_reason: str | None = None
    version_id: int | None = None
    requested_by: str
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
