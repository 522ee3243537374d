"""Derived state: status and balance come from events, never typed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.records import load_case
from pipeline.rules import Verdict, assess
from pipeline.settings import RegistrySettings
from pipeline.state import Status, derive_state

from ..casefactory import AS_OF, case_dict, write_case


def assessed(
    registry_dir: Path,
    settings: RegistrySettings,
    extra_events: list[dict[str, Any]],
    as_of: date = AS_OF,
    **changes: Any,
):  # type: ignore[no-untyped-def]
    data = case_dict(**changes)
    data["events"].extend(extra_events)
    case, doc = load_case(write_case(registry_dir, data))
    return assess(case, doc, settings, as_of)


@pytest.mark.parametrize(
    "events, status, public",
    [
        ([], Status.listed, True),
        ([{"date": "2026-11-01", "kind": "payment", "amount": "5000.00"}], Status.paid, False),
        ([{"date": "2026-11-01", "kind": "payment", "amount": "1000.00"}], Status.listed, True),
        ([{"date": "2026-11-01", "kind": "settlement", "amount": "3000.00"}], Status.settled, False),
        ([{"date": "2026-11-01", "kind": "withdrawal"}], Status.withdrawn, False),
        ([{"date": "2026-11-01", "kind": "write_off"}], Status.written_off, False),
        ([{"date": "2026-11-01", "kind": "dispute", "reason": "quality"}], Status.disputed, False),
        ([{"date": "2026-11-01", "kind": "dispute", "reason": "q"},
          {"date": "2026-11-10", "kind": "dispute_resolved", "outcome": "rejected"}], Status.listed, True),
        ([{"date": "2026-11-01", "kind": "dispute", "reason": "q"},
          {"date": "2026-11-10", "kind": "dispute_resolved", "outcome": "upheld"}], Status.withdrawn, False),
        ([{"date": "2026-11-01", "kind": "hold", "reason": "court order"}], Status.on_hold, False),
        ([{"date": "2026-11-01", "kind": "hold", "reason": "x"}, {"date": "2026-11-02", "kind": "release"}], Status.listed, True),
        ([{"date": "2026-11-01", "kind": "unlisted", "reason": "x"}], Status.final_notice, False),
        ([{"date": "2026-11-01", "kind": "payment_plan", "instalments": 5, "every_days": 30, "first": "2026-11-28", "amount": "1000.00"}],
         Status.payment_plan, False),
        ([{"date": "2027-01-01", "kind": "payment", "amount": "5000.00"}], Status.listed, True),  # future event
    ],
)  # fmt: skip
def test_status_from_events(
    registry_dir: Path,
    settings: RegistrySettings,
    events: list[dict[str, Any]],
    status: Status,
    public: bool,
) -> None:
    result = assessed(registry_dir, settings, events)
    assert result.state.status is status
    assert result.public is public


def test_partial_payment_reduces_balance(registry_dir: Path, settings: RegistrySettings) -> None:
    result = assessed(
        registry_dir, settings, [{"date": "2026-11-01", "kind": "payment", "amount": "1234.56"}]
    )
    assert result.state.balance == Decimal("3765.44")
    assert result.state.paid == Decimal("1234.56")


def test_missed_instalment_resumes_collection(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    plan = {
        "date": "2026-08-01",
        "kind": "payment_plan",
        "instalments": 5,
        "every_days": 30,
        "first": "2026-08-15",
        "amount": "1000.00",
    }
    paid_one = {"date": "2026-08-14", "kind": "payment", "amount": "1000.00"}
    result = assessed(registry_dir, settings, [plan, paid_one])
    assert result.state.status is Status.listed and result.state.plan_defaulted
    assert result.public


def test_days_overdue_and_first_due(registry_dir: Path, settings: RegistrySettings) -> None:
    result = assessed(registry_dir, settings, [])
    assert result.state.first_due == date(2026, 3, 31)
    assert result.state.days_overdue == (AS_OF - date(2026, 3, 31)).days


def test_listing_expires(registry_dir: Path, settings: RegistrySettings) -> None:
    result = assessed(registry_dir, settings, [], as_of=date(2027, 7, 16))
    assert result.state.status is Status.expired
    assert not result.public
    assert {r.rule: r.verdict for r in result.results}["expiry"] is Verdict.failed


def test_listing_without_due_notice_fails_check(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    data = case_dict()
    data["events"][2]["date"] = "2026-07-01"  # warning only 14 days before listing
    case, doc = load_case(write_case(registry_dir, data))
    result = assess(case, doc, settings, AS_OF)
    failure = next(r for r in result.check_failures if r.rule == "due_notice")
    assert (
        failure.location is not None
        and failure.location.line == doc.locate(("events", 3, "kind")).line
    )


def test_listing_with_a_non_warning_notice_fails_check(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    data = case_dict()
    data["events"][2]["warns_publication"] = False
    case, doc = load_case(write_case(registry_dir, data))
    assert [r.rule for r in assess(case, doc, settings, AS_OF).check_failures] == ["due_notice"]


def test_state_is_pure(registry_dir: Path) -> None:
    case, _ = load_case(write_case(registry_dir))
    assert derive_state(case, AS_OF) == derive_state(case, AS_OF)


@pytest.mark.parametrize(
    "changes, rule",
    [({"debtor.country": "DE", "debtor.region": None}, "jurisdiction"),
     ({"debtor.country": "GB", "debtor.region": None}, "jurisdiction"),
     ({"debtor.country": "CH", "debtor.region": None}, "jurisdiction"),
     ({"debtor.country": "NO", "debtor.region": None}, "jurisdiction"),
     ({"creditor.country": "FR"}, "jurisdiction"),
     ({"debtor.entity": "individual"}, "business_debtor"),
     ({"debtor.entity": "sole_proprietor"}, "business_debtor"),
     ({"debtor.personal_guarantee": True}, "business_debtor")],
)  # fmt: skip
def test_refused_parties_fail_check(
    registry_dir: Path, settings: RegistrySettings, changes: dict[str, Any], rule: str
) -> None:
    case, doc = load_case(write_case(registry_dir, case_dict(**changes)))
    result = assess(case, doc, settings, AS_OF)
    assert rule in [r.rule for r in result.check_failures]
    assert not result.public


def test_a_paid_case_is_not_overdue(registry_dir: Path, settings: RegistrySettings) -> None:
    """Regression (clean-clone QA): `explain` said a paid case was 238 days overdue."""
    result = assessed(
        registry_dir, settings, [{"date": "2026-11-01", "kind": "payment", "amount": "5000.00"}]
    )
    assert result.state.status is Status.paid and result.state.days_overdue == 0
