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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import BuildRefused, Problem
from .public import PublicCase, project
from .registry import Registry, load_registry
from .render import Page, SiteRenderer, load_static_pages, site_pages
from .rules import Assessment
from .settings import RegistrySettings
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


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ValueError(f"output path {relative!r} escapes {root}")
    return target


def write_output(output_dir: Path, pages: list[Page], as_of: date) -> BuildResult:
    """Write pages whose bytes changed, delete what the last build wrote and this one didn't."""
    result = BuildResult(pages=len(pages))
    output_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(output_dir)
    files: dict[str, dict[str, object]] = {}
    for page in pages:
        if page.path in files:
            raise ValueError(f"two pages want the same output path {page.path}")
        digest = _sha256(page.body)
        files[page.path] = {"sha256": digest, "bytes": len(page.body), "cases": list(page.cases)}
        if (
            previous.get(page.path, {}).get("sha256") == digest
            and (output_dir / page.path).is_file()
        ):
            continue  # nothing is written, so the (costly) containment check can wait
        target = _inside(output_dir, page.path)
        if target.is_file() and target.read_bytes() == page.body:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(page.body)
        os.replace(tmp, target)
        result.written.append(page.path)
    for stale in sorted(set(previous) - set(files)):
        target = _inside(output_dir, stale)
        if target.is_file():
            target.unlink()
            result.deleted.append(stale)
        _prune_empty_dirs(target.parent, output_dir)
    manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    manifest_path = output_dir / MANIFEST_NAME
    if not manifest_path.is_file() or manifest_path.read_bytes() != body:
        manifest_path.write_bytes(body)
    return result


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    root = root.resolve()
    directory = directory.resolve()
    while directory != root and directory.is_relative_to(root):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def render_site(
    registry: Registry,
    settings: RegistrySettings,
    theme_dir: Path,
    project_case: Projector = project,
    make_renderer: RendererFactory = SiteRenderer,
) -> tuple[list[Page], list[PublicCase]]:
    cases = public_cases(registry, project_case)
    css = fingerprint_css(theme_dir)
    renderer = make_renderer(theme_dir, settings, "/" + css.path)
    pages = [css, *site_pages(renderer, cases, load_static_pages(settings.pages_dir))]
    pages.extend(extra_pages(renderer, cases))
    return pages, cases


def extra_pages(renderer: SiteRenderer, cases: list[PublicCase]) -> list[Page]:
    """Non-HTML outputs (robots, sitemaps, feeds, open data). Extended by the SEO work."""
    robots = f"User-agent: *\nAllow: /\nSitemap: {renderer.settings.site_url}/sitemap.xml\n"
    return [Page("robots.txt", robots.encode())]


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
        registry = cache.load_registry([settings.content_dir], settings, as_of)
        if registry.problems:
            raise BuildRefused(registry.problems)
        pages, cases = render_site(
            registry, settings, theme_dir, cache.project, cache.renderer_factory(output_dir)
        )
    result = write_output(output_dir, pages, as_of)
    if cache_dir is not None:
        cache.save()
        result.cache_stats = dict(cache.stats)
    result.public_cases = [c.case_id for c in cases]
    result.case_page_bytes = {
        p.cases[0]: len(p.body) for p in pages if p.path.startswith("cases/") and p.cases
    }
    return result
