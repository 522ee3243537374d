"""Limitation periods for written contracts: when a claim is too old to list.

The table lives in `pipeline/data/limitation_periods.yaml`, one row per state or country
with its statute. See that file for the date the period runs from and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from .jurisdictions import is_iso_code, table_rows


class LimitationTableInvalid(ValueError):
    """limitation_periods.yaml itself is wrong."""


@dataclass(frozen=True)
class LimitationPeriod:
    code: str
    years: int
    source: str
    fallback: bool = False
    """True when the debtor's place has no row and the shortest period applies."""


def parse_table(text: str) -> dict[str, LimitationPeriod]:
    table: dict[str, LimitationPeriod] = {}
    fields = ("code", "years", "source")
    name = "limitation_periods.yaml"
    for where, row in table_rows(text, name, fields, LimitationTableInvalid):
        code, years, source = row["code"], row["years"], row["source"]
        if not isinstance(code, str) or not is_iso_code(code) or code in table:
            raise LimitationTableInvalid(f"{where}: {code!r} is not a new ISO 3166 code")
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 30:
            raise LimitationTableInvalid(f"{where}: years must be a whole number from 1 to 30")
        if not isinstance(source, str) or not source.strip():
            raise LimitationTableInvalid(f"{where}: a source is required")
        table[code] = LimitationPeriod(code, years, source)
    return table


@cache
def limitation_table() -> dict[str, LimitationPeriod]:
    text = resources.files("pipeline.data").joinpath("limitation_periods.yaml").read_text("utf-8")
    return parse_table(text)


def limitation_period(country: str, region: str | None) -> LimitationPeriod:
    """The period for the debtor's state, else its country, else the shortest in the table."""
    table = limitation_table()
    for code in (region, country):
        if code and code in table:
            return table[code]
    shortest = min(table.values(), key=lambda p: (p.years, p.code))
    return LimitationPeriod(
        shortest.code, shortest.years,
        f"no row for {region or country}: the shortest period in the table ({shortest.code}, "
        f"{shortest.source})",
        fallback=True,
    )  # fmt: skip


def add_years(start: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)
