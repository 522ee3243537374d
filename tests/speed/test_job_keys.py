"""A job's key holds its inputs as plain values: every value a page shows still moves it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pipeline.siteplan import CaseRef, ListingRow, inputs_digest, key_value

FIELDS: dict[str, Any] = {
    "case_id": "KEY-1",
    "url": "/cases/key-1/",
    "company_slug": "key-inc",
    "debtor_name": "Key, Inc.",
    "country": "US",
    "country_name": "United States",
    "region": "US-TX",
    "region_name": "Texas",
    "currency": "USD",
    "balance": Decimal("100.00"),
    "first_due": date(2026, 4, 30),
    "listed_on": date(2026, 9, 8),
    "last_public_change": date(2026, 9, 8),
}

CHANGED: dict[str, Any] = {
    "url": "/cases/key-2/",
    "debtor_name": "Key Two, Inc.",
    "balance": Decimal("100.01"),
    "currency": "SGD",
    "region_name": "Ontario",
    "country_name": "Canada",
    "first_due": date(2026, 5, 1),
    "listed_on": date(2026, 9, 9),
}


def ref(**changes: Any) -> CaseRef:
    values = {**FIELDS, **changes}
    return CaseRef(None, b"digest", fields=tuple(values.values()))


def test_every_listing_field_has_a_change_to_try() -> None:
    assert sorted(CHANGED) == sorted(ListingRow._fields)


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_a_change_to_any_listing_field_moves_the_row_token(name: str) -> None:
    before, after = ref(), ref(**{name: CHANGED[name]})
    assert getattr(before.row, name) != getattr(after.row, name)
    assert before.row_token != after.row_token
    assert inputs_digest((before.row_token,)) != inputs_digest((after.row_token,))


def test_the_row_token_is_the_row_in_plain_values() -> None:
    token = ref().row_token
    assert len(token) == len(ListingRow._fields)
    assert all(value is None or type(value) in (str, int) for value in token)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Decimal("1.0"), Decimal("1.00")),  # the same number, shown differently
        (date(2026, 1, 1), date(2026, 1, 2)),
        (datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11)),  # the time is kept
    ],
)
def test_key_values_keep_what_a_page_could_show(left: Any, right: Any) -> None:
    assert key_value(left) != key_value(right)


def test_a_datetime_is_not_taken_for_its_day() -> None:
    moment = datetime(2026, 1, 1, 10)
    assert key_value(moment) is moment
