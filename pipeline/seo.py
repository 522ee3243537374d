"""Search-engine metadata: breadcrumbs, titles and the JSON-LD graph of every page.

The visible breadcrumb trail and the `BreadcrumbList` are built from one list, so they
cannot disagree. JSON-LD is plain data here; the `json_ld` template filter serialises it.
Every @type and property used is in the schema.org vocabulary (checked by
`pipeline.seocheck` in tests and `make audit`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from .markup import truncate
from .public import PublicCase

TITLE_LIMIT = 60
DESCRIPTION_LIMIT = 160
SCHEMA = "https://schema.org"

Crumbs = list[tuple[str, str]]


def w3c_datetime(day: date, timezone: str) -> str:
    """Midnight of `day` in the operator's zone, as a W3C datetime with an offset."""
    moment = datetime.combine(day, time(0, 0), ZoneInfo(timezone))
    return moment.isoformat(timespec="seconds")


def case_crumbs(case: PublicCase) -> Crumbs:
    return [
        ("Registry", "/"),
        (case.country_name, f"/jurisdictions/{case.country.lower()}/"),
        (case.debtor_name, case.company_url),
        (case.case_id, case.url),
    ]


def breadcrumb_list(site_url: str, crumbs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": site_url + url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def graph(site_url: str, crumbs: Sequence[tuple[str, str]], *nodes: dict[str, Any]) -> Any:
    return {"@context": SCHEMA, "@graph": [*nodes, breadcrumb_list(site_url, crumbs)]}


def debtor_organization(site_url: str, case: PublicCase) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": case.country}
    if case.region_name:
        address["addressRegion"] = case.region_name
    org: dict[str, Any] = {
        "@type": "Organization",
        "@id": f"{site_url}{case.company_url}#org",
        "name": case.debtor_name,
        "address": address,
    }
    if case.website:
        org["url"] = case.website
    return org


def case_graph(site_url: str, case: PublicCase) -> Any:
    invoice: dict[str, Any] = {
        "@type": "Invoice",
        "@id": f"{site_url}{case.url}#invoice",
        "url": site_url + case.url,
        "identifier": case.case_id,
        "customer": {"@id": f"{site_url}{case.company_url}#org"},
        "totalPaymentDue": {
            "@type": "MonetaryAmount",
            "currency": case.currency,
            "value": str(case.balance),
        },
        "paymentDueDate": case.first_due.isoformat(),
        "paymentStatus": f"{SCHEMA}/PaymentPastDue",
    }
    if case.summary_text:
        invoice["description"] = case.summary_text
    if case.creditor_named:
        invoice["provider"] = {"@type": "Organization", "name": case.creditor_label}
    return graph(site_url, case_crumbs(case), debtor_organization(site_url, case), invoice)


def company_graph(site_url: str, crumbs: Crumbs, cases: Sequence[PublicCase]) -> Any:
    org = debtor_organization(site_url, cases[0])
    return graph(site_url, crumbs, org)


def collection_graph(site_url: str, crumbs: Crumbs, name: str, description: str) -> Any:
    page = {
        "@type": "CollectionPage",
        "name": name,
        "description": description,
        "url": site_url + crumbs[-1][1],
    }
    return graph(site_url, crumbs, page)


def webpage_graph(
    site_url: str, crumbs: Crumbs, name: str, description: str, kind: str = "WebPage"
) -> Any:
    page = {
        "@type": kind,
        "name": name,
        "description": description,
        "url": site_url + crumbs[-1][1],
    }
    return graph(site_url, crumbs, page)


def website_graph(site_url: str, site_name: str, description: str) -> Any:
    site = {
        "@type": "WebSite",
        "@id": f"{site_url}/#website",
        "name": site_name,
        "url": site_url + "/",
        "description": description,
    }
    return graph(site_url, [("Registry", "/")], site)


def unique_titles(
    items: Sequence[Any], title: Callable[[Any], str], fallback: Callable[[Any], str]
) -> list[str]:
    """Titles in order; any title shared by two items is replaced by its `fallback`."""
    titles = [title(item) for item in items]
    counts = Counter(titles)
    return [
        t if counts[t] == 1 else truncate(fallback(item), TITLE_LIMIT)
        for t, item in zip(titles, items, strict=True)
    ]
