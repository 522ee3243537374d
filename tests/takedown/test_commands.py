"""Case commands: state-sensible refusals, idempotent repeats, minor units, atomic files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import casecommands as cc
from pipeline.casecommands import CommandRefused
from pipeline.casefile import EventRejected
from pipeline.cli import main
from pipeline.records import load_case
from pipeline.state import Status

from ..casefactory import AS_OF, write_case
from .conftest import write_conf

DAY = AS_OF


@pytest.fixture
def case_file(registry_dir: Path) -> Path:
    return write_case(registry_dir)  # USD 5000.00, listed 2026-07-15


def _unchanged(path: Path, action: object) -> None:
    before = path.read_bytes()
    with pytest.raises((CommandRefused, EventRejected)):
        action()  # type: ignore[operator]
    assert path.read_bytes() == before


def test_pay_records_and_reports_the_balance(case_file: Path) -> None:
    outcome = cc.pay(case_file, "1200", DAY, reference="w1")
    assert outcome.appended and outcome.state.balance == Decimal("3800.00")
    assert outcome.state.status is Status.listed
    last = load_case(case_file)[0].events[-1]
    assert last.kind == "payment" and last.amount == Decimal("1200.00")  # type: ignore[union-attr]


def test_pay_with_the_same_reference_is_a_no_op(case_file: Path) -> None:
    cc.pay(case_file, "1200.00", DAY, reference="w1")
    before = case_file.read_bytes()
    again = cc.pay(case_file, "1200", DAY, reference="w1")
    assert not again.appended and "already recorded" in again.message
    assert case_file.read_bytes() == before
    _unchanged(case_file, lambda: cc.pay(case_file, "1300", DAY, reference="w1"))


@pytest.mark.parametrize(
    ("amount", "currency", "reason"),
    [
        ("5000.01", None, "exceeds the balance"),
        ("10.001", None, "2 decimal place"),
        ("1,000.00", None, "thousands"),
        ("-5", None, "plain positive decimal"),
        ("0", None, "greater than zero"),
        ("NaN", None, "plain positive decimal"),
        ("100", "EUR", "claimed in USD"),
    ],
)
def test_pay_refusals(case_file: Path, amount: str, currency: str | None, reason: str) -> None:
    before = case_file.read_bytes()
    with pytest.raises(CommandRefused, match=reason):
        cc.pay(case_file, amount, DAY, currency=currency)
    assert case_file.read_bytes() == before


def test_pay_accepts_the_claim_currency_named(case_file: Path) -> None:
    assert cc.pay(case_file, "100", DAY, currency="usd").appended


def test_minor_units_per_currency(registry_dir: Path) -> None:
    jpy = write_case(registry_dir, **{"claim.currency": "JPY", "claim.invoices.0.amount": "500000"})
    _unchanged(jpy, lambda: cc.pay(jpy, "100.5", DAY))
    assert cc.pay(jpy, "1000", DAY).appended
    assert cc.parse_amount("1.125", "KWD") == Decimal("1.125")
    with pytest.raises(CommandRefused, match="3 decimal"):
        cc.parse_amount("1.1255", "KWD")


def test_no_payment_on_a_resolved_case(case_file: Path) -> None:
    cc.pay(case_file, "5000", DAY)
    _unchanged(case_file, lambda: cc.pay(case_file, "1", DAY))
    _unchanged(case_file, lambda: cc.dispute(case_file, "x", DAY))
    _unchanged(case_file, lambda: cc.hold(case_file, "x", DAY))
    _unchanged(case_file, lambda: cc.settle(case_file, "1", DAY))
    _unchanged(case_file, lambda: cc.plan(case_file, 2, 30, DAY, DAY))
    _unchanged(case_file, lambda: cc.withdraw(case_file, "x", DAY))


def test_dispute_lifecycle(case_file: Path) -> None:
    _unchanged(case_file, lambda: cc.resolve_dispute(case_file, "rejected", DAY))
    assert cc.dispute(case_file, "not delivered", DAY).state.status is Status.disputed
    assert not cc.dispute(case_file, "not delivered", DAY).appended
    _unchanged(case_file, lambda: cc.dispute(case_file, "another reason", DAY))
    assert cc.resolve_dispute(case_file, "rejected", DAY).state.status is Status.listed
    cc.dispute(case_file, "second", DAY)
    assert cc.resolve_dispute(case_file, "upheld", DAY).state.status is Status.withdrawn


def test_hold_and_release(case_file: Path) -> None:
    _unchanged(case_file, lambda: cc.release(case_file, DAY))
    assert cc.hold(case_file, "court order", DAY).state.status is Status.on_hold
    assert not cc.hold(case_file, "court order", DAY).appended
    _unchanged(case_file, lambda: cc.hold(case_file, "other", DAY))
    assert cc.release(case_file, DAY).state.status is Status.listed


def test_plan_default_amount_rounds_up(case_file: Path) -> None:
    outcome = cc.plan(case_file, 3, 30, DAY, DAY)
    assert outcome.state.status is Status.payment_plan
    assert load_case(case_file)[0].events[-1].amount == Decimal("1666.67")  # type: ignore[union-attr]
    assert not cc.plan(case_file, 3, 30, DAY, DAY).appended


def test_plan_must_cover_the_balance(case_file: Path) -> None:
    _unchanged(case_file, lambda: cc.plan(case_file, 3, 30, DAY, DAY, amount="1000"))


def test_settle_is_idempotent_and_final(case_file: Path) -> None:
    assert cc.settle(case_file, "3000", DAY, reference="S1").state.status is Status.settled
    assert not cc.settle(case_file, "3000", DAY, reference="S1").appended
    _unchanged(case_file, lambda: cc.settle(case_file, "2000", DAY))


def test_withdraw_and_write_off(registry_dir: Path) -> None:
    one = write_case(registry_dir)
    assert cc.withdraw(one, "creditor asked", DAY).state.status is Status.withdrawn
    assert not cc.withdraw(one, "creditor asked", DAY).appended
    two = write_case(registry_dir, case="TST-2026-002")
    assert cc.write_off(two, "insolvent", DAY).state.status is Status.written_off


def test_an_event_may_not_predate_the_last(case_file: Path) -> None:
    _unchanged(case_file, lambda: cc.pay(case_file, "10", date(2026, 7, 1)))


NEW_FLAGS = [
    "new", "--case", "NEW-2026-001", "--debtor-name", 'Acme "Rockets" & Co, Inc.',
    "--entity", "corporation", "--country", "US", "--region", "US-TX", "--website", "",
    "--creditor-name", "Example Pte. Ltd.", "--creditor-country", "SG", "--currency", "USD",
    "--invoice", "A:1:2026-04-01:2026-04-30:1200", "--invoice", "0123:2026-05-01:2026-05-31:99.5",
    "--contract-title", "MSA", "--contact", "Jo Ray:AP:ap@acme.example",
]  # fmt: skip


def test_new_scaffolds_a_valid_case_and_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "content" / "debts").mkdir(parents=True)
    conf = write_conf(tmp_path)
    run = CliRunner().invoke(main, [*NEW_FLAGS, "--conf", str(conf)])
    assert run.exit_code == 0, run.output
    path = tmp_path / "content" / "debts" / "NEW-2026-001.yaml"
    text = path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert 'number: "0123"' in text and 'amount: "99.50"' in text and 'number: "A:1"' in text
    case, _ = load_case(path)
    assert case.debtor.name == 'Acme "Rockets" & Co, Inc.'
    assert "check:" in run.output
    cc.dispute(path, "scaffold can take events", DAY)  # `events: []` accepts appends
    again = CliRunner().invoke(main, [*NEW_FLAGS, "--conf", str(conf)])
    assert again.exit_code == 1 and "never overwrites" in again.output


def test_new_refuses_a_record_that_fails_check(tmp_path: Path) -> None:
    (tmp_path / "content" / "debts").mkdir(parents=True)
    conf = write_conf(tmp_path)
    flags = [f if f != "US" else "DE" for f in NEW_FLAGS]
    flags[flags.index("US-TX")] = ""
    run = CliRunner().invoke(main, [*flags, "--conf", str(conf)])
    assert run.exit_code == 1
    assert "jurisdiction" in run.output
    assert not (tmp_path / "content" / "debts" / "NEW-2026-001.yaml").exists()


def test_new_prompts_for_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "content" / "debts").mkdir(parents=True)
    conf = write_conf(tmp_path)
    answers = "\n".join([
        "PRM-2026-001", "Prompted Parts LLC", "llc", "US", "US-CA", "", "Creditor Co", "SG",
        "USD", "MSA", "P-1:2026-04-01:2026-04-30:800", "",
    ]) + "\n"  # fmt: skip
    run = CliRunner().invoke(main, ["new", "--conf", str(conf)], input=answers)
    assert run.exit_code == 0, run.output
    case, _ = load_case(tmp_path / "content" / "debts" / "PRM-2026-001.yaml")
    assert case.claim.invoices[0].number == "P-1" and case.debtor.region == "US-CA"


def test_cli_refusals_are_one_line_and_exit_1(tmp_path: Path, registry_dir: Path) -> None:
    conf = write_conf(registry_dir.parent.parent)
    write_case(registry_dir)
    for args in (
        ["pay", "TST-2026-001", "9999"],
        ["release", "TST-2026-001"],
        ["resolve-dispute", "TST-2026-001", "--outcome", "upheld"],
        ["pay", "TST-2026-001", "10", "--date", "2027-01-01"],
        ["pay", "NOPE-1", "10"],
    ):
        run = CliRunner().invoke(main, [*args, "--conf", str(conf)])
        assert run.exit_code == 1, (args, run.output)
        assert run.output.startswith("Error: ") and run.output.count("\n") == 1, run.output
