"""The build leaves nothing of an earlier build behind, whatever state output/ is in.

Stale files used to be found only through the previous manifest, and an unchanged
manifest hash was trusted over the bytes on disk. A missing or truncated manifest (the
manifest was not written atomically), a temp file left by an interrupted build, or a page
an interrupted build rewrote then kept a taken-down case in output/ for good.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline import build as build_module
from pipeline import casecommands
from pipeline.build import MANIFEST_NAME, build_site
from pipeline.settings import RegistrySettings

from ..casefactory import write_case
from .conftest import THEME
from .leakscan import Canary, find_hits

OTHER = {"case": "TST-2026-002", "debtor.name": "Otherway Logistics LLC",
         "debtor.website": "https://otherway.example", "claim.invoices.0.number": "OW-5512"}  # fmt: skip
CANARIES = [
    Canary("id", "TST-2026-001", fold_case=True),
    Canary("name", "Testbed Widgets"),
    Canary("slug", "testbed-widgets-inc"),
    Canary("invoice", "TB-0001"),
]


@pytest.fixture(params=["uncached", "cached"], autouse=True)
def _with_and_without_the_cache(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every test here runs twice: a plain build walks output/; a cached build trusts its
    records of files and directories, and must find the same stale files."""
    if request.param == "cached":

        def cached(settings: RegistrySettings, output: Path, *args: Any, **named: Any) -> Any:
            named.setdefault("cache_dir", tmp_path / f"cache-{output.name}")
            return build_module.build_site(settings, output, *args, **named)

        monkeypatch.setattr(sys.modules[__name__], "build_site", cached)


def _two_cases(registry_dir: Path) -> Path:
    path = write_case(registry_dir)
    write_case(registry_dir, **OTHER)
    return path


def _take_down(path: Path, settings: RegistrySettings) -> None:
    casecommands.pay(path, "5000.00", settings.today(), reference="wire 1")


def test_a_missing_manifest_does_not_keep_stale_pages(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    path = _two_cases(registry_dir)
    build_site(settings, output, THEME)
    assert find_hits(output, CANARIES)
    (output / MANIFEST_NAME).unlink()
    _take_down(path, settings)
    build_site(settings, output, THEME)
    assert find_hits(output, CANARIES) == []


def test_a_truncated_manifest_does_not_keep_stale_pages(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    path = _two_cases(registry_dir)
    build_site(settings, output, THEME)
    manifest = output / MANIFEST_NAME
    manifest.write_bytes(manifest.read_bytes()[:100])  # an interrupted write
    _take_down(path, settings)
    build_site(settings, output, THEME)
    assert find_hits(output, CANARIES) == []


def test_temp_files_of_an_interrupted_build_are_removed(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    path = _two_cases(registry_dir)
    build_site(settings, output, THEME)
    page = output / "cases" / "tst-2026-001" / "index.html"
    (output / "companies" / ".index.html.tmp").write_bytes(page.read_bytes())
    (output / "cases" / "tst-2026-001" / ".index.html.tmp").write_bytes(page.read_bytes())
    _take_down(path, settings)
    build_site(settings, output, THEME)
    assert find_hits(output, CANARIES) == []


def test_bytes_on_disk_win_over_the_manifest_hash(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    """An interrupted build rewrote the home page but never wrote its manifest."""
    output = tmp_path / "output"
    path = _two_cases(registry_dir)
    (registry_dir / "TST-2026-001.yaml").rename(tmp_path / "held-back.yaml")
    build_site(settings, output, THEME)  # manifest: the home page without TST-2026-001
    without = (output / "index.html").read_bytes()
    (tmp_path / "held-back.yaml").rename(path)
    interrupted = tmp_path / "interrupted"
    build_site(settings, interrupted, THEME)
    (output / "index.html").write_bytes((interrupted / "index.html").read_bytes())
    assert find_hits(output, CANARIES)
    _take_down(path, settings)
    result = build_site(settings, output, THEME)
    assert (output / "index.html").read_bytes() == without
    assert "index.html" in result.written
    assert find_hits(output, CANARIES) == []


def test_the_manifest_names_every_file_in_output(
    registry_dir: Path, settings: RegistrySettings, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    _two_cases(registry_dir)
    build_site(settings, output, THEME)
    (output / "stray.html").write_text("left by hand", "utf-8")
    build_site(settings, output, THEME)
    files = json.loads((output / MANIFEST_NAME).read_text("utf-8"))["files"]
    on_disk = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    assert on_disk - {MANIFEST_NAME} == set(files)
