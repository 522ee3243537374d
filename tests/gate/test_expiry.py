"""Listings expire after max_listing_days; claims expire after the limitation period."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.limitation import (
    LimitationTableInvalid,
    limitation_period,
    limitation_table,
    parse_table,
)
from pipeline.records import load_case
from pipeline.rules import assess
from pipeline.settings import RegistrySettings
from pipeline.state import Status

from ..casefactory import case_dict
from .conftest import Gate

REQUIRED = ["US-CA", "US-TX", "US-FL", "US-NY", "US-PA", "US-IL", "US-OH", "US-GA", "US-NC",
            "US-MI", "US-DE", "SG"]  # fmt: skip


@pytest.mark.parametrize("code", REQUIRED)
def test_table_has_a_sourced_period(code: str) -> None:
    period = limitation_table()[code]
    assert 1 <= period.years <= 30 and len(period.source) > 10


def test_unknown_state_gets_the_shortest_period() -> None:
    shortest = min(p.years for p in limitation_table().values())
    for country, region in (("US", "US-WY"), ("CA", None), ("US", None)):
        period = limitation_period(country, region)
        assert period.fallback and period.years == shortest == 3
    assert limitation_period("US", "US-IL").years == 10
    assert limitation_period("SG", None).years == 6


@pytest.mark.parametrize(
    "text",
    [
        'entries:\n  - {code: "US-XX", years: 4, source: "x"}',
        'entries:\n  - {code: "US-CA", years: 0, source: "x"}',
        'entries:\n  - {code: "US-CA", years: 4, source: ""}',
        'entries:\n  - {code: "US-CA", years: "4", source: "x"}',
    ],
)
def test_a_bad_limitation_table_is_refused(text: str) -> None:
    with pytest.raises(LimitationTableInvalid):
        parse_table(text)


def _judge(gate: Gate, as_of: date, **changes: object):  # type: ignore[no-untyped-def]
    case, doc = load_case(gate.write(case_dict(**changes)))
    return assess(case, doc, RegistrySettings(), as_of)


@pytest.mark.parametrize(
    ("region", "years"), [("US-TX", 4), ("US-NC", 3), ("US-IL", 10), ("US-WY", 3)]
)
def test_claim_expires_when_the_period_ends(gate: Gate, region: str, years: int) -> None:
    # oldest invoice due 2026-03-31; listing kept fresh so only the limitation can expire it
    listed = f"{2026 + years - 1}-06-01"
    events = {"events.3": {"date": listed, "kind": "listed"}}
    before = _judge(gate, date(2026 + years, 3, 30), **{"debtor.region": region}, **events)
    result = next(r for r in before.results if r.rule == "limitation")
    assert result.verdict == "pass" and before.state.status is Status.listed
    after = _judge(gate, date(2026 + years, 3, 31), **{"debtor.region": region}, **events)
    result = next(r for r in after.results if r.rule == "limitation")
    assert result.verdict == "fail" and f"{years}-year limitation period" in result.reason
    assert after.state.status is Status.expired and after.state.status.label == "resolved(expired)"
    assert not after.public and after.check_failures == []


def test_payments_do_not_extend_the_period(gate: Gate) -> None:
    changes = {"debtor.region": "US-NC", "events.3": {"date": "2026-07-15", "kind": "listed"}}
    data = case_dict(**changes)
    data["events"].append({"date": "2028-06-01", "kind": "payment", "amount": "10.00"})
    case, doc = load_case(gate.write(data))
    judged = assess(case, doc, RegistrySettings(max_listing_days=5000), date(2029, 3, 31))
    assert judged.state.status is Status.expired


def test_listing_expires_after_max_listing_days(gate: Gate) -> None:
    case, doc = load_case(gate.write(case_dict()))  # listed 2026-07-15
    settings = RegistrySettings(max_listing_days=365)
    kept = assess(case, doc, settings, date(2027, 7, 15))
    assert kept.public
    gone = assess(case, doc, settings, date(2027, 7, 16))
    assert not gone.public and gone.state.status is Status.expired
    (result,) = [r for r in gone.results if r.rule == "expiry"]
    assert "listed 366 days ago; listings expire after 365" in result.reason


def test_a_paid_case_stays_paid(gate: Gate) -> None:
    data = case_dict()
    data["events"].append({"date": "2026-08-01", "kind": "payment", "amount": "5000.00"})
    case, doc = load_case(gate.write(data))
    judged = assess(case, doc, RegistrySettings(), date(2031, 1, 1))
    assert judged.state.status is Status.paid
