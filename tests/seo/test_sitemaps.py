"""Sitemaps: protocol schemas and limits, escaping and lastmod (C15), split, stability."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.render import Page
from pipeline.seocheck import SITEMAP_NS, W3C_DATETIME, check_sitemaps, check_urlset, xml_schema
from pipeline.settings import RegistrySettings
from pipeline.sitemaps import SitemapEntry, sitemap_pages

from ..casefactory import AS_OF, case_dict, write_case
from .conftest import SITE_URL, XSD_DIR, build, sample_settings

TZ = "America/New_York"


def write(pages: list[Page], root: Path) -> None:
    for page in pages:
        (root / page.path).parent.mkdir(parents=True, exist_ok=True)
        (root / page.path).write_bytes(page.body)


def test_c15_ampersand_is_escaped_and_lastmod_has_an_offset(tmp_path: Path) -> None:
    entries = [SitemapEntry("/companies/a&b/?x=1&y=<2>", date(2026, 3, 8)),  # DST starts that night
               SitemapEntry("/cases/x/", date(2026, 7, 1)), SitemapEntry("/disputes/", None)]  # fmt: skip
    pages = sitemap_pages(entries, SITE_URL, TZ)
    write(pages, tmp_path)
    child = pages[1].body.decode()
    assert "a&amp;b/?x=1&amp;y=&lt;2&gt;" in child
    root = ET.fromstring(pages[1].body)
    locs = [u.findtext(f"{SITEMAP_NS}loc") for u in root]
    assert f"{SITE_URL}/companies/a&b/?x=1&y=<2>" in locs
    lastmods = [u.findtext(f"{SITEMAP_NS}lastmod") for u in root]
    assert lastmods == ["2026-07-01T00:00:00-04:00", "2026-03-08T00:00:00-05:00", None]
    assert all(W3C_DATETIME.match(m) for m in lastmods if m)
    assert check_sitemaps(tmp_path, XSD_DIR, SITE_URL) == []


def test_split_at_50000_urls(tmp_path: Path) -> None:
    entries = [SitemapEntry(f"/cases/c-{n:06d}/", date(2026, 1, 1) + timedelta(days=n % 300),
                            (f"C-{n:06d}",)) for n in range(50_001)]  # fmt: skip
    pages = sitemap_pages(entries, SITE_URL, TZ)
    assert [p.path for p in pages] == [
        "sitemap.xml",
        "sitemaps/pages-1.xml",
        "sitemaps/pages-2.xml",
    ]
    counts = [len(ET.fromstring(p.body)) for p in pages[1:]]
    assert counts == [50_000, 1]
    assert pages[2].cases == ("C-050000",)
    write(pages, tmp_path)
    assert check_sitemaps(tmp_path, XSD_DIR, SITE_URL) == []


def test_split_limit_is_a_parameter_and_every_url_is_listed_once() -> None:
    entries = [SitemapEntry(f"/p/{n}/", None) for n in range(7)]
    pages = sitemap_pages(entries, SITE_URL, TZ, max_urls=3)
    index = ET.fromstring(pages[0].body)
    assert len(index) == 3
    locs = [u.findtext(f"{SITEMAP_NS}loc") for p in pages[1:] for u in ET.fromstring(p.body)]
    assert sorted(locs) == sorted(f"{SITE_URL}/p/{n}/" for n in range(7))


def test_the_checker_catches_what_the_protocol_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    urls = "".join(f"<url><loc>https://other.example/{n}</loc><lastmod>2026-01-01T00:00:00</lastmod></url>"
                   for n in range(2))  # fmt: skip
    bad.write_text(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}<oops/></urlset>'
    )
    problems = check_urlset(bad, xml_schema(XSD_DIR / "sitemap.xsd"), "overdue.example")
    assert any("oops" in p for p in problems)
    assert any("other.example" in p for p in problems)
    assert any("offset" in p for p in problems)


def test_sample_site_sitemaps_are_valid_and_list_only_public_pages(
    sample_site: tuple[Path, object],
) -> None:
    output, _ = sample_site
    assert check_sitemaps(output, XSD_DIR, SITE_URL) == []
    robots = (output / "robots.txt").read_text()
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in robots
    locs = {
        u.findtext(f"{SITEMAP_NS}loc")
        for u in ET.parse(output / "sitemaps" / "pages-1.xml").getroot()
    }
    html = {SITE_URL + "/" + p.relative_to(output).as_posix().removesuffix("index.html")
            for p in output.rglob("index.html") if "pagefind" not in p.parts}  # fmt: skip
    assert locs == html


def sitemap_bytes(output: Path) -> dict[str, bytes]:
    files = [output / "sitemap.xml", *sorted((output / "sitemaps").iterdir())]
    return {f.name: f.read_bytes() for f in files} | {
        "atom": (output / "feeds" / "listings.atom").read_bytes()
    }


def test_lastmod_stability_a_rebuild_changes_no_sitemap_byte(tmp_path: Path) -> None:
    first = build(sample_settings(), tmp_path / "a")
    assert first.written
    again = build(sample_settings(), tmp_path / "a")
    assert again.written == [] and again.deleted == []
    # a day later, from a fresh directory: pages say "N days overdue", sitemaps must not move
    build(sample_settings(AS_OF + timedelta(days=1)), tmp_path / "b")
    assert sitemap_bytes(tmp_path / "a") == sitemap_bytes(tmp_path / "b")


def test_lastmod_follows_the_last_public_change(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    data = case_dict()
    data["events"].append({"date": "2026-08-02", "kind": "payment", "amount": "1000.00"})
    write_case(registry_dir, data)
    build(settings, tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "sitemaps" / "pages-1.xml").getroot()
    lastmod = {u.findtext(f"{SITEMAP_NS}loc"): u.findtext(f"{SITEMAP_NS}lastmod") for u in root}
    assert lastmod[f"{SITE_URL}/cases/tst-2026-001/"] == "2026-08-02T00:00:00-04:00"
    assert lastmod[f"{SITE_URL}/search/"] is None  # no data date: no invented one


@pytest.mark.parametrize("limit", [0, -1])
def test_a_nonsense_limit_is_refused(limit: int) -> None:
    with pytest.raises(ValueError):
        sitemap_pages([], SITE_URL, TZ, max_urls=limit)
