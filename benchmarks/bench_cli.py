"""CLI start-up: `callscope --help`, which lists commands without importing their modules, beside
the baseline of the same process importing every command module first (what an eager `main.py`
did). Each figure is the best of a few fresh interpreters, wall and CPU time, in the same run.
Goal: the help under a second on an unloaded machine."""

import os
import subprocess
import sys
import time

from pipelines.cli.main import COMMANDS

HELP = (
    "from pipelines.cli.main import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
)
EAGER = "".join(f"import pipelines.cli.{module}\n" for module, _ in COMMANDS.values()) + HELP


def _best(code: str, rounds: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(rounds):
        before = os.times()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return min(walls), min(cpus)


def main(argv: list[str]) -> dict:
    rounds = 2 if "--quick" in argv else 5
    lazy_wall, lazy_cpu = _best(HELP, rounds)
    eager_wall, eager_cpu = _best(EAGER, rounds)
    print(f"callscope --help: {lazy_wall:.2f} s wall, {lazy_cpu:.2f} s CPU "
          f"(baseline, every command module imported: {eager_wall:.2f} s wall, "
          f"{eager_cpu:.2f} s CPU); goal < 1 s")  # fmt: skip
    return {
        "help_wall_seconds": round(lazy_wall, 3),
        "help_cpu_seconds": round(lazy_cpu, 3),
        "eager_wall_seconds": round(eager_wall, 3),
        "eager_cpu_seconds": round(eager_cpu, 3),
    }
