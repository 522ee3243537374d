"""C20: an explicit Content-Type table; short Cache-Control for HTML, a year for fingerprints."""

from __future__ import annotations

import pytest

from pipeline.contenttypes import (
    IMMUTABLE_CACHE,
    SHORT_CACHE,
    Stage,
    UnknownContentType,
    check_known,
    headers_for,
)  # fmt: skip


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("sitemaps/cases-1.xml.gz", "application/gzip"),
        ("theme/logo.svg", "image/svg+xml"),
        ("theme/fonts/inter.woff2", "font/woff2"),
        ("site.webmanifest", "application/manifest+json"),
        ("data/registry.json", "application/json; charset=utf-8"),
        ("data/registry.csv", "text/csv; charset=utf-8"),
        ("feeds/listings.atom", "application/atom+xml; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("favicon.ico", "image/vnd.microsoft.icon"),
        ("theme/site.0123456789.css", "text/css; charset=utf-8"),
        ("pagefind/pagefind.js", "text/javascript; charset=utf-8"),
        ("pagefind/wasm.en.pagefind", "application/octet-stream"),
        ("pagefind/fragment/en_3f9a1c2.pf_fragment", "application/octet-stream"),
        ("pagefind/index/en_77ab01e.pf_index", "application/octet-stream"),
        ("pagefind/pagefind.en_0c1d2e3f4a.pf_meta", "application/octet-stream"),
        ("pagefind/pagefind-entry.json", "application/json; charset=utf-8"),
        ("theme/og.png", "image/png"),
    ],
)
def test_each_output_type_gets_its_content_type(path: str, content_type: str) -> None:
    assert headers_for(path).content_type == content_type


def test_html_sitemaps_and_feeds_are_short_and_revalidated() -> None:
    for path in ("index.html", "cases/x-1/index.html", "sitemap.xml", "feeds/listings.atom",
                 "data/registry.json", "pagefind/pagefind-entry.json", "pagefind/pagefind.js"):  # fmt: skip
        assert headers_for(path).cache_control == SHORT_CACHE, path
    assert "must-revalidate" in SHORT_CACHE and "s-maxage=300" in SHORT_CACHE


def test_fingerprinted_assets_are_immutable_for_a_year() -> None:
    for path in ("theme/site.3f2a9c0d1e.css", "pagefind/fragment/en_3f9a1c2.pf_fragment",
                 "pagefind/index/en_77ab01e.pf_index", "pagefind/pagefind.en_0c1d2e3f4a.pf_meta"):  # fmt: skip
        assert headers_for(path).cache_control == IMMUTABLE_CACHE, path
    assert "max-age=31536000" in IMMUTABLE_CACHE and "immutable" in IMMUTABLE_CACHE


def test_upload_stages_put_assets_before_pages_before_listings() -> None:
    assert headers_for("theme/site.3f2a9c0d1e.css").stage is Stage.asset
    assert headers_for("cases/abc-1/index.html").stage is Stage.page
    for path in ("index.html", "companies/acme/index.html", "sitemap.xml", "robots.txt",
                 "feeds/listings.atom", "data/registry.csv"):  # fmt: skip
        assert headers_for(path).stage is Stage.listing, path


@pytest.mark.parametrize("path", ["notes.md", "CNAME", "backup.html.bak", "x.xml.bz2", ".env"])
def test_an_unknown_extension_stops_the_publish(path: str) -> None:
    with pytest.raises(UnknownContentType, match="no Content-Type"):
        check_known(["index.html", path])
