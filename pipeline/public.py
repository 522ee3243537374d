"""The public projection of a case: an allowlist, and the only thing templates ever see.

Private fields (contacts, notes, the creditor's identity when anonymous, internal
message ids) have no place in these models, so no template can reach them.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pycountry
from pydantic import BaseModel, ConfigDict

from .errors import BuildRefused, Problem
from .fieldtypes import currency_exponent
from .markup import plain_text, render_summary
from .rules import Assessment, hard_gate_failures
from .slugs import slugify

ENTITY_LABELS = {
    "corporation": "Corporation",
    "llc": "Limited liability company",
    "partnership": "Partnership",
    "limited_company": "Limited company",
    "other_entity": "Registered business",
}


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PublicInvoice(PublicModel):
    number: str
    issued: date
    due: date
    amount: Decimal
    description: str | None


class PublicContract(PublicModel):
    title: str
    signed: date | None
    clause: str | None


class PublicCase(PublicModel):
    case_id: str
    url: str
    debtor_name: str
    company_slug: str
    company_url: str
    entity_label: str
    country: str
    country_name: str
    region: str | None
    region_name: str | None
    jurisdiction_url: str
    website: str | None
    creditor_label: str
    creditor_named: bool
    currency: str
    principal: Decimal
    paid: Decimal
    balance: Decimal
    invoices: tuple[PublicInvoice, ...]
    contract: PublicContract | None
    summary_html: str
    summary_text: str
    first_due: date
    days_overdue: int
    listed_on: date
    warning_notice_on: date | None
    last_public_change: date
    """The newest date of anything this page shows: drives sitemap lastmod and feeds."""
    status_label: str


def format_money(amount: Decimal, currency: str) -> str:
    """`USD 8,000.00`; rounded half-up to the currency's minor unit."""
    exponent = currency_exponent(currency)
    quantum = Decimal(1).scaleb(-exponent)
    value = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{currency} {value:,.{exponent}f}"


@lru_cache(maxsize=1024)  # pycountry data never changes; its lookups are slow
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


@lru_cache(maxsize=4096)
def region_name(code: str | None) -> str | None:
    if code is None:
        return None
    sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return str(sub.name) if sub else code


def jurisdiction_path(country: str, region: str | None) -> str:
    cc = country.lower()
    if region:
        return f"/jurisdictions/{cc}/{region.split('-', 1)[1].lower()}/"
    return f"/jurisdictions/{cc}/"


def project(assessment: Assessment, company_slug: str | None = None) -> PublicCase:
    """Build the public view of a case the gate has passed. Refuses any other case."""
    if not assessment.public or assessment.check_failures:
        raise ValueError(f"case {assessment.case.case} is not public")
    # Defence in depth: judge rules 1 and 2 again from the record itself, so a blocked
    # party never reaches a page even if `check` was skipped or the verdict was forged.
    refusals = hard_gate_failures(assessment.case, assessment.doc, assessment.state.as_of)
    if refusals:
        raise BuildRefused(
            [
                Problem(
                    r.location or assessment.doc.locate(()),
                    f"refusing to publish {assessment.case.case}: {r.rule}: {r.reason}",
                    rule=r.rule,
                )
                for r in refusals
            ]
        )
    case, state = assessment.case, assessment.state
    debtor, creditor = case.debtor, case.creditor
    slug = company_slug or debtor.slug or slugify(debtor.name)
    named = creditor.display == "named"
    summary_html = render_summary(case.summary)
    assert state.listed_on is not None
    public_dates = [
        state.listed_on,
        *(e.date for e in case.events if e.kind in ("payment", "listed")),
    ]
    return PublicCase(
        case_id=case.case,
        url=f"/cases/{case.case.lower()}/",
        debtor_name=debtor.name,
        company_slug=slug,
        company_url=f"/companies/{slug}/",
        entity_label=ENTITY_LABELS.get(debtor.entity.value, "Registered business"),
        country=debtor.country,
        country_name=country_name(debtor.country),
        region=debtor.region,
        region_name=region_name(debtor.region),
        jurisdiction_url=jurisdiction_path(debtor.country, debtor.region),
        website=debtor.website,
        creditor_label=creditor.name if named else (creditor.description or "a business creditor"),
        creditor_named=named,
        currency=state.currency,
        principal=state.principal,
        paid=state.paid,
        balance=state.balance,
        invoices=tuple(
            PublicInvoice(
                number=i.number,
                issued=i.issued,
                due=i.due,
                amount=i.amount,
                description=i.description,
            )
            for i in case.claim.invoices
        ),
        contract=(
            PublicContract(
                title=case.claim.contract.title,
                signed=case.claim.contract.signed,
                clause=case.claim.contract.clause,
            )
            if case.claim.contract
            else None
        ),
        summary_html=summary_html,
        summary_text=plain_text(summary_html),
        first_due=state.first_due,
        days_overdue=state.days_overdue,
        listed_on=state.listed_on,
        warning_notice_on=state.warning_notice_on,
        last_public_change=max(d for d in public_dates if d <= state.as_of),
        status_label="Listed — unpaid",
    )
