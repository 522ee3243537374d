"""Everything beyond the registry's HTML pages: search and open-data pages, static assets,
robots.txt, sitemaps, the Atom feed and the open-data exports. All of it as Pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from . import opendata, seo
from .feeds import listings_feed
from .public import PublicCase, jurisdiction_path
from .render import Page, SiteRenderer
from .rules import Assessment
from .settings import RegistrySettings
from .sitemaps import SitemapEntry, robots_txt, sitemap_pages
from .slugs import slugify

SEARCH_DESCRIPTION = (
    "Search every public listing by company name, place or case number. The search runs "
    "in your browser from a static index."
)
DATA_DESCRIPTION = (
    "Download the registry's public listings as CSV or JSON, with a documented column list. "
    "Public fields only, rebuilt with the site."
)


def fingerprinted(path: Path, directory: str) -> Page:
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:10]
    return Page(f"{directory}/{path.stem}.{digest}{path.suffix}", body)


def search_page(renderer: SiteRenderer, js_url: str) -> Page:
    crumbs = [("Registry", "/"), ("Search", "/search/")]
    title = f"Search the registry — {renderer.settings.site_name}"
    return Page(
        "search/index.html",
        renderer.render(
            "search.html", title=title, description=SEARCH_DESCRIPTION, canonical="/search/",
            breadcrumbs=crumbs, search_js_url=js_url,
            structured_data=seo.webpage_graph(
                renderer.settings.site_url, crumbs, title, SEARCH_DESCRIPTION, "SearchResultsPage"
            ),
        ),
    )  # fmt: skip


def dataset_graph(renderer: SiteRenderer, cases: Sequence[PublicCase]) -> object:
    site_url = renderer.settings.site_url
    crumbs = [("Registry", "/"), ("Open data", "/data/")]
    dataset: dict[str, object] = {
        "@type": "Dataset",
        "@id": f"{site_url}/data/#dataset",
        "name": f"{renderer.settings.site_name} registry of unpaid business debts",
        "description": DATA_DESCRIPTION,
        "url": f"{site_url}/data/",
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": renderer.settings.site_name, "url": site_url + "/"},
        "variableMeasured": [name for name, _ in opendata.column_docs()],
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": f"{site_url}/data/registry.csv"},
            {"@type": "DataDownload", "encodingFormat": "application/json", "contentUrl": f"{site_url}/data/registry.json"},
        ],
    }  # fmt: skip
    if cases:
        dataset["dateModified"] = max(c.last_public_change for c in cases).isoformat()
    return seo.graph(site_url, crumbs, dataset)


def data_page(renderer: SiteRenderer, cases: Sequence[PublicCase]) -> Page:
    crumbs = [("Registry", "/"), ("Open data", "/data/")]
    return Page(
        "data/index.html",
        renderer.render(
            "data.html", title=f"Open data — {renderer.settings.site_name} registry",
            description=DATA_DESCRIPTION, canonical="/data/", breadcrumbs=crumbs,
            count=len(cases), columns=opendata.column_docs(),
            modified=max((c.last_public_change for c in cases), default=None),
            structured_data=dataset_graph(renderer, cases),
        ),
        tuple(sorted(c.case_id for c in cases)),
    )  # fmt: skip


@dataclass(frozen=True)
class Delisting:
    """A case that was listed and no longer is: the listing pages it was on changed then."""

    on: date
    pages: tuple[str, ...]
    """URL paths of the company and jurisdiction pages that showed it."""


def delisting_of(assessment: Assessment, settings: RegistrySettings) -> Delisting | None:
    """When a case that was listed came down, and the listing pages it was on; None if it
    was never listed (or still is)."""
    state, case = assessment.state, assessment.case
    listed = [e.date for e in case.events if e.kind == "listed" and e.date <= state.as_of]
    if not listed or (assessment.public and not assessment.check_failures):
        return None
    on = state.last_event_on or listed[-1]
    if state.listed_on is not None:
        expiry = state.listed_on + timedelta(days=settings.max_listing_days + 1)
        if expiry <= state.as_of:
            on = max(on, expiry)
    debtor = case.debtor
    slug = debtor.slug or slugify(debtor.name)
    return Delisting(on, (
        f"/companies/{slug}/",
        jurisdiction_path(debtor.country, debtor.region),
        jurisdiction_path(debtor.country, None),
    ))  # fmt: skip


REGISTRY_WIDE = ("/", "/data/")  # totals and counts cover every case


def sitemap_entries(
    pages: Sequence[Page], cases: Sequence[PublicCase], delistings: Sequence[Delisting] = ()
) -> list[SitemapEntry]:
    """One entry per HTML page; lastmod is the newest public change of what it shows.

    That is the newest change of the cases it lists, and for a listing page also the day a
    case left it (a page that dropped a paid debt changed that day, and search engines
    should recrawl it).
    """
    changed = {c.case_id: c.last_public_change for c in cases}
    newest_case = max(changed.values(), default=None)
    left: dict[str, date] = {}
    for delisting in delistings:
        for path in (*REGISTRY_WIDE, *delisting.pages):
            left[path] = max(left.get(path, delisting.on), delisting.on)
    entries = []
    for page in pages:
        if not page.path.endswith("index.html"):
            continue
        path = "/" + page.path.removesuffix("index.html")
        dates = [changed[c] for c in page.cases if c in changed]
        if path in REGISTRY_WIDE and newest_case is not None:
            dates.append(newest_case)
        if path in left:
            dates.append(left[path])
        entries.append(SitemapEntry(path, max(dates) if dates else None, page.cases))
    return entries


def extra_outputs(
    renderer: SiteRenderer,
    cases: list[PublicCase],
    pages: Sequence[Page],
    theme_dir: Path,
    delistings: Sequence[Delisting] = (),
) -> list[Page]:
    settings = renderer.settings
    static = theme_dir / "static"
    search_js = fingerprinted(static / "js" / "search.js", "theme")
    html = [*pages, search_page(renderer, "/" + search_js.path), data_page(renderer, cases)]
    timezone = settings.timezone
    return [
        *html[len(pages) :],
        search_js,
        Page("favicon.svg", (static / "favicon.svg").read_bytes()),
        Page("favicon.ico", (static / "favicon.ico").read_bytes()),
        Page("robots.txt", robots_txt(settings.site_url)),
        *sitemap_pages(sitemap_entries(html, cases, delistings), settings.site_url, timezone),
        listings_feed(cases, settings.site_url, settings.site_name, timezone, settings.today()),
        Page("data/registry.json", opendata.registry_json(cases, settings.site_url),
             tuple(sorted(c.case_id for c in cases))),
        Page("data/registry.csv", opendata.registry_csv(cases, settings.site_url),
             tuple(sorted(c.case_id for c in cases))),
    ]  # fmt: skip
