"""Micro-benchmark: milliseconds per file for `load_source` and `load_case`.

Writes N synthetic case files (`synth.write_registry`), reads their bytes once, then times
loading every file from those bytes (no disk I/O in the timed part), in CPU time of this
process (the machine is shared; wall time would measure the neighbours too). Each
measurement runs `--runs` times; the median is printed.

    python bench/load_bench.py                      # this checkout, N = 2,000, 3 runs
    python bench/load_bench.py --baseline 0d3cbef   # also that commit, runs paired A B A B

With `--baseline`, the commit's `pipeline/` is extracted with `git archive` into a temporary
directory and the same script runs against it in a subprocess, alternating with this one.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(1, str(HERE))
from synth import write_registry  # noqa: E402


def _time_per_file(func: Callable[[Path, bytes], Any], files: list[tuple[Path, bytes]]) -> float:
    gc.collect()
    start = time.process_time()
    for path, raw in files:
        func(path, raw)
    return (time.process_time() - start) * 1000 / len(files)


def measure(n: int, runs: int) -> dict[str, Any]:
    """One process: {"pipeline": dir, "load_source": [ms...], "load_case": [ms...]}."""
    import pipeline
    from pipeline.records import load_case
    from pipeline.yamlsource import load_source

    result: dict[str, Any] = {"pipeline": str(Path(pipeline.__file__).parent)}
    with tempfile.TemporaryDirectory(prefix="overdue-load-bench-") as tmp:
        paths = write_registry(Path(tmp) / "debts", n)
        files = [(p, p.read_bytes()) for p in paths]
        load_case(*files[0])  # warm caches (lru, pydantic) outside the timed runs
        for name, func in (("load_source", load_source), ("load_case", load_case)):
            result[name] = [_time_per_file(func, files) for _ in range(runs)]
    return result


def _child(n: int, runs: int, pythonpath: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run(
        [sys.executable, __file__, "--n", str(n), "--runs", str(runs), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def _line(label: str, name: str, n: int, values: list[float]) -> str:
    runs = ", ".join(f"{v:.3f}" for v in values)
    return f"{label:9s} {name:12s} N={n}: median {statistics.median(values):.3f} ms/file (runs: {runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of case files")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--baseline", help="git commit to compare against, paired A B A B")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.n, args.runs)))
        return
    if not args.baseline:
        result = measure(args.n, args.runs)
        print(f"pipeline from {result['pipeline']}")
        for name in ("load_source", "load_case"):
            print(_line("this", name, args.n, result[name]))
        return
    with tempfile.TemporaryDirectory(prefix="overdue-load-base-") as base:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.baseline, "pipeline"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", base], input=archive, check=True)
        totals: dict[str, dict[str, list[float]]] = {"baseline": {}, "this": {}}
        for _ in range(args.runs):  # A B A B: each pair sees the same machine load
            for label, path in (("baseline", base), ("this", str(REPO))):
                result = _child(args.n, 1, path)
                for name in ("load_source", "load_case"):
                    totals[label].setdefault(name, []).extend(result[name])
        for name in ("load_source", "load_case"):
            before = statistics.median(totals["baseline"][name])
            after = statistics.median(totals["this"][name])
            print(_line(f"{args.baseline[:9]}", name, args.n, totals["baseline"][name]))
            print(_line("this", name, args.n, totals["this"][name]))
            print(f"{'':9s} {name:12s} speed-up x{before / after:.2f}")


if __name__ == "__main__":
    main()
