"""ORM models of the config store. Every module in this package is imported, so that one
metadata (data.config.base.Base.metadata) knows every table."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
