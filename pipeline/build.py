"""The site build: case files -> public cases -> a site plan -> output/ with a manifest.

The build never writes to content/. Case files are judged in worker processes, and the
pages whose inputs changed are made in worker processes too. A file is written only when
its bytes change (so unchanged files keep their mtime), every file this build did not
produce is deleted, and every output path is recorded with its content hash and the cases
it shows in `output/.overdue-manifest.json`, which the publisher and takedown rely on.
With a cache directory, a rebuild judges only changed case files and makes only the jobs
whose inputs changed; without one it makes everything. The output is the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import BuildRefused, Problem
from .outputs import (
    OutputRecord,
    as_bytes,
    check_relative,
    delete_stale,
    dir_stat,
    file_stat,
    manifest_chunks,
    parent_dirs,
    produce_all,
    read_file,
    remove_empty_dirs,
    scan_changed,
    scan_tree,
    write_if_changed,
)
from .parallel import default_workers, gc_paused
from .public import PublicCase, project
from .registry import Registry
from .render import Page, SiteRenderer, load_static_pages
from .rules import Assessment
from .search import ShardedSearch, search_index_pages
from .settings import RegistrySettings
from .site_extras import Delisting, delisting_of
from .siteplan import CaseRef, Job, asset_job, inputs_digest, make_ref, plan_site
from .slugs import company_key, slugify

MANIFEST_NAME = ".overdue-manifest.json"
MANIFEST_VERSION = 1

Projector = Callable[[Assessment, str], PublicCase]


@dataclass
class BuildResult:
    pages: int = 0
    written: list[str] = field(default_factory=list)
    made: list[str] = field(default_factory=list)  # produced, whether or not the bytes changed
    deleted: list[str] = field(default_factory=list)
    public_cases: list[str] = field(default_factory=list)
    case_page_bytes: dict[str, int] = field(default_factory=dict)
    cache_stats: dict[str, int] = field(default_factory=dict)


def build_summary(result: BuildResult) -> str:
    sizes = sorted(result.case_page_bytes.values())
    largest = sizes[-1] if sizes else 0
    median = sizes[len(sizes) // 2] if sizes else 0
    return (
        f"Overdue: {len(result.public_cases)} public cases, {result.pages} files "
        f"({len(result.written)} written, {len(result.deleted)} deleted); "
        f"case pages {median} bytes median, {largest} bytes largest"
    )


def assign_company_slugs(registry: Registry) -> dict[str, str]:
    """Case id -> company slug. Two different companies on one slug stop the build."""
    by_slug: dict[str, tuple[str, Assessment]] = {}
    slugs: dict[str, str] = {}
    problems: list[Problem] = []
    for assessment in registry.public:
        debtor = assessment.case.debtor
        slug = debtor.slug or slugify(debtor.name)
        key = company_key(debtor.name, debtor.country)
        if slug in by_slug and by_slug[slug][0] != key:
            where = assessment.doc.locate(("debtor", "name"))
            other = by_slug[slug][1].doc.locate(("debtor", "name"))
            problems.append(
                Problem(
                    where,
                    f"debtor {debtor.name!r} gets the company URL /companies/{slug}/, which "
                    f"{other.path}:{other.line} already uses for another company; set debtor.slug "
                    "in one of them",
                )
            )
            continue
        by_slug.setdefault(slug, (key, assessment))  # located only on a collision: it costs
        slugs[assessment.case.case] = slug
    if problems:
        raise BuildRefused(problems)
    return slugs


def public_cases(registry: Registry, project_case: Projector = project) -> list[PublicCase]:
    slugs = assign_company_slugs(registry)
    return [project_case(a, slugs[a.case.case]) for a in registry.public]


def read_manifest(output_dir: Path) -> dict[str, dict[str, object]]:
    try:
        manifest = json.loads((output_dir / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    return files if isinstance(files, dict) else {}


def delistings(registry: Registry, settings: RegistrySettings) -> list[Delisting]:
    """Cases that were listed and are not public now, with the day they came down."""
    public = {id(a) for a in registry.public}
    found = (delisting_of(a, settings) for a in registry.assessments if id(a) not in public)
    return [d for d in found if d is not None]


def extra_jobs(jobs: list[Job]) -> list[Job]:
    """Hook for more output files (tests add an oversized sitemap here)."""
    return jobs


def site_renderer(settings: RegistrySettings, theme_dir: Path) -> tuple[SiteRenderer, Job]:
    css = asset_job(theme_dir / "static" / "css" / "site.css", "theme")
    return SiteRenderer(theme_dir, settings, "/" + css.path), css


def plan(
    refs: Sequence[CaseRef],
    settings: RegistrySettings,
    theme_dir: Path,
    delisted: Sequence[Delisting] = (),
) -> tuple[SiteRenderer, list[Job]]:
    renderer, css = site_renderer(settings, theme_dir)
    jobs = plan_site(
        renderer, refs, load_static_pages(settings.pages_dir), theme_dir, delisted, extra_jobs
    )
    return renderer, [css, *jobs]


def render_site(
    registry: Registry,
    settings: RegistrySettings,
    theme_dir: Path,
    project_case: Projector = project,
) -> tuple[list[Page], list[PublicCase]]:
    """Every output file in memory, from a loaded registry: the reference path, serial."""
    cases = public_cases(registry, project_case)
    refs = [make_ref(c, settings.site_url) for c in cases]
    _, jobs = plan(refs, settings, theme_dir, delistings(registry, settings))
    pages = [Page(j.path, as_bytes(j.produce()), j.cases) for j in jobs]
    return [
        *pages,
        *search_index_pages(p for p, j in zip(pages, jobs, strict=False) if j.searchable),
    ], cases


def build_site(
    settings: RegistrySettings,
    output_dir: Path,
    theme_dir: Path,
    as_of: date | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
    search: bool = True,
) -> BuildResult:
    """Check every record and build the site. Raises BuildRefused on any invalid record.

    With `cache_dir`, unchanged case files and jobs come from the build cache; the output
    is byte-identical either way. `search=False` leaves the search index out (a preview
    build); any index an earlier build left is deleted with the other stale files.
    """
    from .buildcache import with_fresh_cache

    def run(directory: Path | None) -> BuildResult:
        return _build_site(settings, output_dir, theme_dir, as_of, directory, workers, search)

    with gc_paused():
        return with_fresh_cache(run, cache_dir)  # a damaged cache: built again without it


def _build_site(
    settings: RegistrySettings,
    output_dir: Path,
    theme_dir: Path,
    as_of: date | None,
    cache_dir: Path | None,
    workers: int | None,
    search: bool,
) -> BuildResult:
    from .buildcache import BuildCache

    as_of = as_of or settings.today()
    cache = BuildCache(cache_dir, workers)
    try:
        problems, refs = cache.load_public([settings.content_dir], settings, as_of)
        if problems:
            raise BuildRefused(problems)
        renderer, jobs = plan(refs, settings, theme_dir, cache.delistings)
        writer = SiteWriter(output_dir, cache, renderer, theme_dir, workers)
        result = writer.write(jobs, search)
    except BaseException:
        cache.close()
        raise
    cache.save(**writer.meta())
    result.public_cases = [r.case_id for r in refs]
    result.cache_stats = dict(cache.stats)
    return result


class SiteWriter:
    """Makes the jobs whose inputs changed, writes what changed, deletes what is stale."""

    def __init__(
        self,
        output_dir: Path,
        cache: Any,
        renderer: SiteRenderer,
        theme_dir: Path,
        workers: int | None,
    ) -> None:
        from .buildcache import render_base

        self.root = output_dir
        self.cache = cache
        self.workers = workers
        where = str(output_dir.resolve())
        self.names = (f"outputs:{where}", f"dirs:{where}", f"search:{where}")
        previous = cache.meta(self.names[0])
        self.previous: dict[str, OutputRecord] = (
            {path: OutputRecord._make(row) for path, row in previous.items()}
            if isinstance(previous, dict)
            else {}
        )
        dirs = cache.meta(self.names[1])
        self.dirs: dict[str, Any] | None = dirs if isinstance(dirs, dict) else None
        self.search_state = cache.meta(self.names[2])
        self.base = render_base(cache.version, theme_dir, renderer)
        self.records: dict[str, OutputRecord] = {}
        self.new_dirs: dict[str, Any] = {}

    def meta(self) -> dict[str, Any]:
        return {
            self.names[0]: {path: tuple(record) for path, record in self.records.items()},
            self.names[1]: self.new_dirs,
            self.names[2]: self.search_state,
        }

    def _key(self, job: Job) -> bytes | None:
        inputs = inputs_digest(job.inputs)
        if inputs is None:
            return None
        return hashlib.sha256(self.base + job.path.encode() + b"\0" + inputs).digest()

    def write(self, jobs: list[Job], search: bool = True) -> BuildResult:
        root = self.root
        root.mkdir(parents=True, exist_ok=True)
        base = str(root)
        seen: set[str] = set()
        for job in jobs:
            if job.path in seen or job.path == MANIFEST_NAME:
                raise ValueError(f"two outputs want the same path {job.path}")
            seen.add(check_relative(job.path))
        scan = scan_tree(root) if self.dirs is None else scan_changed(root, self.dirs)
        result = BuildResult()
        # Links, and anything where a directory of ours belongs, go before anything is
        # written: a symlink in place of a directory would carry our writes out of output/.
        needed = parent_dirs(seen)
        early = delete_stale(
            root,
            {f for f in scan.foreign - seen if f in needed or os.path.islink(f"{base}/{f}")},
        )
        # A build that remembers nothing (--no-cache) has no use for the keys.
        keys: list[bytes | None] = (
            [self._key(job) for job in jobs] if self.cache.remembers else [None] * len(jobs)
        )
        todo: list[int] = []
        stats = self.cache.stats
        for i, (job, key) in enumerate(zip(jobs, keys, strict=True)):
            known = self.previous.get(job.path)
            if (
                key is not None
                and known is not None
                and known.key == key
                and file_stat(f"{base}/{job.path}") == known.stat
            ):
                self.records[job.path] = known
                if job.path.endswith(".html"):
                    stats["pages_hit"] += 1
                continue
            todo.append(i)
            if job.path.endswith(".html"):
                stats["pages_miss"] += 1
        # With search, the searchable pages first: Pagefind indexes the shards they changed
        # (in its own processes) while the listings, sitemaps and open data are made here.
        todo.sort(key=lambda i: (search and not jobs[i].searchable, jobs[i].group, i))
        split = (
            next((n for n, i in enumerate(todo) if not jobs[i].searchable), len(todo))
            if search
            else len(todo)
        )
        produce = self._produce(jobs, keys, result)
        produce(todo[:split])
        index = self._start_search([j for j in jobs if j.searchable]) if search else None
        try:
            produce(todo[split:])
            if index is not None:
                self._finish_search(index, result)
        finally:
            if index is not None:
                index.close()
        if index is None:
            self.search_state = None
        result.made.sort()
        expected = set(self.records) | {MANIFEST_NAME}
        stale = (set(self.previous) | scan.foreign) - expected - set(early)
        result.deleted = sorted([*early, *delete_stale(root, stale)])
        keep = parent_dirs(expected)
        remove_empty_dirs(root, scan.dirs - keep)
        self._write_manifest()
        # Directory stats for the next build: only those this build may have changed are
        # taken again (a file written or deleted in them, or entries found there).
        touched = parent_dirs([*result.written, *result.deleted, MANIFEST_NAME, *scan.changed])
        # A build that remembers nothing (--no-cache) has no next build to tell.
        for folder in keep if self.cache.remembers else ():
            seen_stat = self.dirs.get(folder) if self.dirs is not None else None
            if seen_stat is None or folder in touched:
                seen_stat = dir_stat(f"{base}/{folder}" if folder else base)
            if seen_stat is not None:
                self.new_dirs[folder] = seen_stat
        result.pages = len(self.records)
        result.written.sort()
        result.case_page_bytes = {
            r.cases[0]: r.size
            for p, r in self.records.items()
            if p.startswith("cases/") and r.cases
        }
        return result

    def _produce(
        self, jobs: list[Job], keys: list[bytes | None], result: BuildResult
    ) -> Callable[[list[int]], None]:
        """Make and write the jobs at some indices, and record them."""
        paths = [j.path for j in jobs]

        def produce(todo: list[int]) -> None:
            made = produce_all(self.root, paths, todo, lambda i: jobs[i].produce(), self.workers)
            for i, (sha, size, stat, written) in made.items():
                job = jobs[i]
                self.records[job.path] = OutputRecord.made(
                    job.path, keys[i], sha, size, stat, job.cases
                )
                result.made.append(job.path)
                if written:
                    result.written.append(job.path)

        return produce

    def _start_search(self, searchable: list[Job]) -> ShardedSearch:
        """The Pagefind bundle, by shards: a shard whose pages are unchanged is kept, and
        Pagefind starts on the others at once."""
        root = self.root
        base = str(root)

        def load(path: str) -> Callable[[], bytes]:
            return lambda: read_file(f"{base}/{path}")

        def verify(path: str, digest: str) -> bool:
            known = self.previous.get(path)
            return (
                known is not None
                and known.sha256 == digest
                and file_stat(f"{base}/{path}") == known.stat
            )

        search = ShardedSearch(
            root, self.search_state, workers=self.workers or default_workers(), verify=verify
        )
        for job in searchable:
            record = self.records[job.path]
            search.add(job.path, record.sha256, job.cases, load(job.path))
        try:
            search.start()
        except BaseException:
            search.close()
            raise
        return search

    def _finish_search(self, search: ShardedSearch, result: BuildResult) -> None:
        root = self.root
        for file in search.iter_files():
            if file.body is None:
                known = self.previous[file.path]
                self.records[file.path] = known
                continue
            sha, size, stat, written = write_if_changed(str(root), file.path, file.body)
            self.records[file.path] = OutputRecord.made(
                file.path, None, sha, size, stat, file.cases
            )
            if written:
                result.written.append(file.path)
        self.search_state = search.state
        self.cache.stats["search_indexed"] = search.stats["indexed"]
        self.cache.stats["search_reused"] = search.stats["reused"]

    def _write_manifest(self) -> None:
        body = manifest_chunks(self.records, MANIFEST_VERSION)
        write_if_changed(str(self.root), MANIFEST_NAME, body)
