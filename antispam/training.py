"""Training on labelled history and the on-disk model registry.

Labels come from the config store: numbers on black lists and spam marks (complaints) are spam,
numbers on white lists and "not spam" marks are legitimate. Only numbers with enough calls to
be scored are used; the scorable numbers nobody judged join the fitting as unlabelled. A quarter
of the labelled ones is held out and never seen by fitting or calibration; the figures on it
are the model's validation and are saved beside it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from antispam.model import MODEL_NAME, SpamModel
from data.errors import ModelMissingError

CURRENT = "current"


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
        raise ValueError(
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
    report = {
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
    """Saves under ``<models_dir>/antispam/<version>/`` and makes it the current model."""
    root = Path(models_dir) / MODEL_NAME
    version = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = model.save(root / version)
    (target / "report.json").write_text(json.dumps(report, indent=2, default=float))
    (root / CURRENT).write_text(version)
    return version


def load_current(models_dir: Path) -> tuple[SpamModel, str]:
    root = Path(models_dir) / MODEL_NAME
    pointer = root / CURRENT
    if not pointer.exists():
        raise ModelMissingError(
            MODEL_NAME,
            "CALLSCOPE_HOME (models live in $CALLSCOPE_HOME/models/antispam)",
            "training on labelled history: materialise the Dagster asset antispam_model or run "
            "`callscope antispam train`",
            root,
        )
    version = pointer.read_text().strip()
    return SpamModel.load(root / version), version


def has_model(models_dir: Path) -> bool:
    return (Path(models_dir) / MODEL_NAME / CURRENT).exists()
