"""Runs every ``benchmarks/bench_*.py`` (or the ones named): ``python -m benchmarks [--quick] [names]``."""

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    if wanted:
        names = [n for n in names if n in wanted or n.removeprefix("bench_") in wanted]
    figures, failed = {}, []
    for name in names:
        print(f"\n=== {name} {'(quick)' if quick else ''} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            figures[name] = module.main(["--quick"] if quick else [])
        except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"{name} failed: {error!r}", flush=True)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    print("\n" + json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
