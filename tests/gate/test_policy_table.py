"""Every row of the jurisdiction policy table, refused (or sent to review) wherever it appears."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from pipeline.errors import RecordInvalid
from pipeline.jurisdictions import (
    JurisdictionTableInvalid,
    is_iso_code,
    jurisdiction_of,
    jurisdiction_table,
    parse_table,
)
from pipeline.records import load_case
from pipeline.yamlsource import plain_yaml_type

from ..casefactory import case_dict
from .conftest import REVIEW, Gate, case_yaml, line_of, problems_of, us_free

TABLE = jurisdiction_table()
ROWS = sorted(TABLE.values(), key=lambda r: r.code)
COUNTRY_ROWS = [r for r in ROWS if "-" not in r.code]
REGION_ROWS = [r for r in ROWS if "-" in r.code]
RAW_TEXT = resources.files("pipeline.data").joinpath("jurisdictions.yaml").read_text("utf-8")


def _variants(code: str) -> list[str]:
    return [code, code.lower()]


def _unquote(text: str, code: str) -> str:
    """Hand-edit the YAML so the code is written bare, as an operator might type it."""
    return text.replace(f'"{code}"', code)


def test_table_covers_the_issue() -> None:
    eu27 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
    must_block = [
        *eu27.split(), "IS", "LI", "NO", "GB", "GB-NIR", "CH", "GI", "SJ",
        "GF", "GP", "MQ", "RE", "YT", "MF", "AX", "ES-CN", "ES-CE", "ES-ML", "PT-20", "PT-30",
        "FI-01", "FR-971", "FR-972", "FR-973", "FR-974", "FR-976", "NC", "PF", "WF", "TF", "BL", "PM",
    ]  # fmt: skip
    for code in must_block:
        assert TABLE[code].policy == "block", code
    for code in ("JE", "GG", "IM", "FO", "AD", "MC", "SM"):
        assert TABLE[code].policy == "review", code
    assert len([r for r in ROWS if r.regime == "EU GDPR" and "-" not in r.code]) >= 27 + 7


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.code)
def test_row_is_a_real_code_with_a_source(row) -> None:  # type: ignore[no-untyped-def]
    assert is_iso_code(row.code)
    assert row.policy in ("block", "review")
    assert len(row.source) > 20 and row.regime


def test_every_code_is_quoted_in_the_data_file() -> None:
    for line in RAW_TEXT.splitlines():
        if "code:" in line:
            assert 'code: "' in line, line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('entries:\n  - {code: NO, policy: block, regime: "x", source: "y"}', "quote the code"),
        ('entries:\n  - {code: "XX", policy: block, regime: "x", source: "y"}', "not an ISO"),
        ('entries:\n  - {code: "de", policy: block, regime: "x", source: "y"}', "not an ISO"),
        ('entries:\n  - {code: "DE", policy: maybe, regime: "x", source: "y"}', "policy"),
        ('entries:\n  - {code: "DE", policy: block, regime: "x", source: ""}', "source"),
        (
            'entries:\n  - {code: "DE", policy: block, regime: "x", source: "y"}\n'
            '  - {code: "DE", policy: block, regime: "x", source: "y"}',
            "twice",
        ),
        ("entries: []", "non-empty"),
    ],
)
def test_a_bad_table_stops_everything(text: str, message: str) -> None:
    with pytest.raises(JurisdictionTableInvalid, match=message):
        parse_table(text)


def test_unknown_codes_are_an_error_and_subdivisions_inherit() -> None:
    with pytest.raises(ValueError, match="not an ISO 3166"):
        jurisdiction_of("XX")
    assert jurisdiction_of("ES-GC").policy == "block"  # Las Palmas: inherits Spain
    assert jurisdiction_of("US-TX").policy == "allow"
    assert jurisdiction_of("CA").policy == "allow"


def _expect(gate: Gate, row, data=None, text=None, needle: str = "", after: str | None = None):  # type: ignore[no-untyped-def]
    """The check reports the row's code at exactly the written line, as a fail or a review."""
    registry = gate.check(data, text)
    written = text if text is not None else case_yaml(data)  # type: ignore[arg-type]
    expected_line = line_of(written, needle, after)
    hits = [p for p in problems_of(registry, "jurisdiction") if row.code in p.message]
    assert hits, registry.problems
    assert expected_line in {p.location.line for p in hits}, (expected_line, hits)
    word = "needs review" if row.policy == "review" else "never listed"
    assert any(word in p.message for p in hits), hits
    assert not registry.public


@pytest.mark.parametrize("row", COUNTRY_ROWS, ids=lambda r: r.code)
def test_country_row_refused_as_debtor_and_creditor(gate: Gate, row) -> None:  # type: ignore[no-untyped-def]
    for written in _variants(row.code):
        data = us_free(**{"debtor.country": written})
        _expect(gate, row, data, needle="country:", after="debtor:")
        data = case_dict(**{"creditor.country": written})
        _expect(gate, row, data, needle="country:", after="creditor:")
        for who, make in (("debtor", us_free), ("creditor", case_dict)):  # unquoted: NO, no
            data = make(**{f"{who}.country": written})
            text = _unquote(case_yaml(data), written)
            assert f"country: {written}\n" in text
            _expect(gate, row, text=text, needle="country:", after=f"{who}:")


@pytest.mark.parametrize("row", REGION_ROWS, ids=lambda r: r.code)
def test_subdivision_row_refused_as_region(gate: Gate, row) -> None:  # type: ignore[no-untyped-def]
    country, short = row.code.split("-", 1)
    for written in (row.code, row.code.lower(), short):
        data = us_free(**{"debtor.country": country, "debtor.region": written})
        _expect(gate, row, data, needle="region:", after="debtor:")
        data = case_dict(**{"creditor.country": country, "creditor.region": written})
        _expect(gate, row, data, needle="region:", after="creditor:")
        text = _unquote(
            case_yaml(us_free(**{"debtor.country": country, "debtor.region": written})), written
        )
        _expect(gate, row, text=text, needle="region:", after="debtor:")


REVIEW_ROWS = [r for r in COUNTRY_ROWS if r.policy == "review"]


@pytest.mark.parametrize("row", REVIEW_ROWS, ids=lambda r: r.code)
def test_review_row_passes_only_with_a_dated_attestation(gate: Gate, row) -> None:  # type: ignore[no-untyped-def]
    data = us_free(**{"debtor.country": row.code})
    _expect(gate, row, data, needle="country:", after="debtor:")
    cleared = us_free(
        **{"debtor.country": row.code, "gdpr_review": {**REVIEW, "scope": [row.code]}}
    )
    registry = gate.check(cleared)
    assert registry.problems == []
    result = next(r for r in registry.assessments[0].results if r.rule == "jurisdiction")
    assert result.verdict == "pass" and "cleared by gdpr_review of 2026-11-01" in result.reason
    assert "counsel cleared it" in result.reason and row.source in result.source


def test_yaml_would_mangle_no_and_the_gate_still_sees_norway(gate: Gate) -> None:
    assert plain_yaml_type("NO") == "bool" and plain_yaml_type("no") == "bool"
    text = case_yaml(us_free()).replace('country: "US"', "country: NO")
    assert "country: NO\n" in text
    registry = gate.check(text=text)
    (problem,) = problems_of(registry, "jurisdiction")
    assert "debtor NO is under EU GDPR (EEA)" in problem.message
    assert problem.location.line == line_of(text, "country: NO")


# ---- C16 (shared/cases/README.md, [gate]) ----------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [("EL", "GR"), ("UK", "GB"), ("gr", "GR"), ("IS", "IS"), ("LI", "LI"), ("NO", "NO")],
)
def test_c16_aliases_normalise_then_block(gate: Gate, written: str, normalised: str) -> None:
    for text in (case_yaml(us_free(**{"debtor.country": written})),
                 case_yaml(us_free()).replace('country: "US"', f"country: {written}")):  # fmt: skip
        registry = gate.check(text=text)
        assert registry.assessments[0].case.debtor.country == normalised
        (problem,) = problems_of(registry, "jurisdiction")
        assert f"debtor {normalised} is under" in problem.message
        assert problem.location.line == line_of(text, "country:")


def test_c16_xx_is_an_error_at_its_line(gate: Gate) -> None:
    text = case_yaml(us_free(**{"debtor.country": "XX"}))
    path = gate.write(text=text, data=us_free())
    with pytest.raises(RecordInvalid) as info:
        load_case(path)
    (problem,) = info.value.problems
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in problem.message
    assert problem.location.line == line_of(text, 'country: "XX"')
    registry = gate.check(text=text, data=us_free())
    assert registry.problems and registry.assessments == []


def test_table_parses_with_plain_yaml_too() -> None:
    rows = yaml.safe_load(RAW_TEXT)["entries"]
    assert all(isinstance(r["code"], str) for r in rows)
    assert len(rows) == len(TABLE)
