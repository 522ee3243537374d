"""The jurisdiction policy table and the places of a case that the gate checks.

`pipeline/data/jurisdictions.yaml` gives every GDPR or adjacent jurisdiction a policy
(`block` or `review`) and its legal source; every other real ISO 3166 code is `allow`.
The table is validated when first read: a wrong row stops every tool rather than letting
a party through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

import pycountry

from .records import Case
from .yamlsource import PathKey, load_package_data

Policy = Literal["block", "review", "allow"]
POLICIES: tuple[Policy, ...] = ("block", "review", "allow")
EU_CODE = "EU"
"""Not an ISO 3166 code: the Union as a whole (a .eu domain, an EU-prefixed OSS VAT id)."""


class JurisdictionTableInvalid(ValueError):
    """jurisdictions.yaml itself is wrong; nothing may be judged with it."""


@dataclass(frozen=True)
class JurisdictionPolicy:
    code: str
    policy: Policy
    regime: str
    source: str

    @property
    def in_scope(self) -> bool:
        return self.policy != "allow"


ALLOW_SOURCE = "not in pipeline/data/jurisdictions.yaml: no GDPR or adjacent regime"
EU_POLICY = JurisdictionPolicy(
    EU_CODE, "block", "EU GDPR", "GDPR (Regulation (EU) 2016/679) Art. 3: the Union as a whole"
)


@lru_cache(maxsize=4096)  # pycountry's lookups are slow, and its data never changes
def is_iso_code(code: str) -> bool:
    """A real ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision code."""
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def table_rows(
    text: str, name: str, fields: tuple[str, ...], error: type[ValueError]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of one of our data tables (`entries:` list of mappings with exactly
    `fields`), each with a "name entry N" label for error messages."""
    document = load_package_data(text)
    rows = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not rows:
        raise error(f"{name}: 'entries' must be a non-empty list")
    for number, row in enumerate(rows, 1):
        where = f"{name} entry {number}"
        if not isinstance(row, dict) or set(row) != set(fields):
            raise error(f"{where}: needs exactly {', '.join(fields)}")
        yield where, row


def parse_table(text: str) -> dict[str, JurisdictionPolicy]:
    """Parse and validate the policy table text. Raises JurisdictionTableInvalid."""
    table: dict[str, JurisdictionPolicy] = {}
    fields = ("code", "policy", "regime", "source")
    for where, row in table_rows(text, "jurisdictions.yaml", fields, JurisdictionTableInvalid):
        code, policy = row["code"], row["policy"]
        if not isinstance(code, str):  # an unquoted NO arrives here as False
            raise JurisdictionTableInvalid(f"{where}: quote the code ({code!r})")
        if code != code.upper() or not is_iso_code(code):
            raise JurisdictionTableInvalid(f"{where}: {code!r} is not an ISO 3166 code")
        if code in table:
            raise JurisdictionTableInvalid(f"{where}: {code} is listed twice")
        if policy not in POLICIES:
            raise JurisdictionTableInvalid(f"{where}: policy must be one of {POLICIES}")
        if not all(isinstance(row[k], str) and row[k].strip() for k in ("regime", "source")):
            raise JurisdictionTableInvalid(f"{where}: regime and source must be non-empty text")
        table[code] = JurisdictionPolicy(code, policy, row["regime"], row["source"])
    return table


@cache
def jurisdiction_table() -> dict[str, JurisdictionPolicy]:
    text = resources.files("pipeline.data").joinpath("jurisdictions.yaml").read_text("utf-8")
    return parse_table(text)


def jurisdiction_of(code: str) -> JurisdictionPolicy:
    """The policy for a country or subdivision code. Unknown codes raise ValueError."""
    code = code.upper()
    if code == EU_CODE:
        return EU_POLICY
    table = jurisdiction_table()
    if code in table:
        return table[code]
    if not is_iso_code(code):
        raise ValueError(f"{code!r} is not an ISO 3166 country or subdivision code")
    if "-" in code:  # a subdivision takes its country's policy unless it has its own row
        return jurisdiction_of(code.split("-", 1)[0])
    return JurisdictionPolicy(code, "allow", "", ALLOW_SOURCE)


@dataclass(frozen=True)
class Place:
    """One country or region a case names, and where in the file it is written."""

    key: PathKey
    who: str
    code: str


def case_places(case: Case) -> Iterator[Place]:
    """Every party and address of a case: debtor, its addresses, parent, branches, creditor."""
    debtor = case.debtor
    yield Place(("debtor", "country"), "debtor", debtor.country)
    if debtor.region:
        yield Place(("debtor", "region"), "debtor region", debtor.region)
    for i, address in enumerate(debtor.addresses):
        yield Place(
            ("debtor", "addresses", i, "country"), f"debtor address {i + 1}", address.country
        )
        if address.region:
            yield Place(
                ("debtor", "addresses", i, "region"),
                f"debtor address {i + 1} region",
                address.region,
            )
    if debtor.parent is not None:
        yield Place(
            ("debtor", "parent", "country"), "debtor's parent company", debtor.parent.country
        )
        if debtor.parent.region:
            yield Place(
                ("debtor", "parent", "region"),
                "debtor's parent company region",
                debtor.parent.region,
            )
    for i, branch in enumerate(debtor.branches):
        yield Place(("debtor", "branches", i, "country"), f"debtor branch {i + 1}", branch.country)
        if branch.region:
            yield Place(
                ("debtor", "branches", i, "region"), f"debtor branch {i + 1} region", branch.region
            )
    yield Place(("creditor", "country"), "creditor", case.creditor.country)
    if case.creditor.region:
        yield Place(("creditor", "region"), "creditor region", case.creditor.region)


RAW_PLACE_KEYS: tuple[tuple[PathKey, str], ...] = (
    (("debtor", "country"), "debtor"),
    (("debtor", "region"), "debtor region"),
    (("creditor", "country"), "creditor"),
    (("creditor", "region"), "creditor region"),
)


def raw_blocked_places(value: object) -> Iterator[tuple[PathKey, str, JurisdictionPolicy]]:
    """Blocked codes in a record that failed validation, read from its raw values.

    A schema error elsewhere in the file must not hide that a party is in a blocked
    jurisdiction, so `check` reports both at once.
    """
    from .fieldtypes import COUNTRY_ALIASES

    for key, who in RAW_PLACE_KEYS:
        raw: object = value
        for part in key:
            raw = raw.get(part) if isinstance(raw, dict) else None
        if not isinstance(raw, str):
            continue
        code = raw.strip().upper()
        code = COUNTRY_ALIASES.get(code, code)
        try:
            policy = jurisdiction_of(code)
        except ValueError:
            continue  # an invalid code is already reported by the schema
        if policy.policy == "block":
            yield key, f"{who} {code}", policy
