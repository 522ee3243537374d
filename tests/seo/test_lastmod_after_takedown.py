"""Regression (clean-clone QA): a page that drops a paid debt gets that day as its lastmod.

Before, `/`, `/data/` and `/jurisdictions/us/` kept the lastmod of the cases still on
them, so search engines had no reason to recrawl the page that no longer names the debtor.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import casecommands
from pipeline.build import build_site
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF
from ..conftest import REPO


def lastmods(output: Path) -> dict[str, str]:
    text = (output / "sitemaps" / "pages-1.xml").read_text()
    pairs = re.findall(
        r"<loc>https://overdue\.example([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>", text
    )
    return dict(pairs)


@pytest.mark.parametrize("cached", [False, True])
def test_pages_that_drop_a_paid_case_move_their_lastmod(tmp_path: Path, cached: bool) -> None:
    content = tmp_path / "debts"
    shutil.copytree(REPO / "content" / "debts", content)
    settings = RegistrySettings(
        content_dir=content, pages_dir=REPO / "content" / "pages", as_of=AS_OF
    )
    cache = tmp_path / "cache" if cached else None
    build_site(settings, tmp_path / "out", REPO / "theme", cache_dir=cache)
    before = lastmods(tmp_path / "out")
    casecommands.pay(content / "NWA-2025-001.yaml", "8000.00", AS_OF, reference="wire 1")
    build_site(settings, tmp_path / "out", REPO / "theme", cache_dir=cache)
    after = lastmods(tmp_path / "out")
    assert "/cases/nwa-2025-001/" not in after
    for path in ("/", "/data/", "/jurisdictions/us/"):
        assert before[path] < after[path], path
        assert after[path].startswith(AS_OF.isoformat()), path
    # a jurisdiction page the case was never on keeps its date
    assert after["/jurisdictions/us/ca/"] == before["/jurisdictions/us/ca/"]
    assert date.fromisoformat(after["/jurisdictions/us/ca/"][:10]) < AS_OF
