"""The fact warehouse (see :mod:`data.warehouse.store` and docs/warehouse.md)."""

from data.warehouse.snapshots import PARTITION_KEY
from data.warehouse.store import PARTITION_FILE, QUARANTINE_PREFIX, Warehouse

__all__ = ["PARTITION_FILE", "PARTITION_KEY", "QUARANTINE_PREFIX", "Warehouse"]
