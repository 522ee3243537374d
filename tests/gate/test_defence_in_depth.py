"""Property: a record with any blocked party is reported by `check`, and the site generator
never renders it, even when called directly on a registry that skipped `check`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import public_cases, render_site
from pipeline.errors import BuildRefused
from pipeline.jurisdictions import jurisdiction_table
from pipeline.records import load_case
from pipeline.registry import Registry, load_registry
from pipeline.rules import Assessment, RuleResult, Verdict, assess
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, case_dict
from .conftest import REPO, case_yaml

BLOCKED = sorted(
    r.code for r in jurisdiction_table().values() if r.policy == "block" and "-" not in r.code
)
BLOCKED_REGIONS = sorted(
    r.code for r in jurisdiction_table().values() if r.policy == "block" and "-" in r.code
)
ALLOWED = ["CA", "SG", "JP", "AU", "BR", "MX", "ZA", "IN", "KR", "NZ", "AE", "CL"]
THEME = REPO / "theme"

blocked_code = st.one_of(st.sampled_from(BLOCKED), st.sampled_from(["EL", "UK"])).flatmap(
    lambda c: st.sampled_from([c, c.lower()])
)
allowed_code = st.sampled_from(ALLOWED)


@st.composite
def records(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A valid, otherwise-public case whose parties are drawn from allowed and blocked codes."""
    slots = [
        "debtor",
        "creditor",
        "address",
        "parent",
        "branch",
        "debtor_region",
        "creditor_region",
    ]
    blocked_slots = draw(st.sets(st.sampled_from(slots), max_size=3))
    changes: dict[str, Any] = {}

    def country(slot: str) -> str:
        return draw(blocked_code) if slot in blocked_slots else draw(allowed_code)

    if "debtor_region" in blocked_slots:
        region = draw(st.sampled_from(BLOCKED_REGIONS))
        changes.update({"debtor.country": region.split("-")[0], "debtor.region": region})
    elif "debtor" in blocked_slots:
        changes.update({"debtor.country": country("debtor"), "debtor.region": None})
    else:
        changes["debtor.country"] = draw(st.sampled_from(["US", *ALLOWED]))
        if changes["debtor.country"] != "US":
            changes["debtor.region"] = None
    if "creditor_region" in blocked_slots:
        region = draw(st.sampled_from(BLOCKED_REGIONS))
        changes.update({"creditor.country": region.split("-")[0], "creditor.region": region})
    else:
        changes["creditor.country"] = country("creditor")
    if draw(st.booleans()) or "address" in blocked_slots:
        changes["debtor.addresses"] = [{"label": "depot", "country": country("address")}]
    if draw(st.booleans()) or "parent" in blocked_slots:
        changes["debtor.parent"] = {"name": "Parent Holdings Inc.", "country": country("parent")}
    if draw(st.booleans()) or "branch" in blocked_slots:
        changes["debtor.branches"] = [{"name": "Branch Ltd", "country": country("branch")}]
    data = case_dict(**changes)
    if data["debtor"].get("region") is None:
        data["debtor"].pop("region", None)
    return data, bool(blocked_slots)


def _forged(assessment: Assessment) -> Assessment:
    """Someone skipped check and marked every rule passed."""
    results = tuple(RuleResult(r.rule, Verdict.passed, "forged") for r in assessment.results)
    return Assessment(assessment.case, assessment.doc, assessment.state, results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_blocked_party_is_reported_and_never_rendered(drawn: tuple[dict[str, Any], bool]) -> None:
    data, has_blocked = drawn
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "debts"
        content.mkdir()
        path = content / f"{data['case']}.yaml"
        path.write_text(case_yaml(data), encoding="utf-8")
        site_settings = RegistrySettings(
            content_dir=content, pages_dir=Path(tmp) / "pages", as_of=AS_OF
        )

        registry = load_registry([content], site_settings, AS_OF)
        jurisdiction_problems = [p for p in registry.problems if p.rule == "jurisdiction"]
        assert bool(jurisdiction_problems) == has_blocked, registry.problems
        if not has_blocked:
            assert registry.problems == [] and len(registry.public) == 1
            return

        # Bypass check: the site generator is handed the case directly.
        case, doc = load_case(path)
        honest = assess(case, doc, site_settings, AS_OF)
        pages, cases = render_site(Registry(assessments=[honest]), site_settings, THEME)
        assert cases == []
        assert not any(b"Testbed Widgets" in p.body or b"tst-2026-001" in p.body for p in pages)

        forged = Registry(assessments=[_forged(honest)])
        assert forged.public  # the forged verdict says public ...
        with pytest.raises(BuildRefused) as refused:
            render_site(forged, site_settings, THEME)  # ... and the build still refuses it
        assert any(p.rule == "jurisdiction" for p in refused.value.problems)
        with pytest.raises(BuildRefused):
            public_cases(forged)


def test_forged_verdict_for_a_natural_person_or_signal_is_refused(gate) -> None:  # type: ignore[no-untyped-def]
    for changes in ({"debtor.entity": "individual"}, {"debtor.vat_id": "DE123456789"},
                    {"summary": "Casey Canary owes it."}):  # fmt: skip
        case, doc = load_case(gate.write(case_dict(**changes)))
        forged = _forged(assess(case, doc, gate.settings, AS_OF))
        with pytest.raises(BuildRefused, match="refusing to publish TST-2026-001"):
            render_site(Registry(assessments=[forged]), gate.settings, THEME)


def test_allowed_case_still_renders(gate) -> None:  # type: ignore[no-untyped-def]
    case, doc = load_case(gate.write(case_dict()))
    pages, cases = render_site(
        Registry(assessments=[assess(case, doc, gate.settings, AS_OF)]), gate.settings, THEME
    )
    assert [c.case_id for c in cases] == ["TST-2026-001"]
    assert any(p.path == "cases/tst-2026-001/index.html" for p in pages)
