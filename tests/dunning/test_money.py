"""Interest and fees, with values worked out by hand (C25, C26)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipeline.dunning import PolicyFee, PolicyStep, builtin_policies, step_fee
from pipeline.money import format_money, late_interest, round_money, simple_interest, statement
from pipeline.records import Case
from tests.casefactory import case_dict

D = Decimal


def make_case(**changes: object) -> Case:
    data = case_dict(**{"events": [], **changes})
    return Case.model_validate(data)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("0.125"), "USD", D("0.13")),  # C25: 5% of 2.50, half up
        (D("0.135"), "USD", D("0.14")),
        (D("0.145"), "USD", D("0.15")),  # half-even would give 0.14
        (D("12.5"), "JPY", D("13")),  # no decimals
        (D("1.2345"), "KWD", D("1.235")),  # three decimals
        (D("1.2344"), "KWD", D("1.234")),
    ],
)
def test_round_half_up_to_the_minor_unit(amount: Decimal, currency: str, expected: Decimal) -> None:
    result = round_money(amount, currency)
    assert result == expected and str(result) == str(expected)


def test_c25_percentage_fee_on_2_50() -> None:
    fee = PolicyFee(rate=D("0.05"))
    assert fee.amount(D("2.50"), "USD") == D("0.13")
    assert str(PolicyFee(rate=D("0.05")).amount(D("1250"), "JPY")) == "63"  # 62.5 -> 63
    assert str(PolicyFee(rate=D("0.05")).amount(D("2.525"), "KWD")) == "0.126"  # 0.12625


def test_formatting_per_currency() -> None:
    assert format_money(D("8000"), "USD") == "USD 8,000.00"
    assert format_money(D("1250"), "JPY") == "JPY 1,250"
    assert format_money(D("12.5"), "KWD") == "KWD 12.500"


def test_c26_leap_year_act_365() -> None:
    # 100,000 * 0.09 * 366 / 365 = 9,024.6575... -> 9,024.66
    exact = simple_interest(D("100000"), D("0.09"), date(2024, 1, 1), date(2025, 1, 1))
    assert round_money(exact, "USD") == D("9024.66")
    case = make_case(**{
        "claim.invoices.0.issued": "2023-12-01", "claim.invoices.0.due": "2024-01-01",
        "claim.invoices.0.amount": "100000.00",
        "claim.late_interest": {"annual_rate": "0.09", "from": "due"},
    })  # fmt: skip
    assert late_interest(case, date(2025, 1, 1)) == D("9024.66")
    # a common year: exactly 9% (9,000.00)
    case2 = make_case(**{
        "claim.invoices.0.issued": "2022-12-01", "claim.invoices.0.due": "2023-01-01",
        "claim.invoices.0.amount": "100000.00",
        "claim.late_interest": {"annual_rate": "0.09", "from": "due"},
    })  # fmt: skip
    assert late_interest(case2, date(2024, 1, 1)) == D("9000.00")


def test_act_360_when_the_contract_says_so() -> None:
    case = make_case(**{
        "claim.invoices.0.issued": "2023-12-01", "claim.invoices.0.due": "2024-01-01",
        "claim.invoices.0.amount": "100000.00",
        "claim.late_interest": {"annual_rate": "0.09", "from": "due", "day_count": "act/360"},
    })  # fmt: skip
    # 100,000 * 0.09 * 366 / 360 = 9,150.00
    assert late_interest(case, date(2025, 1, 1)) == D("9150.00")


def test_interest_in_jpy_and_kwd() -> None:
    jpy = make_case(**{
        "claim.currency": "JPY",
        "claim.invoices.0.issued": "2024-01-01", "claim.invoices.0.due": "2024-01-31",
        "claim.invoices.0.amount": "1000000",
        "claim.late_interest": {"annual_rate": "0.146", "from": "due"},
    })  # fmt: skip
    # 1,000,000 * 0.146 * 100 / 365 = 40,000 exactly
    assert str(late_interest(jpy, date(2024, 5, 10))) == "40000"
    # 1,000,000 * 0.146 * 1 / 365 = 400
    assert str(late_interest(jpy, date(2024, 2, 1))) == "400"
    kwd = make_case(**{
        "claim.currency": "KWD",
        "claim.invoices.0.issued": "2024-01-01", "claim.invoices.0.due": "2024-01-31",
        "claim.invoices.0.amount": "1234.567",
        "claim.late_interest": {"annual_rate": "0.07", "from": "due"},
    })  # fmt: skip
    # 1234.567 * 0.07 * 30 / 365 = 7.10298... -> 7.103
    assert str(late_interest(kwd, date(2024, 3, 1))) == "7.103"


def test_partial_payment_reduces_the_interest_base_from_its_date() -> None:
    case = make_case(**{
        "claim.invoices.0.issued": "2024-12-01", "claim.invoices.0.due": "2025-01-01",
        "claim.invoices.0.amount": "10000.00",
        "claim.late_interest": {"annual_rate": "0.10", "from": "due"},
        "events": [{"date": "2025-03-02", "kind": "payment", "amount": "4000.00"}],
    })  # fmt: skip
    # 10,000 * 0.10 * 60/365 = 164.3835...; 6,000 * 0.10 * 30/365 = 49.3150...
    # total 213.6986 -> 213.70
    assert late_interest(case, date(2025, 4, 1)) == D("213.70")
    s = statement(case, date(2025, 4, 1))
    assert s.paid == D("4000.00") and s.principal_outstanding == D("6000.00")
    assert s.total == D("6213.70")


def test_no_interest_and_no_fee_without_the_contract() -> None:
    case = make_case()
    assert late_interest(case, date(2027, 1, 1)) == 0
    demand = builtin_policies()["strict"].step("demand-letter")
    assert step_fee(case, demand, D("5000.00")) == 0
    allowed = make_case(**{"claim.fees_allowed": True})
    assert step_fee(allowed, demand, D("5000.00")) == D("250.00")
    assert step_fee(allowed, PolicyStep.model_validate({
        "name": "x", "kind": "demand_letter", "offset_days": 1, "template": "demand_letter",
        "channel": "letter", "subject": "s", "fee": {"fixed": {"USD": "40.00"}},
    }), D("5000.00")) == D("40.00")  # fmt: skip
    s = statement(allowed, date(2026, 6, 1), D("250.00"), "Fee")
    assert s.total == D("5250.00") and s.fees == D("250.00")
    s_plain = statement(case, date(2026, 6, 1), D("250.00"), "Fee")
    assert s_plain.total == D("5000.00")
