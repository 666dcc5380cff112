"""Antispam: caller features over a 6-month window built from daily rollups, a calibrated spam
model with reasons, and each account's tag/block policy with black and white lists.

Modules: ``phones`` (number normalisation), ``validate`` (row checks and quarantine), ``rollup``
and ``window`` (features), ``sketch`` (mergeable distinct counts), ``model``/``training``/
``rules``/``scoring`` (scores and verdicts), ``lists``/``policy`` (configuration and actions),
``nightly`` (warehouse steps) and ``batch`` (the Parquet batch command).
"""
