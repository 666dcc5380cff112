"""Data API sources of the live path; the token goes in and never comes back out."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from data.ingest.comagic_api import DEFAULT_URL


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["comagic"] = "comagic"
    account_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Default: the caller's account."
    )
    token: str = Field(min_length=1, max_length=500, description="The Data API access token.")
    url: str = Field(DEFAULT_URL, pattern=r"^https?://\S+$", max_length=500)


class SourcePublic(BaseModel):
    id: int
    kind: str
    account_id: int
    url: str
    token: str = Field(description="Masked: the last four characters at most.")
    status: str
    status_message: str | None = None
    last_poll_at: str | None = None
    cursors: dict[str, str] = Field(default_factory=dict)
