"""The leak test: every public sample case, taken down every way, leaves no byte behind.

The sample site is built, one public case is taken down through the real command
functions (or by time, for expiry), and the site is rebuilt into the same output/ so that
stale deletion is exercised. Then every byte of output/, any format, gzip layers peeled,
is searched for the case's canaries.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline import casecommands
from pipeline.build import BuildResult, build_site
from pipeline.fieldtypes import currency_exponent
from pipeline.registry import find_case_file, load_single
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF
from .conftest import THEME, copy_sample
from .leakscan import find_hits
from .sites import (
    CanarySet,
    Manifest,
    canaries_for,
    case_of,
    cases_of,
    public_sample_cases,
    read_files,
)

PUBLIC = public_sample_cases(AS_OF)


@dataclass(frozen=True)
class Rebuild:
    settings: RegistrySettings
    as_of: date
    by_time: bool = False
    """True when time, not an event, took the case down (others may expire with it)."""


Route = Callable[[Path, str, RegistrySettings], Rebuild]


def _balance(settings: RegistrySettings, case_id: str) -> tuple[Decimal, str]:
    _, assessment = load_single(case_id, settings, settings.today())
    return assessment.state.balance, assessment.state.currency


def pay_in_full(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    balance, _ = _balance(settings, case_id)
    casecommands.pay(path, str(balance), settings.today(), reference="LEAKTEST-1")
    return Rebuild(settings, AS_OF)


def pay_below_minimum(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    balance, currency = _balance(settings, case_id)
    unit = Decimal(1).scaleb(-currency_exponent(currency))
    left = settings.minimum_for(currency) - unit
    casecommands.pay(path, str(balance - left), settings.today(), reference="LEAKTEST-2")
    return Rebuild(settings, AS_OF)


def settle(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    balance, currency = _balance(settings, case_id)
    accepted = (balance * Decimal("0.6")).quantize(Decimal(1).scaleb(-currency_exponent(currency)))
    casecommands.settle(path, str(accepted), settings.today(), reference="SETTLE-1")
    return Rebuild(settings, AS_OF)


def withdraw(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.withdraw(path, "creditor withdrew the claim", settings.today())
    return Rebuild(settings, AS_OF)


def write_off(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.write_off(path, "uncollectable", settings.today())
    return Rebuild(settings, AS_OF)


def dispute(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.dispute(path, "goods never delivered", settings.today())
    return Rebuild(settings, AS_OF)


def dispute_upheld(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.dispute(path, "invoice already paid", settings.today())
    casecommands.resolve_dispute(path, "upheld", settings.today(), "proof of payment")
    return Rebuild(settings, AS_OF)


def hold(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.hold(path, "court order 26-114", settings.today())
    return Rebuild(settings, AS_OF)


def payment_plan(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    casecommands.plan(path, 3, 30, settings.today(), settings.today())
    return Rebuild(settings, AS_OF)


def expiry_by_date(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    """The build runs on the first day the listing is older than max_listing_days."""
    _, assessment = load_single(case_id, settings, settings.today())
    assert assessment.state.listed_on is not None
    later = assessment.state.listed_on + timedelta(days=settings.max_listing_days + 1)
    return Rebuild(settings, later, by_time=True)


def expiry_by_limit(path: Path, case_id: str, settings: RegistrySettings) -> Rebuild:
    """max_listing_days shortened below this listing's age (its listed date moved back)."""
    _, assessment = load_single(case_id, settings, settings.today())
    assert assessment.state.listed_on is not None
    age = (AS_OF - assessment.state.listed_on).days
    shorter = settings.model_copy(update={"max_listing_days": age - 1})
    return Rebuild(shorter, AS_OF, by_time=True)


ROUTES: dict[str, Route] = {
    "pay-in-full": pay_in_full,
    "pay-below-minimum": pay_below_minimum,
    "settle": settle,
    "withdraw": withdraw,
    "write-off": write_off,
    "dispute": dispute,
    "dispute-upheld": dispute_upheld,
    "hold": hold,
    "payment-plan": payment_plan,
    "expiry-by-date": expiry_by_date,
    "expiry-by-limit": expiry_by_limit,
}


@dataclass(frozen=True)
class Baseline:
    root: Path
    result: BuildResult
    files: Manifest
    canaries: dict[str, CanarySet]


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    root = tmp_path_factory.mktemp("baseline")
    settings = copy_sample(root)
    output = root / "output"
    result = build_site(settings, output, THEME, AS_OF)
    files = read_files(output)
    canaries = {c: canaries_for(case_of(settings, c), output, files) for c in PUBLIC}
    return Baseline(root, result, files, canaries)


def test_the_sample_has_public_cases_to_take_down(baseline: Baseline) -> None:
    assert len(PUBLIC) >= 5
    assert sorted(baseline.result.public_cases) == PUBLIC


@pytest.mark.parametrize("case_id", PUBLIC)
def test_every_canary_is_seen_before_the_takedown(case_id: str, baseline: Baseline) -> None:
    """Proof that the search would find the case: each kind of canary is in the first build."""
    found = {
        hit.canary
        for hit in find_hits(baseline.root / "output", baseline.canaries[case_id].canaries)
    }
    kinds = {c.kind for c in found}
    assert {"id", "name", "slug", "invoice"} <= kinds
    for canary in baseline.canaries[case_id].canaries:
        if canary.kind in ("id", "slug", "invoice"):
            assert canary in found, canary
    assert baseline.canaries[case_id].dropped == []


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("case_id", PUBLIC)
def test_takedown_leaves_no_trace(
    case_id: str, route: str, baseline: Baseline, tmp_path: Path
) -> None:
    shutil.copytree(baseline.root / "content", tmp_path / "content")
    shutil.copytree(baseline.root / "output", tmp_path / "output")
    settings = copy_settings(tmp_path)
    output = tmp_path / "output"
    path = find_case_file(case_id, settings.content_dir)

    rebuild = ROUTES[route](path, case_id, settings)
    result = build_site(rebuild.settings, output, THEME, rebuild.as_of)

    assert case_id not in result.public_cases
    if not rebuild.by_time:
        assert sorted(result.public_cases) == [c for c in PUBLIC if c != case_id]
    hits = find_hits(output, baseline.canaries[case_id].canaries)
    assert hits == [], "\n".join(
        f"{h.path}: {h.canary.kind} {h.canary.text!r}: {h.context!r}" for h in hits
    )

    before, after = baseline.files, read_files(output)
    assert all(case_id not in cases_of(entry) for entry in after.values())
    assert all(case_id.lower() not in p.lower() for p in after)
    only_this = {p for p, e in before.items() if cases_of(e) == [case_id]}
    shared = {p for p, e in before.items() if case_id in cases_of(e) and len(cases_of(e)) > 1}
    assert only_this and shared
    assert only_this <= set(result.deleted)
    assert not any((output / p).exists() for p in only_this)
    for page in shared:
        assert page in result.written or page in result.deleted, page
        if not rebuild.by_time:
            assert page in result.written and page in after, page
            assert cases_of(after[page]) == [c for c in cases_of(before[page]) if c != case_id]


def copy_settings(root: Path) -> RegistrySettings:
    from .conftest import sample_settings

    return sample_settings(root)
