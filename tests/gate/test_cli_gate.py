"""`overdue explain` on the sample cases, `overdue check --format github` on the exact line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

from ..casefactory import case_dict
from .conftest import REPO, Gate, case_yaml, line_of

# case -> (state label, public) on 2026-12-03; README.md "Sample cases" says the same.
EXPECTED = {
    "ATX-2026-033": ("final_notice", False),
    "BLS-2026-040": ("in_dunning", False),
    "DLW-2026-003": ("listed", True),
    "EMV-2026-045": ("listed", True),
    "GCF-2026-019": ("in_dunning", False),
    "HBM-2026-007": ("listed", True),
    "KSE-2026-025": ("disputed", False),
    "LSB-2026-016": ("payment_plan", False),
    "MLT-2026-031": ("listed", True),
    "NWA-2025-001": ("listed", True),
    "OPH-2026-011": ("resolved(paid)", False),
    "PCL-2026-014": ("listed", True),
    "PGS-2026-008": ("listed", True),
    "SCR-2026-022": ("listed", True),
}
RULE_NAMES = ["jurisdiction", "eu_nexus", "business_debtor", "private_text", "collectable",
              "due_notice", "evidence", "expiry", "limitation"]  # fmt: skip


def test_every_sample_case_is_in_the_table() -> None:
    assert sorted(p.stem for p in (REPO / "content" / "debts").glob("*.yaml")) == sorted(EXPECTED)


def test_readme_lists_the_same_verdicts() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Sample cases", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([A-Z]{3}-\d{4}-\d{3}) \| ([a-z_()]+) \| (yes|no) \|", section, re.M)
    assert {case: (state, public == "yes") for case, state, public in rows} == EXPECTED


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_explain_sample_case(case_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    args = ["explain", case_id, "--date", "2026-12-03"]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["state"], report["public"]) == EXPECTED[case_id]
    assert [r["rule"] for r in report["rules"]] == RULE_NAMES
    assert all(r["source"] for r in report["rules"]), report["rules"]
    text = runner.invoke(main, args)
    assert text.exit_code == 0
    assert f"public: {'yes' if EXPECTED[case_id][1] else 'no'}" in text.output
    for rule in report["rules"]:
        mark = {"pass": "PASS", "fail": "FAIL", "review": "REVIEW"}[rule["verdict"]]
        assert re.search(rf"{mark}\s+{rule['rule']}\s+.+\[.+\]", text.output), rule


def test_sample_registry_checks_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["check", "--date", "2026-12-03"])
    assert result.exit_code == 0, result.output
    public = sum(1 for _, p in EXPECTED.values() if p)
    assert f"{len(EXPECTED)} case(s) valid, {public} public." in result.output


def test_explain_review_verdict(
    gate: Gate, registry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate.write(case_dict(**{"debtor.branches": [{"name": "Testbed Jersey Ltd", "country": "JE"}]}))
    monkeypatch.chdir(registry_dir.parent.parent)
    result = CliRunner().invoke(main, ["explain", "TST-2026-001", "--date", "2026-12-03"])
    assert result.exit_code == 0, result.output
    assert re.search(r"REVIEW\s+jurisdiction\s+debtor branch 1 JE has its own data-protection law.*"
                     r"needs review.*\[Data Protection \(Jersey\) Law 2018", result.output)  # fmt: skip
    assert "public: no" in result.output


@pytest.mark.parametrize(
    ("changes", "needle", "after", "rule"),
    [
        ({"creditor.country": "DE"}, "country:", "creditor:", "jurisdiction"),
        ({"debtor.contacts.0.phone": "+590 590 27 12 34"}, "phone:", "contacts:", "eu_nexus"),
        ({"debtor.personal_guarantee": True}, "personal_guarantee:", None, "business_debtor"),
        (
            {"claim.invoices.0.description": "For Casey Canary"},
            "description:",
            "invoices:",
            "private_text",
        ),
    ],
)
def test_check_github_annotates_the_exact_line(
    gate: Gate,
    registry_dir: Path,
    changes: dict[str, object],
    needle: str,
    after: str | None,
    rule: str,
) -> None:
    data = case_dict(**changes)
    path = gate.write(data)
    result = CliRunner().invoke(
        main, ["check", str(path), "--format", "github", "--date", "2026-12-03"]
    )
    assert result.exit_code == 1
    line = line_of(case_yaml(data), needle, after)
    pattern = rf"^::error file={re.escape(str(path))},line={line},col=\d+::{rule}: "
    assert re.search(pattern, result.output, re.M), result.output
