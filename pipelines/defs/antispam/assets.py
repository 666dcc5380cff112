"""Antispam assets: the daily per-caller rollup, the scoring model, the nightly verdicts and
the per-account policy (tags and blocked calls). All the work happens in ``antispam``."""

import datetime as dt
import json

import dagster as dg
import duckdb

from antispam import nightly, policy, tiers
from antispam.lists import feedback_frames
from antispam.rollup import ROLLUP_TABLE
from antispam.scoring import VERDICT_TABLE
from antispam.training import (
    has_model,
    held_out_check,
    label_numbers,
    load_current,
    promote,
    save_version,
    train,
    version_report,
)
from antispam.window import DEFAULT_MIN_CALLS, DEFAULT_WINDOW_DAYS, window_features
from pipelines.partitions import daily_partitions
from pipelines.resources import (
    ConfigStoreResource,
    ModelsResource,
    QuarantineLimitResource,
    WarehouseResource,
)


class ScoringConfig(dg.Config):
    window_days: int = DEFAULT_WINDOW_DAYS
    min_calls: int = DEFAULT_MIN_CALLS
    max_flagged_share: float = 0.10


class TierConfig(dg.Config):
    window_days: int = DEFAULT_WINDOW_DAYS


class TrainingConfig(dg.Config):
    as_of: str | None = None  # default: the newest rollup day
    window_days: int = DEFAULT_WINDOW_DAYS
    min_calls: int = DEFAULT_MIN_CALLS
    max_legit_flag_rate: float = 0.001
    seed: int = 0


def _days(context: dg.AssetExecutionContext) -> list[dt.date]:
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


@dg.asset(
    name=ROLLUP_TABLE,
    group_name="antispam",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["incoming_calls"],
    kinds={"parquet", "duckdb"},
    description="One row per caller and day: calls, answered, short and night calls, hourly "
    "peak, gap regularity, duration histogram and distinct-count sketches. Bad rows go to "
    f"quarantine_{ROLLUP_TABLE}.",
    check_specs=[
        dg.AssetCheckSpec(
            "rows_reconcile",
            asset=ROLLUP_TABLE,
            description="incoming rows = accepted + quarantined",
        ),
        dg.AssetCheckSpec(
            "quarantine_share",
            asset=ROLLUP_TABLE,
            description="quarantined share under CALLSCOPE_QUARANTINE_MAX_SHARE",
        ),
    ],
)
def spam_rollup_daily(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    quarantine_limit: QuarantineLimitResource,
):
    wh = warehouse.get()
    results = [nightly.build_rollup(wh, day, now=dt.datetime.now()) for day in _days(context)]
    rows_in = sum(r.rows_in for r in results)
    quarantined = sum(r.quarantined for r in results)
    share = quarantined / rows_in if rows_in else 0.0
    reasons: dict[str, int] = {}
    for r in results:
        for reason, n in r.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    yield dg.MaterializeResult(
        metadata={
            "days": len(results),
            "rows_in": rows_in,
            "accepted": sum(r.accepted for r in results),
            "quarantined": quarantined,
            "quarantined_share": round(share, 6),
            "caller_days": sum(r.callers for r in results),
            "quarantine_reasons": dg.MetadataValue.json(reasons),
        }
    )
    yield dg.AssetCheckResult(
        check_name="rows_reconcile",
        passed=all(r.reconciles for r in results),
        metadata={"rows_in": rows_in, "quarantined": quarantined},
    )
    limit = quarantine_limit.get()
    yield dg.AssetCheckResult(
        check_name="quarantine_share",
        passed=share <= limit,
        metadata={"quarantined_share": round(share, 6), "limit": limit},
    )


@dg.asset(
    name=tiers.MONTHLY_TABLE,
    group_name="antispam",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[ROLLUP_TABLE],
    kinds={"parquet", "duckdb"},
    description="One row per caller and closed calendar month, merged from the month's daily "
    "rollups. Partition D makes the tier ready for the window ending on D: it builds the month "
    "that closed on D and rebuilds any month of the window whose daily partitions changed "
    "(recorded per month: each day's row count, size and footer hash). The nightly scoring "
    "only reads ready months.",
    check_specs=[
        dg.AssetCheckSpec(
            "window_months_ready",
            asset=tiers.MONTHLY_TABLE,
            description="every closed month of the window with daily rollups is ready",
        ),
    ],
)
def spam_rollup_monthly(
    context: dg.AssetExecutionContext, config: TierConfig, warehouse: WarehouseResource
):
    result = nightly.build_months(warehouse.get(), _days(context), config.window_days)
    yield dg.MaterializeResult(
        metadata={
            "months_built": dg.MetadataValue.json(
                {f"{m:%Y-%m}": why for m, why in result.built.items()}
            ),
            "rows_written": result.rows_written,
            "months_ready": ", ".join(f"{m:%Y-%m}" for m in result.ready) or "none",
        }
    )
    yield dg.AssetCheckResult(
        check_name="window_months_ready",
        passed=not result.not_ready,
        metadata={"not_ready": ", ".join(f"{m:%Y-%m}" for m in result.not_ready) or "none"},
    )


@dg.asset(
    group_name="antispam",
    deps=[ROLLUP_TABLE],
    kinds={"sklearn"},
    description="A candidate gradient-boosted spam model trained on numbers labelled by "
    "black/white lists and accounts' spam marks, threshold calibrated to flag at most 0.1 % of "
    "legitimate numbers, validated on held-out numbers. A candidate blocks and tags nothing: "
    "antispam_model_promotion makes it current once the blocking held-out check passes.",
    check_specs=[
        dg.AssetCheckSpec(
            "held_out_legit_flag_share",
            asset="antispam_model",
            blocking=True,
            description="held-out legitimate numbers flagged <= max_legit_flag_rate (blocks "
            "the promotion)",
        ),
    ],
)
def antispam_model(
    context: dg.AssetExecutionContext,
    config: TrainingConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    models: ModelsResource,
):
    wh = warehouse.get()
    days = wh.partitions(ROLLUP_TABLE)
    if not days:
        raise LookupError(f"{ROLLUP_TABLE} has no partitions yet: materialize it first")
    as_of = dt.date.fromisoformat(config.as_of) if config.as_of else days[-1]
    start = as_of - dt.timedelta(days=config.window_days - 1)
    with duckdb.connect() as con:
        features = window_features(
            con,
            wh.scan(ROLLUP_TABLE, wh.files(ROLLUP_TABLE, start, as_of)),
            as_of,
            config.window_days,
            config.min_calls,
        )
    with config_store.get().session() as session:
        labels = label_numbers(*feedback_frames(session))
    model, report = train(
        features, labels, seed=config.seed, max_legit_flag_rate=config.max_legit_flag_rate
    )
    models_dir = models.path()
    version = save_version(model, report, models_dir)
    held = report["held_out"]
    context.log.info(f"antispam model {version}: held out {held}")
    yield dg.MaterializeResult(
        metadata={
            "version": version,
            "as_of": as_of.isoformat(),
            "labelled_spam": report["labelled"]["spam"],
            "labelled_legit": report["labelled"]["legit"],
            "threshold": float(report["threshold"]),
            "calibration_guaranteed": bool(report["calibration"]["guaranteed"]),
            "held_out_legit": held["legit"],
            "held_out_legit_flagged": held["legit_flagged"],
            "held_out_spam": held["spam"],
            "held_out_spam_found": held["spam_found"],
            "held_out_spam_recall": float(held["spam_recall"]),
        }
    )
    (models_dir / "antispam" / "candidate").write_text(version)
    passed, reason = held_out_check(report)
    yield dg.AssetCheckResult(
        check_name="held_out_legit_flag_share",
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=reason,
        metadata={
            "share": float(held["legit_flagged_share"]),
            "flagged": held["legit_flagged"],
            "legit": held["legit"],
        },
    )


@dg.asset(
    group_name="antispam",
    deps=["antispam_model"],
    description="The promoted antispam model: the candidate becomes current only after the "
    "blocking held-out check; audited in the configuration store. Rollback: "
    "`callscope antispam rollback`.",
)
def antispam_model_promotion(
    context: dg.AssetExecutionContext, config_store: ConfigStoreResource, models: ModelsResource
) -> dg.MaterializeResult:
    models_dir = models.path()
    candidate = (models_dir / "antispam" / "candidate").read_text().strip()
    passed, reason = held_out_check(version_report(models_dir, candidate))
    if not passed:  # the blocking check stops this; re-checked so nothing slips through
        raise dg.Failure(reason)
    with config_store.get().session() as session:
        promote(models_dir, candidate, session, actor="dagster")
    context.log.info(f"antispam model {candidate} promoted; {reason}")
    return dg.MaterializeResult(metadata={"version": candidate, "decision": reason})


@dg.asset(
    name=VERDICT_TABLE,
    group_name="antispam",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    ins={
        "rollups": dg.AssetIn(
            ROLLUP_TABLE,
            partition_mapping=dg.TimeWindowPartitionMapping(
                start_offset=-(DEFAULT_WINDOW_DAYS - 1),
                allow_nonexistent_upstream_partitions=True,
            ),
            dagster_type=dg.Nothing,
        ),
        "monthly": dg.AssetIn(tiers.MONTHLY_TABLE, dagster_type=dg.Nothing),
    },
    kinds={"parquet", "duckdb"},
    description="Nightly verdict per caller over the 6-month window: score, flag, reasons "
    "and the features behind them. Kept per scoring date, so every verdict stays reviewable.",
    check_specs=[
        dg.AssetCheckSpec(
            "flagged_share",
            asset=VERDICT_TABLE,
            description="share of scored numbers flagged stays under max_flagged_share",
        ),
    ],
)
def spam_verdicts(
    context: dg.AssetExecutionContext,
    config: ScoringConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    models: ModelsResource,
):
    wh = warehouse.get()
    models_dir = models.path()
    # A promoted trained model when there is one; otherwise the behaviour scorer, which the
    # accounts' lists and marks (if any) only keep off the numbers they call legitimate.
    model, version, labels = None, None, None
    if has_model(models_dir):
        model, version = load_current(models_dir)
    else:
        with config_store.get().session() as session:
            labels = label_numbers(*feedback_frames(session))
    results = [
        nightly.score_window(
            wh, day, model, version, config.window_days, config.min_calls, labels=labels
        )
        for day in _days(context)
    ]
    last = results[-1]
    scored = sum(r.scored for r in results)
    flagged = sum(r.flagged for r in results)
    share = flagged / scored if scored else 0.0
    top = last.verdicts[last.verdicts["is_spam"]].nlargest(20, "score")
    yield dg.MaterializeResult(
        metadata={
            "model_version": last.model_version,
            "window": f"{last.window[0]} .. {last.window[1]}",
            "rollup_rows_scanned": last.rollup_rows,
            "monthly_rows_scanned": last.monthly_rows,
            "months_from_monthly_tier": ", ".join(f"{m:%Y-%m}" for m in last.months) or "none",
            "closed_months_read_from_days": ", ".join(f"{m:%Y-%m}" for m in last.months_from_days)
            or "none",
            "scored": scored,
            "flagged": flagged,
            "flagged_share": round(share, 6),
            "top_flagged": dg.MetadataValue.md(_markdown(top)),
        }
    )
    yield dg.AssetCheckResult(
        check_name="flagged_share",
        passed=share <= config.max_flagged_share,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "flagged_share": round(share, 6),
            "limit": config.max_flagged_share,
            "flagged": flagged,
            "scored": scored,
        },
    )


def _markdown(top) -> str:
    if top.empty:
        return "none"
    lines = ["| number | score | calls | accounts | reasons |", "| --- | --- | --- | --- | --- |"]
    for row in top.itertuples():
        reasons = "; ".join(json.loads(row.reasons))
        lines.append(
            f"| {row.number} | {row.score:.3f} | {row.calls:.0f} | {row.distinct_accounts:.0f} "
            f"| {reasons} |"
        )
    return "\n".join(lines)


@dg.asset(
    name=policy.BLOCKED_TABLE,
    group_name="antispam",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    ins={
        "communications": dg.AssetIn("communications", dagster_type=dg.Nothing),
        "verdicts": dg.AssetIn(
            VERDICT_TABLE,
            partition_mapping=dg.TimeWindowPartitionMapping(
                start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True
            ),
            dagster_type=dg.Nothing,
        ),
    },
    kinds={"parquet"},
    description="Calls blocked by an account's black list or, with blocking on, by the "
    f"antispam verdicts in effect; also writes the «спам» tags to {policy.SPAM_TAGS_TABLE}. "
    "Analytics excludes these calls (antispam.policy.exclude_blocked).",
)
def blocked_calls(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with config_store.get().session() as session:
        policies = policy.load_policies(session)
    results = [nightly.apply_policy_day(wh, policies, day) for day in _days(context)]
    return dg.MaterializeResult(
        metadata={
            "calls": sum(r.calls for r in results),
            "blocked_blacklist": sum(r.blocked_blacklist for r in results),
            "blocked_antispam": sum(r.blocked_antispam for r in results),
            "tagged_spam": sum(r.tagged for r in results),
            "accounts_with_policy": len(policies),
        }
    )
