"""Dagster glue and the ``callscope`` command line."""

import warnings

# Dagster marks several stable-in-practice parameters (backfill_policy, ...) as beta.
warnings.filterwarnings("ignore", module=r"dagster\..*")
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview).*")
