"""`make bench`: how fast Overdue checks, builds, rebuilds and indexes N synthetic cases.

Every step runs as its own subprocess; its wall time and the peak memory of its whole
process tree (workers and Pagefind included) are reported. Memory is sampled from /proc
at most every 50 ms, by a thread that takes at most 5% of one core. It is the
proportional set size (PSS): pages that forked workers share with their parent are split
between them rather than counted once per process, which is what RSS summed over a tree
would do. Our full build and stock Pelican 4.12 (the same N as plain Markdown articles,
default theme) are run paired, A B A B, and the medians are compared; Hugo too when
`hugo` is on PATH.

The site build (every page, listing, sitemap, feed, JSON-LD block and the open data) is
timed with and without the search index, and the search index on its own: issue 8 sets
them separate targets.

    python bench/bench.py                 # N = 1,000 and 10,000
    python bench/bench.py --sizes 100000  # the scaling run
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import AS_OF, case_id, write_hugo_site, write_pelican_articles, write_registry

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: float
    note: str = ""


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_kb(root: int) -> int:
    """Proportional memory of a process and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kb(pid)
        todo.extend(children.get(pid, []))
    return total


MONITOR_SHARE = 0.05
"""At most this share of one core goes to sampling memory. Reading smaps_rollup walks a
process's page tables: a tree of 700 MB takes ~25 ms to sample, and sampling it every
50 ms took a third of a core from the 2-core build being timed (and less from stock
Pelican, which leaves a core idle)."""


def run(name: str, argv: list[str], cwd: Path, note: str = "") -> Step:
    # The writes of the step before (hundreds of MB of pages) are flushed first: their
    # writeback would otherwise be timed as part of this step, as it is not in a rebuild
    # run minutes after the last build.
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:  # in a thread: the timing below ends when the process does
        while not done.is_set():
            sampled = time.perf_counter()
            peak[0] = max(peak[0], tree_pss_kb(proc.pid))
            cost = time.perf_counter() - sampled
            done.wait(max(0.05, cost / MONITOR_SHARE - cost))

    monitor = threading.Thread(target=sample, daemon=True)
    monitor.start()
    raw, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    monitor.join()
    output = raw.decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{output[-3000:]}")
    last = (output.strip().splitlines() or [""])[-1]
    return Step(name, seconds, peak[0] / 1024, note or short(last))


NOTE_CHARS = 90


def short(text: str) -> str:
    """A note cut at a word boundary: every row of the table ends about as far right."""
    if len(text) <= NOTE_CHARS:
        return text
    return text[:NOTE_CHARS].rsplit(" ", 1)[0] + " ..."


def write_conf(root: Path) -> Path:
    conf = root / "conf.py"
    conf.write_text(
        "OVERDUE = {"
        f"'site_url': 'https://overdue.example', 'content_dir': {str(root / 'content/debts')!r}, "
        f"'pages_dir': {str(root / 'content/pages')!r}, 'as_of': {AS_OF!r}"
        "}\n"
    )
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    for page in (REPO / "content" / "pages").glob("*.md"):
        shutil.copy(page, root / "content" / "pages" / page.name)
    return conf


def public_case_file(content: Path) -> Path:
    for path in sorted(content.glob("*.yaml")):
        text = path.read_text()
        if "kind: listed" in text and not re.search(r"kind: (payment|dispute|hold)", text):
            return path
    raise SystemExit("no public case in the synthetic registry")


def overdue(*args: str) -> list[str]:
    return [str(BIN / "overdue"), *args]


def bench_size(count: int, root: Path, pairs: int, compare_large: bool = False) -> list[Step]:
    steps: list[Step] = []
    started = time.perf_counter()
    write_registry(root / "content" / "debts", count)
    steps.append(Step("generate cases", time.perf_counter() - started, 0.0, f"{count} files"))
    conf = write_conf(root)
    content = root / "content" / "debts"
    out, cache = root / "output", root / "cache"
    build = overdue("build", "--conf", str(conf), "--theme", str(REPO / "theme"))
    cached = [*build, "--output", str(out), "--cache-dir", str(cache)]
    check = overdue("check", "--conf", str(conf))
    steps.append(run("overdue check (no cache)", [*check, "--no-cache"], root))
    site_only = [*build, "--output", str(root / "output-site"), "--no-cache", "--no-search"]
    steps.append(run("site build, no search index (no cache)", site_only, root))
    steps.append(run("full build with search (cold cache)", cached, root))
    steps.append(run("rebuild, no change", cached, root))

    target = public_case_file(content)
    text = target.read_text()
    edits = []
    for edit in range(EDITS):  # the same case edited again: each rebuild sees one change
        target.write_text(text.replace("summary: |\n  ", f"summary: |\n  edited {edit} ", 1))
        edits.append(run("rebuild, one case edited", cached, root))
    steps.append(median_step(f"rebuild, one case edited (median of {EDITS})", edits))
    # What `make html` runs after an edit: check, then the build, sharing the cache.
    target.write_text(text.replace("summary: |\n  ", "summary: |\n  edited for make html ", 1))
    checked = run("-", [*check, "--cache-dir", str(cache)], root)
    built = run("-", cached, root)
    steps.append(
        Step(
            "check + rebuild, one case edited (make html)", checked.seconds + built.seconds,
            max(checked.peak_mb, built.peak_mb),
            short(f"check {checked.seconds:.2f} s, then build {built.seconds:.2f} s"),
        )
    )  # fmt: skip
    text = target.read_text()
    before_paid = root / "manifest-before-paid.json"
    shutil.copy(out / ".overdue-manifest.json", before_paid)
    amount = re.search(r'amount: "([0-9.]+)"', text)
    assert amount is not None
    with target.open("a") as handle:
        handle.write(
            f'  - {{date: 2026-12-01, kind: payment, amount: "{amount.group(1)}", reference: "bench"}}\n'
        )
    steps.append(run("rebuild, one case paid", cached, root))
    fresh = root / "output-fresh"
    steps.append(run("full build (no cache)", [*build, "--output", str(fresh), "--no-cache"], root))
    same = dirs_equal(out, fresh)
    steps.append(Step("incremental == full", 0.0, 0.0, "byte-identical" if same else "DIFFERENT"))

    steps.append(search_index(out, root))
    plan = [str(BIN / "python"), str(REPO / "bench" / "steps.py"), "plan", str(out), str(conf)]
    steps.append(run("publish plan (the paid case)", [*plan, str(before_paid)], root))
    if count <= 10_000 or compare_large:
        steps.extend(compare(count, root, build, pairs, conf))
    else:
        steps.append(floor_step(count, conf, root))
        steps.append(
            Step("pelican comparison", 0.0, 0.0, "skipped above N=10,000 (--compare-large)")
        )
    return steps


EDITS = 3


def median_step(name: str, runs: list[Step]) -> Step:
    ordered = sorted(runs, key=lambda s: s.seconds)
    middle = ordered[len(ordered) // 2]
    spread = ", ".join(f"{s.seconds:.2f}" for s in runs)
    return Step(
        name, middle.seconds, max(s.peak_mb for s in runs), short(f"runs {spread} s; {middle.note}")
    )


def dirs_equal(left: Path, right: Path) -> bool:
    compared = filecmp.dircmp(left, right)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(dirs_equal(left / sub, right / sub) for sub in compared.common_dirs)


def floor_step(count: int, conf: Path, root: Path) -> Step:
    """The most cases per second any build of this site could reach here: libyaml reading
    each file (with positions), pydantic validating it and Jinja making its case and
    company pages, per case, on every core at once, and nothing else (no rule,
    projection, listing page, sitemap, feed, open data, index or write). A ceiling,
    measured in this run: a target above it cannot be met with these libraries and pages."""
    argv = [
        str(BIN / "python"), str(REPO / "bench" / "steps.py"), "floor", str(conf),
        str(REPO / "theme"),
    ]  # fmt: skip
    measured = run("-", argv, root)
    _, sample, *costs = measured.note.split()
    yaml_ms, pydantic_ms, page_ms = (float(cost) for cost in costs)
    cores = os.cpu_count() or 1
    seconds = count * (yaml_ms + pydantic_ms + page_ms) / 1000 / cores
    note = (
        f"ms CPU a case: libyaml {yaml_ms:.3f}, pydantic {pydantic_ms:.3f}, Jinja pages "
        f"{page_ms:.3f} ({sample} sampled), over {cores} cores"
    )
    return Step("ceiling: libraries + its two pages only", seconds, 0.0, note)


def search_index(out: Path, root: Path) -> Step:
    """Pagefind over the built pages on its own (the build runs it too, as one of its steps)."""
    bundle = root / "search-bundle"
    steps = [str(BIN / "python"), str(REPO / "bench" / "steps.py"), "search", str(out), str(bundle)]
    return run("search index (pagefind, alone)", steps, root)


def compare(count: int, root: Path, build: list[str], pairs: int, conf: Path) -> list[Step]:
    """Our full build vs stock Pelican (and Hugo), paired A B A B; medians. The ceiling is
    measured in each round too: this machine's speed moves by half within minutes, and a
    tool's rate is set against the ceiling of its own round.

    Every run writes into a directory of its own that nobody deletes until the bench is
    over: on this kind of machine a burst of file deletions makes the file creations
    that follow it several times slower, which would time the deletion, not the build.
    """
    pelican_root = root / "pelican"
    write_pelican_articles(pelican_root / "content", count)
    (pelican_root / "pelicanconf.py").write_text(
        "SITENAME = 'bench'\nSITEURL = ''\nPATH = 'content'\nTIMEZONE = 'UTC'\n"
        "DEFAULT_LANG = 'en'\nFEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\n"
        "TRANSLATION_FEED_ATOM = None\nAUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n"
    )
    contestants: dict[str, Callable[[int], list[str]]] = {
        "ours": lambda run: [
            *build, "--output", str(root / f"output-cmp-{run}"), "--no-cache", "--no-search",
        ],
        "pelican": lambda run: [
            str(BIN / "pelican"), "content", "-o", str(pelican_root / f"output-{run}"),
            "-s", "pelicanconf.py", "-q",
        ],
    }  # fmt: skip
    cwd = {"ours": root, "pelican": pelican_root}
    hugo = shutil.which("hugo")
    if hugo:
        hugo_root = root / "hugo"
        write_hugo_site(hugo_root, pelican_root / "content")
        contestants["hugo"] = lambda run: [
            hugo, "--quiet", "--destination", str(hugo_root / f"public-{run}"),
        ]  # fmt: skip
        cwd["hugo"] = hugo_root
    times: dict[str, list[Step]] = {name: [] for name in contestants}
    ceilings: list[Step] = []
    for turn in range(pairs):
        for name, argv in contestants.items():
            times[name].append(run(name, argv(turn), cwd[name], note="-"))
        ceilings.append(floor_step(count, conf, root))
    middle = sorted(ceilings, key=lambda s: s.seconds)[len(ceilings) // 2]
    steps = [Step(f"{middle.name} (median of {pairs}, paired)", middle.seconds, 0.0, middle.note)]
    ours = statistics.median(s.seconds for s in times["ours"])
    public = count_case_pages(root / "output-cmp-0")
    for name, runs in times.items():
        median = statistics.median(s.seconds for s in runs)
        peak = max(s.peak_mb for s in runs)
        if name == "ours":
            note = f"{public:,} case pages: {public / median:,.0f} case pages/s"
        else:
            ratio = median / ours
            note = (
                f"ours runs at {ratio:.2f}x its speed"
                if ratio >= 1
                else f"ours runs at {ratio:.2f}x its speed ({name} is {1 / ratio:.2f}x faster)"
            )
            # Three times its rate, over the ceiling's rate in the same round: above 1, no
            # build of these pages with these libraries reaches it on this machine.
            share = statistics.median(
                3 * c.seconds / t.seconds for c, t in zip(ceilings, runs, strict=True)
            )
            note += f"; 3x its rate is {3 * count / median:,.0f} cases/s, {share:.2f}x the ceiling"
        what = "site build, no search" if name == "ours" else "full build"
        label = f"{name} {what} (median of {len(runs)}, paired)"
        steps.append(Step(label, median, peak, note))
    return steps


def load_average() -> str:
    """This machine's 1-minute load average (runnable tasks and those waiting on the disk):
    above the core count, something besides the step being timed wanted the CPU or disk.
    A busy neighbour on the same host does not show here; only the times do."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:  # pragma: no cover - not available on this platform
        return "unknown"


def count_case_pages(output: Path) -> int:
    return sum(1 for _ in (output / "cases").glob("*/index.html"))


def table(count: int, steps: list[Step]) -> str:
    width = max(len(step.name) for step in steps) + 2
    lines = [
        f"\n== N = {count:,} cases (cases/s: N over the seconds) ==",
        f"{'step':<{width}}{'seconds':>9}{'cases/s':>10}{'peak MB':>9}  note",
    ]
    for step in steps:
        rate = f"{count / step.seconds:,.0f}" if step.seconds > 0.0005 else ""
        seconds = f"{step.seconds:.2f}" if step.seconds else ""
        peak = f"{step.peak_mb:.0f}" if step.peak_mb else ""
        lines.append(f"{step.name:<{width}}{seconds:>9}{rate:>10}{peak:>9}  {step.note}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--large", action="store_true", help="also N = 100,000")
    parser.add_argument("--pairs", type=int, default=2, help="A B rounds for the comparison")
    parser.add_argument("--compare-large", action="store_true", help="Pelican above 10,000 too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    sizes = [*args.sizes, *([100_000] if args.large else [])]
    print(f"Overdue benchmark on {os.cpu_count()} cores; first case {case_id(0)}, as of {AS_OF}")
    measured: dict[int, list[Step]] = {}
    for count in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"overdue-bench-{count}-"))
        try:
            load_before = load_average()
            measured[count] = bench_size(count, root, args.pairs, args.compare_large)
            print(table(count, measured[count]), flush=True)
            print(f"load average (1 min): {load_before} before, {load_average()} after")
        finally:
            if args.keep:
                print(f"kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)
    if len(measured) > 1:
        print(scaling(measured))
    if not shutil.which("hugo"):
        print("\nhugo: not on PATH, so no Hugo comparison")


SCALING_STEPS = (
    "overdue check (no cache)",
    "site build, no search index (no cache)",
    "full build with search (cold cache)",
    "full build (no cache)",
    "search index (pagefind, alone)",
)


def scaling(measured: dict[int, list[Step]]) -> str:
    """Cost per case of the full-registry steps at each N, and its ratio to the smallest N:
    flat cost per case is a ratio near 1."""
    sizes = sorted(measured)
    lines = [
        f"\n== Scaling: milliseconds per case (ratio to N = {sizes[0]:,}) ==",
        f"{'step':<44}" + "".join(f"{f'N={n:,}':>22}" for n in sizes),
    ]
    for name in SCALING_STEPS:
        cells = []
        base = None
        for count in sizes:
            step = next((s for s in measured[count] if s.name == name), None)
            if step is None or not step.seconds:
                cells.append(f"{'-':>22}")
                continue
            per_case = step.seconds / count * 1000
            base = base or per_case
            cells.append(f"{f'{per_case:.3f} ({per_case / base:.2f}x)':>22}")
        lines.append(f"{name:<44}" + "".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
