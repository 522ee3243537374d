"""`overdue report aging` and `overdue dunning run` (outbox mode) through the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.aging import aging_report, bucket_for
from pipeline.cli import main
from pipeline.registry import load_registry
from pipeline.settings import RegistrySettings


@pytest.fixture
def workdir(sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = sample_dir.parent.parent
    (root / "pelicanconf.py").write_text('OVERDUE = {"content_dir": "content/debts"}\n')
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(("days", "bucket"), [(-3, "current"), (0, "current"), (1, "1-30"), (30, "1-30"),
                                              (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+")])  # fmt: skip
def test_buckets(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


def test_aging_of_the_samples_by_hand(dunning_settings: RegistrySettings) -> None:
    as_of = date(2026, 12, 3)
    registry = load_registry([dunning_settings.content_dir], dunning_settings, as_of)
    report = aging_report(registry.assessments, as_of)
    usd = report.amounts["USD"]
    # BLS 380.00 due 10-31 (33 days) -> 31-60; GCF 2310.00 due 10-01 (63) -> 61-90;
    # every other open USD case is over 90 days; OPH is paid.
    assert usd["current"] == 0 and usd["1-30"] == 0
    assert usd["31-60"] == Decimal("380.00")
    assert usd["61-90"] == Decimal("2310.00")
    # DLW 1985.50, EMV 9400, HBM 11750, KSE 7325, LSB 5400-3600, NWA 8000, PCL 4200, PGS 1250, SCR 640
    assert usd["90+"] == Decimal("1985.50") + 9400 + 11750 + 7325 + 1800 + 8000 + 4200 + 1250 + 640
    assert report.amounts["SGD"]["90+"] == Decimal("3150.00") + Decimal("6300.00")
    assert report.states["resolved(paid)"] == 1 and report.states["disputed"] == 1
    assert sum(report.states.values()) == 14


def test_aging_cli_formats(workdir: Path) -> None:
    runner = CliRunner()
    as_json = runner.invoke(main, ["report", "aging", "--date", "2026-12-03", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    assert body["currencies"]["USD"]["31-60"] == "380.00"
    assert body["states"]["listed"] == 8
    as_csv = runner.invoke(main, ["report", "aging", "--date", "2026-12-03", "--format", "csv"])
    assert as_csv.output.splitlines()[0] == "currency,current,1-30,31-60,61-90,90+,total"
    table = runner.invoke(main, ["report", "aging", "--date", "2026-12-03"])
    assert table.exit_code == 0 and "USD 2,310.00" in table.output


def test_dunning_run_outbox_and_rerun(workdir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["dunning", "run", "--date", "2026-12-20"])
    assert first.exit_code == 0, first.output
    outbox = workdir / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [
        "BLS-2026-040.reminder-2.eml", "GCF-2026-019.final-notice.eml"]  # fmt: skip
    assert "reminder-3 on 2026-12-27" in first.output
    again = runner.invoke(main, ["dunning", "run", "--date", "2026-12-20"])
    assert again.exit_code == 0 and "0 message(s)" in again.output
    only = runner.invoke(main, ["dunning", "run", "--date", "2026-12-27", "--only", "BLS-2026-040"])
    assert only.exit_code == 0 and "reminder-3 sent" in only.output
    assert "GCF-2026-019" not in only.output


def test_confirm_refuses_without_an_open_intent(workdir: Path) -> None:
    result = CliRunner().invoke(
        main, ["dunning", "confirm", "BLS-2026-040", "reminder-2", "--sent"]
    )
    assert result.exit_code == 1 and "no open intent" in result.output
