"""Dagster definitions for SmartTag: the daily inference asset, the training job with its
blocking promotion check, and the sensor that picks up training requests from the cabinet."""

import dagster as dg

from pipelines.defs.smarttag.inference import smarttag_assignments
from pipelines.defs.smarttag.training import (
    candidate_beats_baseline_and_active,
    smarttag_candidate,
    smarttag_promotion,
    smarttag_training,
    smarttag_training_requests,
)

defs = dg.Definitions(
    assets=[smarttag_assignments, smarttag_candidate, smarttag_promotion],
    asset_checks=[candidate_beats_baseline_and_active],
    jobs=[smarttag_training],
    sensors=[smarttag_training_requests],
)
