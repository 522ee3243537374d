"""The Atom feed of new listings, /feeds/listings.atom (RFC 4287), built with ElementTree.

Ids are the case URLs and `updated` is each case's last public change, so the feed's
bytes depend on the data only, never on when the build ran.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from .public import PublicCase, format_money
from .render import Page
from .seo import w3c_datetime

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = "feeds/listings.atom"
FEED_SIZE = 50


def listings_feed(
    cases: list[PublicCase],
    site_url: str,
    site_name: str,
    timezone: str,
    empty_updated: date,
    size: int = FEED_SIZE,
) -> Page:
    """The newest `size` listings. `empty_updated` dates a feed that has no entry."""
    newest = sorted(cases, key=lambda c: (c.listed_on, c.case_id), reverse=True)[:size]
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "id").text = f"{site_url}/{FEED_PATH}"
    ET.SubElement(feed, "title").text = f"{site_name}: new listings"
    updated = max((c.last_public_change for c in newest), default=empty_updated)
    ET.SubElement(feed, "updated").text = w3c_datetime(updated, timezone)
    ET.SubElement(feed, "link", rel="self", href=f"{site_url}/{FEED_PATH}")
    ET.SubElement(feed, "link", rel="alternate", href=f"{site_url}/")
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = site_name
    for case in newest:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = site_url + case.url
        ET.SubElement(
            entry, "title"
        ).text = f"{case.debtor_name}: {format_money(case.balance, case.currency)} unpaid"
        ET.SubElement(entry, "link", rel="alternate", href=site_url + case.url)
        ET.SubElement(entry, "published").text = w3c_datetime(case.listed_on, timezone)
        ET.SubElement(entry, "updated").text = w3c_datetime(case.last_public_change, timezone)
        region = f"{case.region_name}, " if case.region_name else ""
        ET.SubElement(entry, "summary").text = (
            f"{case.debtor_name} ({region}{case.country_name}) owes "
            f"{format_money(case.balance, case.currency)}, due {case.first_due.isoformat()}. "
            f"{case.summary_text}"
        ).strip()
    ET.indent(feed, space="")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
    return Page(FEED_PATH, body, tuple(c.case_id for c in newest))
