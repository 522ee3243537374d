"""`overdue pay` then a build: exactly the paths the manifest gave to the case go away.

Show point: `make html` right after `overdue pay` of a listed sample case drops exactly
the paths the previous manifest attributed only to that case and rewrites the pages that
listed it. Checked with build_site twice into one output/, and once with the real Pelican
run that `make html` makes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.build import build_site
from pipeline.cli import main
from pipeline.registry import load_single

from ..casefactory import AS_OF
from .conftest import REPO, THEME, copy_sample, sample_settings, write_conf
from .sites import cases_of, public_sample_cases, read_files

PUBLIC = public_sample_cases(AS_OF)
BIN = Path(sys.executable).parent


def _pay_in_full(root: Path, case_id: str) -> str:
    conf = write_conf(root)
    _, assessment = load_single(case_id, sample_settings(root), AS_OF)
    balance = str(assessment.state.balance)
    run = CliRunner().invoke(
        main, ["pay", case_id, balance, "--reference", "W-1", "--conf", str(conf)]
    )
    assert run.exit_code == 0, run.output
    assert "state resolved(paid)" in run.output and "public: no" in run.output
    return run.output


@pytest.mark.parametrize("case_id", PUBLIC)
def test_pay_then_build_drops_exactly_the_case_paths(case_id: str, tmp_path: Path) -> None:
    settings = copy_sample(tmp_path)
    output = tmp_path / "output"
    build_site(settings, output, THEME, AS_OF)
    before = read_files(output)

    _pay_in_full(tmp_path, case_id)
    result = build_site(settings, output, THEME, AS_OF)
    after = read_files(output)

    only_this = {p for p, e in before.items() if cases_of(e) == [case_id]}
    listed_it = {p for p, e in before.items() if case_id in cases_of(e) and len(cases_of(e)) > 1}
    # Search-index chunks are named by their content, so a changed index replaces them
    # (the leak test proves none of them holds the case any more).
    rehashed = {p for p in set(before) - set(after) - only_this if p.startswith("pagefind/")}
    fresh = {p for p in set(after) - set(before)}
    assert all(p.startswith("pagefind/") and case_id not in cases_of(after[p]) for p in fresh)
    assert set(result.deleted) == only_this | rehashed
    assert set(after) == (set(before) - only_this - rehashed) | fresh
    changed = {p for p in after if p not in before or after[p]["sha256"] != before[p]["sha256"]}
    assert set(result.written) == changed
    assert listed_it - rehashed <= changed
    for page in listed_it - rehashed:
        assert cases_of(after[page]) == [c for c in cases_of(before[page]) if c != case_id]
    # nothing that did not show the case was touched, except the sitemap index, whose
    # lastmod summarises its child sitemaps, and the search index's entry file
    assert changed - listed_it - fresh <= {"sitemap.xml", "pagefind/pagefind-entry.json"}


def test_make_html_after_pay(tmp_path: Path) -> None:
    """The real commands of `make html` (overdue check, then pelican) in a sample copy."""
    case_id = "NWA-2025-001"
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, tmp_path / name)
    conf = write_conf(tmp_path)

    def make_html() -> None:
        for command in (
            [str(BIN / "overdue"), "check", "--conf", str(conf)],
            [
                str(BIN / "pelican"),
                "content",
                "-o",
                "output",
                "-s",
                str(conf),
                "--fatal",
                "warnings",
            ],
        ):
            done = subprocess.run(
                command, cwd=tmp_path, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr

    make_html()
    before = read_files(tmp_path / "output")
    _pay_in_full(tmp_path, case_id)
    make_html()
    after = read_files(tmp_path / "output")
    only_this = {p for p, e in before.items() if cases_of(e) == [case_id]}
    pages_only_this = {p for p in only_this if not p.startswith("pagefind/")}
    assert pages_only_this == {
        "cases/nwa-2025-001/index.html",
        "companies/northwind-analytics-inc/index.html",
        "jurisdictions/us/tx/index.html",
    }
    # its two search fragments (case and company body) go with it
    assert {
        p for p in only_this if p.startswith("pagefind/fragment/")
    } == only_this - pages_only_this
    assert len(only_this - pages_only_this) == 2
    fresh = set(after) - set(before)
    assert all(p.startswith("pagefind/") for p in fresh)
    assert set(after) - fresh == set(before) - only_this - {
        p for p in before if p.startswith("pagefind/") and p not in after
    }
    assert not any((tmp_path / "output" / p).exists() for p in only_this)
    for page, entry in before.items():
        if case_id in cases_of(entry) and page in after:
            assert after[page]["sha256"] != entry["sha256"], page
            assert case_id not in cases_of(after[page])
