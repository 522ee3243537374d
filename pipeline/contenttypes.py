"""Content-Type and Cache-Control for every file the site publishes, from one explicit table.

We never guess with `mimetypes`: its answer depends on the machine (`/etc/mime.types`),
and a wrong type on a private bucket behind a CDN is served to every visitor for as long
as the cache lives. A file whose extension is not in the table stops the publish before
anything is uploaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .errors import OverdueError

# HTML, sitemaps, feeds and data change with every case event: short, and the edge must
# revalidate once stale so a takedown is never masked by a cached copy.
SHORT_CACHE = "public, max-age=300, s-maxage=300, must-revalidate"
# Names that carry their content hash never change meaning: cache for a year.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


class Stage(StrEnum):
    """Upload order: what pages need first, then pages, then what links to pages."""

    asset = "asset"
    page = "page"
    listing = "listing"


STAGE_ORDER = (Stage.asset, Stage.page, Stage.listing)

# suffix (lower case, longest match wins) -> Content-Type
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    # A gzipped sitemap is served as the gzip file itself; no Content-Encoding, so no
    # client or CDN decompresses it on the way.
    ".xml.gz": "application/gzip",
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    # Pagefind's search bundle
    ".wasm": "application/wasm",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}

# theme/site.3f2a9c0d1e.css, app.0123abcd.js: a hex hash of 8+ chars before the suffix.
_FINGERPRINT = re.compile(r"\.[0-9a-f]{8,64}\.[a-z0-9]+$")
# Pagefind names its chunks by content: en_6f1c2a3.pf_fragment, pagefind.en_93ab.pf_meta.
_PAGEFIND_HASHED = re.compile(r"(^|/)pagefind/(.+/)?[^/]*_[0-9a-f]{6,}\.pf_[a-z]+$")
_HTML_PAGE = re.compile(r"^cases/[^/]+/index\.html$")
_LISTING_SUFFIXES = (".xml", ".xml.gz", ".atom", ".rss", ".csv")


class UnknownContentType(OverdueError):
    """Output files whose extension is not in the Content-Type table."""

    def __init__(self, paths: list[str]) -> None:
        shown = ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
        super().__init__(
            f"no Content-Type is defined for {shown}; add the extension to "
            "pipeline/contenttypes.py CONTENT_TYPES (nothing was published)"
        )
        self.paths = paths


@dataclass(frozen=True)
class ObjectHeaders:
    content_type: str
    cache_control: str
    stage: Stage


def suffix_of(path: str) -> str | None:
    """The longest table suffix `path` ends with, or None."""
    name = path.rsplit("/", 1)[-1].lower()
    matches = [s for s in CONTENT_TYPES if name.endswith(s) and len(name) > len(s)]
    return max(matches, key=len) if matches else None


def is_fingerprinted(path: str) -> bool:
    lowered = path.lower()
    return bool(_FINGERPRINT.search(lowered) or _PAGEFIND_HASHED.search(lowered))


def stage_of(path: str, suffix: str) -> Stage:
    if _HTML_PAGE.match(path):
        return Stage.page
    if suffix == ".html" or suffix in _LISTING_SUFFIXES or path in ("robots.txt",):
        return Stage.listing
    if path.startswith("data/") or path.startswith("feeds/"):
        return Stage.listing
    return Stage.asset


def headers_for(path: str) -> ObjectHeaders:
    """Headers for one output path (relative, '/'-separated). Raises UnknownContentType."""
    suffix = suffix_of(path)
    if suffix is None:
        raise UnknownContentType([path])
    cache = IMMUTABLE_CACHE if is_fingerprinted(path) else SHORT_CACHE
    return ObjectHeaders(CONTENT_TYPES[suffix], cache, stage_of(path, suffix))


def check_known(paths: list[str]) -> None:
    """Raise UnknownContentType naming every path without a table entry."""
    unknown = sorted(p for p in paths if suffix_of(p) is None)
    if unknown:
        raise UnknownContentType(unknown)
