"""Static search: a Pagefind index of case and company pages, as Pages for the manifest.

Only pages with `data-pagefind-body` are given to Pagefind, and Pagefind indexes only
that element, so listing chrome (navigation, footer, other listings) is never searchable.
The index is written to a scratch directory and read back, so its files flow through the
same Page list as everything else: the manifest lists them, stale ones are deleted, and
unchanged ones are not rewritten.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pagefind_bin import get_executable

from .errors import OverdueError
from .render import Page

INDEX_DIR = "pagefind"
BODY_MARKER = b"data-pagefind-body"


def searchable(pages: Iterable[Page]) -> list[Page]:
    return [p for p in pages if p.path.endswith(".html") and BODY_MARKER in p.body]


def _url(page: Page) -> str:
    return "/" + page.path.removesuffix("index.html")


class SearchIndexFailed(OverdueError):
    """Pagefind could not index the site."""


def _index(pages: list[Page], scratch: Path) -> None:
    """Run the Pagefind binary over a scratch copy of the searchable pages.

    The binary is ~70x faster than its Python API here (which waits on its service), and
    it sees exactly the pages we give it, at their final URLs.
    """
    site = scratch.parent / "site"
    for page in pages:
        target = site / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
    command = [
        str(get_executable()), "--site", str(site), "--output-path", str(scratch),
        "--force-language", "en", "--quiet",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SearchIndexFailed(f"pagefind failed ({done.returncode}): {done.stderr.strip()}")


def _fragment_url(body: bytes) -> str | None:
    """Fragments are gzipped `pagefind_dcd` + JSON with the page URL."""
    try:
        raw = gzip.decompress(body)
    except OSError:
        return None
    prefix = b"pagefind_dcd"
    if raw.startswith(prefix):
        raw = raw[len(prefix) :]
    try:
        url = json.loads(raw).get("url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def search_index_pages(pages: Iterable[Page]) -> list[Page]:
    """Index the searchable pages with Pagefind; return its bundle as Pages under pagefind/."""
    indexed = searchable(pages)
    if not indexed:
        return []  # nothing public to search; Pagefind refuses an empty site
    cases_by_url = {_url(p): p.cases for p in indexed}
    shm = Path("/dev/shm")  # a scratch copy of thousands of pages: memory, not disk, if we can
    scratch_root = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="overdue-pagefind-", dir=scratch_root) as tmp:
        scratch = Path(tmp) / INDEX_DIR
        _index(indexed, scratch)
        bundle: list[Page] = []
        for path in sorted(p for p in scratch.rglob("*") if p.is_file()):
            body = path.read_bytes()
            cases: tuple[str, ...] = ()
            if path.parent.name == "fragment":
                cases = cases_by_url.get(_fragment_url(body) or "", ())
            bundle.append(Page(f"{INDEX_DIR}/{path.relative_to(scratch).as_posix()}", body, cases))
    return bundle
