"""Decoded days: the numpy visibility mask agrees with the Python rule, and the list, its tag
filters and the reports read from decoded days give what the SQL path gives."""

import datetime as dt

import pyarrow as pa
import pytest

from serving.access.rights import EffectiveRights, Perm, RightsSetData
from serving.readmodel import columnar, communications
from serving.readmodel.communications import CommunicationFilter, Cursor

VIEW = Perm(view=True)
HOLDERS = [
    RightsSetData(campaigns={1: VIEW, 2: Perm()}, sites={10: VIEW}),
    RightsSetData(campaigns={1: Perm()}, new_campaigns=VIEW, new_sites=VIEW, sites={11: Perm()}),
    RightsSetData(),
    RightsSetData(full_access=True),
]


BIG = 5_000_000_000  # past the dense lookup: the sorted search decides


@pytest.mark.parametrize(
    "holder",
    [
        *HOLDERS,
        RightsSetData(campaigns={BIG: VIEW, 2: Perm()}, sites={BIG + 1: VIEW}),
        RightsSetData(campaigns={BIG: Perm()}, new_campaigns=VIEW, sites={10: Perm()}),
    ],
)
def test_mask_visibility_matches_python(holder):
    rights = EffectiveRights.combine([holder])
    sites, campaigns = (None, 10, 11, 12, BIG + 1), (None, 1, 2, 3, BIG, BIG + 7)
    grid = [(s, c) for s in sites for c in campaigns]
    sites = columnar.decode(pa.chunked_array([[s for s, _ in grid]], pa.int64()))
    campaigns = columnar.decode(pa.chunked_array([[c for _, c in grid]], pa.int64()))
    mask = columnar.visible_mask(rights, len(grid), sites, campaigns)
    assert [row for row, shown in zip(grid, mask, strict=True) if shown] == [
        row for row in grid if rights.sees(*row)
    ]


def test_decoded_columns_keep_nulls_and_types():
    when = dt.datetime(2026, 5, 1, 10, 30, 15, 123456)
    table = pa.table(
        {
            "n": pa.array([1, None], pa.int64()),
            "t": pa.array([when, None], pa.timestamp("ns")),
            "b": pa.array([None, True]),
            "s": pa.array(["ё", None]),
            "f": pa.array([1.5, None]),
        }
    )
    day = columnar.table_day(table, dt.date(2026, 5, 1))
    index = pa.array([0, 1]).to_numpy()
    assert day.columns["n"].take(index) == [1, None]
    assert day.columns["t"].take(index) == [when, None]
    assert day.columns["b"].take(index) == [None, True]
    assert day.columns["s"].take(index) == ["ё", None]
    assert day.columns["f"].take(index) == [1.5, None]


def _sql_ids(world_warehouse, rights, flt, limit, cursor=None):
    days = communications._days(world_warehouse, flt, cursor)
    rows = communications._sql_page(world_warehouse, rights, flt, days, cursor, limit)
    return [r["communication_id"] for r in rows[:limit]]


FILTERS = [
    CommunicationFilter(),
    CommunicationFilter(types=["chat"]),
    CommunicationFilter(campaign_ids=[11, 21], site_ids=[1]),
    CommunicationFilter(tags=["Ипотека"]),
    CommunicationFilter(is_spam=False),
    CommunicationFilter(
        date_from=dt.datetime(2026, 5, 2, 9, 30), date_till=dt.datetime(2026, 5, 3, 10, 0)
    ),
]


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize("holder", HOLDERS[:2] + HOLDERS[3:])
def test_decoded_page_matches_sql(world, holder, flt):
    from data.warehouse import Warehouse

    warehouse = Warehouse(world.settings.warehouse_dir)
    rights = EffectiveRights.combine([holder])
    rows, next_cursor, _ = communications.tagged_page(warehouse, rights, flt, 7)
    assert [r["communication_id"] for r in rows] == _sql_ids(warehouse, rights, flt, 7)
    if next_cursor is not None:
        cursor = Cursor(next_cursor.date_time, next_cursor.communication_id)
        more, _, _ = communications.tagged_page(warehouse, rights, flt, 7, cursor)
        assert [r["communication_id"] for r in more] == _sql_ids(warehouse, rights, flt, 7, cursor)


def test_filters_used_above_select_something(world):
    from data.warehouse import Warehouse

    warehouse = Warehouse(world.settings.warehouse_dir)
    everything = EffectiveRights.combine([RightsSetData(full_access=True)])
    for flt in FILTERS:
        assert _sql_ids(warehouse, everything, flt, 7), flt


def _report(warehouse, day, visits):
    import pandas as pd

    frame = pd.DataFrame({"campaign_id": [1, 2], "site_id": [1, 1], "visits": visits})
    warehouse.write_partition("report_x", day, frame)


def test_a_rewrite_decodes_its_new_file_and_an_unchanged_file_is_kept(tmp_path):
    from data.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "warehouse")
    day = dt.date(2026, 3, 1)
    _report(warehouse, day, [10, 20])
    first = columnar.day_block(warehouse, "report_x", day)
    decoded = columnar.cache().decoded_files
    assert columnar.day_block(warehouse, "report_x", day) is first
    assert columnar.cache().decoded_files == decoded
    _report(warehouse, day, [11, 21])
    again = columnar.day_block(warehouse, "report_x", day)
    assert again is not first
    assert again.columns["visits"].values.tolist() == [11, 21]
    assert columnar.cache().decoded_files == decoded + 1


def test_a_day_of_several_files_is_merged_in_sort_order(tmp_path):
    import pandas as pd

    from data.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "warehouse")
    day = dt.date(2026, 3, 1)
    _report(warehouse, day, [10, 20])
    frame = pd.DataFrame({"campaign_id": [3, None], "site_id": [1, 1], "visits": [30, 5]})
    warehouse.append("report_x", day, frame.astype({"campaign_id": "Int64"}), key="campaign_id")
    block = columnar.day_block(warehouse, "report_x", day, [("campaign_id", "ascending")])
    assert block.rows == 4
    assert block.columns["campaign_id"].take(list(range(4))) == [1, 2, 3, None]
    assert block.columns["visits"].values.tolist() == [10, 20, 30, 5]


def test_tags_written_after_the_day_are_seen(tmp_path):
    import pandas as pd

    from data.warehouse import Warehouse
    from serving.readmodel import communication_days
    from serving.readmodel.communications import LIST_COLUMNS

    warehouse = Warehouse(tmp_path / "warehouse")
    day = dt.date(2026, 3, 1)
    when = pd.Timestamp("2026-03-01 10:00")
    frame = pd.DataFrame(
        {"communication_id": ["call:1"], "communication_type": ["call"], "date_time": [when]}
    )
    warehouse.write_partition("communications", day, frame)
    assert communication_days.day_block(warehouse, day, LIST_COLUMNS).assignments(["call:1"]) == {}
    tags = pd.DataFrame(
        {
            "communication_id": ["call:1"],
            "tag": ["Цена"],
            "source": ["autotag"],
            "source_ref": ["r"],
        }
    )
    warehouse.write_partition("tag_assignments", day, tags)
    block = communication_days.day_block(warehouse, day, LIST_COLUMNS)
    assert [a["tag"] for a in block.assignments(["call:1"])["call:1"]] == ["Цена"]
    assert block.tag_mask(0, "цена").tolist() == [True]


def test_an_unreadable_day_is_left_to_duckdb(tmp_path):
    from data.warehouse import Warehouse

    warehouse = Warehouse(tmp_path / "warehouse")
    day = dt.date(2026, 3, 1)
    path = warehouse.partition_path("report_x", day)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not parquet at all")
    assert columnar.day_block(warehouse, "report_x", day) is None
