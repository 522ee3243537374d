"""ShardedSearch: stable shards, incremental == full byte for byte, reuse only when verified."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from pipeline import search
from pipeline.render import Page
from pipeline.search import (
    SearchIndexFailed,
    ShardedSearch,
    is_searchable,
    search_index_pages,
    shard_count,
    shard_of,
)

WORDS = [
    "invoice",
    "payment",
    "contract",
    "delivered",
    "accepted",
    "overdue",
    "ledger",
    "notice",
    "courier",
]


def case_page(n: int, extra: str = "") -> Page:
    words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(60))
    body = (
        f'<!doctype html><html lang="en"><head><title>Debtor {n} Inc.</title></head><body>'
        f"<nav>Registry Other listings</nav><main><article data-pagefind-body>"
        f"<h1>Debtor {n} Inc.</h1><p>Case C-{n:03d}. {words} zq{n}zq {extra}</p></article></main>"
        "<footer>Resolve a listing</footer></body></html>"
    )
    return Page(f"cases/c-{n:03d}/index.html", body.encode(), (f"C-{n:03d}",))


def company_page(n: int, members: tuple[int, ...]) -> Page:
    rows = "".join(f"<li>Debtor {n} Inc. case C-{m:03d}</li>" for m in members)
    body = (
        f'<!doctype html><html lang="en"><head><title>Debtor {n} Inc.</title></head><body>'
        f"<section data-pagefind-body><h1>Debtor {n} Inc.</h1><ul>{rows}</ul></section></body></html>"
    )
    return Page(
        f"companies/debtor-{n}/index.html", body.encode(), tuple(f"C-{m:03d}" for m in members)
    )


def site(n: int) -> list[Page]:
    pages = [case_page(i) for i in range(n)]
    pages += [company_page(i, (i, i + 1)) for i in range(0, n - 1, 5)]
    return pages


def never() -> bytes:
    raise AssertionError("load() called for a page whose shard is unchanged")


def run(
    pages: Iterable[Page], output: Path | None, previous: dict[str, object] | None,
    load: Callable[[Page], Callable[[], bytes]] = lambda p: lambda: p.body,
    runner: search.Runner = search.run_pagefind,
) -> tuple[list[Page], ShardedSearch]:  # fmt: skip
    """One indexing run, its bundle written to `output` as the build would (stale files swept)."""
    sharded = ShardedSearch(output, previous, workers=2, runner=runner)
    for page in pages:
        sharded.add(page.path, hashlib.sha256(page.body).hexdigest(), page.cases, load(page))
    bundle = sharded.finish()
    if output is not None:
        wanted = {p.path for p in bundle}
        for old in [p for p in output.rglob("*") if p.is_file()]:
            if old.relative_to(output).as_posix() not in wanted:
                old.unlink()
        for page in bundle:
            (output / page.path).parent.mkdir(parents=True, exist_ok=True)
            (output / page.path).write_bytes(page.body)
    return bundle, sharded


def as_tuples(bundle: list[Page]) -> list[tuple[str, bytes, tuple[str, ...]]]:
    return [(p.path, p.body, p.cases) for p in bundle]


def test_only_case_and_company_pages_are_searchable() -> None:
    assert is_searchable("cases/nwa-2025-001/index.html")
    assert is_searchable("companies/northwind-analytics-inc/index.html")
    for path in ("index.html", "search/index.html", "cases/index.html", "jurisdictions/us/index.html",
                 "cases/a/b/index.html", "companies/x/index.htm", "data/index.html"):  # fmt: skip
        assert not is_searchable(path), path


def test_shard_count_depends_only_on_the_page_count() -> None:
    assert [shard_count(n) for n in (0, 1, 400, 401, 800, 801, 1600, 10_000, 13_000)] == [
        1, 1, 1, 2, 2, 4, 4, 32, 64,
    ]  # fmt: skip


def test_shard_assignment_is_a_stable_hash_of_the_path() -> None:
    # pinned: the same path lands in the same shard in every process and release
    path = "cases/nwa-2025-001/index.html"
    expected = int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "big")
    assert [shard_of(path, c) for c in (1, 2, 32)] == [0, expected % 2, expected % 32]
    assert shard_of("companies/acme/index.html", 64) == shard_of("companies/acme/index.html", 64)
    # doubling the count splits a shard in two: shard i goes to i or i + count
    for n in range(50):
        p = f"cases/c-{n}/index.html"
        assert shard_of(p, 64) % 32 == shard_of(p, 32)


def test_pagefind_is_deterministic_for_the_same_input(small_shards: int) -> None:
    pages = site(20)
    first, second = search_index_pages(pages), search_index_pages(reversed(pages))
    assert as_tuples(first) == as_tuples(second)
    dirs = {p.path.rsplit("/", 2)[0] for p in first if "/fragment/" in p.path}
    assert len(dirs) > 3  # several shards, each its own bundle


def test_empty_site_has_no_bundle() -> None:
    sharded = ShardedSearch(None)
    assert sharded.finish() == []
    assert sharded.stats["pagefind_runs"] == 0
    assert search_index_pages([Page("index.html", b"<p data-pagefind-body>x</p>", ())]) == []


def test_fragments_carry_the_case_ids_their_page_shows(small_shards: int) -> None:
    pages = site(12)
    cases_by_url = {"/" + p.path.removesuffix("index.html"): p.cases for p in pages}
    bundle = search_index_pages(pages)
    fragments = [
        p for p in bundle if "/fragment/" in p.path or p.path.startswith("pagefind/fragment/")
    ]
    assert len(fragments) == len(pages)
    for fragment in fragments:
        data = json.loads(gzip.decompress(fragment.body).removeprefix(b"pagefind_dcd"))
        assert fragment.cases == cases_by_url[data["url"]]
        assert "Resolve a listing" not in data["content"]  # chrome is never indexed
    assert all(not p.cases for p in bundle if p not in fragments)


def test_shards_file_lists_every_other_shard_and_runtime_is_served_once(small_shards: int) -> None:
    bundle = search_index_pages(site(20))
    paths = {p.path for p in bundle}
    merge = json.loads(next(p for p in bundle if p.path == "pagefind/shards.json").body)["merge"]
    assert merge and all(m.startswith("/pagefind/") and m != "/pagefind/" for m in merge)
    for m in merge:
        assert m.lstrip("/") + "pagefind-entry.json" in paths
    assert "pagefind/pagefind.js" in paths and "pagefind/pagefind-entry.json" in paths
    assert [p for p in paths if p.endswith("pagefind.js")] == ["pagefind/pagefind.js"]


def test_incremental_equals_full_after_change_add_remove(small_shards: int, tmp_path: Path) -> None:
    out = tmp_path / "out"
    pages = site(20)
    _, first = run(pages, out, None)
    assert first.stats["pagefind_runs"] == first.stats["shards"] > 3

    # nothing changed: no Pagefind run, no page loaded, same bytes
    again, second = run(pages, out, first.state, load=lambda p: never)
    assert second.stats["pagefind_runs"] == 0
    assert as_tuples(again) == as_tuples(search_index_pages(pages))

    changed = [case_page(3, "amended") if p.path == case_page(3).path else p for p in pages]
    changed = [p for p in changed if p.path != case_page(7).path] + [case_page(99)]
    touched = {shard_of(p.path, 8) for p in (case_page(3), case_page(7), case_page(99))}
    dirty_paths = {p.path for p in changed if shard_of(p.path, 8) in touched}
    incremental, third = run(
        changed,
        out,
        second.state,
        load=lambda p: (lambda: p.body) if p.path in dirty_paths else never,
    )
    assert third.stats["pagefind_runs"] == len(touched)
    assert third.stats["reused"] == third.stats["shards"] - len(touched)
    assert as_tuples(incremental) == as_tuples(search_index_pages(changed))


def test_a_tampered_or_missing_bundle_file_reindexes_its_shard(
    small_shards: int, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    pages = site(20)
    full, first = run(pages, out, None)
    fragment = next(p for p in full if p.path.startswith("pagefind/fragment/"))
    (out / fragment.path).write_bytes(fragment.body + b"x")
    other = next(
        p for p in full if "/index/" in p.path and not p.path.startswith("pagefind/index/")
    )
    (out / other.path).unlink()
    again, second = run(pages, out, first.state)
    assert second.stats["pagefind_runs"] == 2
    assert as_tuples(again) == as_tuples(full)
    assert (out / fragment.path).read_bytes() == fragment.body


def test_state_from_another_pagefind_version_is_not_trusted(
    small_shards: int, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _, first = run(site(8), out, None)
    stale = dict(first.state, pagefind="0.0.1")
    _, second = run(site(8), out, stale)
    assert second.stats["pagefind_runs"] == second.stats["shards"]
    json.dumps(first.state)  # JSON-able, as the build cache stores it


def test_refuses_pages_it_must_not_index() -> None:
    sharded = ShardedSearch(None)
    with pytest.raises(SearchIndexFailed, match="only case and company pages"):
        sharded.add("search/index.html", "0" * 64, (), lambda: b"")
    sharded.add(
        "cases/x/index.html", "0" * 64, ("X",), lambda: b"<html><body>no marker</body></html>"
    )
    with pytest.raises(SearchIndexFailed, match=r"cases/x/index\.html: has no data-pagefind-body"):
        sharded.finish()
    assert search.shard_dir(0, 8) == "pagefind/" and search.shard_dir(5, 8) == "pagefind/05/"


def test_bundle_streams_a_shard_at_a_time_with_few_scratch_sites(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages are written for Pagefind shard by shard and deleted after it: a registry of
    100,000 cases must not sit in the scratch directory (memory, on /dev/shm) at once.
    The streamed bundle is the listed one, file for file."""
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 4)
    pages = site(40)
    sites_seen: list[int] = []

    def runner(site_dir: Path, out: Path, threads: int | None = None) -> None:
        scratch = site_dir.parent.parent
        sites_seen.append(sum(1 for s in scratch.iterdir() if (s / "site").exists()))
        search.run_pagefind(site_dir, out, threads)

    sharded = ShardedSearch(None, workers=2, runner=runner)
    for page in pages:
        sharded.add(
            page.path, hashlib.sha256(page.body).hexdigest(), page.cases, lambda p=page: p.body
        )
    streamed = [(f.path, f.body, f.cases) for f in sharded.iter_files()]
    assert sharded.stats["indexed"] == len(sites_seen) >= 8
    assert max(sites_seen) <= 3  # workers + 1 threads, each with the one site it indexes
    listed = [(b.path, b.body, b.cases) for b in search_index_pages(pages)]
    assert sorted(streamed) == listed


def test_pagefind_gives_the_same_bundle_with_one_thread_or_many(tmp_path: Path) -> None:
    """Concurrent shards run Pagefind with one thread each, a lone shard with its default:
    a one-case rebuild must still equal a full build, byte for byte."""
    site_dir = tmp_path / "site"
    for page in site(30):
        (site_dir / page.path).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / page.path).write_bytes(page.body)
    bundles = []
    for threads in (None, 1):
        out = tmp_path / f"out-{threads}"
        search.run_pagefind(site_dir, out, threads)
        bundles.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert bundles[0] and bundles[0] == bundles[1]


def test_concurrent_shards_run_pagefind_single_threaded_and_a_lone_one_as_it_is(
    small_shards: int, tmp_path: Path
) -> None:
    asked: list[int | None] = []

    def runner(site_dir: Path, out: Path, threads: int | None = None) -> None:
        asked.append(threads)
        search.run_pagefind(site_dir, out, threads)

    out = tmp_path / "out"
    pages = site(20)
    _, first = run(pages, out, None, runner=runner)
    assert len(asked) == first.stats["shards"] > 1
    assert set(asked) == {1}

    asked.clear()
    changed = [case_page(3, "amended") if p.path == case_page(3).path else p for p in pages]
    _, second = run(changed, out, first.state, runner=runner)
    assert second.stats["pagefind_runs"] == 1
    assert asked == [None]
