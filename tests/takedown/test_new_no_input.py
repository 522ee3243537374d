"""Regression (clean-clone QA): `overdue new` in a script must not stop at a prompt."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import load_case

from .conftest import write_conf

FLAGS = [
    "--case", "SCR-2026-901", "--debtor-name", "Scripted Parts Pte. Ltd.", "--entity", "limited_company",
    "--country", "SG", "--creditor-name", "Creditor Co", "--creditor-country", "SG",
    "--currency", "SGD", "--contract-title", "MSA", "--invoice", "S-1:2026-04-01:2026-04-30:800",
]  # fmt: skip


def test_new_without_optional_flags_does_not_prompt(tmp_path: Path) -> None:
    (tmp_path / "content" / "debts").mkdir(parents=True)
    conf = write_conf(tmp_path)
    run = CliRunner().invoke(main, ["new", "--no-input", *FLAGS, "--conf", str(conf)], input="")
    assert run.exit_code == 0, run.output
    case, _ = load_case(tmp_path / "content" / "debts" / "SCR-2026-901.yaml")
    assert case.debtor.region is None and case.debtor.website is None


def test_new_without_a_required_flag_is_an_error_not_a_prompt(tmp_path: Path) -> None:
    (tmp_path / "content" / "debts").mkdir(parents=True)
    conf = write_conf(tmp_path)
    flags = FLAGS[2:]  # no --case
    run = CliRunner().invoke(
        main, ["new", *flags, "--conf", str(conf)], input="", env={"OVERDUE_NO_INPUT": "1"}
    )
    assert run.exit_code == 2
    assert "Missing option '--case'" in run.output
