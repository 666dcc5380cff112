"""Daily partitions over the communications' local dates."""

import os

import dagster as dg

PARTITIONS_START = os.environ.get("CALLSCOPE_PARTITIONS_START", "2025-11-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, end_offset=1)
