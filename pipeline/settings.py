"""Registry settings: one table of defaults, each with help, validated once.

They live in `pelicanconf.py` as `OVERDUE = {...}` so that Pelican users find them where
they expect; `publishconf.py` can override them. Every tool (check, explain, build,
dunning, publish) reads the same model.
"""

from __future__ import annotations

import runpy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SettingsInvalid

# Smallest listable balance per currency: roughly USD 100 in 2026, rounded to a figure an
# operator would write on an invoice. A currency missing here (and without a DEFAULT entry
# in OVERDUE["min_amount"]) is never listed: the gate fails closed rather than guess a rate.
DEFAULT_MIN_AMOUNT: dict[str, Decimal] = {
    code: Decimal(amount)
    for code, amount in {
        "USD": 100, "EUR": 100, "GBP": 100, "CHF": 100, "CAD": 150, "AUD": 150,
        "NZD": 200, "SGD": 150, "HKD": 800, "CNY": 700, "TWD": 3000, "JPY": 15000,
        "KRW": 150000, "INR": 9000, "IDR": 1600000, "MYR": 450, "THB": 3500, "PHP": 6000,
        "VND": 2500000, "AED": 400, "SAR": 400, "ILS": 400, "TRY": 4000, "ZAR": 2000,
        "MXN": 2000, "BRL": 600, "CLP": 95000, "COP": 400000, "PEN": 400, "SEK": 1000,
        "NOK": 1000, "DKK": 700, "PLN": 400, "CZK": 2500, "HUF": 40000, "KWD": 30,
        "BHD": 40, "OMR": 40, "JOD": 70, "TND": 300,
    }.items()
}  # fmt: skip


class RegistrySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site_url: str = Field(
        "https://overdue.example", description="Public origin, no trailing slash."
    )
    site_name: str = Field("Overdue", description="Registry name shown in titles.")
    content_dir: Path = Field(Path("content/debts"), description="Where case files live.")
    pages_dir: Path = Field(Path("content/pages"), description="Markdown for static pages.")
    timezone: str = Field(
        "America/New_York", description="Operator time zone: 'today' is taken here."
    )
    as_of: date | None = Field(
        None, description="Fixed 'today' for reproducible builds; None = now."
    )
    notice_days: int = Field(
        30, ge=1, description="Days between a publication-warning final notice and listing."
    )
    min_days_overdue: int = Field(
        60, ge=0, description="A debt is listed only this many days past due."
    )
    min_amount: dict[str, Decimal] = Field(
        default_factory=lambda: dict(DEFAULT_MIN_AMOUNT),
        description=(
            "Smallest listable balance per ISO 4217 currency, in major units (about USD 100: "
            "JPY 15000, KWD 30, ...). Entries given here extend or override the built-in table "
            "(settings.DEFAULT_MIN_AMOUNT). A currency with no entry is never listed unless a "
            "DEFAULT entry is given."
        ),
    )
    max_listing_days: int = Field(365, ge=1, description="A listing older than this expires.")
    company_contact_email: str = Field(
        "disputes@overdue.example", description="Where debtors write to dispute a listing."
    )
    dunning_policy: str = Field(
        "standard",
        description="Dunning policy for cases that name none (pipeline/data/dunning_policies.yaml).",
    )
    dunning_from: str = Field(
        "Overdue Collections <dunning@overdue.example>",
        description="From of dunning e-mail when OVERDUE_SMTP_FROM is unset; its domain ends every Message-ID.",
    )
    dunning_pay_instructions: str = Field(
        "Pay by bank transfer to the account shown on the invoice, quoting the case reference.",
        description="How to pay, printed in every dunning message.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def today(self) -> date:
        """The registry's date: `as_of` when fixed, otherwise today in the operator zone."""
        if self.as_of is not None:
            return self.as_of
        return datetime.now(ZoneInfo(self.timezone)).date()

    @field_validator("min_amount")
    @classmethod
    def _merge_min_amount(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        merged = {**DEFAULT_MIN_AMOUNT}
        for code, amount in value.items():
            key = code.upper()
            if key != "DEFAULT" and pycountry.currencies.get(alpha_3=key) is None:
                raise ValueError(f"{code!r} is not an ISO 4217 currency code (or DEFAULT)")
            if amount <= 0:
                raise ValueError(f"the minimum for {code} must be greater than zero")
            merged[key] = amount
        return merged

    def minimum_for(self, currency: str) -> Decimal | None:
        """The smallest listable balance, or None when none is configured (never list)."""
        return self.min_amount.get(currency, self.min_amount.get("DEFAULT"))


def settings_from_mapping(values: dict[str, Any] | None) -> RegistrySettings:
    try:
        return RegistrySettings.model_validate(values or {})
    except ValidationError as exc:
        lines = [f"OVERDUE[{'.'.join(map(str, e['loc']))}]: {e['msg']}" for e in exc.errors()]
        raise SettingsInvalid("; ".join(lines)) from None


def load_settings(
    conf: Path | None = None, overrides: dict[str, Any] | None = None
) -> RegistrySettings:
    """Read OVERDUE (and SITEURL/SITENAME) from a Pelican settings file."""
    values: dict[str, Any] = {}
    if conf is None:
        conf = Path("pelicanconf.py")
    if conf.exists():
        namespace = runpy.run_path(str(conf))
        values.update(namespace.get("OVERDUE", {}))
    values.update(overrides or {})
    return settings_from_mapping(values)
