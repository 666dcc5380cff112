"""Which rows a caller may see: one definition, compiled to a Python predicate, an SQL
condition and a numpy mask.

A rule is a conjunction of clauses. A clause looks at id columns in order, and the first one
that is not null decides whether its value is allowed; a row where all are null gets the
clause's ``otherwise``. Two clauses make the rule:

- the **account**: a caller of an account sees only that account's rows: by the row's
  ``account_id`` when the table has one, else by whether its campaign (or, without one, its
  site) is one of the account's; rows tied to nothing of the account are not theirs. Platform
  operators have no account clause.
- the **rights**: the campaign decides when there is one, else the site; rows tied to neither
  are visible (the cabinet shows such calls to everyone in the account). Full access within the
  account has no rights clause.

:meth:`EffectiveRights.sees`, :meth:`EffectiveRights.visibility_sql` and
``serving.readmodel.columnar.visible_mask`` all read the rule built here, and a property test
checks that the three forms agree on random rights and rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from serving.access.rights import EffectiveRights, Perm

ACCOUNT, SITE, CAMPAIGN = "account_id", "site_id", "campaign_id"


@dataclass(frozen=True)
class IdTest:
    """A column's value is allowed when it is in ``ids`` (``listed``) or when it is not."""

    column: str
    ids: frozenset[int]
    listed: bool

    @classmethod
    def of_perms(cls, column: str, explicit: Mapping[int, Perm], default: Perm) -> IdTest:
        """Ids with their own row, the others following ``default`` (as for new objects)."""
        if default.view:
            return cls(column, frozenset(int(k) for k, p in explicit.items() if not p.view), False)
        return cls(column, frozenset(int(k) for k, p in explicit.items() if p.view), True)

    def allows(self, value: int) -> bool:
        return (int(value) in self.ids) == self.listed


@dataclass(frozen=True)
class Clause:
    """The first non-null column of ``tests`` decides; all null gives ``otherwise``."""

    tests: tuple[IdTest, ...]
    otherwise: bool


@dataclass(frozen=True)
class Rule:
    clauses: tuple[Clause, ...]

    @property
    def columns(self) -> set[str]:
        return {test.column for clause in self.clauses for test in clause.tests}


def build(rights: EffectiveRights, with_account_column: bool) -> Rule:
    """The rule for a caller over a table with (or without) an ``account_id`` column."""
    clauses = []
    if rights.account_id is not None:
        if with_account_column:
            clauses.append(Clause((IdTest(ACCOUNT, frozenset({rights.account_id}), True),), False))
        else:
            clauses.append(
                Clause(
                    (
                        IdTest(CAMPAIGN, rights.account_campaigns, True),
                        IdTest(SITE, rights.account_sites, True),
                    ),
                    False,
                )
            )
    if not rights.full_access:
        clauses.append(
            Clause(
                (
                    IdTest.of_perms(CAMPAIGN, rights.campaigns, rights.new_campaigns),
                    IdTest.of_perms(SITE, rights.sites, rights.new_sites),
                ),
                True,
            )
        )
    return Rule(tuple(clauses))


# -- Python --------------------------------------------------------------------------------


def allows(rule: Rule, row: Mapping[str, Any]) -> bool:
    """Whether one row (column name → value or None) is visible."""
    for clause in rule.clauses:
        for test in clause.tests:
            value = row.get(test.column)
            if value is not None:
                if not test.allows(value):
                    return False
                break
        else:
            if not clause.otherwise:
                return False
    return True


def refuses(rule: Rule, column: str, value: int) -> bool:
    """Whether every row whose ``column`` is ``value`` is hidden, whatever its other columns:
    a clause that looks at ``column`` first refuses the value (a non-null first column
    decides its clause)."""
    for clause in rule.clauses:
        first = clause.tests[0] if clause.tests else None
        if first is not None and first.column == column and not first.allows(value):
            return True
    return False


# -- SQL -----------------------------------------------------------------------------------


def _sql_test(test: IdTest, column: str) -> str:
    if not test.ids:
        return "FALSE" if test.listed else "TRUE"
    ids = ", ".join(map(str, sorted(test.ids)))
    return f"{column} {'IN' if test.listed else 'NOT IN'} ({ids})"


def to_sql(rule: Rule, columns: Mapping[str, str | None]) -> str:
    """The condition over SQL expressions for the rule's columns (None: the table has no
    such column, as if always null)."""
    parts = []
    for clause in rule.clauses:
        branches = [
            (column, test)
            for test in clause.tests
            if (column := columns.get(test.column)) is not None
        ]
        otherwise = "TRUE" if clause.otherwise else "FALSE"
        if not branches:
            parts.append(otherwise)
            continue
        whens = " ".join(
            f"WHEN {column} IS NOT NULL THEN {_sql_test(test, column)}" for column, test in branches
        )
        parts.append(f"(CASE {whens} ELSE {otherwise} END)")
    if not parts:
        return "TRUE"
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


# -- numpy ---------------------------------------------------------------------------------


def to_mask(rule: Rule, size: int, columns: Mapping[str, Any], allowed) -> np.ndarray:
    """Which of ``size`` rows are visible. ``columns`` maps a column name to its decoded
    column (``values`` and ``nulls``) or None; ``allowed(test, values)`` gives the test's
    verdict per value (the caller keeps fast lookups per test)."""
    result = np.ones(size, dtype=bool)
    for clause in rule.clauses:
        verdict = np.full(size, clause.otherwise)
        decided = np.zeros(size, dtype=bool)
        for test in clause.tests:
            column = columns.get(test.column)
            if column is None:
                continue
            present = ~column.nulls if column.nulls is not None else np.ones(size, dtype=bool)
            here = present & ~decided
            if here.any():
                verdict = np.where(here, allowed(test, column.values), verdict)
            decided |= present
        result &= verdict
    return result
