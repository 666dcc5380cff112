"""Training on labelled history and the on-disk model registry.

A trained model is saved as a **candidate**: it blocks and tags nothing until it is promoted,
and it is promoted only when its held-out check passes (at most ``max_legit_flag_rate`` of the
held-out legitimate numbers flagged). Until a model is promoted the label-free behaviour scorer
(``antispam.behaviour``) decides. Promotion, rollback to an earlier promoted version and
rollback to the label-free scorer are recorded in the configuration audit (entity
``antispam_model``); ``promoted.json`` keeps the versions that were ever promoted.

Labels come from the config store: numbers on black lists and spam marks (complaints) are spam,
numbers on white lists and "not spam" marks are legitimate. Only numbers with enough calls to
be scored are used; the scorable numbers nobody judged join the fitting as unlabelled. A quarter
of the labelled ones is held out and never seen by fitting or calibration; the figures on it
are the model's validation and are saved beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from antispam.model import MODEL_NAME, SpamModel
from data.config import audit
from data.errors import ModelMissingError

CURRENT = "current"
PROMOTED = "promoted.json"
DEFAULT_VERSION = "default"  # rollback target: no trained model, the label-free scorer
AUDIT_ENTITY = "antispam_model"


def label_numbers(lists: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    """One label per number from list entries (number, list_kind) and marks (number, is_spam,
    weight): spam votes minus legitimate votes; a tie is no label."""
    votes = pd.concat(
        [
            pd.DataFrame(
                {"number": lists["number"], "vote": np.where(lists["list_kind"] == "black", 1, -1)}
            ),
            pd.DataFrame(
                {
                    "number": marks["number"],
                    "vote": np.where(marks["is_spam"].astype(bool), 1, -1)
                    * marks["weight"].fillna(1).astype(int),
                }
            ),
        ],
        ignore_index=True,
    )
    if votes.empty:
        return pd.DataFrame({"caller": pd.Series(dtype=np.int64), "label": pd.Series(dtype=int)})
    total = votes.groupby("number")["vote"].sum()
    total = total[total != 0]
    return pd.DataFrame(
        {"caller": total.index.astype(np.int64), "label": (total.to_numpy() > 0).astype(int)}
    )


class NotEnoughLabelsError(ValueError):
    """The training gate refused: too few labelled numbers; the message names the counts."""


def train(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    test_share: float = 0.25,
    seed: int = 0,
    **params,
) -> tuple[SpamModel, dict]:
    """Fits and calibrates on the labelled numbers, then validates on a held-out share."""
    data = features.merge(labels, on="caller", how="left")
    data["label"] = data["label"].fillna(-1).astype(int)
    counts = data["label"].value_counts().to_dict()
    if counts.get(1, 0) < 4 or counts.get(0, 0) < 10:
        raise NotEnoughLabelsError(
            f"too few labelled numbers with enough calls: {counts.get(1, 0)} spam, "
            f"{counts.get(0, 0)} legitimate (need at least 4 and 10)"
        )
    labelled = data[data["label"] >= 0]
    fit_part, test_part = train_test_split(
        labelled, test_size=test_share, stratify=labelled["label"], random_state=seed
    )
    fit_part = pd.concat([fit_part, data[data["label"] < 0]], ignore_index=True)
    model = SpamModel(random_state=seed, **params).fit(fit_part, fit_part["label"])
    flagged = model.predict(test_part)
    legit = test_part["label"].to_numpy() == 0
    report: dict[str, Any] = {
        "trained_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "labelled": {"spam": int(counts.get(1, 0)), "legit": int(counts.get(0, 0))},
        "unlabelled": int(counts.get(-1, 0)),
        "threshold": model.threshold_,
        "calibration": model.calibration_,
        "held_out": {
            "legit": int(legit.sum()),
            "legit_flagged": int(flagged[legit].sum()),
            "spam": int((~legit).sum()),
            "spam_found": int(flagged[~legit].sum()),
        },
    }
    held = report["held_out"]
    held["legit_flagged_share"] = held["legit_flagged"] / max(1, held["legit"])
    held["spam_recall"] = held["spam_found"] / max(1, held["spam"])
    return model, report


def save_version(model: SpamModel, report: dict, models_dir: Path) -> str:
    """Saves a candidate under ``<models_dir>/antispam/<version>/``; the current model (if
    any) stays in effect until the candidate is promoted."""
    root = Path(models_dir) / MODEL_NAME
    version = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = model.save(root / version)
    (target / "report.json").write_text(json.dumps(report, indent=2, default=float))
    return version


def held_out_check(report: dict) -> tuple[bool, str]:
    """The promotion gate: the held-out legitimate numbers flagged stay within the rate the
    threshold was calibrated for."""
    held = report["held_out"]
    rate = report["calibration"]["max_legit_flag_rate"]
    passed = held["legit"] > 0 and held["legit_flagged_share"] <= rate
    reason = (
        f"held out: {held['legit_flagged']} of {held['legit']} legitimate numbers flagged "
        f"({held['legit_flagged_share']:.4%}, limit {rate:.2%}); "
        f"{held['spam_found']} of {held['spam']} spam found"
    )
    return passed, ("passed: " if passed else "failed: ") + reason


def version_report(models_dir: Path, version: str) -> dict:
    path = Path(models_dir) / MODEL_NAME / version / "report.json"
    if not path.is_file():
        raise LookupError(f"no antispam model version {version!r} under {path.parent.parent}")
    return json.loads(path.read_text())


def current_version(models_dir: Path) -> str | None:
    pointer = Path(models_dir) / MODEL_NAME / CURRENT
    return pointer.read_text().strip() if pointer.exists() else None


def promoted_versions(models_dir: Path) -> list[str]:
    path = Path(models_dir) / MODEL_NAME / PROMOTED
    return json.loads(path.read_text()) if path.exists() else []


def promote(models_dir: Path, version: str, session, actor: str) -> str:
    """Makes a candidate the current model when its held-out check passes (else ValueError);
    audited. Returns the gate's reason."""
    passed, reason = held_out_check(version_report(models_dir, version))
    if not passed:
        raise ValueError(f"antispam model {version} not promoted: {reason}")
    before = current_version(models_dir)
    _point(models_dir, version)
    history = [v for v in promoted_versions(models_dir) if v != version] + [version]
    _write(Path(models_dir) / MODEL_NAME / PROMOTED, json.dumps(history))
    audit.record(
        session,
        actor,
        "promote",
        AUDIT_ENTITY,
        version,
        {"version": before},
        {"version": version, "decision": reason},
    )
    return reason


def rollback(models_dir: Path, session, actor: str, to: str | None = None) -> str:
    """Back to ``to`` (a version promoted before, or ``default`` for the label-free scorer);
    without ``to``, to the version promoted before the current one (or the default). Audited.
    Returns the version now in effect."""
    before = current_version(models_dir)
    history = promoted_versions(models_dir)
    if to is None:
        earlier = history[: history.index(before)] if before in history else history
        to = earlier[-1] if earlier else DEFAULT_VERSION
    if to != DEFAULT_VERSION and to not in history:
        raise LookupError(
            f"antispam model {to!r} was never promoted; promoted: {', '.join(history) or 'none'}"
        )
    if to == DEFAULT_VERSION:
        (Path(models_dir) / MODEL_NAME / CURRENT).unlink(missing_ok=True)
    else:
        _point(models_dir, to)
    audit.record(session, actor, "rollback", AUDIT_ENTITY, to, {"version": before}, {"version": to})
    return to


def _point(models_dir: Path, version: str) -> None:
    _write(Path(models_dir) / MODEL_NAME / CURRENT, version)


def _write(path: Path, text: str) -> None:
    """Replaces the file in one step, so a reader never sees half a pointer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def load_current(models_dir: Path) -> tuple[SpamModel, str]:
    root = Path(models_dir) / MODEL_NAME
    version = current_version(models_dir)
    if version is None:
        raise ModelMissingError(
            MODEL_NAME,
            "CALLSCOPE_HOME (models live in $CALLSCOPE_HOME/models/antispam)",
            "training on labelled history: materialise the Dagster asset antispam_model or run "
            "`callscope antispam train`",
            root,
        )
    return SpamModel.load(root / version), version


def has_model(models_dir: Path) -> bool:
    return current_version(models_dir) is not None
