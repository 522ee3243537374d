"""Strict loading: the real-world inputs of ../shared/cases (C01-C09) and friends."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from pipeline.errors import RecordInvalid
from pipeline.records import load_case

from ..casefactory import case_dict, case_yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def problems_of(
    tmp_path: Path, text: str | bytes, name: str = "TST-2026-001.yaml"
) -> list[tuple[int, str]]:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(RecordInvalid) as info:
        load_case(path)
    for problem in info.value.problems:
        assert problem.location.path == path
        assert problem.location.line >= 1
    return [(p.location.line, p.message) for p in info.value.problems]


def valid_text() -> str:
    return case_yaml(case_dict())


def replace_line(text: str, startswith: str, new: str) -> tuple[str, int]:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        dash = "- " if stripped.startswith("- ") else ""
        if stripped.removeprefix("- ").startswith(startswith):
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = indent + dash + new
            return "\n".join(lines) + "\n", index + 1
    raise AssertionError(f"no line starts with {startswith!r}")


def test_valid_text_loads(tmp_path: Path) -> None:
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(valid_text())
    case, _ = load_case(path)
    assert case.debtor.name == "Testbed Widgets, Inc."


# C01: NO / ON / off never become booleans.
@pytest.mark.parametrize(
    "raw, expected", [("NO", "NO"), ("no", "NO"), ("'NO'", "NO"), ("Ca", "CA")]
)
def test_c01_country_codes_are_kept_as_written(tmp_path: Path, raw: str, expected: str) -> None:
    text, _ = replace_line(valid_text(), 'country: "US"', f"country: {raw}")
    text = text.replace('region: "US-TX"', "region: null")
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(text)
    try:
        case, _ = load_case(path)
    except RecordInvalid as exc:  # a US-only rule may still complain; never a bool
        assert all("bool" not in p.message for p in exc.problems)
        return
    assert case.debtor.country == expected


def test_c01_region_on_is_ontario_and_display_off_is_an_error(tmp_path: Path) -> None:
    text = valid_text().replace('country: "US"\n  region: "US-TX"', "country: CA\n  region: ON", 1)
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(text)
    case, _ = load_case(path)
    assert case.debtor.region == "CA-ON"
    text2, line = replace_line(text, 'display: "named"', "display: off")
    found = problems_of(tmp_path, text2)
    assert found and found[0][0] == line and "named" in found[0][1]


# C02: unquoted identifiers that YAML retypes are errors asking for quotes.
@pytest.mark.parametrize("raw", ["0123", "12:30", "1e3", "true", "1_000", "0x1F", ".inf"])
def test_c02_unquoted_identifiers_ask_for_quotes(tmp_path: Path, raw: str) -> None:
    text, line = replace_line(valid_text(), 'number: "TB-0001"', f"number: {raw}")
    found = problems_of(tmp_path, text)
    assert len(found) == 1 and found[0][0] == line
    assert found[0][1].startswith(f'claim.invoices.0.number: quote this value: "{raw}"')


@pytest.mark.parametrize("raw", ['"0123"', "'12:30'", '"1e3"'])
def test_c02_quoted_identifiers_stay_exact(tmp_path: Path, raw: str) -> None:
    text, _ = replace_line(valid_text(), 'number: "TB-0001"', f"number: {raw}")
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(text)
    case, _ = load_case(path)
    assert case.claim.invoices[0].number == raw.strip("\"'")


def test_c02_unquoted_payment_reference(tmp_path: Path) -> None:
    data = case_dict()
    data["events"].append(
        {"date": "2026-11-01", "kind": "payment", "amount": "10.00", "reference": "X"}
    )
    text, line = replace_line(case_yaml(data), 'reference: "X"', "reference: 12:30")
    assert problems_of(tmp_path, text)[0][0] == line


# C03: only real ISO dates.
@pytest.mark.parametrize(
    "raw, fragment",
    [("2024-02-30", "not a real calendar date"), ('"20240131"', "YYYY-MM-DD"), ("2024-1-5", "YYYY-MM-DD"),
     ("2023-02-29", "not a real calendar date"), ("tomorrow", "YYYY-MM-DD")],
)  # fmt: skip
def test_c03_impossible_or_non_iso_dates(tmp_path: Path, raw: str, fragment: str) -> None:
    text, line = replace_line(valid_text(), "due:", f"due: {raw}")
    found = problems_of(tmp_path, text)
    assert found[0][0] == line
    assert "claim.invoices.0.due" in found[0][1] and fragment in found[0][1]


def test_leap_day_is_a_real_date(tmp_path: Path) -> None:
    text, _ = replace_line(valid_text(), "due:", "due: 2028-02-29")
    text, _ = replace_line(text, "issued:", "issued: 2028-02-01")
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(text)
    assert load_case(path)[0].claim.invoices[0].due.isoformat() == "2028-02-29"


# C04: duplicate keys name both lines, never last-one-wins.
def test_c04_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text, line = replace_line(
        valid_text(), 'amount: "5000.00"', 'amount: "5000.00"\n      amount: "1.00"'
    )
    found = problems_of(tmp_path, text)
    assert len(found) == 1
    assert found[0][0] == line + 1
    assert f"first at line {line}" in found[0][1] and f"again at line {line + 1}" in found[0][1]


# C05: money is a quoted plain positive decimal within the currency's minor units.
@pytest.mark.parametrize(
    "raw, currency, fragment",
    [("8000.10", "USD", "quoted"), ('"1,234.56"', "USD", "thousands"), ('"1e6"', "USD", "plain positive decimal"),
     ('"-5"', "USD", "plain positive decimal"), ('"NaN"', "USD", "plain positive decimal"),
     ('"0.001"', "USD", "2 decimal places"), ('"0"', "USD", "greater than zero"),
     ('"100.5"', "JPY", "0 decimal places"), ('"1.2345"', "KWD", "3 decimal places"), ("8000", "USD", "quoted")],
)  # fmt: skip
def test_c05_money(tmp_path: Path, raw: str, currency: str, fragment: str) -> None:
    text, line = replace_line(valid_text(), 'amount: "5000.00"', f"amount: {raw}")
    text = text.replace('currency: "USD"', f'currency: "{currency}"')
    found = problems_of(tmp_path, text)
    assert found[0][0] == line, found
    assert fragment in found[0][1], found


@pytest.mark.parametrize(
    "raw, currency", [('"5000"', "JPY"), ('"12.345"', "KWD"), ('"0.01"', "USD")]
)
def test_c05_money_within_minor_units_is_accepted(tmp_path: Path, raw: str, currency: str) -> None:
    text, _ = replace_line(valid_text(), 'amount: "5000.00"', f"amount: {raw}")
    text = text.replace('currency: "USD"', f'currency: "{currency}"')
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(text)
    load_case(path)


# C06: anchors and aliases are refused quickly with bounded memory.
def test_c06_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    bomb += "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    assert len(bomb) < 400
    tracemalloc.start()
    started = time.process_time()
    found = problems_of(tmp_path, bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found == [(1, "anchors and aliases are not allowed in case files")]
    assert peak < 5_000_000
    assert time.process_time() - started < 5  # a generous bound: expansion would never finish


# C07: BOM loads; tabs and Latin-1 are errors with the line.
def test_c07_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "TST-2026-001.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + valid_text().encode())
    assert load_case(path)[0].case == "TST-2026-001"


def test_c07_tab_indentation(tmp_path: Path) -> None:
    text = valid_text().replace('\n  entity: "corporation"', '\n\tentity: "corporation"')
    line = text.splitlines().index('\tentity: "corporation"') + 1
    found = problems_of(tmp_path, text)
    assert found[0][0] == line and "tab" in found[0][1]


def test_c07_latin1_file(tmp_path: Path) -> None:
    text = valid_text().replace("Testbed Widgets, Inc.", "Müller Widgets, Inc.")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "Müller" in row)
    found = problems_of(tmp_path, text.encode("latin-1"))
    assert found[0][0] == line
    assert "not UTF-8" in found[0][1] and "0xFC" in found[0][1]


# C08: cross-field errors point at the field, never an empty location.
def test_c08_due_before_issued_points_at_due(tmp_path: Path) -> None:
    text, line = replace_line(valid_text(), "due:", "due: 2026-02-01")
    assert problems_of(tmp_path, text) == [
        (line, "claim.invoices.0.due: due date 2026-02-01 is before the issue date 2026-03-01")
    ]


def test_c08_invoice_currency_differs(tmp_path: Path) -> None:
    text, line = replace_line(
        valid_text(), 'amount: "5000.00"', 'amount: "5000.00"\n      currency: EUR'
    )
    found = problems_of(tmp_path, text)
    assert found == [
        (line + 1, "claim.invoices.0.currency: EUR differs from the claim currency USD")
    ]


# C09: a comma inside a name never splits it.
def test_c09_name_with_comma(tmp_path: Path) -> None:
    path = tmp_path / "TST-2026-001.yaml"
    path.write_text(valid_text().replace("Testbed Widgets, Inc.", "Acme, Inc."))
    assert load_case(path)[0].debtor.name == "Acme, Inc."


def test_file_with_many_problems_reports_each_at_its_line() -> None:
    path = FIXTURES / "broken" / "MULTI-1.yaml"
    with pytest.raises(RecordInvalid) as info:
        load_case(path)
    found = {(p.location.line, p.field) for p in info.value.problems}
    assert found >= {
        (6, "debtor.country"), (11, "creditor.display"), (15, "claim.invoices.0.number"),
        (16, "claim.invoices.0.issued"), (18, "claim.invoices.0.amount"), (20, "claim.invoices.1.issued"),
        (21, "claim.invoices.1.due"), (22, "claim.invoices.1.amount"), (23, "claim.invoices.1.amount"),
        (25, "events.0"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "text, fragment",
    [("- a\n- b\n", "mapping"), ("a: !!python/object:os.system x\n", "explicit YAML tags"),
     ("a: 1\n---\nb: 2\n", "one document"), ("", "mapping")],
)  # fmt: skip
def test_shapes_that_are_not_case_files(tmp_path: Path, text: str, fragment: str) -> None:
    found = problems_of(tmp_path, text)
    assert any(fragment in message for _, message in found), found


def test_unknown_field_and_missing_field(tmp_path: Path) -> None:
    text, line = replace_line(
        valid_text(), 'entity: "corporation"', 'entity: "corporation"\n  ceo: "Pat"'
    )
    text = text.replace('  summary: "Widgets were delivered and accepted."\n', "")
    text = text.replace('creditor:\n  name: "Creditor Co. Pte. Ltd."\n', "creditor:\n")
    found = problems_of(tmp_path, text)
    messages = [m for _, m in found]
    assert (line + 1, "debtor.ceo: unknown field 'ceo'") in found
    assert any("missing required field 'name'" in m for m in messages)


def test_events_must_be_in_date_order(tmp_path: Path) -> None:
    data = case_dict()
    data["events"][2]["date"] = "2026-04-01"
    found = problems_of(tmp_path, case_yaml(data))
    assert any("events.2.date" in m and "date order" in m for _, m in found)


def test_file_name_must_match_case_id(tmp_path: Path) -> None:
    found = problems_of(tmp_path, valid_text(), name="other.yaml")
    assert any("must be named TST-2026-001.yaml" in m for _, m in found)
