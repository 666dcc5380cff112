"""The SmartTag registry: model versions per account, the on/off switch, rollback.

Model files live under `<models_dir>/smarttag/<account_id>/<version>/`; the config store keeps
the versions, their held-out metrics and which one tags the account's calls.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.smarttag import SmartTagAccount, SmartTagVersion
from data.settings import get_settings
from models.errors import RegistryError


def models_root() -> Path:
    return get_settings().models_dir / "smarttag"


def account_dir(account_id: int) -> Path:
    return models_root() / str(account_id)


def version_as_dict(row: SmartTagVersion) -> dict:
    metrics = row.metrics or {}
    return {
        "id": row.id,
        "account_id": row.account_id,
        "version": row.version,
        "status": row.status,
        "decision": row.decision,
        "preset": row.preset,
        "tags": row.tags,
        "data_snapshot_id": row.data_snapshot_id,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "macro_f1": (metrics.get("smarttag") or {}).get("macro_f1"),
        "micro_f1": (metrics.get("smarttag") or {}).get("micro_f1"),
        "baseline_macro_f1": (metrics.get("baseline") or {}).get("macro_f1"),
        "per_tag": (metrics.get("smarttag") or {}).get("per_tag", {}),
        "path": row.path,
    }


def next_version(session: Session, account_id: int) -> int:
    current = session.scalar(
        select(func.max(SmartTagVersion.version)).where(SmartTagVersion.account_id == account_id)
    )
    return (current or 0) + 1


def register_version(
    session: Session,
    account_id: int,
    source_dir: Path,
    report: dict,
    actor: str,
    *,
    preset: str | None = None,
    request_id: int | None = None,
) -> SmartTagVersion:
    """Copies a saved model under the account's folder and records it as a candidate."""
    version = next_version(session, account_id)
    target = account_dir(account_id) / str(version)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source_dir, target)
    row = SmartTagVersion(
        account_id=account_id,
        version=version,
        path=str(target),
        tags=list(report.get("tags", [])),
        metrics=report,
        data_snapshot_id=str(report.get("data_snapshot_id") or ""),
        status="candidate",
        decision="",
        preset=preset,
        request_id=request_id,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "register",
        "smarttag_version",
        row.id,
        None,
        {"account_id": account_id, "version": version, "preset": preset},
    )
    return row


def get_version(session: Session, account_id: int, version: int) -> SmartTagVersion:
    row = session.scalar(
        select(SmartTagVersion).where(
            SmartTagVersion.account_id == account_id, SmartTagVersion.version == version
        )
    )
    if row is None:
        raise RegistryError(f"account {account_id} has no SmartTag version {version}")
    return row


def list_versions(session: Session, account_id: int) -> list[dict]:
    rows = session.scalars(
        select(SmartTagVersion)
        .where(SmartTagVersion.account_id == account_id)
        .order_by(SmartTagVersion.version)
    )
    return [version_as_dict(row) for row in rows]


def _state(session: Session, account_id: int, actor: str) -> SmartTagAccount:
    state = session.get(SmartTagAccount, account_id)
    if state is None:
        state = SmartTagAccount(account_id=account_id, enabled=False, updated_by=actor)
        session.add(state)
        session.flush()
    return state


def account_state(session: Session, account_id: int) -> dict:
    state = session.get(SmartTagAccount, account_id)
    active = (
        session.get(SmartTagVersion, state.active_version_id)
        if state and state.active_version_id
        else None
    )
    return {
        "account_id": account_id,
        "enabled": bool(state and state.enabled),
        "active_version": active.version if active else None,
        "active": version_as_dict(active) if active else None,
    }


def promote(session: Session, row: SmartTagVersion, actor: str, decision: str) -> None:
    """Marks a candidate promoted and makes it the account's active version."""
    row.status, row.decision = "promoted", decision
    _activate(session, row, actor, "promote")


def reject(session: Session, row: SmartTagVersion, actor: str, decision: str) -> None:
    row.status, row.decision = "rejected", decision
    audit.record(session, actor, "reject", "smarttag_version", row.id, None, {"decision": decision})


def activate(session: Session, account_id: int, version: int, actor: str) -> dict:
    """Rollback (or roll forward) to any promoted version of the account."""
    row = get_version(session, account_id, version)
    if row.status != "promoted":
        raise RegistryError(
            f"version {version} of account {account_id} is {row.status}; only promoted "
            "versions can be activated"
        )
    _activate(session, row, actor, "activate")
    return account_state(session, account_id)


def _activate(session: Session, row: SmartTagVersion, actor: str, action: str) -> None:
    state = _state(session, row.account_id, actor)
    before = {"active_version_id": state.active_version_id}
    state.active_version_id, state.updated_by = row.id, actor
    session.flush()
    audit.record(
        session,
        actor,
        action,
        "smarttag_account",
        row.account_id,
        before,
        {"active_version_id": row.id, "version": row.version},
    )


def set_enabled(session: Session, account_id: int, enabled: bool, actor: str) -> dict:
    """The cabinet's switch. Turning on needs an active version."""
    state = _state(session, account_id, actor)
    if enabled and state.active_version_id is None:
        raise RegistryError(
            f"account {account_id} has no promoted SmartTag model yet; train one or apply a preset"
        )
    before = {"enabled": state.enabled}
    state.enabled, state.updated_by = enabled, actor
    session.flush()
    audit.record(
        session, actor, "switch", "smarttag_account", account_id, before, {"enabled": enabled}
    )
    return account_state(session, account_id)


def active_version(session: Session, account_id: int) -> SmartTagVersion | None:
    state = session.get(SmartTagAccount, account_id)
    if state is None or state.active_version_id is None:
        return None
    return session.get(SmartTagVersion, state.active_version_id)


def enabled_models(session: Session) -> dict[int, tuple[str, str]]:
    """account_id → (model directory, version reference) for every account whose model is on."""
    rows = session.execute(
        select(SmartTagAccount.account_id, SmartTagVersion.path, SmartTagVersion.version)
        .join(SmartTagVersion, SmartTagVersion.id == SmartTagAccount.active_version_id)
        .where(SmartTagAccount.enabled.is_(True))
    )
    return {account: (path, f"smarttag:{account}@v{version}") for account, path, version in rows}
