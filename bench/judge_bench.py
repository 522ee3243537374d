"""Cost of judging and projecting one case: `rules.assess` + `public.project`, in ms per case.

The N synthetic files (bench/synth.py) are written and loaded with `records.load_case`
outside the timed part; each run then assesses every case and projects the public ones.
Prints the median of the runs.

    python bench/judge_bench.py [--count 2000] [--runs 3]

The pipeline package is imported from the current directory (or PYTHONPATH), so the same
script times another checkout: `cd /work/main && PYTHONPATH=. python .../judge_bench.py`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, os.getcwd())
from synth import AS_OF, write_registry

from pipeline.public import project
from pipeline.records import load_case
from pipeline.rules import assess
from pipeline.settings import RegistrySettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    as_of = date.fromisoformat(AS_OF)
    settings = RegistrySettings(as_of=as_of)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_registry(Path(tmp) / "debts", args.count)
        loaded = [load_case(path) for path in paths]
    import pipeline

    print(f"pipeline from {Path(pipeline.__file__).parent}")
    wall: list[float] = []
    cpu: list[float] = []
    public = 0
    for _ in range(args.runs):
        public = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        for case, doc in loaded:
            assessment = assess(case, doc, settings, as_of)
            if assessment.public:
                project(assessment)
                public += 1
        wall.append((time.perf_counter() - start) * 1000 / len(loaded))
        cpu.append((time.process_time() - start_cpu) * 1000 / len(loaded))
    runs = ", ".join(f"{ms:.3f}" for ms in wall)
    print(f"{len(loaded)} cases ({public} public), wall runs: {runs} ms/case")
    # CPU time too: on a shared machine it moves less with the load than wall time does.
    print(
        f"median assess+project: {statistics.median(wall):.3f} ms per case wall, "
        f"{statistics.median(cpu):.3f} ms CPU"
    )


if __name__ == "__main__":
    main()
