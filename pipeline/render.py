"""Rendering: public cases in, site pages out. No file system writes happen here.

Templates are compiled once per build by one Jinja environment with autoescape on and
strict undefined variables. They receive only `PublicCase` objects and site-wide values.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import seo
from .markup import truncate
from .public import PublicCase, format_money, jurisdiction_path
from .settings import RegistrySettings


@dataclass(frozen=True)
class Page:
    """One output file: its path under output/, its bytes, and the cases it shows."""

    path: str
    body: bytes
    cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaticPage:
    slug: str
    title: str
    description: str
    html: str


@dataclass
class Company:
    slug: str
    name: str
    country_name: str
    region_name: str | None
    cases: list[PublicCase] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/companies/{self.slug}/"


def json_ld(value: Any) -> Markup:
    """Serialise JSON-LD so no text can end the script element or start a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return Markup(text)


def month_year(value: date) -> str:
    return value.strftime("%b %Y")


def long_date(value: date) -> str:
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def amount_text(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


class SiteRenderer:
    def __init__(self, theme_dir: Path, settings: RegistrySettings, css_url: str) -> None:
        self.settings = settings
        self.theme_dir = theme_dir
        self.env = Environment(
            loader=FileSystemLoader(str(theme_dir / "templates")),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters.update(
            money=amount_text, month_year=month_year, long_date=long_date, json_ld=json_ld,
            truncate_text=truncate,
        )  # fmt: skip
        self.env.globals.update(
            site_name=settings.site_name, site_url=settings.site_url, css_url=css_url,
            dispute_email=settings.company_contact_email, notice_days=settings.notice_days,
        )  # fmt: skip

    def render(self, template: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(**context).encode("utf-8")


def case_title(case: PublicCase) -> str:
    tail = f" — {format_money(case.balance, case.currency).split('.')[0]} unpaid since {month_year(case.first_due)}"
    room = 60 - len(tail)
    name = (
        case.debtor_name
        if len(case.debtor_name) <= room
        else truncate(case.debtor_name, max(room, 10))
    )
    return (name + tail)[:60]


def case_description(case: PublicCase) -> str:
    region = f"{case.region_name}, " if case.region_name else ""
    lead = (
        f"{case.debtor_name} ({region}{case.country_name}) owes "
        f"{format_money(case.balance, case.currency)} on {len(case.invoices)} invoice"
        f"{'s' if len(case.invoices) != 1 else ''} due {long_date(case.first_due)}. "
    )
    return truncate(lead + case.summary_text, 160)


def group_companies(cases: list[PublicCase]) -> dict[str, Company]:
    companies: dict[str, Company] = {}
    for case in cases:
        company = companies.get(case.company_slug)
        if company is None:
            company = companies[case.company_slug] = Company(
                case.company_slug, case.debtor_name, case.country_name, case.region_name
            )
        company.cases.append(case)
    return companies


def group_jurisdictions(cases: list[PublicCase]) -> dict[str, list[PublicCase]]:
    groups: dict[str, list[PublicCase]] = defaultdict(list)
    for case in cases:
        groups[jurisdiction_path(case.country, case.region)].append(case)
        if case.region:
            groups[jurisdiction_path(case.country, None)].append(case)
    return groups


def load_static_pages(pages_dir: Path) -> list[StaticPage]:
    pages: list[StaticPage] = []
    for path in sorted(pages_dir.glob("*.md")):
        text = path.read_text("utf-8")
        meta: dict[str, str] = {}
        lines = text.splitlines()
        while lines and ":" in lines[0] and not lines[0].startswith("#"):
            key, _, value = lines.pop(0).partition(":")
            meta[key.strip().lower()] = value.strip()
        body = markdown.markdown("\n".join(lines), output_format="html")
        pages.append(
            StaticPage(path.stem, meta.get("title", path.stem), meta.get("description", ""), body)
        )
    return pages


def _totals(cases: list[PublicCase]) -> list[tuple[str, Decimal, int]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        sums[case.currency] += case.balance
        counts[case.currency] += 1
    return [(cur, sums[cur], counts[cur]) for cur in sorted(sums)]


def site_pages(
    renderer: SiteRenderer, cases: list[PublicCase], static_pages: list[StaticPage]
) -> Iterator[Page]:
    """Every HTML page of the site, in a stable order."""
    site_url = renderer.settings.site_url
    cases = sorted(cases, key=lambda c: (c.listed_on, c.case_id), reverse=True)
    companies = group_companies(cases)
    titles = seo.unique_titles(
        cases, case_title, lambda c: f"{c.debtor_name} — unpaid debt {c.case_id}"
    )
    for case, title in zip(cases, titles, strict=True):
        company = companies[case.company_slug]
        yield Page(
            f"cases/{case.case_id.lower()}/index.html",
            renderer.render(
                "case.html", case=case, title=title,
                description=case_description(case), canonical=case.url,
                others=[c for c in company.cases if c.case_id != case.case_id],
                breadcrumbs=seo.case_crumbs(case),
                structured_data=seo.case_graph(site_url, case),
            ),
            (case.case_id,),
        )  # fmt: skip
    company_titles = seo.unique_titles(
        list(companies.values()),
        lambda co: truncate(f"{co.name} — unpaid invoices", 60),
        lambda co: f"{co.name} ({co.country_name}) — unpaid invoices",
    )
    for company, title in zip(companies.values(), company_titles, strict=True):
        total = sum((c.balance for c in company.cases), Decimal(0))
        currencies = {c.currency for c in company.cases}
        crumbs = [("Registry", "/"), (company.name, company.url)]
        yield Page(
            f"companies/{company.slug}/index.html",
            renderer.render(
                "company.html", company=company, canonical=company.url,
                title=title,
                description=truncate(
                    f"{company.name}: {len(company.cases)} unpaid business debt"
                    f"{'s' if len(company.cases) != 1 else ''} listed on {renderer.settings.site_name}"
                    + (f", {format_money(total, next(iter(currencies)))} outstanding." if len(currencies) == 1 else "."),
                    160,
                ),
                breadcrumbs=crumbs,
                structured_data=seo.company_graph(site_url, crumbs, company.cases),
            ),
            tuple(c.case_id for c in company.cases),
        )  # fmt: skip
    for url, group in sorted(group_jurisdictions(cases).items()):
        first = group[0]
        regional = url.count("/") == 4 and first.region_name is not None
        place = f"{first.region_name}, {first.country_name}" if regional else first.country_name
        country_url = f"/jurisdictions/{first.country.lower()}/"
        crumbs = [("Registry", "/"), (first.country_name, country_url)]
        if regional:
            crumbs.append((str(first.region_name), url))
        title = truncate(f"Unpaid business debts in {place}", 60)
        description = truncate(
            f"{len(group)} unpaid business-to-business debt{'s' if len(group) != 1 else ''} "
            f"owed by companies in {place}, listed after due notice.", 160,
        )  # fmt: skip
        yield Page(
            url.lstrip("/") + "index.html",
            renderer.render(
                "jurisdiction.html", place=place, cases=group, canonical=url,
                title=title, description=description, breadcrumbs=crumbs,
                structured_data=seo.collection_graph(site_url, crumbs, title, description),
            ),
            tuple(c.case_id for c in group),
        )  # fmt: skip
    home_description = (
        "Public registry of unpaid business-to-business invoices, listed only after "
        "reminders, a demand and a final notice. Search a company before you extend credit."
    )
    yield Page(
        "index.html",
        renderer.render(
            "index.html", cases=cases[:50], totals=_totals(cases), count=len(cases),
            canonical="/", title=truncate(f"{renderer.settings.site_name} — registry of unpaid B2B debts", 60),
            description=home_description, breadcrumbs=[("Registry", "/")],
            structured_data=seo.website_graph(site_url, renderer.settings.site_name, home_description),
        ),
        tuple(c.case_id for c in cases[:50]),
    )  # fmt: skip
    for page in static_pages:
        crumbs = [("Registry", "/"), (page.title, f"/{page.slug}/")]
        yield Page(
            f"{page.slug}/index.html",
            renderer.render(
                "page.html", page=page, canonical=f"/{page.slug}/", title=truncate(page.title, 60),
                description=truncate(page.description, 160), body=Markup(page.html),
                breadcrumbs=crumbs,
                structured_data=seo.webpage_graph(site_url, crumbs, page.title, page.description),
            ),
        )  # fmt: skip
