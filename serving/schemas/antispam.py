"""Antispam: the switches, the black and white lists with comments, flagged numbers."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import Timestamp

ListKind = Literal["black", "white"]


class AntispamSwitches(BaseModel):
    """Tagging and blocking work independently: either, both or neither."""

    model_config = ConfigDict(extra="forbid")
    tag_enabled: bool
    block_enabled: bool


class AntispamSwitchesPublic(AntispamSwitches):
    model_config = ConfigDict(from_attributes=True)
    updated_by: str | None = None
    updated_at: Timestamp | None = None


class ListEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=3, max_length=40, examples=["+7 (916) 123-45-67"])
    comment: str | None = Field(None, max_length=1000)


class ListEntryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(None, max_length=1000)


class ListEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    list_kind: ListKind
    number: str = Field(description="Masked without the contact-data right.")
    added_by: str
    added_at: Timestamp | None
    comment: str | None


class TablePage(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
