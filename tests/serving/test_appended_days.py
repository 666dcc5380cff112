"""A day the live path appended to (several files until compaction) is served whole."""

import datetime as dt

import pandas as pd

from data.warehouse import Warehouse
from serving.readmodel import communication_days
from serving.readmodel.communications import LIST_COLUMNS

DAY = dt.date(2026, 3, 1)


def _calls(ids: list[int], hour: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "communication_id": [f"call:{i}" for i in ids],
            "communication_type": "call",
            "id": ids,
            "date_time": [pd.Timestamp(f"2026-03-01 {hour:02d}:{i % 60:02d}") for i in ids],
        }
    )


def test_an_appended_day_is_decoded_from_all_its_files_newest_first(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, _calls([1, 2], 9))
    first = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert first.ids.tolist() == ["call:2", "call:1"]

    warehouse.append("communications", DAY, _calls([3], 11), key="communication_id")
    warehouse.append("communications", DAY, _calls([4], 10), key="communication_id")
    assert len(warehouse.day_files("communications", [DAY])) == 3
    block = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert block.ids.tolist() == ["call:3", "call:4", "call:2", "call:1"]

    warehouse.compact("communications")
    again = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert again.ids.tolist() == block.ids.tolist()


def test_an_append_decodes_only_its_new_file(tmp_path):
    from serving.readmodel import columnar

    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, _calls(list(range(1, 50)), 9))
    communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    decoded, rows = columnar.cache().decoded_files, columnar.cache()._rows
    warehouse.append("communications", DAY, _calls([100], 12), key="communication_id")
    block = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert block.ids.tolist()[0] == "call:100"
    assert columnar.cache().decoded_files == decoded + 1
    assert columnar.cache()._rows == rows + 1  # the new file's one row, not the day again


def test_a_page_over_appended_files_is_newest_first_across_them(tmp_path):
    from serving.access.rights import EffectiveRights, RightsSetData
    from serving.readmodel.communications import CommunicationFilter, Cursor

    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, _calls([1, 2, 5], 9))
    warehouse.append("communications", DAY, _calls([3], 11), key="communication_id")
    warehouse.append("communications", DAY, _calls([4], 10), key="communication_id")
    everything = EffectiveRights.combine([RightsSetData(full_access=True)])
    flt = CommunicationFilter()
    rows, _ = communication_days.page(warehouse, everything, flt, [DAY], None, LIST_COLUMNS, 3)
    assert [r["communication_id"] for r in rows] == ["call:3", "call:4", "call:5"]
    after = Cursor(rows[-1]["date_time"], rows[-1]["communication_id"])
    rest, _ = communication_days.page(warehouse, everything, flt, [DAY], after, LIST_COLUMNS, 9)
    assert [r["communication_id"] for r in rest] == ["call:2", "call:1"]


def test_an_append_keeps_the_tag_masks_of_the_files_it_did_not_touch(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, _calls([1, 2, 3], 9))
    tags = pd.DataFrame(
        {
            "communication_id": ["call:2"],
            "tag": ["Цена"],
            "source": ["autotag"],
            "source_ref": ["r"],
        }
    )
    warehouse.write_partition("tag_assignments", DAY, tags)
    first = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    mask = first.tag_mask(0, "цена")
    assert mask.tolist() == [False, True, False]
    warehouse.append("communications", DAY, _calls([4], 11), key="communication_id")
    after = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert after is not first
    assert after.blocks[0] is first.blocks[0]
    assert after.tag_mask(0, "Цена") is mask
    assert after.tag_mask(1, "Цена").tolist() == [False]
    # new tags make new masks
    warehouse.append("tag_assignments", DAY, tags.assign(communication_id="call:1"), key="x")
    retagged = communication_days.day_block(warehouse, DAY, LIST_COLUMNS)
    assert retagged.tag_mask(0, "Цена").tolist() == [False, True, True]
