"""The demo layer: the seeded demo account generated into a marked demo home and run end to end.

It sits above everything else (see the import contract in pyproject.toml): it may import any
package, and nothing in the product imports it. One job per module:

- ``home``: the demo home and config database, and the guard that refuses anything unmarked;
- ``seed``: generation and seeding of the demo account;
- ``resources`` / ``definitions``: the demo's own Dagster definitions, the only place the
  ground-truth recognizer and ground-truth SmartTag labels are bound;
- ``plan``: the order assets are materialized in; ``progress``: what the newcomer sees;
- ``smtp``: the loopback mail server; ``replay``: one sensor tick; ``api_driver``: the cabinet's
  SmartTag calls over the API; ``summary``: the final report; ``run``: all of it in order.
"""
