"""Rendering: public cases in, site pages out. No file system writes happen here.

Templates are compiled once per build by one Jinja environment with autoescape on and
strict undefined variables. They receive only `PublicCase` objects and site-wide values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from .markup import truncate
from .public import PublicCase, format_money
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


_JSON_LD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
"""What `json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)` uses,
made once instead of once a page."""


def json_ld(value: Any) -> Markup:
    """Serialise JSON-LD so no text can end the script element or start a comment."""
    text = _JSON_LD.encode(value)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return Markup(text)


@lru_cache(maxsize=4096)  # a registry's pages show a few thousand dates, each many times
def month_year(value: date) -> str:
    return value.strftime("%b %Y")


@lru_cache(maxsize=4096)
def long_date(value: date) -> str:
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def amount_text(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


class _SiteEnvironment(Environment):
    """A Jinja environment whose globals are set once, before any template is loaded.

    Jinja layers each template's globals over the environment's in a ChainMap, so that
    later changes to the environment's show through; ours never change, and walking the
    ChainMap in Python (to start every page's context, and to import the macros into it)
    was a tenth of the time a page took. A plain dict of the same names gives the same
    pages.
    """

    def make_globals(self, d: Any) -> Any:
        return {**self.globals, **(d or {})}


class SiteRenderer:
    def __init__(self, theme_dir: Path, settings: RegistrySettings, css_url: str) -> None:
        self.settings = settings
        self.theme_dir = theme_dir
        self.env = _SiteEnvironment(
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

        self._templates: dict[str, Template] = {}

    def render(self, template: str, **context: Any) -> bytes:
        loaded = self._templates.get(template)
        if loaded is None:  # loaded once: the globals above are complete by now
            loaded = self._templates[template] = self.env.get_template(template)
        return loaded.render(**context).encode("utf-8")


class Titled(Protocol):
    """What a case title is made of (a PublicCase, or the site plan's CaseRef)."""

    @property
    def debtor_name(self) -> str: ...
    @property
    def balance(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def first_due(self) -> date: ...


def case_title(case: Titled) -> str:
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
