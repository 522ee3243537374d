"""A simulated year: the pipeline (outbox mode) runs every day from before the due date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.casefile import append_event
from pipeline.dunning import builtin_policies
from pipeline.mailer import Outbox
from pipeline.settings import RegistrySettings
from tests.casefactory import case_dict, write_case

from .helpers import case_at, message_events, run

DUE = date(2027, 1, 15)
CASE_ID = "TST-2027-001"


def simulate(
    tmp_path: Path, policy: str, payment_on: date | None = None, amount: str = "5000.00"
) -> tuple[list[tuple[str, date]], Path]:
    directory = tmp_path / "content" / "debts"
    write_case(directory, case_dict(**{
        "case": CASE_ID, "events": [], "dunning_policy": policy,
        "claim.invoices.0.issued": "2026-12-16", "claim.invoices.0.due": DUE.isoformat(),
    }))  # fmt: skip
    settings = RegistrySettings(content_dir=directory, notice_days=30)
    outbox = Outbox(tmp_path / "outbox")
    day = DUE - timedelta(days=10)
    while day <= DUE + timedelta(days=365):
        if day == payment_on:
            append_event(
                directory / f"{CASE_ID}.yaml", {"date": day, "kind": "payment", "amount": amount}
            )
        report = run(settings, day, outbox)
        assert not report.needs_attention, (day, report.outcomes)
        rerun = run(settings, day, outbox)  # the same day again: nothing more
        assert rerun.sent == [] and all(
            o.action is not None and o.action.value != "list" for o in rerun.outcomes
        )
        day += timedelta(days=1)
    return message_events(case_at(directory, CASE_ID)), tmp_path / "outbox"


def expected_for(policy: str, notice_days: int = 30) -> list[tuple[str, date]]:
    steps = builtin_policies()[policy].steps
    names = {"demand_letter": "demand_letter", "final_notice": "final_notice"}
    expected = [
        (names.get(s.kind, f"reminder-{s.level}"), DUE + timedelta(days=s.offset_days))
        for s in steps
    ]
    return [*expected, ("listed", expected[-1][1] + timedelta(days=notice_days))]


@pytest.mark.parametrize("policy", ["standard", "courteous"])
def test_the_sequence_follows_the_policy(policy: str, tmp_path: Path) -> None:
    events, outbox = simulate(tmp_path, policy)
    assert events == expected_for(policy)
    final = next(d for k, d in events if k == "final_notice")
    listed = next(d for k, d in events if k == "listed")
    assert (listed - final).days >= 30
    files = sorted(p.name for p in outbox.iterdir())
    steps = builtin_policies()[policy].steps
    assert files == sorted(
        f"{CASE_ID}.{s.name}.{'eml' if s.channel == 'email' else 'html'}" for s in steps
    )


def test_the_standard_sequence_by_hand(tmp_path: Path) -> None:
    events, _ = simulate(tmp_path, "standard")
    assert events == [
        ("reminder-1", date(2027, 1, 22)), ("reminder-2", date(2027, 2, 5)),
        ("reminder-3", date(2027, 2, 19)), ("demand_letter", date(2027, 3, 5)),
        ("final_notice", date(2027, 3, 26)), ("listed", date(2027, 4, 25)),
    ]  # fmt: skip


@pytest.mark.parametrize("day_n", [3, 30, 80])
def test_a_payment_on_day_n_stops_everything_after(day_n: int, tmp_path: Path) -> None:
    payment_on = DUE + timedelta(days=day_n)
    events, _ = simulate(tmp_path, "standard", payment_on=payment_on)
    before = [e for e in expected_for("standard") if e[1] < payment_on]
    assert events == [*before, ("payment", payment_on)]


def test_a_partial_payment_lowers_the_quoted_balance_and_dunning_goes_on(tmp_path: Path) -> None:
    payment_on = DUE + timedelta(days=30)
    events, outbox = simulate(tmp_path, "standard", payment_on=payment_on, amount="1200.00")
    assert [k for k, _ in events] == ["reminder-1", "reminder-2", "payment", "reminder-3",
                                      "demand_letter", "final_notice", "listed"]  # fmt: skip
    assert "USD 5,000.00" in (outbox / f"{CASE_ID}.reminder-2.eml").read_text()
    assert "USD 3,800.00" in (outbox / f"{CASE_ID}.reminder-3.eml").read_text()
    assert "USD 3,800.00" in (outbox / f"{CASE_ID}.demand-letter.html").read_text()
