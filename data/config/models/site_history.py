"""The history of a site's settings: each version holds from ``valid_from`` until the next.

A communication's facts (lost, target, non-target, primary, repeat) are computed from the
version in force at its start, so changing a threshold today leaves yesterday's facts as they
were on every re-run. Any change of a site's settings through a config store's sessions writes
the new version, and its audit record, in the same transaction as the change itself: the store
installs :func:`track` on its own sessions (``before_flush``), nothing is registered on import.
"""

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, sessionmaker

from data.config.base import Base
from data.config.models.core import AuditRecord, Site

VERSIONED = (
    "target_call_min_duration",
    "second_communication_period",
    "cookie_lifetime",
    "campaign_lifetime",
    "sales_enabled",
    "track_subdomains",
)
# the first version of a site holds for everything before it was ever changed
SINCE_EVER = dt.datetime(1970, 1, 1)


class SiteSettingsVersion(Base):
    __tablename__ = "site_settings_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    target_call_min_duration: Mapped[int] = mapped_column(Integer)
    second_communication_period: Mapped[int] = mapped_column(Integer)
    cookie_lifetime: Mapped[int] = mapped_column(Integer)
    campaign_lifetime: Mapped[int] = mapped_column(Integer)
    sales_enabled: Mapped[bool] = mapped_column(Boolean)
    track_subdomains: Mapped[bool] = mapped_column(Boolean)
    site: Mapped[Site] = relationship()


def _value(site: Site, name: str):
    value = getattr(site, name)
    if value is None:  # a column default not applied yet (before the INSERT)
        default = Site.__table__.c[name].default
        value = default.arg if default is not None else None
    return value


def _changed(site: Site) -> dict[str, tuple]:
    """Versioned settings changed on a loaded site: name → (before, after)."""
    state = inspect(site)
    changes = {}
    for name in VERSIONED:
        history = state.attrs[name].history
        if not history.added:
            continue
        before = history.deleted[0] if history.deleted else None  # None: was not loaded
        if before != history.added[0]:
            changes[name] = (before, history.added[0])
    return changes


def _version_site_settings(session: Session, _context, _instances) -> None:
    now = session.info.get("settings_valid_from") or dt.datetime.now()
    actor = session.info.get("actor", "system")
    for site in [o for o in session.new if isinstance(o, Site)]:
        values = {name: _value(site, name) for name in VERSIONED}
        session.add(SiteSettingsVersion(site=site, valid_from=SINCE_EVER, **values))
    for site in [o for o in session.dirty if isinstance(o, Site)]:
        changes = _changed(site)
        if not changes:
            continue
        values = {name: _value(site, name) for name in VERSIONED}
        session.add(SiteSettingsVersion(site=site, valid_from=now, **values))
        session.add(
            AuditRecord(
                at=now.replace(microsecond=0),
                actor=actor,
                action="version",
                entity="site_settings",
                entity_id=str(site.id),
                before={name: before for name, (before, _) in changes.items()},
                after={**values, "valid_from": now.isoformat()},
            )
        )


def track(sessions: sessionmaker) -> None:
    """Versions site settings on one store's sessions (and on no other)."""
    event.listen(sessions, "before_flush", _version_site_settings)
