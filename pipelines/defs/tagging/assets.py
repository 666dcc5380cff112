"""The daily `tag_assignments` asset: keyword autotags and system tags with provenance.

The nightly run tags a day by the rules in effect when each communication ended; the audited
re-tag backfill (``jobs``) materializes the same asset over a past range with ``rules: now``.
"""

import datetime as dt
from collections import Counter
from typing import Literal

import dagster as dg
import pandas as pd

from data.config import audit
from data.config.models.core import BackfillRequest
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tagging.autotag import DayTagging
from tagging.daily import TABLE, tag_partition
from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.quality import assignment_problems

CONTRACT_CHECK = "assignments_follow_contract"
TEXT_CHECK = "communication_text_readable"


def _hits_table(tagging: DayTagging) -> str:
    lines = ["| rule version | hits |", "| --- | ---: |"]
    lines += [f"| {ref} | {count} |" for ref, count in sorted(tagging.rule_hits.items())]
    return "\n".join(lines)


def tagging_metadata(tagging: DayTagging) -> dict:
    stats = tagging.stats
    seconds = stats["seconds"] or 1e-9
    return {
        "dagster/row_count": len(tagging.assignments),
        "rule_hits": dg.MetadataValue.json(dict(sorted(tagging.rule_hits.items()))),
        "rule_hits_table": dg.MetadataValue.md(_hits_table(tagging)),
        "tag_counts": dg.MetadataValue.json(dict(sorted(tagging.tag_counts.items()))),
        "communications": stats["communications"],
        "communications_with_text": stats["communications_with_text"],
        "calls_not_recognized": stats["calls_not_recognized"],
        "autotag_assignments": stats["autotag_assignments"],
        "system_assignments": stats["system_assignments"],
        "rule_versions": stats.get("rule_versions", 0),
        "spam_tagging": stats["spam_tagging"],
        "words": stats["words"],
        "words_per_second": round(stats["words"] / seconds, 1),
    }


def check_results(tagging: DayTagging, communication_ids) -> list[dg.AssetCheckResult]:
    problems = assignment_problems(tagging.assignments, communication_ids)
    bad_turns = tagging.stats.get("bad_turns", 0)
    return [
        dg.AssetCheckResult(
            check_name=CONTRACT_CHECK,
            passed=not any(problems.values()),
            metadata=problems,
        ),
        dg.AssetCheckResult(
            check_name=TEXT_CHECK,
            passed=bad_turns == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"bad_turns": bad_turns},
        ),
    ]


class TagAssignmentsConfig(dg.Config):
    """``as_of_communication``: each communication gets the rules in effect when it ended (the
    nightly run). ``now``: every communication gets today's rules, an audited re-tag asked by
    ``actor`` for ``reason`` (and ``request_id``, when it came from the cabinet)."""

    rules: Literal["as_of_communication", "now"] = "as_of_communication"
    actor: str = ""
    reason: str = ""
    request_id: int | None = None


def combined(taggings: list[DayTagging]) -> DayTagging:
    """Several days' tagging as one (a ranged run reports its days together)."""
    if len(taggings) == 1:
        return taggings[0]
    stats: dict = {}
    for tagging in taggings:
        for key, value in tagging.stats.items():
            stats[key] = (
                bool(stats.get(key)) or value
                if isinstance(value, bool)
                else stats.get(key, 0) + value
            )
    frames = [t.assignments for t in taggings]
    return DayTagging(
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
        sum((t.rule_hits for t in taggings), Counter()),
        sum((t.tag_counts for t in taggings), Counter()),
        stats,
    )


def _record_retag(store, config: TagAssignmentsConfig, rules_at, counts: dict, run_id) -> None:
    days = sorted(counts)
    with store.session() as session:
        audit.record(
            session,
            config.actor,
            "retag_backfill",
            TABLE,
            f"{days[0]}..{days[-1]}" if days else "",
            before={day: c["before"] for day, c in counts.items() if c["after"] is not None},
            after={
                "rules_as_of": str(rules_at),
                "reason": config.reason,
                "assignments": {
                    day: c["after"] for day, c in counts.items() if c["after"] is not None
                },
            },
        )
        if config.request_id is not None:
            request = session.get(BackfillRequest, config.request_id)
            if request is not None:
                request.status, request.run_id = "done", run_id


@dg.asset(
    name="tag_assignments",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[dg.AssetKey(k) for k in ("communications", "transcripts", "blocked_calls")],
    group_name="tagging",
    kinds={"parquet", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset="tag_assignments",
            description="Every assignment names a communication of the day, a known source, "
            "appears once, and an autotag carries its rule and evidence.",
        ),
        dg.AssetCheckSpec(
            TEXT_CHECK,
            asset="tag_assignments",
            description="Every communication's turns could be read.",
        ),
    ],
)
def tag_assignments(
    context: dg.AssetExecutionContext,
    config: TagAssignmentsConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    """Autotags each communication by the rule versions in effect when it ended (or, re-tagging,
    by today's), and adds the system tags (non-target, repeat, lost, spam)."""
    wh, store = warehouse.get(), config_store.get()
    rules_at = dt.datetime.now().replace(microsecond=0) if config.rules == "now" else None
    available = set(wh.partitions("communications"))
    taggings, ids, counts = [], [], {}
    for key in context.partition_keys:
        day = dt.date.fromisoformat(key)
        if rules_at is not None and day not in available:
            context.log.info(f"{day}: no communications, skipped")
            counts[key] = {"before": 0, "after": None}
            continue
        before = wh.count(TABLE, day, day)
        tagging = tag_partition(wh, store, day, rules_as_of=rules_at)
        counts[key] = {"before": before, "after": len(tagging.assignments)}
        ids.append(wh.read("communications", day, day, columns=["communication_id"]))
        taggings.append(tagging)
    if rules_at is not None:
        _record_retag(store, config, rules_at, counts, context.run_id)
    tagging = combined(taggings)
    communication_ids = (
        pd.concat(ids, ignore_index=True) if ids else pd.DataFrame({"communication_id": []})
    )
    metadata = tagging_metadata(tagging) if taggings else {"dagster/row_count": 0}
    if rules_at is not None:
        metadata |= {"rules_as_of": str(rules_at), "requested_by": config.actor}
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=check_results(tagging, communication_ids["communication_id"]),
    )
