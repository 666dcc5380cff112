"""Rights as the API reads and writes them."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.access.rights import Perm
from serving.schemas.common import ConfigId

# the cabinet's interfaces, then one right per report (serving.access.rights.REPORTS)
InterfaceName = Literal[
    "notifications", "autotag", "transcription", "smarttag", "antispam", "users",
    "report_end_to_end", "report_attribution", "report_associated_conversions", "report_deals",
]  # fmt: skip


class SiteRight(Perm):
    site_id: ConfigId


class CampaignRight(Perm):
    campaign_id: ConfigId


class RightsSpec(BaseModel):
    """A full rights set. Saving it replaces the previous one; sites and campaigns that exist
    and are not listed get no rights, ones created later follow new_sites / new_campaigns."""

    model_config = ConfigDict(extra="forbid")

    full_access: bool = False
    sites: list[SiteRight] = Field(default_factory=list, max_length=10_000)
    campaigns: list[CampaignRight] = Field(default_factory=list, max_length=10_000)
    new_sites: Perm = Perm()
    new_campaigns: Perm = Perm()
    interfaces: dict[InterfaceName, Perm] = Field(default_factory=dict)
    recordings: Perm = Perm()
    contact_data: Perm = Perm()
    tags: Perm = Perm()


class CopyRights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_user_id: ConfigId
