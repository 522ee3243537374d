"""Search index bench: N synthetic case/company pages through `ShardedSearch`.

Times a full index, a rebuild with no change and a rebuild after one page changed, each
with the peak resident memory of this process and its Pagefind children (sampled from
/proc), and checks that the incremental bundle equals a full index of the same pages.

    python bench/search_bench.py 10000            # N searchable pages
    python bench/search_bench.py 10000 --single   # also the old single Pagefind run
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from synth import summary_text

from bench import tree_pss_kb
from pipeline.render import Page
from pipeline.search import ShardedSearch, run_pagefind

CHROME_HEAD = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    '<meta name="description" content="{title}, listed in the Overdue registry.">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    '<link rel="stylesheet" href="/theme/site.0123456789.css"></head><body>'
    '<header><a href="/">Overdue</a><nav><a href="/cases/">Registry</a> <a href="/search/">Search</a>'
    "</nav></header><main>"
)
CHROME_FOOT = (
    "</main><aside><h2>Are you the debtor?</h2><p>Resolve a listing by paying the balance, or "
    "Dispute a listing with evidence.</p></aside><footer>Other listings · open data</footer></body></html>"
)


def page(i: int, edit: int = 0) -> Page:
    """Page i: a case page, or every fifth a company page; `edit` changes its text."""
    rng = random.Random(i * 1000 + edit)
    name = f"Synthetic Company {i} Inc."
    if i % 5 == 4:
        rows = "".join(
            f'<li><a href="/cases/syn-{i - k}/">{name}</a> USD {1000 + k}.00 · due 1 Mar 2025</li>'
            for k in range(1, 4)
        )
        body = f"<section data-pagefind-body><h1>{name}</h1><p>3 unpaid debts listed.</p><ul>{rows}</ul></section>"
        cases = tuple(f"SYN-{i - k}" for k in range(1, 4))
        path = f"companies/synthetic-company-{i}-inc/index.html"
    else:
        body = (
            f"<article data-pagefind-body><h1>{name}</h1><p><strong>USD {1000 + i}.00</strong> unpaid "
            f"since 1 Mar 2025.</p><dl><dt>Case</dt><dd>SYN-{i}</dd></dl><h2>Summary</h2>"
            f"<div>{summary_text(rng)}</div></article>"
        )
        cases = (f"SYN-{i}",)
        path = f"cases/syn-{i}/index.html"
    return Page(path, (CHROME_HEAD.format(title=name) + body + CHROME_FOOT).encode(), cases)


@contextmanager
def peak_rss() -> Iterator[list[float]]:
    """Yields [peak MB] for this process tree, filled in on exit."""
    result = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result[0] = max(result[0], tree_pss_kb(os.getpid()) / 1024)
            stop.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


def write_pages(
    n: int, site: Path, edits: dict[int, int]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """The site's searchable pages on disk (as the build has them), and their digests."""
    known = []
    for i in range(n):
        p = page(i, edits.get(i, 0))
        (site / p.path).parent.mkdir(parents=True, exist_ok=True)
        (site / p.path).write_bytes(p.body)
        known.append((p.path, hashlib.sha256(p.body).hexdigest(), p.cases))
    return known


def index(
    known: list[tuple[str, str, tuple[str, ...]]], site: Path, output: Path,
    previous: dict[str, object] | None, workers: int,
) -> tuple[list[Page], ShardedSearch, float, float, float, int]:  # fmt: skip
    """One run: (bundle, search, wall s, CPU s incl. Pagefind, peak MB, pages loaded).

    The clock covers add() and finish(), as the build calls them, and writing the changed
    bundle files; `load` reads the page from disk.
    """
    loads = [0]

    def loader(path: str) -> Callable[[], bytes]:
        def load() -> bytes:
            loads[0] += 1
            return (site / path).read_bytes()

        return load

    with peak_rss() as peak:
        start, cpu = time.perf_counter(), os.times()
        search = ShardedSearch(output, previous, workers=workers)
        for path, digest, cases in known:
            search.add(path, digest, cases, loader(path))
        bundle = search.finish()
        for b in bundle:  # as the build does: write only what changed
            target = output / b.path
            if not target.exists() or target.read_bytes() != b.body:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b.body)
        seconds, after = time.perf_counter() - start, os.times()
    cpu_s = sum(after[:4]) - sum(cpu[:4])
    search.stats["pagefind_cpu_ms"] = round(1000 * (sum(after[2:4]) - sum(cpu[2:4])))
    return bundle, search, seconds, cpu_s, peak[0], loads[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--single", action="store_true", help="also time one Pagefind run over all")
    args = parser.parse_args()
    n = args.n
    print(f"search bench: N={n:,} searchable pages, workers={args.workers}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="overdue-search-bench-") as tmp:
        output = Path(tmp) / "out"
        sizes = [len(page(i).body) for i in range(0, n, max(1, n // 50))]
        print(f"  page size ~{sum(sizes) // len(sizes):,} bytes")

        site = Path(tmp) / "pages"
        known = write_pages(n, site, {})
        full, s1, t, cpu, peak, loads = index(known, site, output, None, args.workers)
        print(f"  full index         {t:6.2f} s  cpu {cpu:5.1f} s (Pagefind {s1.stats['pagefind_cpu_ms'] / 1000:.1f})  peak {peak:5.0f} MB  shards {s1.stats['shards']}, "
              f"Pagefind runs {s1.stats['pagefind_runs']}, pages loaded {loads:,}, "
              f"bundle {len(full):,} files, {sum(len(p.body) for p in full) / 1e6:.1f} MB")  # fmt: skip
        _, s2, t, cpu, peak, loads = index(known, site, output, s1.state, args.workers)
        print(f"  no change          {t:6.2f} s  cpu {cpu:5.1f} s  peak {peak:5.0f} MB  Pagefind runs "
              f"{s2.stats['pagefind_runs']}, pages loaded {loads}")  # fmt: skip
        known = write_pages(n, site, {n // 2: 1})
        inc, s3, t, cpu, peak, loads = index(known, site, output, s2.state, args.workers)
        print(f"  one page changed   {t:6.2f} s  cpu {cpu:5.1f} s  peak {peak:5.0f} MB  Pagefind runs "
              f"{s3.stats['pagefind_runs']}, pages loaded {loads}")  # fmt: skip
        fresh = Path(tmp) / "fresh"
        ref, _, t, cpu, peak, _ = index(known, site, fresh, None, args.workers)
        same = [(p.path, p.body, p.cases) for p in inc] == [(p.path, p.body, p.cases) for p in ref]
        print(
            f"  full index again   {t:6.2f} s  cpu {cpu:5.1f} s  peak {peak:5.0f} MB  incremental == full: {same}"
        )
        if args.single:
            with peak_rss() as peak_single:
                start = time.perf_counter()
                run_pagefind(site, Path(tmp) / "single")
                t = time.perf_counter() - start
            print(
                f"  one Pagefind run   {t:6.2f} s  peak {peak_single[0]:5.0f} MB  (old way, pages on disk)"
            )
        if not same:
            sys.exit("incremental bundle differs from a full index")


if __name__ == "__main__":
    main()
