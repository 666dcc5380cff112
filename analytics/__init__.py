"""End-to-end analytics: visits to communications to deals, attribution models and reports."""
