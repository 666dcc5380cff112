"""Report plots as PNG bytes (matplotlib, no display needed)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analytics.reports import roll_up

FUNNEL_STEPS = [
    ("visits", "Визиты"),
    ("communications", "Обращения"),
    ("target_communications", "Целевые"),
    ("deals", "Сделки"),
    ("sales", "Продажи"),
]


def attribution_comparison_png(
    attribution: pd.DataFrame, measure: str = "total_conversions"
) -> bytes:
    """Grouped bars: each channel's credit under every model."""
    table = attribution.pivot_table(
        index="channel_name", columns="model", values=measure, aggfunc="sum"
    )
    table = table[[m for m in pd.unique(attribution["model"]) if m in table.columns]]
    figure, axes = _figure(width=max(6.0, 1.2 * len(table) + 2))
    if table.empty:
        return _empty(figure, axes, "нет данных для атрибуции")
    models = list(table.columns)
    width = 0.8 / len(models)
    x = np.arange(len(table))
    for i, model in enumerate(models):
        axes.bar(x + i * width - 0.4 + width / 2, table[model].to_numpy(), width, label=model)
    axes.set_xticks(x, table.index, rotation=30, ha="right")
    axes.set_ylabel("продажи" if measure == "total_conversions" else "выручка")
    axes.set_title("Атрибуция по моделям")
    axes.legend(fontsize=7, ncols=2)
    return _png(figure)


def funnel_png(report: pd.DataFrame) -> bytes:
    """Visits to sales, summed over the report."""
    figure, axes = _figure()
    values = [
        float(report[column].sum()) if column in report else 0.0 for column, _ in FUNNEL_STEPS
    ]
    labels = [label for _, label in FUNNEL_STEPS]
    bars = axes.barh(labels[::-1], values[::-1], color="#4c72b0")
    for bar, value in zip(bars, values[::-1], strict=True):
        axes.text(
            bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:,.0f}", va="center"
        )
    axes.set_title("Воронка: от визитов к продажам")
    return _png(figure)


def roi_by_channel_png(report: pd.DataFrame) -> bytes:
    figure, axes = _figure()
    if report.empty:
        return _empty(figure, axes, "нет данных о расходах")
    by_channel = roll_up(report, ["channel"]).dropna(subset=["roi"]).sort_values("roi")
    if by_channel.empty:
        return _empty(figure, axes, "нет каналов с расходами")
    colors = np.where(by_channel["roi"] >= 0, "#55a868", "#c44e52")
    axes.barh(by_channel["channel"].astype(str), by_channel["roi"] * 100, color=colors)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_xlabel("ROI, %")
    axes.set_title("ROI по каналам")
    return _png(figure)


def _figure(width: float = 7.0, height: float = 4.0):
    figure = Figure(figsize=(width, height), dpi=90, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _empty(figure, axes, text: str) -> bytes:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()
    return _png(figure)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
