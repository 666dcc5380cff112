"""The demo's final report: rows per table, checks, steps, gate refusals and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import dagster as dg

from data.demo.generator import DemoSpec
from data.warehouse import Warehouse

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo


# What a gate raises when it refuses the training data: an outcome, reported, not a broken demo.
GATE_ERRORS = ("NotEnoughDataError", "NotEnoughLabelsError")


@dataclass
class DemoSummary:
    spec: DemoSpec
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    # a gate that refuses (too few labelled calls, a candidate that loses) is an outcome
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    admin_token: str | None = None
    admin_tokens: list[str] = field(default_factory=list)  # "account login token" per admin

    @property
    def ok(self) -> bool:
        return not self.failed_steps

    def render(self) -> str:
        lines = [
            f"callscope demo: {self.spec.start} .. {self.spec.end}, {self.spec.accounts} accounts, "
            f"finished in {self.seconds:.0f} s",
            "",
            "rows per warehouse table:",
        ]
        width = max((len(t) for t in self.rows), default=10)
        for table, n in sorted(self.rows.items()):
            q = self.quarantined.get(table)
            lines.append(f"  {table:<{width}}  {n:>9}" + (f"   quarantined {q}" if q else ""))
        lines += [
            "",
            f"quarantined rows: {sum(self.quarantined.values())}",
            f"asset checks: {self.checks_passed} passed, {len(self.checks_failed)} failed",
        ]
        lines += [f"  failed check: {c}" for c in self.checks_failed]
        lines += [f"  failed step: {s}" for s in self.failed_steps]
        lines += [f"gate refused: {r}" for r in self.refusals]
        lines += [f"note: {n}" for n in self.notes]
        lines += [
            "",
            "Open the Dagster UI:  make ui     (http://127.0.0.1:3000)",
            "Open the API:        make serve  (http://127.0.0.1:8000/docs)",
        ]
        if self.admin_tokens:
            lines.append(
                "API tokens, one admin per account (also in $CALLSCOPE_HOME/admin-tokens):"
            )
            lines += [f"  account {line}" for line in self.admin_tokens]
        return "\n".join(lines)


def collect(result: dg.ExecuteInProcessResult, summary: DemoSummary, label: str) -> None:
    """Adds a run's checks and failed steps to the summary."""
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.checks_passed += 1
        else:
            summary.checks_failed.append(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name} ({label})"
            )
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        refused = _refusal(event.step_failure_data.error)
        if refused:
            summary.refusals.append(f"{event.step_key} ({label}): {refused}")
            continue
        error = event.step_failure_data.error
        message = error.message.strip()[:300] if error is not None else "no error recorded"
        summary.failed_steps.append(f"{event.step_key} ({label}): {message}")


def gate_refusal(result: dg.ExecuteInProcessResult) -> str | None:
    """The gate's reason when one of the run's steps failed because a gate refused the data."""
    for event in result.all_events:
        if event.is_step_failure and (refused := _refusal(event.step_failure_data.error)):
            return refused
    return None


def _refusal(error: SerializableErrorInfo | None) -> str | None:
    while error is not None:
        if error.cls_name in GATE_ERRORS:
            return error.message.split(":", 1)[-1].strip()
        error = error.cause
    return None


def warehouse_rows(warehouse: Warehouse) -> int:
    """Rows in every warehouse table, quarantine included (read from file metadata)."""
    return sum(warehouse.count(table) for table in warehouse.tables())


def tally(summary: DemoSummary, warehouse: Warehouse) -> None:
    for table in warehouse.tables():
        n = warehouse.count(table)
        if table.startswith("quarantine_"):
            summary.quarantined[table.removeprefix("quarantine_")] = n
        else:
            summary.rows[table] = n
