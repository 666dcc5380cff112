"""Read helpers over the config store that the pipeline and the API share."""

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import Campaign, Site
from data.config.models.site_history import SINCE_EVER, VERSIONED, SiteSettingsVersion

SITE_COLUMNS = ["id", "account_id", "domain_name", "is_active", *VERSIONED]


def sites_frame(session: Session) -> pd.DataFrame:
    rows = session.scalars(select(Site).order_by(Site.id)).all()
    return pd.DataFrame(
        [{c: getattr(s, c) for c in SITE_COLUMNS} for s in rows], columns=SITE_COLUMNS
    )


# until the next version: far enough ahead for any communication, and a plain timestamp
UNTIL_CHANGED = pd.Timestamp("2200-01-01")


def site_settings_history(session: Session) -> pd.DataFrame:
    """:func:`sites_frame` with one row per version of each site's settings, in force from
    ``valid_from`` (inclusive) to ``valid_till`` (exclusive). A site without a stored version
    has its current settings since ever."""
    sites = sites_frame(session)
    rows = session.scalars(
        select(SiteSettingsVersion).order_by(
            SiteSettingsVersion.site_id, SiteSettingsVersion.valid_from, SiteSettingsVersion.id
        )
    ).all()
    versions = pd.DataFrame(
        [{"id": v.site_id, "valid_from": v.valid_from, **{c: getattr(v, c) for c in VERSIONED}}
         for v in rows],
        columns=["id", "valid_from", *VERSIONED],
    )  # fmt: skip
    unversioned = sites[~sites["id"].isin(versions["id"])].assign(valid_from=SINCE_EVER)
    fixed = sites.drop(columns=list(VERSIONED))  # what is not versioned is as it is now
    history = pd.concat(
        [d for d in (fixed.merge(versions, on="id"), unversioned) if len(d)] or [unversioned],
        ignore_index=True,
    )
    history["valid_from"] = pd.to_datetime(history["valid_from"])
    history = history.sort_values(["id", "valid_from"], kind="stable", ignore_index=True)
    following = history.groupby("id")["valid_from"].shift(-1)
    history["valid_till"] = following.fillna(UNTIL_CHANGED)
    return history[[*SITE_COLUMNS, "valid_from", "valid_till"]]


def campaigns_frame(session: Session) -> pd.DataFrame:
    cols = ["id", "account_id", "site_id", "name", "channel", "engine", "type", "status"]
    rows = session.scalars(select(Campaign).order_by(Campaign.id)).all()
    return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=cols)


def known_site_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Site.id)))
