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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SettingsInvalid


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
        default_factory=lambda: {"DEFAULT": Decimal(100)},
        description="Smallest listable balance per currency; DEFAULT applies to others (in units).",
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

    def minimum_for(self, currency: str) -> Decimal:
        return self.min_amount.get(currency, self.min_amount.get("DEFAULT", Decimal(100)))


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
