"""The site build: registry -> public cases -> pages -> output/ with a build manifest.

The build never writes to content/. It writes a file only when its bytes change (so
unchanged files keep their mtime), deletes files that an earlier build wrote and this one
did not, and records every output path with its content hash and the cases it shows in
`output/.overdue-manifest.json`, which the publisher and takedown rely on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import BuildRefused, Problem
from .public import PublicCase, project
from .registry import Registry, load_registry
from .render import Page, SiteRenderer, load_static_pages, site_pages
from .rules import Assessment
from .search import search_index_pages
from .settings import RegistrySettings
from .site_extras import Delisting, delisting_of, extra_outputs
from .slugs import company_key, slugify

MANIFEST_NAME = ".overdue-manifest.json"
MANIFEST_VERSION = 1

# Hooks for the build cache (buildcache.py); the defaults are the plain, uncached build.
Projector = Callable[[Assessment, str], PublicCase]
RendererFactory = Callable[[Path, RegistrySettings, str], SiteRenderer]


@dataclass
class BuildResult:
    pages: int = 0
    written: list[str] = field(default_factory=list)
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


def fingerprint_css(theme_dir: Path) -> Page:
    body = (theme_dir / "static" / "css" / "site.css").read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:10]
    return Page(f"theme/site.{digest}.css", body)


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def read_manifest(output_dir: Path) -> dict[str, dict[str, object]]:
    try:
        manifest = json.loads((output_dir / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    return files if isinstance(files, dict) else {}


def _inside(root: Path, relative: str, resolved_root: Path | None = None) -> Path:
    target = (root / relative).resolve()
    if not target.is_relative_to(resolved_root or root.resolve()):
        raise ValueError(f"output path {relative!r} escapes {root}")
    return target


def _files_present(output_dir: Path) -> set[str]:
    """Every file and symlink under output/, as relative POSIX paths (links not followed)."""
    present: set[str] = set()
    for folder, dirnames, filenames in os.walk(output_dir):
        base = Path(folder)
        links = [d for d in dirnames if (base / d).is_symlink()]
        for name in [*filenames, *links]:
            present.add((base / name).relative_to(output_dir).as_posix())
    return present


def _replace_atomically(target: Path, body: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(body)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_output(
    output_dir: Path, pages: list[Page], as_of: date, read_back: Mapping[str, bytes] | None = None
) -> BuildResult:
    """Write pages whose bytes changed and delete every other file in output/.

    The bytes on disk decide, never the previous manifest: an interrupted build may have
    rewritten a file, left a temp file or a truncated manifest behind, and any of those
    could keep a taken-down case in output/. So every file this build did not produce is
    stale, whether or not a manifest remembers writing it. `read_back` holds bytes this
    build has just read from output/ files (the build cache's memo hits): a page whose
    body is that very object is not read a second time.
    """
    read_back = read_back or {}
    result = BuildResult(pages=len(pages))
    output_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}
    resolved_root = output_dir.resolve()
    for page in pages:
        if page.path in files or page.path == MANIFEST_NAME:
            raise ValueError(f"two pages want the same output path {page.path}")
        digest = _sha256(page.body)
        files[page.path] = {"sha256": digest, "bytes": len(page.body), "cases": list(page.cases)}
        target = _inside(output_dir, page.path, resolved_root)
        if read_back.get(page.path) is page.body and not target.is_symlink():
            continue
        if target.is_file() and not target.is_symlink() and target.read_bytes() == page.body:
            continue
        _replace_atomically(target, page.body)
        result.written.append(page.path)
    for stale in sorted(_files_present(output_dir) - set(files) - {MANIFEST_NAME}):
        target = output_dir / stale
        target.unlink()
        result.deleted.append(stale)
    _remove_empty_dirs(output_dir)
    manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    manifest_path = output_dir / MANIFEST_NAME
    if not manifest_path.is_file() or manifest_path.read_bytes() != body:
        _replace_atomically(manifest_path, body)
    return result


def _remove_empty_dirs(root: Path) -> None:
    """Directories left empty by deletions go too (a bare /cases/x/ is a trace)."""
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        path = Path(folder)
        if path != root and not path.is_symlink():
            try:
                path.rmdir()
            except OSError:
                continue


def render_site(
    registry: Registry,
    settings: RegistrySettings,
    theme_dir: Path,
    project_case: Projector = project,
    make_renderer: RendererFactory = SiteRenderer,
) -> tuple[list[Page], list[PublicCase]]:
    cases = public_cases(registry, project_case)
    pages = render_cases(
        cases, settings, theme_dir, make_renderer, delisted=delistings(registry, settings)
    )
    return pages, cases


def render_cases(
    cases: list[PublicCase],
    settings: RegistrySettings,
    theme_dir: Path,
    make_renderer: RendererFactory = SiteRenderer,
    index_search: Callable[[list[Page]], list[Page]] = search_index_pages,
    delisted: Sequence[Delisting] = (),
) -> list[Page]:
    """Every output file of the site for these public cases."""
    css = fingerprint_css(theme_dir)
    renderer = make_renderer(theme_dir, settings, "/" + css.path)
    pages = [css, *site_pages(renderer, cases, load_static_pages(settings.pages_dir))]
    pages.extend(extra_pages(renderer, cases, pages, theme_dir, delisted))
    pages.extend(index_search(pages))
    return pages


def extra_pages(
    renderer: SiteRenderer,
    cases: list[PublicCase],
    pages: list[Page],
    theme_dir: Path,
    delistings: Sequence[Delisting] = (),
) -> list[Page]:
    """Search and open-data pages, assets, robots, sitemaps, feed, open data (site_extras)."""
    return extra_outputs(renderer, cases, pages, theme_dir, delistings)


def delistings(registry: Registry, settings: RegistrySettings) -> list[Delisting]:
    """Cases that were listed and are not public now, with the day they came down."""
    public = {id(a) for a in registry.public}
    found = (delisting_of(a, settings) for a in registry.assessments if id(a) not in public)
    return [d for d in found if d is not None]


def build_site(
    settings: RegistrySettings,
    output_dir: Path,
    theme_dir: Path,
    as_of: date | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Check every record and build the site. Raises BuildRefused on any invalid record.

    With `cache_dir`, unchanged case files and pages come from the build cache and a cold
    cache is filled by worker processes; the output is byte-identical either way.
    """
    as_of = as_of or settings.today()
    if cache_dir is None:
        registry = load_registry([settings.content_dir], settings, as_of)
        if registry.problems:
            raise BuildRefused(registry.problems)
        pages, cases = render_site(registry, settings, theme_dir)
    else:
        from .buildcache import BuildCache

        cache = BuildCache(cache_dir, workers)
        problems, cases = cache.load_public([settings.content_dir], settings, as_of)
        if problems:
            raise BuildRefused(problems)
        pages = render_cases(
            cases, settings, theme_dir, cache.renderer_factory(output_dir),
            cache.search_indexer(output_dir), cache.delistings,
        )  # fmt: skip
    result = write_output(output_dir, pages, as_of, cache.read_back if cache_dir else None)
    if cache_dir is not None:
        cache.save()
        result.cache_stats = dict(cache.stats)
    result.public_cases = [c.case_id for c in cases]
    result.case_page_bytes = {
        p.cases[0]: len(p.body) for p in pages if p.path.startswith("cases/") and p.cases
    }
    return result
