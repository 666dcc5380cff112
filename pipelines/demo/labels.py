"""The demo's SmartTag labels: the generator's reference tags stand in for staff tagging calls.
Only the demo's ``training_labels`` resource reads them."""

from __future__ import annotations

import json
from pathlib import Path

from data.config.store import ConfigStore

TAGS_FILE = "communication_tags.jsonl"


def ground_truth_labels(ground_truth_dir: Path, account_id: int) -> dict[str, set[str]]:
    """The account's reference tags per communication, from the generator's file."""
    path = Path(ground_truth_dir) / TAGS_FILE
    labels: dict[str, set[str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if row and int(row.get("account_id", -1)) == account_id:
                labels[row["communication_id"]] = set(row.get("tags") or [])
    return labels


def ground_truth_reader(ground_truth_dir: Path):
    """A label reader (see ``models.workflow.LabelReader``) over the reference tags."""

    def read(store: ConfigStore, account_id: int, ids: list[str]) -> dict[str, set[str]]:
        return ground_truth_labels(ground_truth_dir, account_id)

    return read
