"""The case record (schema 1): the single definition of what a case file may say.

`load_case` turns one file into a `Case`, or raises `RecordInvalid` with every problem in
the file, each pinned to its line. The JSON Schema (`overdue schema`) and the docs table
come from these models.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .errors import Location, Problem, RecordInvalid
from .fieldtypes import (
    CaseId,
    Code,
    Count,
    Country,
    Currency,
    Email,
    Flag,
    Iban,
    Identifier,
    IsoDate,
    LongText,
    Money,
    OrgName,
    PersonName,
    Phone,
    Rate,
    Region,
    Text,
    Url,
    currency_exponent,
    is_subdivision,
)
from .yamlsource import PathKey, SourceDocument, load_source

SCHEMA_VERSION = 1


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Entity(StrEnum):
    corporation = "corporation"
    llc = "llc"
    partnership = "partnership"
    limited_company = "limited_company"
    other_entity = "other_entity"
    # Accepted by the schema so that the gate can refuse them with its own reason.
    individual = "individual"
    sole_proprietor = "sole_proprietor"
    dba = "dba"


NATURAL_PERSON_ENTITIES = frozenset({Entity.individual, Entity.sole_proprietor, Entity.dba})


class Contact(Record):
    """PRIVATE. Who receives dunning messages. Never published."""

    name: PersonName = Field(description="PRIVATE. A person's name; no line breaks or '=?'.")
    role: Text | None = Field(None, description="PRIVATE. Job title, used in the salutation.")
    email: Email | None = Field(None, description="PRIVATE. Dunning e-mails go here only.")
    phone: Phone | None = Field(None, description="PRIVATE. International format, +CC ...")


class _Placed(Record):
    """A party or place with `country` and `region`: a bare region (CN) gets its country prefix."""

    @field_validator("region", check_fields=False)
    @classmethod
    def _qualify_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is not None and "-" not in value and country:
            return f"{country}-{value}"
        return value


class Address(_Placed):
    """PRIVATE. Another place where the party is established; checked by the gate."""

    label: Text | None = Field(None, description='What the address is, e.g. "warehouse".')
    city: Text | None = None
    country: Country = Field(description="ISO 3166-1 alpha-2 code.")
    region: Region | None = Field(None, description="ISO 3166-2 code, e.g. ES-CN.")


class RelatedCompany(_Placed):
    """PRIVATE. A parent company or branch the record names; checked by the gate."""

    name: OrgName
    country: Country = Field(description="ISO 3166-1 alpha-2 code.")
    region: Region | None = Field(None, description="ISO 3166-2 code.")


class BankAccount(Record):
    """PRIVATE. Where the debtor pays from; the IBAN country is a GDPR signal."""

    iban: Iban
    bank: Text | None = None


class GdprReview(Record):
    """PRIVATE. A dated attestation that a person reviewed a GDPR-adjacent case and cleared it."""

    date: IsoDate = Field(description="When the review was made; it counts from this date.")
    reviewer: PersonName = Field(description="Who reviewed (never published).")
    reason: Text = Field(description="Why publication is lawful despite the signal.")
    scope: list[Code] = Field(
        default_factory=list,
        description="Codes the review covers (e.g. JE, EU, GR); empty covers every finding.",
    )


class Debtor(_Placed):
    name: OrgName = Field(description="Registered legal name, exactly as registered.")
    entity: Annotated[Entity, Field(description="Legal form. Natural persons are refused.")]
    country: Country = Field(description="ISO 3166-1 alpha-2 code, quoted or not.")
    region: Region | None = Field(None, description="ISO 3166-2 code; required for US.")
    website: Url | None = Field(None, description="Public http(s) address of the debtor.")
    vat_id: Identifier | None = Field(
        None, description="Tax or VAT id (an EU prefix is a GDPR signal)."
    )
    personal_guarantee: Flag = Field(False, description="A debt guaranteed by a person is refused.")
    slug: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)] | None = Field(
        None, description="Overrides the company URL slug (to separate two debtors)."
    )
    contacts: list[Contact] = Field(default_factory=list, description="PRIVATE dunning recipients.")
    addresses: list[Address] = Field(default_factory=list, description="PRIVATE other addresses.")
    parent: RelatedCompany | None = Field(None, description="PRIVATE parent company.")
    branches: list[RelatedCompany] = Field(default_factory=list, description="PRIVATE branches.")
    bank_account: BankAccount | None = Field(None, description="PRIVATE paying account.")


class Creditor(_Placed):
    name: OrgName = Field(description="Legal name; published only when display is named.")
    country: Country = Field(description="Where the creditor is established (GDPR Art. 3(1)).")
    region: Region | None = Field(None, description="ISO 3166-2 code.")
    vat_id: Identifier | None = Field(None, description="PRIVATE. An EU prefix is a GDPR signal.")
    iban: Iban | None = Field(None, description="PRIVATE. Where the debt is paid to.")
    display: Annotated[Literal["named", "anonymous"], Code] = Field(
        "anonymous", description="named: show the creditor's name; anonymous: show description."
    )
    description: Text | None = Field(
        None, description='Shown instead of the name when anonymous, e.g. "a software vendor".'
    )
    contacts: list[Contact] = Field(default_factory=list, description="PRIVATE.")


class Invoice(Record):
    number: Identifier = Field(description="Invoice number, quoted.")
    issued: IsoDate = Field(description="Issue date, YYYY-MM-DD.")
    due: IsoDate = Field(description="Due date, not before the issue date.")
    amount: Money = Field(description='Quoted decimal in the claim currency, e.g. "8000.00".')
    currency: Currency | None = Field(None, description="Must equal the claim currency if given.")
    description: Text | None = Field(None, description="Public: what was delivered.")


class Contract(Record):
    title: Text = Field(description="The contract the invoices fall under (evidence, rule 5).")
    signed: IsoDate | None = Field(None, description="Date signed.")
    clause: Text | None = Field(None, description="The payment clause relied on.")
    reference: Identifier | None = Field(None, description="Contract or PO number.")


class LateInterest(Record):
    annual_rate: Rate = Field(description='Simple annual rate as a quoted decimal, "0.10" = 10%.')
    from_: Annotated[Literal["due"], Code] | IsoDate = Field(
        "due", alias="from", description="Interest runs from the due date or from this date."
    )
    day_count: Annotated[Literal["act/365", "act/360"], Code] = Field(
        "act/365",
        description="Day-count convention; Act/365 fixed unless the contract says otherwise.",
    )


class Claim(Record):
    currency: Currency = Field(description="ISO 4217 code; amounts use its minor units.")
    invoices: list[Invoice] = Field(min_length=1, description="At least one invoice.")
    contract: Contract | None = Field(None, description="Required before listing.")
    late_interest: LateInterest | None = Field(
        None, description="Contractual late interest; interest is charged only when present."
    )
    fees_allowed: Flag = Field(
        False, description="The contract allows dunning fees; the policy's fees apply only then."
    )


# ---- events -------------------------------------------------------------------------


class _Event(Record):
    date: IsoDate


class Channel(StrEnum):
    email = "email"
    letter = "letter"
    phone = "phone"


class Reminder(_Event):
    kind: Literal["reminder"]
    level: Count = 1
    channel: Annotated[Channel, Code] = Channel.email
    message_id: Text | None = None
    fee: Money | None = Field(None, description="Dunning fee charged with this message.")


class DemandLetter(_Event):
    kind: Literal["demand_letter"]
    channel: Annotated[Channel, Code] = Channel.letter
    message_id: Text | None = None
    fee: Money | None = Field(None, description="Dunning fee charged with this message.")


class FinalNotice(_Event):
    kind: Literal["final_notice"]
    warns_publication: Flag = False
    publish_on: IsoDate | None = None
    channel: Annotated[Channel, Code] = Channel.email
    message_id: Text | None = None
    fee: Money | None = Field(None, description="Dunning fee charged with this message.")


class SendIntent(_Event):
    """Written by the pipeline just before a message leaves; the sent record follows it.

    An intent with no later event carrying the same message_id (the sent record) and no
    `send_cancelled` is ambiguous: the message may or may not have gone out.
    """

    kind: Literal["send_intent"]
    step: Identifier
    message_id: Text
    channel: Annotated[Channel, Code] = Channel.email


class SendCancelled(_Event):
    """The intent with this message_id did not go out (a refusal, or the operator says so)."""

    kind: Literal["send_cancelled"]
    step: Identifier
    message_id: Text
    reason: Text | None = None


class Listed(_Event):
    kind: Literal["listed"]
    reason: Text | None = None


class Unlisted(_Event):
    kind: Literal["unlisted"]
    reason: Text | None = None


class Payment(_Event):
    kind: Literal["payment"]
    amount: Money
    reference: Identifier | None = None


class PromiseToPay(_Event):
    kind: Literal["promise_to_pay"]
    amount: Money
    by: IsoDate


class PaymentPlan(_Event):
    kind: Literal["payment_plan"]
    instalments: Count
    every_days: Count
    first: IsoDate
    amount: Money = Field(description="Amount of each instalment.")


class Dispute(_Event):
    kind: Literal["dispute"]
    reason: Text


class DisputeResolved(_Event):
    kind: Literal["dispute_resolved"]
    outcome: Annotated[Literal["upheld", "rejected"], Code]
    reason: Text | None = None


class Hold(_Event):
    kind: Literal["hold"]
    reason: Text


class Release(_Event):
    kind: Literal["release"]
    reason: Text | None = None


class Settlement(_Event):
    kind: Literal["settlement"]
    amount: Money = Field(description="Accepted in full satisfaction of the claim.")
    reference: Identifier | None = None


class Withdrawal(_Event):
    kind: Literal["withdrawal"]
    reason: Text | None = None


class WriteOff(_Event):
    kind: Literal["write_off"]
    reason: Text | None = None


class Note(_Event):
    """PRIVATE."""

    kind: Literal["note"]
    text: LongText


Event = Annotated[
    Reminder
    | DemandLetter
    | FinalNotice
    | Listed
    | Unlisted
    | Payment
    | PromiseToPay
    | PaymentPlan
    | Dispute
    | DisputeResolved
    | Hold
    | Release
    | Settlement
    | Withdrawal
    | WriteOff
    | Note
    | SendIntent
    | SendCancelled,
    Field(discriminator="kind"),
]
EVENT_KINDS: tuple[str, ...] = (
    "reminder", "demand_letter", "final_notice", "listed", "unlisted", "payment",
    "promise_to_pay", "payment_plan", "dispute", "dispute_resolved", "hold", "release",
    "settlement", "withdrawal", "write_off", "note", "send_intent", "send_cancelled",
)  # fmt: skip


class Case(Record):
    """One debt case, exactly as written in its file."""

    schema_version: Annotated[int, Field(alias="schema", ge=1, le=1)] = Field(
        alias="schema", description="Record format version; always 1."
    )
    case: CaseId = Field(description="Stable id (A-Z, 0-9, -); the file is named after it.")
    debtor: Debtor = Field(description="Who owes the money: a registered business.")
    creditor: Creditor = Field(description="Who is owed.")
    claim: Claim = Field(description="What is owed: currency, invoices, contract.")
    summary: LongText | None = Field(None, description="Public Markdown, sanitised on render.")
    dunning_policy: Identifier | None = Field(None, description="Named policy; default if absent.")
    gdpr_review: GdprReview | None = Field(
        None, description="PRIVATE. Dated attestation needed for review jurisdictions and signals."
    )
    events: list[Event] = Field(
        default_factory=list, description="History, oldest first; appended by commands."
    )

    @property
    def principal(self) -> Decimal:
        return sum((i.amount for i in self.claim.invoices), Decimal(0))

    @property
    def first_due(self) -> date:
        return min(i.due for i in self.claim.invoices)


# ---- loading --------------------------------------------------------------------------


def _fix_schema_int(doc: SourceDocument) -> None:
    # `schema: 1` is the one plain integer at the top; the model wants an int.
    value = doc.value
    if isinstance(value, dict) and isinstance(value.get("schema"), str):
        text = value["schema"]
        if text.isdigit() and not (len(text) > 1 and text.startswith("0")):
            value["schema"] = int(text)


def _problem_from_error(doc: SourceDocument, error: Any) -> Problem:
    loc: list[str | int] = []
    raw = list(error["loc"])
    for index, part in enumerate(raw):
        candidate = (*loc, part)
        if isinstance(part, int) or candidate in doc.positions or index == len(raw) - 1:
            loc.append(part)
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    dotted = ".".join(str(p) for p in loc)
    if kind == "missing":
        location = doc.locate(tuple(loc[:-1]))
        message = f"missing required field {loc[-1]!r}"
    elif kind == "extra_forbidden":
        location = doc.locate_key(tuple(loc))
        message = f"unknown field {loc[-1]!r}"
    elif kind == "union_tag_invalid":
        location = doc.locate((*loc, "kind"))
        message = f"unknown event kind; use one of: {', '.join(EVENT_KINDS)}"
    elif kind == "union_tag_not_found":
        location = doc.locate(tuple(loc))
        message = "an event needs a kind"
    else:
        location = doc.locate(tuple(loc))
        if kind == "literal_error" or kind == "enum":
            message = f"{message}"
    return Problem(location, f"{dotted}: {message}" if dotted else message, field=dotted)


def _consistency(case: Case, doc: SourceDocument) -> list[Problem]:
    """Rules between fields, each pinned to the field that has to change."""
    problems: list[Problem] = []

    def add(key: PathKey, message: str) -> None:
        dotted = ".".join(str(k) for k in key)
        problems.append(Problem(doc.locate(key), f"{dotted}: {message}", field=dotted))

    if doc.path.stem != case.case:
        add(("case",), f"the file must be named {case.case}.yaml (it is {doc.path.name})")
    places: list[tuple[PathKey, Any]] = [(("debtor",), case.debtor), (("creditor",), case.creditor)]
    places += [(("debtor", "addresses", i), a) for i, a in enumerate(case.debtor.addresses)]
    places += [(("debtor", "branches", i), b) for i, b in enumerate(case.debtor.branches)]
    if case.debtor.parent is not None:
        places.append((("debtor", "parent"), case.debtor.parent))
    for base, party in places:
        region = getattr(party, "region", None)
        if region is None:
            if base == ("debtor",) and party.country == "US":
                add(("debtor", "country"), "a US debtor needs a region (state), e.g. region: US-TX")
            continue
        full = region if "-" in region else f"{party.country}-{region}"
        if not full.startswith(party.country + "-"):
            add((*base, "region"), f"{region} is not a subdivision of {party.country}")
        elif not is_subdivision(full):
            add((*base, "region"), f"{region} is not an ISO 3166-2 subdivision of {party.country}")
    exponent = currency_exponent(case.claim.currency)
    quantum = Decimal(1).scaleb(-exponent)

    def check_money(key: PathKey, amount: Decimal) -> None:
        if amount != amount.quantize(quantum) or (-amount.as_tuple().exponent) > exponent:  # type: ignore[operator]
            add(key, f"{case.claim.currency} has {exponent} decimal places; {amount} has more")

    seen_numbers: dict[str, int] = {}
    for i, invoice in enumerate(case.claim.invoices):
        base = ("claim", "invoices", i)
        if invoice.due < invoice.issued:
            add((*base, "due"), f"due date {invoice.due} is before the issue date {invoice.issued}")
        if invoice.currency and invoice.currency != case.claim.currency:
            add(
                (*base, "currency"),
                f"{invoice.currency} differs from the claim currency {case.claim.currency}",
            )
        check_money((*base, "amount"), invoice.amount)
        if invoice.number in seen_numbers:
            add((*base, "number"), f"invoice {invoice.number} is listed twice")
        seen_numbers[invoice.number] = i
    last: date | None = None
    for i, event in enumerate(case.events):
        if last is not None and event.date < last:
            add(
                ("events", i, "date"),
                f"{event.date} is earlier than the event before it ({last}); keep events in date order",
            )
        last = event.date if last is None else max(last, event.date)
        amount = event.__dict__.get("amount")  # getattr on a model without it is slow
        if isinstance(amount, Decimal):
            check_money(("events", i, "amount"), amount)
    return problems


def load_case(path: Path, raw: bytes | None = None) -> tuple[Case, SourceDocument]:
    """Load and validate one case file. Raises RecordInvalid listing every problem."""
    doc = load_source(path, raw)
    problems = list(doc.problems)
    if not isinstance(doc.value, dict):
        problems.append(
            Problem(doc.locate(()), "a case file is a mapping of fields (schema, case, ...)")
        )
        raise RecordInvalid(problems)
    _fix_schema_int(doc)
    try:
        case = Case.model_validate(doc.value)
    except ValidationError as exc:
        problems.extend(_problem_from_error(doc, e) for e in exc.errors())
        raise RecordInvalid(sorted(problems, key=lambda p: p.location)) from None
    problems.extend(_consistency(case, doc))
    if problems:
        raise RecordInvalid(sorted(problems, key=lambda p: p.location))
    return case, doc


def record_json_schema() -> dict[str, Any]:
    schema = Case.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Overdue case file (schema 1)"
    return schema


def location_of(doc: SourceDocument, key: PathKey) -> Location:
    return doc.locate(key)
