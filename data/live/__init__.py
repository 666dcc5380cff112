"""The live path: Data API sources, cursors, polling, reference data, recordings and the
per-communication steps run on each micro-batch."""
