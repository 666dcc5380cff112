"""Quality gates over a day's tag assignments (the pipeline turns them into asset checks)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from tagging.provenance import SOURCES


def _autotag_evidence_ok(source_ref: str, evidence: str) -> bool:
    try:
        parsed = json.loads(evidence)
    except (TypeError, json.JSONDecodeError):
        return False
    rule_id = source_ref.rsplit("@", 1)[0]
    return (
        isinstance(parsed, dict)
        and parsed.get("rule_id") == rule_id
        and isinstance(parsed.get("matches"), list)
    )


def assignment_problems(
    assignments: pd.DataFrame, communication_ids: Iterable[str]
) -> dict[str, int]:
    """Counts of rows that break the table's contract; all zero for a healthy partition."""
    known = set(communication_ids)
    autotag = assignments[assignments["source"] == "autotag"]
    return {
        "unknown_communication": int((~assignments["communication_id"].isin(known)).sum()),
        "unknown_source": int((~assignments["source"].isin(SOURCES)).sum()),
        "duplicate_assignment": int(
            assignments.duplicated(["communication_id", "tag", "source"]).sum()
        ),
        "autotag_without_evidence": sum(
            not _autotag_evidence_ok(ref, ev)
            for ref, ev in zip(autotag["source_ref"], autotag["evidence"], strict=True)
        ),
    }
