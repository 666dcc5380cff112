"""Sites with their settings, campaigns and tags."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import ConfigId, ORMModel, Timestamp

DOMAIN_PATTERN = r"^[A-Za-z0-9а-яА-ЯёЁ.-]{1,253}$"


class SiteSettings(BaseModel):
    """The settings of «Общие настройки сайта» that drive attributes and analytics."""

    model_config = ConfigDict(extra="forbid")
    is_active: bool | None = None
    industry_name: str | None = Field(None, max_length=100)
    target_call_min_duration: int | None = Field(None, ge=0, le=86_400)
    second_communication_period: int | None = Field(None, ge=0, le=3650)
    cookie_lifetime: int | None = Field(None, ge=1, le=3650)
    campaign_lifetime: int | None = Field(None, ge=0, le=3650)
    sales_enabled: bool | None = None
    track_subdomains: bool | None = None


class SiteCreate(SiteSettings):
    domain_name: str = Field(pattern=DOMAIN_PATTERN)


class SiteUpdate(SiteSettings):
    domain_name: str | None = Field(None, pattern=DOMAIN_PATTERN)


class SitePublic(ORMModel):
    id: int
    account_id: int
    domain_name: str
    industry_name: str | None
    is_active: bool
    target_call_min_duration: int
    second_communication_period: int
    cookie_lifetime: int
    campaign_lifetime: int
    sales_enabled: bool
    track_subdomains: bool
    created_at: Timestamp | None


class SiteSettingsVersionPublic(ORMModel):
    """One version of a site's settings, in force from ``valid_from``; the facts of a
    communication come from the version in force at its start."""

    valid_from: Timestamp
    target_call_min_duration: int
    second_communication_period: int
    cookie_lifetime: int
    campaign_lifetime: int
    sales_enabled: bool
    track_subdomains: bool


CampaignType = Literal["manual", "integrated", "no_campaign"]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site_id: ConfigId
    name: str = Field(min_length=1, max_length=255)
    channel: str = Field(min_length=1, max_length=30)
    engine: str | None = Field(None, max_length=50)
    status: Literal["active", "paused", "archived"] = "active"


class CampaignUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=255)
    channel: str | None = Field(None, min_length=1, max_length=30)
    engine: str | None = Field(None, max_length=50)
    status: Literal["active", "paused", "archived"] | None = None


class CampaignPublic(ORMModel):
    id: int
    account_id: int
    site_id: int | None
    name: str
    channel: str
    engine: str | None
    type: str
    status: str
    creation_time: Timestamp | None
    deletable: bool = False


class TagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")


class TagUpdate(TagCreate):
    pass


class TagPublic(ORMModel):
    id: int
    name: str
    is_system: bool
