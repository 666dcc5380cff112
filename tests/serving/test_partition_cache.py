"""Decoded partitions kept between requests: a rewritten day and a new day are seen by the next
read, for the communications list, its tags and the reports."""

import datetime as dt

import pandas as pd

from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights, RightsSetData
from serving.readmodel import communications, reports

DAY = dt.date(2026, 3, 2)
EVERYTHING = EffectiveRights.combine([RightsSetData(full_access=True)])


def _communications(ids: list[int], day: dt.date) -> pd.DataFrame:
    when = pd.Timestamp(day) + pd.to_timedelta([10 * 60 + i for i in ids], unit="s")
    return pd.DataFrame(
        {
            "communication_id": [f"call:{i}" for i in ids],
            "communication_type": "call",
            "id": ids,
            "account_id": 1,
            "site_id": 1,
            "campaign_id": pd.array([1] * len(ids), dtype="Int64"),
            "visitor_id": 1,
            "date_time": when,
            "finish_time": when,
            "duration": 10,
            "is_lost": False,
            "is_primary": True,
            "is_target": True,
            "is_repeat": False,
            "contact_phone_number": "79161234567",
            "virtual_phone_number": "74951234567",
            "turns": "[]",
        }
    )


def _listed(warehouse: Warehouse) -> list[str]:
    rows, _ = communications.list_page(
        warehouse, EVERYTHING, communications.CommunicationFilter(), 50
    )
    return [r["communication_id"] for r in rows]


def test_list_sees_a_rewritten_day_and_a_new_day(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, _communications([1, 2], DAY))
    assert _listed(warehouse) == ["call:2", "call:1"]
    assert _listed(warehouse) == ["call:2", "call:1"]  # served from memory
    warehouse.write_partition("communications", DAY, _communications([1, 2, 3], DAY))
    assert _listed(warehouse) == ["call:3", "call:2", "call:1"]
    later = DAY + dt.timedelta(days=1)
    warehouse.write_partition("communications", later, _communications([9], later))
    assert _listed(warehouse) == ["call:9", "call:3", "call:2", "call:1"]


def test_page_tags_follow_a_rewritten_day(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")

    def tags(names: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "communication_id": ["call:1"] * len(names),
                "communication_type": "call",
                "tag": names,
                "source": "autotag",
                "source_ref": "r1@1",
            }
        )

    warehouse.write_partition("tag_assignments", DAY, tags(["Цена"]))
    found = communications.assignments_of(warehouse, ["call:1"], [DAY])
    assert [r["tag"] for r in found] == ["Цена"]
    warehouse.write_partition("tag_assignments", DAY, tags(["Цена", "Ипотека"]))
    found = communications.assignments_of(warehouse, ["call:1"], [DAY])
    assert sorted(r["tag"] for r in found) == ["Ипотека", "Цена"]


def test_report_sees_a_rewritten_day(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")

    def report(visits: list[int]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "campaign_id": list(range(1, len(visits) + 1)),
                "site_id": 1,
                "visits": visits,
            }
        )

    def read():
        _, rows, total = reports.read_report(
            warehouse, EVERYTHING, "report_end_to_end", DAY, DAY, {}, 10, 0
        )
        return [r["visits"] for r in rows], total

    warehouse.write_partition("report_end_to_end", DAY, report([5]))
    assert read() == ([5], 1)
    assert read() == ([5], 1)
    warehouse.write_partition("report_end_to_end", DAY, report([7, 8]))
    assert read() == ([7, 8], 2)
