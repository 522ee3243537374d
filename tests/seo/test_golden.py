"""Golden files: one case page's HTML and its JSON-LD. Regenerate with `make regen-golden`."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.build import BuildResult
from pipeline.seocheck import page_facts

from .conftest import REPO

GOLDEN = REPO / "tests" / "golden"
CASE_PAGE = Path("cases") / "nwa-2025-001" / "index.html"


def compare(name: str, actual: str, regen: bool) -> None:
    golden = GOLDEN / name
    if regen:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    assert golden.is_file(), f"{golden} is missing: run `make regen-golden`"
    expected = golden.read_text("utf-8")
    assert actual == expected, f"{name} changed; review the diff, then `make regen-golden`"


def test_case_page_html_matches_golden(
    sample_site: tuple[Path, BuildResult], regen_golden: bool
) -> None:
    output, _ = sample_site
    compare("case-nwa-2025-001.html", (output / CASE_PAGE).read_text("utf-8"), regen_golden)


def test_case_json_ld_matches_golden(
    sample_site: tuple[Path, BuildResult], regen_golden: bool
) -> None:
    output, _ = sample_site
    block = page_facts((output / CASE_PAGE).read_text("utf-8")).json_ld[0]
    pretty = json.dumps(json.loads(block), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    compare("case-nwa-2025-001.jsonld", pretty, regen_golden)
