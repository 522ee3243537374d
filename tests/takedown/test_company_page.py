"""The company page: keeps the debtor's other public case, and goes with the last one."""

from __future__ import annotations

from pathlib import Path

from pipeline import casecommands as cc
from pipeline.build import build_site
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, write_case
from .conftest import THEME
from .leakscan import Canary, find_hits
from .sites import cases_of, read_files

SECOND = {"case": "TST-2026-002", "claim.invoices.0.number": "TB-0777"}


def test_company_page_follows_its_public_cases(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    first = write_case(registry_dir)
    second = write_case(registry_dir, **SECOND)
    build_site(settings, output, THEME, AS_OF)
    company = "companies/testbed-widgets-inc/index.html"
    assert sorted(cases_of(read_files(output)[company])) == ["TST-2026-001", "TST-2026-002"]

    cc.pay(first, "5000", AS_OF)
    result = build_site(settings, output, THEME, AS_OF)
    assert company in result.written
    assert cases_of(read_files(output)[company]) == ["TST-2026-002"]
    gone = [Canary("id", "TST-2026-001", fold_case=True), Canary("invoice", "TB-0001")]
    assert find_hits(output, gone) == []

    cc.hold(second, "court order", AS_OF)
    result = build_site(settings, output, THEME, AS_OF)
    assert company in result.deleted and not (output / "companies").exists()
    last = [*gone, Canary("id", "TST-2026-002", fold_case=True), Canary("invoice", "TB-0777"),
            Canary("name", "Testbed Widgets"), Canary("slug", "testbed-widgets")]  # fmt: skip
    assert find_hits(output, last) == []
