"""Read helpers over the config store that the pipeline and the API share."""

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import Campaign, Site

SITE_COLUMNS = [
    "id",
    "account_id",
    "domain_name",
    "is_active",
    "target_call_min_duration",
    "second_communication_period",
    "cookie_lifetime",
    "campaign_lifetime",
    "sales_enabled",
    "track_subdomains",
]


def sites_frame(session: Session) -> pd.DataFrame:
    rows = session.scalars(select(Site).order_by(Site.id)).all()
    return pd.DataFrame(
        [{c: getattr(s, c) for c in SITE_COLUMNS} for s in rows], columns=SITE_COLUMNS
    )


def campaigns_frame(session: Session) -> pd.DataFrame:
    cols = ["id", "account_id", "site_id", "name", "channel", "engine", "type", "status"]
    rows = session.scalars(select(Campaign).order_by(Campaign.id)).all()
    return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=cols)


def known_site_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Site.id)))
