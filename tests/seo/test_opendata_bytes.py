"""registry.json and registry.csv are joined from per-case fragments (made once per case
and cached); the joined bytes must be what the standard library writes for the whole."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import opendata
from pipeline.public import PublicCase

from ..casefactory import AS_OF

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=40
)  # quotes, backslashes, control characters, newlines, non-ASCII


def _case(case_id: str, name: str, summary: str) -> PublicCase:
    return PublicCase(
        case_id=case_id, url=f"/cases/{case_id.lower()}/", debtor_name=name,
        company_slug="x", company_url="/companies/x/", entity_label="Corporation",
        country="US", country_name="United States", region=None, region_name=None,
        jurisdiction_url="/jurisdictions/us/", website=None, creditor_label=summary[:5],
        creditor_named=True, currency="USD", principal=Decimal("10.00"),
        paid=Decimal("0.00"), balance=Decimal("10.00"), invoices=(), contract=None,
        summary_html="", summary_text=summary, first_due=AS_OF, days_overdue=1,
        listed_on=AS_OF, warning_notice_on=None, last_public_change=AS_OF,
        status_label="Listed — unpaid",
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=4))
def test_joined_documents_equal_the_standard_writers(rows: list[tuple[str, str]]) -> None:
    cases = [_case(f"TST-2026-{i:03d}", n, s) for i, (n, s) in enumerate(rows)]
    site = "https://overdue.example"
    records = opendata.records(cases, site)
    document = {"columns": [{"name": n, "description": d} for n, d in opendata.column_docs()],
                "records": records}  # fmt: skip
    expected = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    assert opendata.registry_json(cases, site) == expected
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=[n for n, _ in opendata.column_docs()],
                            lineterminator="\r\n")  # fmt: skip
    writer.writeheader()
    for row in records:
        writer.writerow({k: ("'" + v if v[:1] in "=+-@\t\r" and v else v) for k, v in row.items()})
    assert opendata.registry_csv(cases, site) == buffer.getvalue().encode()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=5), st.integers(min_value=1, max_value=300))
def test_documents_in_chunks_are_the_same_bytes(rows: list[tuple[str, str]], chunk: int) -> None:
    """The exports stream in chunks (a large registry's never sit in memory whole)."""
    from unittest import mock

    cases = [_case(f"TST-2026-{i:03d}", n, s) for i, (n, s) in enumerate(rows)]
    site = "https://overdue.example"
    ordered = sorted(cases, key=lambda c: c.case_id)
    json_parts = [opendata.json_fragment(c, site) for c in ordered]
    csv_parts = [opendata.csv_fragment(c, site) for c in ordered]
    # What the build stores: both made from one reading of the case's values.
    assert [opendata.fragments(c, site) for c in ordered] == list(
        zip(json_parts, csv_parts, strict=True)
    )
    with mock.patch.object(opendata, "CHUNK_CHARS", chunk):
        json_chunks = list(opendata.json_chunks(iter(json_parts)))
        csv_chunks = list(opendata.csv_chunks(iter(csv_parts)))
    assert b"".join(json_chunks) == opendata.registry_json(cases, site)
    assert b"".join(csv_chunks) == opendata.registry_csv(cases, site)
    if len(json_parts) > 1 and chunk == 1:
        assert len(json_chunks) > 1  # really in pieces


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(",\"\r\n \t=+-@'ab\\é"), max_size=12), min_size=1, max_size=6)
)
def test_a_csv_row_is_what_the_standard_writer_writes(row: list[str]) -> None:
    """Fields without a delimiter, quote or line break skip the writer; the row is the same."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(
        ["'" + v if v[:1] in "=+-@\t\r" and v else v for v in row]
    )
    assert opendata._csv_of(row) == buffer.getvalue()
