"""The order the demo materializes assets in: the months of call history as one ranged run, the
unpartitioned models, every demo day, then the marts. Assets that need run config are left to
their jobs."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

# The platform-wide call log spans months; it is ingested in one ranged run, not day by day.
HISTORY_ASSET_GROUPS = ("antispam",)
HISTORY_ASSETS = ("incoming_calls",)


@dataclass
class Plan:
    history: list[dg.AssetKey]
    before: list[dg.AssetKey]
    daily: list[dg.AssetKey]
    after: list[dg.AssetKey]
    on_request: list[dg.AssetKey]


def _needs_run_config(node) -> bool:
    field = node.assets_def.node_def.config_field
    return field is not None and field.is_required


def plan(defs: dg.Definitions) -> Plan:
    graph = defs.resolve_asset_graph()
    on_request = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable and _needs_run_config(node):
            on_request.add(key)
    daily: list[dg.AssetKey] = []
    unpartitioned: list[dg.AssetKey] = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if (
            not node.is_materializable
            or key in on_request
            or _downstream_of(graph, key, on_request)
        ):
            continue
        (daily if node.partitions_def is not None else unpartitioned).append(key)
    history = [
        k
        for k in daily
        if k.to_user_string() in HISTORY_ASSETS
        or (
            graph.get(k).group_name in HISTORY_ASSET_GROUPS
            and not _has_unpartitioned_parent(graph, k)
        )
    ]

    def upstream(key, seen=None):
        seen = seen if seen is not None else set()
        for parent in graph.get(key).parent_keys:
            if parent not in seen:
                seen.add(parent)
                upstream(parent, seen)
        return seen

    needed_by_daily = set().union(*(upstream(k) for k in daily)) if daily else set()
    before = [k for k in unpartitioned if k in needed_by_daily]
    after = [k for k in unpartitioned if k not in needed_by_daily]
    return Plan(
        history=history,
        before=before,
        daily=daily,
        after=after,
        on_request=sorted(
            on_request
            | {k for k in graph.get_all_asset_keys() if _downstream_of(graph, k, on_request)}
        ),
    )


def _downstream_of(graph, key, roots: set) -> bool:
    parents = graph.get(key).parent_keys
    return any(p in roots or (graph.has(p) and _downstream_of(graph, p, roots)) for p in parents)


def _has_unpartitioned_parent(graph, key) -> bool:
    return any(
        graph.has(p) and graph.get(p).partitions_def is None for p in graph.get(key).parent_keys
    )
