"""Natural persons are never published; listing needs due process and evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pipeline.errors import SettingsInvalid
from pipeline.settings import RegistrySettings, settings_from_mapping

from ..casefactory import DELETE, case_dict
from .conftest import Gate, case_yaml, line_of, problems_of


@pytest.mark.parametrize("entity", ["individual", "sole_proprietor", "dba"])
def test_natural_person_entities_fail_check(gate: Gate, entity: str) -> None:
    data = case_dict(**{"debtor.entity": entity})
    (problem,) = problems_of(gate.check(data), "business_debtor")
    assert "natural person" in problem.message
    assert problem.location.line == line_of(case_yaml(data), "entity:")


@pytest.mark.parametrize(
    "name", ["Pat Doe dba Doe Plumbing", "Pat Doe d/b/a Doe Plumbing LLC", "Doe Ltd t/a Quick Fix"]
)
def test_trade_names_of_people_fail_check(gate: Gate, name: str) -> None:
    data = case_dict(**{"debtor.name": name})
    (problem,) = problems_of(gate.check(data), "business_debtor")
    assert "trade-name" in problem.message


def test_personal_guarantee_fails_with_sb_1286(gate: Gate) -> None:
    registry = gate.check(case_dict(**{"debtor.personal_guarantee": True}))
    (problem,) = problems_of(registry, "business_debtor")
    result = next(r for r in registry.assessments[0].results if r.rule == "business_debtor")
    assert "personally guaranteed" in problem.message and "SB 1286" in result.source


SUMMARY = "Goods were delivered.\nCasey Canary confirmed receipt by phone.\nStill unpaid.\n"


@pytest.mark.parametrize(
    ("change", "field", "needle", "kind"),
    [
        ({"summary": SUMMARY}, "summary", "Casey Canary confirmed", "name"),
        (
            {"summary": "Unpaid.\nWrite to CASEY.CANARY@testbed.example.\n"},
            "summary",
            "CASEY.CANARY",
            "e-mail",
        ),
        (
            {"summary": "Unpaid.\n\nCall (512) 555-0100 for details.\n"},
            "summary",
            "555-0100",
            "phone",
        ),
        ({"summary": "Canary, Casey signed for it.\n"}, "summary", "Canary, Casey", "name"),
        (
            {"claim.invoices.0.description": "Widgets for Casey Canary"},
            "claim.invoices.0.description",
            "Widgets for",
            "name",
        ),
        (
            {"claim.contract.title": "Agreement with casey canary"},
            "claim.contract.title",
            "Agreement with",
            "name",
        ),
        (
            {"claim.contract.clause": "Call +1 512 555 0100"},
            "claim.contract.clause",
            "Call +1",
            "phone",
        ),
        (
            {"creditor.description": "Casey Canary's supplier", "creditor.display": "anonymous"},
            "creditor.description",
            "supplier",
            "name",
        ),
        (
            {"creditor.contacts": [{"name": "Olga Owner"}], "summary": "Olga Owner chased it.\n"},
            "summary",
            "Olga Owner chased",
            "name",
        ),
        (
            {
                "gdpr_review": {"date": "2026-11-01", "reviewer": "Rita Reviewer", "reason": "ok"},
                "summary": "Rita Reviewer agreed.\n",
            },
            "summary",
            "Rita Reviewer agreed",
            "name",
        ),
    ],
)
def test_private_contact_in_public_text_fails_naming_field_and_line(
    gate: Gate, change: dict[str, Any], field: str, needle: str, kind: str
) -> None:
    data = case_dict(**change)
    text = case_yaml(data)
    summary = data.get("summary", "")
    if "\n" in summary:  # written as operators do: a block scalar, one line per line
        block = "summary: |\n" + "".join(
            f"  {line}\n" if line else "\n" for line in summary[:-1].split("\n")
        )
        text = (
            "\n".join(
                block.rstrip("\n") if line.startswith("summary:") else line
                for line in text.splitlines()
            )
            + "\n"
        )
        assert block in text
    (problem,) = problems_of(gate.check(data, text), "private_text")
    assert problem.message.startswith(f"private_text: {field} contains the {kind} of ")
    assert problem.location.line == line_of(text, needle)


def test_private_text_line_in_a_block_summary(gate: Gate) -> None:
    text = case_yaml(case_dict()).replace(
        'summary: "Widgets were delivered and accepted."',
        "summary: |\n  Widgets were delivered.\n  Accepted by Casey Canary on site.\n  Unpaid.",
    )
    (problem,) = problems_of(gate.check(text=text), "private_text")
    assert problem.location.line == line_of(text, "Accepted by Casey Canary")


def test_names_are_matched_as_words_only(gate: Gate) -> None:
    data = case_dict(**{"debtor.contacts.0.name": "Ann", "summary": "Annual licence, planned."})
    assert problems_of(gate.check(data), "private_text") == []


# ---- due process ---------------------------------------------------------------------


def _listed(notice: str, listed: str, **changes: Any) -> dict[str, Any]:
    return case_dict(**{
        "events.2": {"date": notice, "kind": "final_notice", "warns_publication": True},
        "events.3": {"date": listed, "kind": "listed"}, **changes,
    })  # fmt: skip


def test_listing_needs_notice_days_of_warning(gate: Gate) -> None:
    early = _listed("2026-06-16", "2026-07-15")  # 29 days
    (problem,) = problems_of(gate.check(early), "due_notice")
    assert "without 30 days' warning" in problem.message
    assert problem.location.line == line_of(case_yaml(early), 'kind: "listed"')
    assert gate.check(_listed("2026-06-15", "2026-07-15")).public  # 30 days


def test_listing_without_a_warning_fails_check(gate: Gate) -> None:
    data = case_dict(**{"events.2": {"date": "2026-06-01", "kind": "final_notice"}})
    (problem,) = problems_of(gate.check(data), "due_notice")
    assert "no final notice warned of publication" in problem.message


def test_listing_before_the_announced_date_fails_check(gate: Gate) -> None:
    data = case_dict(**{"events.2": {"date": "2026-06-01", "kind": "final_notice",
                                     "warns_publication": True, "publish_on": "2026-08-01"}})  # fmt: skip
    (problem,) = problems_of(gate.check(data), "due_notice")
    assert "before the date the final notice announced (2026-08-01)" in problem.message


def _rule(gate: Gate, data: dict[str, Any], rule: str) -> Any:
    assessment = gate.assess(data)
    assert assessment.check_failures == []
    return next(r for r in assessment.results if r.rule == rule)


def test_min_days_overdue_is_counted_at_the_listing(gate: Gate) -> None:
    # first due 2026-03-31; listed 2026-05-29 is 59 days later
    short = case_dict(**{"events.0": {"date": "2026-04-01", "kind": "reminder"},
                         "events.1": {"date": "2026-04-01", "kind": "demand_letter"},
                         "events.2": {"date": "2026-04-20", "kind": "final_notice", "warns_publication": True},
                         "events.3": {"date": "2026-05-29", "kind": "listed"}})  # fmt: skip
    result = _rule(gate, short, "collectable")
    assert result.verdict == "fail" and "listed 59 days after the first due date" in result.reason
    ok = case_dict(**{"events.0": {"date": "2026-04-01", "kind": "reminder"},
                      "events.1": {"date": "2026-04-01", "kind": "demand_letter"},
                      "events.2": {"date": "2026-04-20", "kind": "final_notice", "warns_publication": True},
                      "events.3": {"date": "2026-05-30", "kind": "listed"}})  # fmt: skip
    assert _rule(gate, ok, "collectable").verdict == "pass"


@pytest.mark.parametrize(
    ("currency", "amount", "public"),
    [("USD", "99.99", False), ("USD", "100.00", True), ("JPY", "14999", False),
     ("JPY", "15000", True), ("KWD", "29.999", False), ("KWD", "30.000", True)],
)  # fmt: skip
def test_min_amount_per_currency(gate: Gate, currency: str, amount: str, public: bool) -> None:
    data = case_dict(**{"claim.currency": currency, "claim.invoices.0.amount": amount})
    assert gate.assess(data).public is public


def test_currency_without_a_minimum_is_never_listed(gate: Gate) -> None:
    data = case_dict(**{"claim.currency": "XCD", "claim.invoices.0.amount": "5000.00"})
    result = _rule(gate, data, "collectable")
    assert result.verdict == "fail" and "no minimum amount is configured for XCD" in result.reason


def test_min_amount_settings_merge_and_validate() -> None:
    merged = settings_from_mapping({"min_amount": {"usd": "250", "DEFAULT": "100"}})
    assert merged.minimum_for("USD") == Decimal(250)
    assert merged.minimum_for("JPY") == Decimal(15000)
    assert merged.minimum_for("XCD") == Decimal(100)
    assert RegistrySettings().minimum_for("XCD") is None
    with pytest.raises(SettingsInvalid, match="not an ISO 4217"):
        settings_from_mapping({"min_amount": {"DOLLARS": "1"}})
    with pytest.raises(SettingsInvalid, match="greater than zero"):
        settings_from_mapping({"min_amount": {"USD": "0"}})
    for name, field in RegistrySettings.model_fields.items():
        assert field.description, name


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"claim.contract": DELETE}, "no contract reference"),
        ({"claim.contract.signed": DELETE}, "signing date or a reference"),
        ({"claim.contract.signed": "2026-03-02"}, "after the first invoice"),
    ],
)
def test_evidence_needs_a_contract_reference(
    gate: Gate, changes: dict[str, Any], reason: str
) -> None:
    result = _rule(gate, case_dict(**changes), "evidence")
    assert result.verdict == "fail" and reason in result.reason


def test_contract_reference_alone_identifies_it(gate: Gate) -> None:
    data = case_dict(**{"claim.contract": {"title": "Supply Agreement", "reference": "SA-17"}})
    assert _rule(gate, data, "evidence").verdict == "pass"
