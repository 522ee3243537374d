"""Every party and address is checked; EU-nexus signals in private fields need a review."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.errors import RecordInvalid
from pipeline.nexus import domain_signal, phone_signal, vat_signal
from pipeline.records import load_case

from ..casefactory import case_dict
from .conftest import REVIEW, Gate, case_yaml, line_of, problems_of

GOOD_IBAN_DE = "DE89 3704 0044 0532 0130 00"
GOOD_IBAN_GB = "GB29 NWBK 6016 1331 9268 19"


@pytest.mark.parametrize(
    ("change", "needle", "after", "code"),
    [
        (
            {"debtor.addresses": [{"label": "warehouse", "country": "DE"}]},
            "country:",
            "addresses:",
            "DE",
        ),
        (
            {"debtor.addresses": [{"country": "ES", "region": "CN"}]},
            "region:",
            "addresses:",
            "ES-CN",
        ),
        ({"debtor.parent": {"name": "Mutter GmbH", "country": "de"}}, "country:", "parent:", "DE"),
        (
            {"debtor.branches": [{"name": "Testbed SARL", "country": "FR", "region": "FR-974"}]},
            "region:",
            "branches:",
            "FR-974",
        ),
        (
            {"debtor.branches": [{"name": "Testbed UK Ltd", "country": "UK"}]},
            "country:",
            "branches:",
            "GB",
        ),
        ({"creditor.country": "GB", "creditor.region": "NIR"}, "region:", "creditor:", "GB-NIR"),
    ],
)
def test_addresses_parent_branches_and_creditor_region_are_checked(
    gate: Gate, change: dict[str, Any], needle: str, after: str, code: str
) -> None:
    data = case_dict(**change)
    registry = gate.check(data)
    hits = [p for p in problems_of(registry, "jurisdiction") if code in p.message]
    assert hits, registry.problems
    assert line_of(case_yaml(data), needle, after) in {p.location.line for p in hits}


def test_region_must_belong_to_its_country(gate: Gate) -> None:
    data = case_dict(**{"debtor.addresses": [{"country": "US", "region": "ES-CN"}]})
    with pytest.raises(RecordInvalid, match="ES-CN is not a subdivision of US"):
        load_case(gate.write(data))


def test_block_cannot_be_attested_away(gate: Gate) -> None:
    data = case_dict(
        **{"debtor.parent": {"name": "Mutter GmbH", "country": "DE"}, "gdpr_review": REVIEW}
    )
    assert problems_of(gate.check(data), "jurisdiction")


def test_review_attestation_must_be_in_force_and_in_scope(gate: Gate) -> None:
    base = {"debtor.branches": [{"name": "Testbed Jersey Ltd", "country": "JE"}]}
    future = case_dict(**base, gdpr_review={**REVIEW, "date": "2026-12-04"})
    (problem,) = problems_of(gate.check(future), "jurisdiction")
    assert "not in force on 2026-12-03" in problem.message
    other = case_dict(**base, gdpr_review={**REVIEW, "scope": ["GG"]})
    assert problems_of(gate.check(other), "jurisdiction")
    ok = case_dict(**base, gdpr_review=REVIEW)  # no scope: covers every finding
    assert gate.check(ok).problems == []


def test_gdpr_review_needs_date_reviewer_and_reason(gate: Gate) -> None:
    data = case_dict(gdpr_review={"date": "2026-11-01", "reviewer": "Rita Reviewer"})
    with pytest.raises(
        RecordInvalid, match=r"gdpr_review\.reason: missing required field 'reason'"
    ):
        load_case(gate.write(data))


# ---- EU-nexus signals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("vat", "code"),
    [("DE123456789", "DE"), ("EL 123456789", "GR"), ("XI 123 4567 89", "GB-NIR"),
     ("GB123456789", "GB"), ("CHE-123.456.789 MWST", "CH"), ("ATU12345678", "AT"),
     ("EU372000041", "EU"), ("NO 123 456 789 MVA", "NO")],
)  # fmt: skip
def test_vat_prefix_signals(vat: str, code: str) -> None:
    signal = vat_signal(("debtor", "vat_id"), vat)
    assert signal is not None and signal.code == code


@pytest.mark.parametrize("vat", ["12-3456789", "123456789RT0001", "SG-200012345A", "US 12-3456789"])
def test_vat_ids_outside_scope_are_not_signals(vat: str) -> None:
    assert vat_signal(("debtor", "vat_id"), vat) is None


@pytest.mark.parametrize(
    ("phone", "code"),
    [("+590 590 27 12 34", "GP"), ("+590 690 12 34 56", "GP"), ("+44 20 7946 0958", "GB"),
     ("+44 1534 555555", "JE"), ("+49 30 1234567", "DE"), ("+262 262 12 34 56", "RE"),
     ("+358 18 12345", "AX"), ("+47 79 02 12 34", "SJ")],
)  # fmt: skip
def test_phone_calling_code_signals(phone: str, code: str) -> None:
    signal = phone_signal(("debtor", "contacts", 0, "phone"), phone)
    assert signal is not None and signal.code in {code, "FI", "NO"}, signal
    if phone.startswith("+590"):
        assert "shared between EU and non-EU" in signal.description


@pytest.mark.parametrize("phone", ["+1 512 555 0142", "+65 6555 0199", "+81 3 1234 5678"])
def test_phones_outside_scope_are_not_signals(phone: str) -> None:
    assert phone_signal(("debtor", "contacts", 0, "phone"), phone) is None


@pytest.mark.parametrize(
    ("host", "code"),
    [("firma.eu", "EU"), ("shop.de", "DE"), ("example.co.uk", "GB"), ("foo.gr", "GR"),
     ("bar.re", "RE"), ("baz.je", "JE"), ("x.berlin", "DE"), ("firma.ευ", "EU")],
)  # fmt: skip
def test_domain_signals(host: str, code: str) -> None:
    signal = domain_signal(("debtor", "website"), host)
    assert signal is not None and signal.code == code


@pytest.mark.parametrize("host", ["testbed.example", "acme.com", "shop.ca", "a.sg", "b.io"])
def test_domains_outside_scope_are_not_signals(host: str) -> None:
    assert domain_signal(("debtor", "website"), host) is None


@pytest.mark.parametrize(
    ("change", "needle", "after"),
    [
        ({"debtor.vat_id": "EL123456789"}, "vat_id:", "debtor:"),
        ({"creditor.vat_id": "XI123456789"}, "vat_id:", "creditor:"),
        ({"debtor.bank_account": {"iban": GOOD_IBAN_DE}}, "iban:", "bank_account:"),
        ({"creditor.iban": GOOD_IBAN_GB}, "iban:", "creditor:"),
        ({"debtor.contacts.0.phone": "+590 590 27 12 34"}, "phone:", "contacts:"),
        ({"debtor.contacts.0.email": "ap@testbed.eu"}, "email:", "contacts:"),
        ({"debtor.website": "https://testbed.fr/"}, "website:", "debtor:"),
        (
            {"creditor.contacts": [{"name": "Ines Ibarra", "email": "ines@creditor.es"}]},
            "email:",
            "creditor:",
        ),
    ],
)
def test_signal_fails_check_unless_attested(
    gate: Gate, change: dict[str, Any], needle: str, after: str
) -> None:
    data = case_dict(**change)
    registry = gate.check(data)
    (problem,) = problems_of(registry, "eu_nexus")
    assert "needs review" in problem.message
    assert problem.location.line == line_of(case_yaml(data), needle, after)
    assert not registry.public
    # the check names the field, never the private value
    for value in ("EL123456789", "27 12 34", "ap@testbed.eu", "ines@creditor.es", "NWBK"):
        assert value not in problem.message
    attested = gate.check(case_dict(**change, gdpr_review=REVIEW))
    assert attested.problems == []
    result = next(r for r in attested.assessments[0].results if r.rule == "eu_nexus")
    assert result.verdict == "pass" and "cleared by gdpr_review" in result.reason


def test_iban_is_validated(gate: Gate) -> None:
    bad = case_dict(**{"creditor.iban": "DE89 3704 0044 0532 0130 01"})
    with pytest.raises(RecordInvalid, match="fails the IBAN check digits"):
        load_case(gate.write(bad))
