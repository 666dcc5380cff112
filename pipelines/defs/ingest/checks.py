"""Quality gates on unified communications."""

import dagster as dg

from data.aggregate import aggregate_row
from pipelines.resources import WarehouseResource


@dg.asset_check(
    asset="communications", description="Every communication belongs to a known site's account."
)
def communications_have_accounts(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    if not wh.has_table("communications"):
        return dg.AssetCheckResult(passed=True, metadata={"rows": 0})
    con = wh.connect(["communications"])
    rows, orphans = aggregate_row(
        con, "SELECT count(*), count(*) FILTER (WHERE account_id IS NULL) FROM communications"
    )
    return dg.AssetCheckResult(
        passed=orphans == 0, metadata={"rows": rows, "without_account": orphans}
    )


@dg.asset_check(
    asset="communications", description="Ids are unique: re-running a day never duplicates."
)
def communications_unique(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    if not wh.has_table("communications"):
        return dg.AssetCheckResult(passed=True, metadata={"duplicates": 0})
    con = wh.connect(["communications"])
    dupes = aggregate_row(
        con, "SELECT count(*) - count(DISTINCT communication_id) FROM communications"
    )[0]
    return dg.AssetCheckResult(passed=dupes == 0, metadata={"duplicates": dupes})
