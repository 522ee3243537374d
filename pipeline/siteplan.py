"""The site plan: every output file as a Job, decided before anything is rendered.

A Job names its output path, the cases it shows, the inputs its bytes are made from and
how to make them. The build keys its memo on those inputs, so planning a site of 10,000
cases costs milliseconds and only the jobs whose inputs changed are ever produced.

Planning works on `CaseRef`s: the few fields that decide URLs, grouping, order, titles
and sitemap dates, plus the case's fingerprint. The full `PublicCase` is unpacked only
when a job that shows it is produced.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup

from . import opendata, seo
from .feeds import listings_feed
from .markup import truncate
from .outputs import Body
from .public import PublicCase, format_money, jurisdiction_path
from .render import (
    Company,
    SiteRenderer,
    StaticPage,
    case_description,
    case_title,
)
from .settings import RegistrySettings
from .site_extras import (
    REGISTRY_WIDE,
    Delisting,
    data_page_body,
    search_page_body,
)
from .sitemaps import SitemapEntry, index_body, plan_sitemaps, robots_txt, sitemap_body


class ListingRow(NamedTuple):
    """What a listing shows of a case (the `case_row` macro): all a listing template can
    reach, so a listing page's key is its rows, and an edit that leaves the rows as they
    were (a summary, an invoice, a contact) never makes the listings again."""

    url: str
    debtor_name: str
    balance: Decimal
    currency: str
    region_name: str | None
    country_name: str
    first_due: date
    listed_on: date


class CaseRef:
    """One public case as the planner sees it; `model` unpacks the whole PublicCase."""

    __slots__ = (
        "_model",
        "_open",
        "_row_token",
        "_source",
        "balance",
        "case_id",
        "company_slug",
        "country",
        "country_name",
        "currency",
        "debtor_name",
        "digest",
        "first_due",
        "last_public_change",
        "listed_on",
        "region",
        "region_name",
        "url",
    )  # fmt: skip

    def __init__(
        self,
        model: PublicCase | None,
        digest: bytes,
        open_data: tuple[str, str] | None = None,
        fields: tuple[Any, ...] | None = None,
        source: tuple[Any, str] | None = None,
    ) -> None:
        """`model` and `open_data` when they are at hand; otherwise `source` is a build
        cache store and key that has them (`store.public(key)`, `store.open_data(keys)`)."""
        self._model = model
        self._open = open_data
        self._source = source
        self._row_token: tuple[Any, ...] | None = None
        self.digest = digest
        values = fields if fields is not None else ref_fields(model)  # type: ignore[arg-type]
        (
            self.case_id, self.url, self.company_slug, self.debtor_name, self.country,
            self.country_name, self.region, self.region_name, self.currency, self.balance,
            self.first_due, self.listed_on, self.last_public_change,
        ) = values  # fmt: skip
        # Place names and currencies recur across thousands of cases: one string each.
        self.country, self.country_name = sys.intern(self.country), sys.intern(self.country_name)
        self.currency = sys.intern(self.currency)
        if self.region is not None and self.region_name is not None:
            self.region, self.region_name = sys.intern(self.region), sys.intern(self.region_name)

    @property
    def model(self) -> PublicCase:
        if self._model is None:
            assert self._source is not None
            store, key = self._source
            self._model = pickle.loads(store.public(key))
            _LOADED.append(self)
        return self._model

    @property
    def row(self) -> ListingRow:
        return ListingRow(
            self.url, self.debtor_name, self.balance, self.currency, self.region_name,
            self.country_name, self.first_due, self.listed_on,
        )  # fmt: skip

    @property
    def row_token(self) -> tuple[Any, ...]:
        """`row` for a job's key: the same values as str, int and None only, which pickle
        without a Python call each (a NamedTuple, a Decimal and a date each take one, and
        the listings' keys pickle thousands of rows). Made once: a case is in several
        listings."""
        token = self._row_token
        if token is None:
            token = self._row_token = tuple(map(key_value, self.row))
        return token

    @property
    def open_json(self) -> str:
        return open_data([self], 0)[0]

    @property
    def open_csv(self) -> str:
        return open_data([self], 1)[0]

    def __repr__(self) -> str:
        return f"CaseRef({self.case_id})"

    def __reduce__(self) -> tuple[Any, ...]:
        # In a job's key a case stands for its fingerprint (see `job_inputs_digest`).
        return (_case_token, (self.digest,))


_LOADED: list[CaseRef] = []
"""Refs whose model was unpacked from its pickle (and can be dropped again)."""


def release_models(keep: int = 0) -> None:
    """Drop models unpacked from the build cache once more than `keep` are held: a worker
    making thousands of pages holds only the models of the pages at hand."""
    if len(_LOADED) > keep:
        for ref in _LOADED:
            ref._model = None
        _LOADED.clear()


def open_data(refs: Sequence[CaseRef], column: int) -> list[str]:
    """One open-data fragment (0: JSON, 1: CSV) of each of these cases, fetched from the
    build cache in one pass for those that do not hold them."""
    wanted: dict[int, list[CaseRef]] = {}
    stores: dict[int, Any] = {}
    for ref in refs:
        if ref._open is None:
            assert ref._source is not None
            store = ref._source[0]
            stores[id(store)] = store
            wanted.setdefault(id(store), []).append(ref)
    found: dict[str, str] = {}
    for number, group in wanted.items():
        keys = [r._source[1] for r in group if r._source]
        found.update(stores[number].open_data(keys, column))
    return [r._open[column] if r._open is not None else found[r._source[1]] for r in refs]  # type: ignore[index]


OPEN_DATA_BATCH = 2000


def iter_open_data(refs: Sequence[CaseRef], column: int) -> Iterator[str]:
    """One open-data fragment (0: JSON, 1: CSV) of each case in order, fetched from the
    build cache a batch at a time: the whole registry's fragments never sit in memory."""
    for start in range(0, len(refs), OPEN_DATA_BATCH):
        yield from open_data(refs[start : start + OPEN_DATA_BATCH], column)


def key_value(value: Any) -> Any:
    """A value as it goes into a job's key: a Decimal as its exact text (1.0 and 1.00
    differ), a date as its day number, anything else as it is."""
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if kind is date:  # a datetime (a date too) keeps its time: pickled as it is
        return value.toordinal()
    return value


def _case_token(digest: bytes) -> bytes:
    return digest


def inputs_digest(inputs: tuple[Any, ...]) -> bytes | None:
    """sha256 of a job's inputs, pickled without the memo (so equal values always give
    equal bytes, however they are shared); None when they cannot be pickled."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: the bytes depend on values only, never on identity
    try:
        pickler.dump(inputs)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):
        return None
    return hashlib.sha256(buffer.getbuffer()).digest()


def ref_fields(case: PublicCase) -> tuple[Any, ...]:
    return (
        case.case_id, case.url, case.company_slug, case.debtor_name, case.country,
        case.country_name, case.region, case.region_name, case.currency, case.balance,
        case.first_due, case.listed_on, case.last_public_change,
    )  # fmt: skip


def case_digest(case: PublicCase) -> bytes:
    """A stable fingerprint of everything a page can show of this case."""
    kind = type(case)
    body = (
        f"model:{kind.__module__}.{kind.__qualname__}:".encode() + case.model_dump_json().encode()
    )
    return hashlib.sha256(body).digest()


def make_ref(case: PublicCase, site_url: str) -> CaseRef:
    fragments = opendata.fragments(case, site_url)
    return CaseRef(case, case_digest(case), fragments)


@dataclass(frozen=True, slots=True)
class Job:
    """One output file, not yet made."""

    path: str
    cases: tuple[str, ...]
    inputs: tuple[Any, ...]
    """Everything the bytes depend on besides the templates, the code and the renderer's
    globals. CaseRefs stand for their fingerprint."""
    produce: Callable[[], Body]
    searchable: bool = False
    group: str = ""
    """Jobs of one group show the same cases (a company's case pages and its page): made
    one after the other, they unpack those cases once."""


def models(refs: Sequence[CaseRef]) -> list[PublicCase]:
    return [r.model for r in refs]


def plan_site(
    renderer: SiteRenderer,
    refs: Sequence[CaseRef],
    static_pages: Sequence[StaticPage],
    theme_dir: Path,
    delistings: Sequence[Delisting] = (),
    extra: Callable[[list[Job]], list[Job]] | None = None,
) -> list[Job]:
    """Every output file of the site, in a stable order."""
    settings = renderer.settings
    jobs = html_jobs(renderer, refs, static_pages)
    static = theme_dir / "static"
    search_js = asset_job(static / "js" / "search.js", "theme")
    search = Job(
        "search/index.html", (), ("search", search_js.path),
        partial(search_page_body, renderer, "/" + search_js.path),
    )  # fmt: skip
    by_id = sorted(refs, key=lambda r: r.case_id)
    ids = tuple(r.case_id for r in by_id)
    newest = max((r.last_public_change for r in refs), default=None)
    data = Job(
        "data/index.html", ids, ("data", len(refs), newest),
        partial(data_page_body, renderer, len(refs), newest),
    )  # fmt: skip
    html = [*jobs, search, data]
    site_url, timezone = settings.site_url, settings.timezone
    index, children = plan_sitemaps(sitemap_entries(html, refs, delistings))
    newest_per_child = tuple(
        (c.path, max((e.lastmod for e in c.entries if e.lastmod is not None), default=None))
        for c in children
    )
    sitemaps = [
        Job(index.path, (), ("sitemap index", site_url, timezone, newest_per_child),
            partial(index_body, children, site_url, timezone)),
        *(Job(c.path, c.cases, ("sitemap", site_url, timezone, entry_tokens(c.entries)),
              partial(sitemap_body, c, site_url, timezone)) for c in children),
    ]  # fmt: skip
    newest_listed = sorted(refs, key=lambda r: (r.listed_on, r.case_id), reverse=True)[:50]
    today = settings.today()
    feed = Job(
        "feeds/listings.atom", tuple(r.case_id for r in newest_listed),
        ("feed", site_url, settings.site_name, timezone, today,
         *(r.digest for r in newest_listed)),
        lambda: listings_feed(
            models(newest_listed), site_url, settings.site_name, timezone, today
        ).body,
    )  # fmt: skip
    out = [
        *html,
        search_js,
        asset_job(static / "favicon.svg", None),
        asset_job(static / "favicon.ico", None),
        Job("robots.txt", (), ("robots", site_url), lambda: robots_txt(site_url)),
        *sitemaps,
        feed,
        Job(
            "data/registry.json",
            ids,
            ("json", *(r.digest for r in by_id)),
            lambda: opendata.json_chunks(iter_open_data(by_id, 0)),
        ),
        Job(
            "data/registry.csv",
            ids,
            ("csv", *(r.digest for r in by_id)),
            lambda: opendata.csv_chunks(iter_open_data(by_id, 1)),
        ),
    ]
    return extra(out) if extra is not None else out


def _constant(body: bytes) -> bytes:
    return body


def asset_job(path: Path, directory: str | None) -> Job:
    """A static file; fingerprinted into `directory` when given (long cache lifetimes)."""
    body = path.read_bytes()
    if directory is None:
        return Job(path.name, (), ("asset", body), partial(_constant, body))
    digest = hashlib.sha256(body).hexdigest()[:10]
    target = f"{directory}/{path.stem}.{digest}{path.suffix}"
    return Job(target, (), ("asset", digest), partial(_constant, body))


def entry_tokens(entries: Sequence[SitemapEntry]) -> tuple[tuple[Any, ...], ...]:
    """Sitemap entries for a job's key, in values that pickle without a Python call each."""
    return tuple((e.path, key_value(e.lastmod), e.cases) for e in entries)


def sitemap_entries(
    jobs: Sequence[Job], refs: Sequence[CaseRef], delistings: Sequence[Delisting] = ()
) -> list[SitemapEntry]:
    """One entry per HTML page; lastmod is the newest public change of what it shows.

    That is the newest change of the cases it lists, and for a listing page also the day a
    case left it (a page that dropped a paid debt changed that day, and search engines
    should recrawl it).
    """
    changed = {r.case_id: r.last_public_change for r in refs}
    newest_case = max(changed.values(), default=None)
    left: dict[str, date] = {}
    for delisting in delistings:
        for path in (*REGISTRY_WIDE, *delisting.pages):
            left[path] = max(left.get(path, delisting.on), delisting.on)
    entries = []
    for job in jobs:
        if not job.path.endswith("index.html"):
            continue
        path = "/" + job.path.removesuffix("index.html")
        dates = [changed[c] for c in job.cases if c in changed]
        if path in REGISTRY_WIDE and newest_case is not None:
            dates.append(newest_case)
        if path in left:
            dates.append(left[path])
        entries.append(SitemapEntry(path, max(dates) if dates else None, job.cases))
    return entries


@dataclass(slots=True)
class _Company:
    slug: str
    name: str
    country_name: str
    region_name: str | None
    refs: list[CaseRef]

    @property
    def url(self) -> str:
        return f"/companies/{self.slug}/"

    def company(self) -> Company:
        return Company(self.slug, self.name, self.country_name, self.region_name, models(self.refs))


def group_companies(refs: Sequence[CaseRef]) -> dict[str, _Company]:
    companies: dict[str, _Company] = {}
    for ref in refs:
        company = companies.get(ref.company_slug)
        if company is None:
            company = companies[ref.company_slug] = _Company(
                ref.company_slug, ref.debtor_name, ref.country_name, ref.region_name, []
            )
        company.refs.append(ref)
    return companies


def group_jurisdictions(refs: Sequence[CaseRef]) -> dict[str, list[CaseRef]]:
    groups: dict[str, list[CaseRef]] = defaultdict(list)
    for ref in refs:
        groups[jurisdiction_path(ref.country, ref.region)].append(ref)
        if ref.region:
            groups[jurisdiction_path(ref.country, None)].append(ref)
    return groups


def totals(refs: Sequence[CaseRef]) -> list[tuple[str, Decimal, int]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for ref in refs:
        sums[ref.currency] += ref.balance
        counts[ref.currency] += 1
    return [(cur, sums[cur], counts[cur]) for cur in sorted(sums)]


def html_jobs(
    renderer: SiteRenderer, refs: Sequence[CaseRef], static_pages: Sequence[StaticPage]
) -> list[Job]:
    """Every HTML page built from the registry, in a stable order."""
    site_url = renderer.settings.site_url
    ordered = sorted(refs, key=lambda r: (r.listed_on, r.case_id), reverse=True)
    companies = group_companies(ordered)
    titles = seo.unique_titles(
        ordered, case_title, lambda r: f"{r.debtor_name} — unpaid debt {r.case_id}"
    )
    jobs: list[Job] = []
    for ref, title in zip(ordered, titles, strict=True):
        siblings = [r for r in companies[ref.company_slug].refs if r.case_id != ref.case_id]
        others = tuple(r.row for r in siblings)
        jobs.append(
            Job(
                f"cases/{ref.case_id.lower()}/index.html", (ref.case_id,),
                ("case.html", ref.digest, title, tuple(r.row_token for r in siblings)),
                partial(_case_page, renderer, site_url, ref, title, others),
                searchable=True, group=ref.company_slug,
            )
        )  # fmt: skip
    company_titles = seo.unique_titles(
        list(companies.values()),
        lambda co: truncate(f"{co.name} — unpaid invoices", 60),
        lambda co: f"{co.name} ({co.country_name}) — unpaid invoices",
    )
    site_name = renderer.settings.site_name
    for company, title in zip(companies.values(), company_titles, strict=True):
        jobs.append(
            Job(
                f"companies/{company.slug}/index.html",
                tuple(r.case_id for r in company.refs),
                ("company.html", company.slug, company.name, company.country_name,
                 company.region_name, title, site_name, *(r.digest for r in company.refs)),
                partial(_company_page, renderer, site_url, company, title),
                searchable=True, group=company.slug,
            )
        )  # fmt: skip
    for url, group in sorted(group_jurisdictions(ordered).items()):
        first = group[0]
        place = (url, first.country, first.country_name, first.region_name)
        rows = tuple(r.row for r in group)
        jobs.append(
            Job(
                url.lstrip("/") + "index.html", tuple(r.case_id for r in group),
                ("jurisdiction.html", place, tuple(r.row_token for r in group)),
                partial(_jurisdiction_page, renderer, site_url, place, rows),
            )
        )  # fmt: skip
    top = tuple(r.row for r in ordered[:50])
    sums = tuple(totals(ordered))
    jobs.append(
        Job(
            "index.html", tuple(r.case_id for r in ordered[:50]),
            ("index.html", tuple(r.row_token for r in ordered[:50]), sums, len(ordered)),
            partial(_home_page, renderer, site_url, top, sums, len(ordered)),
        )
    )  # fmt: skip
    for page in static_pages:
        jobs.append(
            Job(f"{page.slug}/index.html", (), ("page.html", page),
                partial(_static_page, renderer, site_url, page))
        )  # fmt: skip
    return jobs


def _case_page(
    renderer: SiteRenderer, site_url: str, ref: CaseRef, title: str, others: tuple[ListingRow, ...]
) -> bytes:
    case = ref.model
    return renderer.render(
        "case.html", case=case, title=title,
        description=case_description(case), canonical=case.url,
        others=others,
        breadcrumbs=seo.case_crumbs(case),
        structured_data=seo.case_graph(site_url, case),
    )  # fmt: skip


def _company_page(renderer: SiteRenderer, site_url: str, plan: _Company, title: str) -> bytes:
    company = plan.company()
    total = sum((c.balance for c in company.cases), Decimal(0))
    currencies = {c.currency for c in company.cases}
    crumbs = [("Registry", "/"), (company.name, company.url)]
    count = len(company.cases)
    return renderer.render(
        "company.html", company=company, canonical=company.url,
        title=title,
        description=truncate(
            f"{company.name}: {count} unpaid business debt"
            f"{'s' if count != 1 else ''} listed on {renderer.settings.site_name}"
            + (f", {format_money(total, next(iter(currencies)))} outstanding." if len(currencies) == 1 else "."),
            160,
        ),
        breadcrumbs=crumbs,
        structured_data=seo.company_graph(site_url, crumbs, company.cases),
    )  # fmt: skip


def _jurisdiction_page(
    renderer: SiteRenderer,
    site_url: str,
    where: tuple[str, str, str, str | None],
    rows: tuple[ListingRow, ...],
) -> bytes:
    # Listing rows show only what a ListingRow holds: no model is unpacked for them.
    group = rows
    url, country, country_name, region_name = where
    regional = url.count("/") == 4 and region_name is not None
    place = f"{region_name}, {country_name}" if regional else country_name
    country_url = f"/jurisdictions/{country.lower()}/"
    crumbs = [("Registry", "/"), (country_name, country_url)]
    if regional:
        crumbs.append((str(region_name), url))
    title = truncate(f"Unpaid business debts in {place}", 60)
    description = truncate(
        f"{len(group)} unpaid business-to-business debt{'s' if len(group) != 1 else ''} "
        f"owed by companies in {place}, listed after due notice.", 160,
    )  # fmt: skip
    return renderer.render(
        "jurisdiction.html", place=place, cases=group, canonical=url,
        title=title, description=description, breadcrumbs=crumbs,
        structured_data=seo.collection_graph(site_url, crumbs, title, description),
    )  # fmt: skip


HOME_DESCRIPTION = (
    "Public registry of unpaid business-to-business invoices, listed only after "
    "reminders, a demand and a final notice. Search a company before you extend credit."
)


def _home_page(
    renderer: SiteRenderer,
    site_url: str,
    top: tuple[ListingRow, ...],
    sums: tuple[tuple[str, Decimal, int], ...],
    count: int,
) -> bytes:
    name = renderer.settings.site_name
    return renderer.render(
        "index.html", cases=top, totals=sums, count=count,
        canonical="/", title=truncate(f"{name} — registry of unpaid B2B debts", 60),
        description=HOME_DESCRIPTION, breadcrumbs=[("Registry", "/")],
        structured_data=seo.website_graph(site_url, name, HOME_DESCRIPTION),
    )  # fmt: skip


def _static_page(renderer: SiteRenderer, site_url: str, page: StaticPage) -> bytes:
    crumbs = [("Registry", "/"), (page.title, f"/{page.slug}/")]
    return renderer.render(
        "page.html", page=page, canonical=f"/{page.slug}/", title=truncate(page.title, 60),
        description=truncate(page.description, 160), body=Markup(page.html),
        breadcrumbs=crumbs,
        structured_data=seo.webpage_graph(site_url, crumbs, page.title, page.description),
    )  # fmt: skip


def settings_inputs(settings: RegistrySettings) -> tuple[Any, ...]:
    """Settings that reach bytes outside the templates' globals (kept for keys)."""
    return (settings.site_url, settings.site_name, settings.timezone)
