"""The caches behind the hard rules never let a forged verdict through.

The signal functions, name patterns and phone digits are cached per value; a case judged
honestly first warms those caches, and a forged Assessment for a case that differs only in
the offending detail must still be refused by `project`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import BuildRefused
from pipeline.public import project
from pipeline.records import load_case
from pipeline.rules import Assessment, RuleResult, Verdict, assess, hard_gate_failures
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, case_dict, write_case


def _assessment(**changes: Any) -> Assessment:
    with tempfile.TemporaryDirectory() as tmp:
        case, doc = load_case(write_case(Path(tmp), case_dict(**changes)))
    return assess(case, doc, RegistrySettings(as_of=AS_OF), AS_OF)


def _forged(assessment: Assessment) -> Assessment:
    results = tuple(RuleResult(r.rule, Verdict.passed, "forged") for r in assessment.results)
    return Assessment(assessment.case, assessment.doc, assessment.state, results)


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"summary": "Casey Canary signed for the widgets."}, "private_text"),
        ({"claim.invoices.0.description": "Call +1 512 555 0100"}, "private_text"),
        ({"debtor.contacts.0.phone": "+590 590 27 12 34"}, "eu_nexus"),
        ({"debtor.website": "https://testbed.de"}, "eu_nexus"),
        ({"creditor.country": "DE"}, "jurisdiction"),
    ],
)
def test_forged_verdict_is_refused_after_an_honest_case_warmed_the_caches(
    changes: dict[str, Any], rule: str
) -> None:
    honest = _assessment()
    assert honest.public
    project(honest)
    project(honest)  # twice: every cache behind the hard rules is warm now
    blocked = _assessment(**changes)
    assert not blocked.public
    forged = _forged(blocked)
    assert forged.public and not forged.check_failures  # the forged verdict says public ...
    with pytest.raises(BuildRefused) as refused:
        project(forged)  # ... and the projection still refuses it
    assert rule in {p.rule for p in refused.value.problems}
    # Judged again from the record: the same failures, every time.
    first = hard_gate_failures(blocked.case, blocked.doc, AS_OF)
    assert first and first == hard_gate_failures(blocked.case, blocked.doc, AS_OF)
