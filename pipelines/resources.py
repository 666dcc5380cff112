"""Resources shared by every asset: the warehouse and the config store."""

import dagster as dg

from data.config.store import ConfigStore
from data.settings import get_settings
from data.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The Parquet warehouse; ``root`` defaults to ``$CALLSCOPE_HOME/warehouse``."""

    root: str | None = None

    def get(self) -> Warehouse:
        return Warehouse(self.root) if self.root else Warehouse.from_settings()


_stores: dict[str, ConfigStore] = {}


class ConfigStoreResource(dg.ConfigurableResource):
    """The transactional config store; ``url`` defaults to ``CALLSCOPE_CONFIG_URL``."""

    url: str | None = None

    def get(self) -> ConfigStore:
        url = self.url or get_settings().database_url
        if url not in _stores:
            _stores[url] = ConfigStore(url)
        return _stores[url]


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(root=dg.EnvVar("CALLSCOPE_WAREHOUSE_DIR").get_value()),
        "config_store": ConfigStoreResource(url=dg.EnvVar("CALLSCOPE_CONFIG_URL").get_value()),
    }
