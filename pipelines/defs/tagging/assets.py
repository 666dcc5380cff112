"""The daily `tag_assignments` asset: keyword autotags and system tags with provenance."""

import datetime as dt

import dagster as dg

from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tagging.autotag import DayTagging
from tagging.daily import tag_partition
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
    bad_turns = tagging.stats["bad_turns"]
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


@dg.asset(
    name="tag_assignments",
    partitions_def=daily_partitions,
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
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    """Autotags each communication by the rule versions in effect when it ended, and adds the
    system tags (non-target, repeat, lost, spam)."""
    day = dt.date.fromisoformat(context.partition_key)
    store = warehouse.get()
    tagging = tag_partition(store, config_store.get(), day)
    communication_ids = store.read("communications", day, day, columns=["communication_id"])
    return dg.MaterializeResult(
        metadata=tagging_metadata(tagging),
        check_results=check_results(tagging, communication_ids["communication_id"]),
    )
