"""Sitemaps: /sitemap.xml (an index) and /sitemaps/pages-N.xml, built with ElementTree.

`lastmod` comes from the data (a case's last public change), never from the build clock,
so rebuilding with nothing changed leaves every byte as it was. Pages without a data date
(static pages) carry no lastmod rather than an invented one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .render import Page
from .seo import w3c_datetime

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024


class SitemapEntry(NamedTuple):
    """One URL of a sitemap. A tuple: a sitemap's job key pickles all of them (13,000 at
    10,000 cases), and a slotted dataclass took twice as long to pickle."""

    path: str
    """Site-relative URL path, starting with `/`."""
    lastmod: date | None
    cases: tuple[str, ...] = ()


def _document(root: ET.Element) -> bytes:
    ET.indent(root, space="")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


@dataclass(frozen=True)
class SitemapFile:
    """One sitemap file, planned: its path, the cases its URLs show, how to make it."""

    path: str
    cases: tuple[str, ...]
    entries: tuple[SitemapEntry, ...]


def plan_sitemaps(
    entries: Sequence[SitemapEntry], max_urls: int = MAX_URLS
) -> tuple[SitemapFile, list[SitemapFile]]:
    """The index at sitemap.xml and its children, at most `max_urls` URLs each."""
    if max_urls < 1:
        raise ValueError("max_urls must be at least 1")
    ordered = sorted(entries, key=lambda e: e.path)
    chunks = [ordered[i : i + max_urls] for i in range(0, len(ordered), max_urls)] or [[]]
    children = [
        SitemapFile(
            f"sitemaps/pages-{number}.xml",
            tuple(sorted({c for e in chunk for c in e.cases})),
            tuple(chunk),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]
    return SitemapFile("sitemap.xml", (), ()), children


def sitemap_body(sitemap: SitemapFile, site_url: str, timezone: str) -> bytes:
    urlset = ET.Element("urlset", xmlns=NAMESPACE)
    for entry in sitemap.entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = site_url + entry.path
        if entry.lastmod is not None:
            ET.SubElement(url, "lastmod").text = w3c_datetime(entry.lastmod, timezone)
    body = _document(urlset)
    if len(body) > MAX_BYTES:
        raise ValueError(f"{sitemap.path} would be {len(body)} bytes, over the protocol's 50 MB")
    return body


def index_body(children: Sequence[SitemapFile], site_url: str, timezone: str) -> bytes:
    index = ET.Element("sitemapindex", xmlns=NAMESPACE)
    for child in children:
        sitemap = ET.SubElement(index, "sitemap")
        ET.SubElement(sitemap, "loc").text = f"{site_url}/{child.path}"
        dates = [e.lastmod for e in child.entries if e.lastmod is not None]
        if dates:
            ET.SubElement(sitemap, "lastmod").text = w3c_datetime(max(dates), timezone)
    return _document(index)


def sitemap_pages(
    entries: Sequence[SitemapEntry],
    site_url: str,
    timezone: str,
    max_urls: int = MAX_URLS,
) -> list[Page]:
    """The index at sitemap.xml and its children, made now."""
    index, children = plan_sitemaps(entries, max_urls)
    return [
        Page(index.path, index_body(children, site_url, timezone)),
        *(Page(c.path, sitemap_body(c, site_url, timezone), c.cases) for c in children),
    ]


def robots_txt(site_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site_url}/sitemap.xml\n".encode()
