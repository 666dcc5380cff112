"""Quality gates on the transcripts table, evaluated over every stored day."""

import dagster as dg

from data.aggregate import aggregate_row
from pipelines.resources import WarehouseResource
from speech.daily import TABLE


@dg.asset_check(
    asset=TABLE,
    name="turns_time_ordered",
    description="Every transcript's turns run in time order with start <= end.",
)
def turns_time_ordered(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    wh = warehouse.get()
    if not wh.has_table(TABLE):
        return dg.AssetCheckResult(passed=True, metadata={"transcripts": 0})
    con = wh.connect([TABLE])
    bad = aggregate_row(
        con,
        f"""
        WITH spans AS (
            SELECT CAST(json_extract(turns, '$[*].start') AS DOUBLE[]) AS s,
                   CAST(json_extract(turns, '$[*].end') AS DOUBLE[]) AS e
            FROM {TABLE} WHERE status = 'ok'
        )
        SELECT count(*) FROM spans
        WHERE s <> list_sort(s) OR len(list_filter(range(1, len(s) + 1), i -> e[i] < s[i])) > 0
        """,
    )[0]
    checked = aggregate_row(con, f"SELECT count(*) FROM {TABLE} WHERE status = 'ok'")[0]
    return dg.AssetCheckResult(
        passed=bad == 0, metadata={"transcripts": checked, "out_of_order": bad}
    )
