"""`overdue new`: scaffold a valid case file from what an operator knows on day one.

The file is written in the house style (schema comment for editors, every string quoted,
dates plain), validated and checked as a whole before it exists, and never overwrites:
it is created exclusively, so two operators racing on one case id cannot clobber each
other.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .casecommands import CommandRefused, money_text, parse_amount
from .casefile import write_synced_temp
from .errors import CaseNotFound, RecordInvalid
from .records import load_case
from .registry import check_problems, find_case_file
from .rules import Assessment, assess
from .settings import RegistrySettings

SCHEMA_COMMENT = "# yaml-language-server: $schema={}"


@dataclass(frozen=True)
class InvoiceSpec:
    number: str
    issued: date
    due: date
    amount: str
    description: str | None = None


@dataclass(frozen=True)
class NewCaseSpec:
    case: str
    debtor_name: str
    entity: str
    country: str
    currency: str
    creditor_name: str
    creditor_country: str
    invoices: tuple[InvoiceSpec, ...]
    contract_title: str
    region: str | None = None
    website: str | None = None
    creditor_display: str = "anonymous"
    creditor_description: str | None = None
    contract_signed: date | None = None
    contract_clause: str | None = None
    summary: str | None = None
    contacts: tuple[tuple[str, str | None, str | None], ...] = field(default_factory=tuple)
    """(name, role, email) of each dunning recipient."""


def parse_invoice(text: str) -> InvoiceSpec:
    """`NUMBER:ISSUED:DUE:AMOUNT`; the number may itself contain colons."""
    parts = text.rsplit(":", 3)
    if len(parts) != 4 or not parts[0].strip():
        raise CommandRefused(f"invoice {text!r}: write it as NUMBER:ISSUED:DUE:AMOUNT")
    number, issued, due, amount = (p.strip() for p in parts)
    try:
        issued_on, due_on = date.fromisoformat(issued), date.fromisoformat(due)
    except ValueError:
        raise CommandRefused(f"invoice {text!r}: dates are written YYYY-MM-DD") from None
    return InvoiceSpec(number, issued_on, due_on, amount)


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_case(spec: NewCaseSpec, schema_ref: str) -> str:
    lines = [SCHEMA_COMMENT.format(schema_ref), "schema: 1", f"case: {_q(spec.case)}", "debtor:"]
    lines.append(f"  name: {_q(spec.debtor_name)}")
    lines.append(f"  entity: {_q(spec.entity)}")
    lines.append(f"  country: {_q(spec.country.upper())}")
    if spec.region:
        lines.append(f"  region: {_q(spec.region.upper())}")
    if spec.website:
        lines.append(f"  website: {_q(spec.website)}")
    lines.append("  personal_guarantee: false")
    if spec.contacts:
        lines.append("  contacts:                     # PRIVATE: never published")
        for name, role, email in spec.contacts:
            lines.append(f"    - name: {_q(name)}")
            if role:
                lines.append(f"      role: {_q(role)}")
            if email:
                lines.append(f"      email: {_q(email)}")
    lines += ["creditor:", f"  name: {_q(spec.creditor_name)}",
              f"  country: {_q(spec.creditor_country.upper())}",
              f"  display: {_q(spec.creditor_display)}"]  # fmt: skip
    if spec.creditor_description:
        lines.append(f"  description: {_q(spec.creditor_description)}")
    currency = spec.currency.upper()
    lines += ["claim:", f"  currency: {_q(currency)}", "  invoices:"]
    for invoice in spec.invoices:
        amount = money_text(parse_amount(invoice.amount, currency), currency)
        lines += [
            f"    - number: {_q(invoice.number)}",
            f"      issued: {invoice.issued.isoformat()}",
            f"      due: {invoice.due.isoformat()}",
            f"      amount: {_q(amount)}",
        ]
        if invoice.description:
            lines.append(f"      description: {_q(invoice.description)}")
    lines += ["  contract:", f"    title: {_q(spec.contract_title)}"]
    if spec.contract_signed:
        lines.append(f"    signed: {spec.contract_signed.isoformat()}")
    if spec.contract_clause:
        lines.append(f"    clause: {_q(spec.contract_clause)}")
    if spec.summary:
        lines.append(f"summary: {_q(spec.summary)}")
    lines.append("events: []                     # history, oldest first; commands append here")
    return "\n".join(lines) + "\n"


def create_case(
    spec: NewCaseSpec, settings: RegistrySettings, schema_path: Path, as_of: date
) -> tuple[Path, Assessment]:
    """Write a new case file, valid and passing `check`, or raise and write nothing."""
    content_dir = settings.content_dir
    try:
        existing = find_case_file(spec.case, content_dir)
    except CaseNotFound:
        existing = None
    if existing is not None:
        raise CommandRefused(f"{existing} already exists; `overdue new` never overwrites a case")
    if not spec.invoices:
        raise CommandRefused("a case needs at least one invoice")
    path = content_dir / f"{spec.case}.yaml"
    schema_ref = Path(os.path.relpath(schema_path.resolve(), content_dir.resolve())).as_posix()
    body = render_case(spec, schema_ref).encode("utf-8")
    case, doc = load_case(path, body)
    assessment = assess(case, doc, settings, as_of)
    problems = check_problems(assessment)
    if problems:
        raise RecordInvalid(problems)
    content_dir.mkdir(parents=True, exist_ok=True)
    _create_exclusively(path, body)
    return path, assessment


def _create_exclusively(path: Path, body: bytes) -> None:
    """Write the whole file, then link it into place; fails if the name exists."""
    tmp_name = write_synced_temp(path, body)
    try:
        os.chmod(tmp_name, 0o644)
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            raise CommandRefused(
                f"{path} already exists; `overdue new` never overwrites a case"
            ) from None
    finally:
        Path(tmp_name).unlink(missing_ok=True)
