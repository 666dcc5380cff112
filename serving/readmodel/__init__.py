"""The read model of serving: everything the API reads, through the caller's rights, and the
per-worker caches that keep those reads fast. ``serving.api`` holds routes and schemas only and
reads through this interface:

- :mod:`~serving.readmodel.communications`: the list (``tagged_page`` with
  ``CommunicationFilter`` and ``Cursor``), the export (``iter_all``), one communication
  (``fetch_one``, ``locate``) and its rows in other tables (``rows_for``, ``rows_by_id``).
- :mod:`~serving.readmodel.reports`: report tables (``available``, ``read_report``) and any
  warehouse table by date range (``read_table``), rows the caller may see only.
- :mod:`~serving.readmodel.transcription`: what transcription rules would select.
- :func:`partitions`: the days a warehouse table has in its current snapshot.
- :class:`TagEventCache`: people's tag events, and :class:`RightsCache`: effective rights per
  token, each reloaded when its version row in the config store changes
  (:mod:`data.config.cache_versions`); one of each per app, kept in ``app.state``.

Inside, not for the routes: :mod:`~serving.readmodel.engine` (the worker's DuckDB),
:mod:`~serving.readmodel.columnar` (data files decoded once, kept under their immutable
names), :mod:`~serving.readmodel.communication_days` (the list from decoded files) and
:mod:`~serving.readmodel.search` (text patterns). ``.importlinter`` keeps them inside.
"""

from serving.readmodel import communications, reports, transcription
from serving.readmodel.engine import partitions
from serving.readmodel.rights_cache import RightsCache
from serving.readmodel.tag_events import TagEventCache

__all__ = [
    "RightsCache",
    "TagEventCache",
    "communications",
    "partitions",
    "reports",
    "transcription",
]
