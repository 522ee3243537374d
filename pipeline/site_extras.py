"""Pages beyond the registry's listings: the search and open-data pages, and the record of
cases that came down (which moves the sitemap lastmod of the pages they left).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import opendata, seo
from .public import jurisdiction_path
from .render import SiteRenderer
from .rules import Assessment
from .settings import RegistrySettings
from .slugs import slugify

SEARCH_DESCRIPTION = (
    "Search every public listing by company name, place or case number. The search runs "
    "in your browser from a static index."
)
DATA_DESCRIPTION = (
    "Download the registry's public listings as CSV or JSON, with a documented column list. "
    "Public fields only, rebuilt with the site."
)


def search_page_body(renderer: SiteRenderer, js_url: str) -> bytes:
    crumbs = [("Registry", "/"), ("Search", "/search/")]
    title = f"Search the registry — {renderer.settings.site_name}"
    return renderer.render(
        "search.html", title=title, description=SEARCH_DESCRIPTION, canonical="/search/",
        breadcrumbs=crumbs, search_js_url=js_url,
        structured_data=seo.webpage_graph(
            renderer.settings.site_url, crumbs, title, SEARCH_DESCRIPTION, "SearchResultsPage"
        ),
    )  # fmt: skip


def dataset_graph(renderer: SiteRenderer, newest: date | None) -> object:
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
    if newest is not None:
        dataset["dateModified"] = newest.isoformat()
    return seo.graph(site_url, crumbs, dataset)


def data_page_body(renderer: SiteRenderer, count: int, newest: date | None) -> bytes:
    """The /data/ page: `count` public cases, the newest public change on `newest`."""
    crumbs = [("Registry", "/"), ("Open data", "/data/")]
    return renderer.render(
        "data.html", title=f"Open data — {renderer.settings.site_name} registry",
        description=DATA_DESCRIPTION, canonical="/data/", breadcrumbs=crumbs,
        count=count, columns=opendata.column_docs(), modified=newest,
        structured_data=dataset_graph(renderer, newest),
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
