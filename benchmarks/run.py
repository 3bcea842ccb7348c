"""Run every benchmark: ``python benchmarks/run.py [--quick] [--only NAME ...]``.

Each ``benchmarks/bench_<name>.py`` module has ``run(quick=False) -> rows`` and
measures sklearn-bce against scikit-learn (or dask-ml) in the same process, so the
printed numbers are ratios measured side by side: absolute seconds on a shared
machine mean little. The tables are printed and written, with the machine's
description, to ``benchmarks/results/all.json`` (``quick.json`` for ``--quick``,
which only checks that every benchmark runs). Install the peers first:
``pip install ".[bench]"`` (dask-ml, glum, scikit-learn-intelex).

The tables of README.md and docs/ are then written from ``all.json`` by
``python benchmarks/render.py`` (see its docstring).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _common import print_table, write_json  # noqa: E402


def available():
    """Names of the benchmark modules, e.g. ``["binary", "ovr", ...]``."""
    return sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))


def main(argv=None):
    """Run the selected benchmarks and print one table each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, one repeat")
    parser.add_argument(
        "--only", nargs="+", choices=available(), help="run only these benchmarks"
    )
    args = parser.parse_args(argv)
    import numpy
    import scipy
    import sklearn

    machine = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    print("machine:", machine)
    results = {"machine": machine, "quick": args.quick}
    for name in args.only or available():
        module = importlib.import_module(f"bench_{name}")
        print(f"\n== {name}: {module.__doc__.splitlines()[0]}")
        start = time.perf_counter()
        out = module.run(quick=args.quick)
        rows = out["rows"] if isinstance(out, dict) else out
        columns = getattr(module, "COLUMNS", None) or list(rows[0])
        print_table(rows, columns)
        entry = {"rows": rows, "seconds": time.perf_counter() - start}
        if hasattr(module, "summary"):
            entry["summary"] = module.summary(rows)
            print("summary:", entry["summary"])
        results[name] = entry
    # a quick run checks that the benchmarks run; its numbers are not kept
    path = write_json("quick" if args.quick else "all", results)
    print(f"\nwritten to {path}")
    if not args.quick:
        print("README.md and docs/ tables: python benchmarks/render.py")


if __name__ == "__main__":
    main()
