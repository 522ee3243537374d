"""Open data: /data/registry.json and /data/registry.csv, public fields only.

The column list below is the documentation: the /data/ page renders it, and the JSON
carries it. Every value comes from `PublicCase`, which holds no private field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from .public import PublicCase

Column = tuple[str, str, Callable[[PublicCase, str], str]]


def _invoice_numbers(case: PublicCase, site_url: str) -> str:
    return " ".join(i.number for i in case.invoices)


COLUMNS: tuple[Column, ...] = (
    ("case_id", "Stable case identifier.", lambda c, _: c.case_id),
    ("url", "Canonical URL of the case page.", lambda c, s: s + c.url),
    ("debtor_name", "Registered legal name of the debtor company.", lambda c, _: c.debtor_name),
    ("debtor_entity", "Legal form of the debtor.", lambda c, _: c.entity_label),
    ("country", "Debtor's country, ISO 3166-1 alpha-2.", lambda c, _: c.country),
    ("region", "Debtor's region, ISO 3166-2 (empty if none).", lambda c, _: c.region or ""),
    ("website", "Debtor's website (empty if none).", lambda c, _: c.website or ""),
    ("creditor", "The creditor's name, or a description if it is anonymous.", lambda c, _: c.creditor_label),
    ("currency", "ISO 4217 currency of the claim.", lambda c, _: c.currency),
    ("principal", "Total invoiced, decimal in currency units.", lambda c, _: str(c.principal)),
    ("paid", "Paid so far, decimal in currency units.", lambda c, _: str(c.paid)),
    ("balance", "Outstanding balance, decimal in currency units.", lambda c, _: str(c.balance)),
    ("invoice_numbers", "Invoice numbers, space-separated.", _invoice_numbers),
    ("first_due", "Earliest invoice due date, YYYY-MM-DD.", lambda c, _: c.first_due.isoformat()),
    ("listed_on", "Date the debt was listed, YYYY-MM-DD.", lambda c, _: c.listed_on.isoformat()),
    ("last_public_change", "Date anything shown about the case last changed, YYYY-MM-DD.",
     lambda c, _: c.last_public_change.isoformat()),
    ("summary", "The case summary as plain text.", lambda c, _: c.summary_text),
)  # fmt: skip


def column_docs() -> list[tuple[str, str]]:
    return [(name, meaning) for name, meaning, _ in COLUMNS]


def record(case: PublicCase, site_url: str) -> dict[str, str]:
    return {name: value(case, site_url) for name, _, value in COLUMNS}


def records(cases: list[PublicCase], site_url: str) -> list[dict[str, str]]:
    return [record(case, site_url) for case in sorted(cases, key=lambda c: c.case_id)]


# The documents are joined from one fragment per case, made once per case (in the worker
# that judges it, and kept in the build cache), so a one-case change costs a join.
_JSON_HEAD = (
    json.dumps({"columns": [{"name": n, "description": d} for n, d in column_docs()]},
               ensure_ascii=False, indent=1).removesuffix("\n}")
    + ',\n "records": ['
)  # fmt: skip


_STRING = json.encoder.py_encode_basestring  # what json.dumps(ensure_ascii=False) writes
_STRING = getattr(json.encoder, "c_encode_basestring", None) or _STRING


def fragments(case: PublicCase, site_url: str) -> tuple[str, str]:
    """(`json_fragment`, `csv_fragment`) of the case, its values read once for both."""
    row = [value(case, site_url) for _, _, value in COLUMNS]
    return _json_of(row), _csv_of(row)


def json_fragment(case: PublicCase, site_url: str) -> str:
    """The case's record exactly as it sits in registry.json: what `json.dumps(indent=1)`
    writes for a flat object of strings, two levels deep (tests/seo checks the bytes)."""
    return _json_of([value(case, site_url) for _, _, value in COLUMNS])


_JSON_NAMES = tuple(f"   {_STRING(name)}: " for name, _, _ in COLUMNS)


def _json_of(row: list[str]) -> str:
    lines = ",\n".join(name + _STRING(value) for name, value in zip(_JSON_NAMES, row, strict=True))
    return "  {\n" + lines + "\n  }"


def join_json(fragments: Iterable[str]) -> bytes:
    """registry.json from fragments in case-id order; what `json.dumps(indent=1)` writes."""
    return b"".join(json_chunks(fragments))


def json_chunks(fragments: Iterable[str]) -> Iterator[bytes]:
    """`join_json`, a piece at a time: a registry of any size in bounded memory."""
    it = iter(fragments)
    first = next(it, None)
    if first is None:
        yield (_JSON_HEAD + "]\n}\n").encode("utf-8")
        return
    yield from _encoded(
        chain((_JSON_HEAD + "\n" + first,), (",\n" + f for f in it), ("\n ]\n}\n",))
    )


CHUNK_CHARS = 1 << 20


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 of the pieces joined, in chunks of about CHUNK_CHARS characters."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(batch).encode("utf-8")
            batch, size = [], 0
    if batch:
        yield "".join(batch).encode("utf-8")


def csv_fragment(case: PublicCase, site_url: str) -> str:
    return _csv_of([value(case, site_url) for _, _, value in COLUMNS])


def _csv_of(row: list[str]) -> str:
    # A leading = + - @ makes spreadsheets run a formula; a quote mark defuses it.
    if row == [""]:
        return '""\r\n'  # the writer's one quoted empty field: a row, not a blank line
    return ",".join(_csv_field("'" + v if v[:1] in "=+-@\t\r" and v else v) for v in row) + "\r\n"


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _csv_field(value: str) -> str:
    """The field as `csv.writer` (minimal quoting, doubled quote marks) writes it in a row.

    The writer walks every character in C, and for a 2,000-character summary that was
    most of a case's fragments: a field holding the delimiter, a quote mark or a line
    break is quoted, its quote marks doubled, and any other is written as it is
    (tests/seo holds rows to the writer's own output)."""
    if _NEEDS_QUOTES.search(value) is None:
        return value
    return '"' + value.replace('"', '""') + '"'


_CSV_HEAD = ",".join(n for n, _, _ in COLUMNS) + "\r\n"


def join_csv(fragments: Iterable[str]) -> bytes:
    return b"".join(csv_chunks(fragments))


def csv_chunks(fragments: Iterable[str]) -> Iterator[bytes]:
    """registry.csv from fragments in case-id order, a piece at a time."""
    return _encoded(chain((_CSV_HEAD,), fragments))


def registry_json(cases: list[PublicCase], site_url: str) -> bytes:
    ordered = sorted(cases, key=lambda c: c.case_id)
    return join_json([json_fragment(c, site_url) for c in ordered])


def registry_csv(cases: list[PublicCase], site_url: str) -> bytes:
    ordered = sorted(cases, key=lambda c: c.case_id)
    return join_csv([csv_fragment(c, site_url) for c in ordered])
