"""What the case commands do (pay, dispute, hold, settle, plan, ...), without the CLI.

Each command reads the case, refuses what makes no sense in its current state with a
`CommandRefused`, and appends one event through `casefile.append_event` (validated,
atomic, only the new event in the diff). A repeated call that would record the same
thing again is a no-op that says so (`CommandOutcome.appended` is False).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from .casefile import append_event
from .errors import OverdueError
from .fieldtypes import Money, currency_exponent
from .records import (
    Case,
    Dispute,
    DisputeResolved,
    Hold,
    Payment,
    PaymentPlan,
    Release,
    Settlement,
    load_case,
)
from .state import CaseState, Status, derive_state


class CommandRefused(OverdueError):
    """The command makes no sense for this case as it stands; the file is unchanged."""


@dataclass(frozen=True)
class CommandOutcome:
    path: Path
    case: Case
    state: CaseState
    """The case's derived state on the event date, after the command."""
    appended: bool
    """False when the same event was already recorded and nothing was written."""
    message: str


_MONEY = TypeAdapter(Money)


def parse_amount(text: str, currency: str) -> Decimal:
    """A positive plain decimal with at most the currency's minor units (JPY 0, KWD 3)."""
    try:
        amount: Decimal = _MONEY.validate_python(str(text).strip())
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise CommandRefused(f"amount {text!r}: {reason}") from None
    exponent = currency_exponent(currency)
    quantum = Decimal(1).scaleb(-exponent)
    try:
        exact = amount.quantize(quantum)
    except InvalidOperation:
        raise CommandRefused(f"amount {text!r} is too large") from None
    if exact != amount:
        raise CommandRefused(
            f"amount {text!r}: {currency} has {exponent} decimal place(s); {text} has more"
        )
    return exact


def money_text(amount: Decimal, currency: str) -> str:
    """The amount as written in a case file: a quoted decimal at the currency's minor unit."""
    return str(amount.quantize(Decimal(1).scaleb(-currency_exponent(currency))))


def _load(path: Path) -> Case:
    case, _ = load_case(path)
    return case


def _state(case: Case, on: date) -> CaseState:
    # Every event is on or before `on` (append_event refuses older dates), so this is
    # the state the new event meets.
    last = case.events[-1].date if case.events else on
    return derive_state(case, max(on, last))


def _refuse_if_resolved(case: Case, state: CaseState, doing: str) -> None:
    if state.status.resolved:
        raise CommandRefused(f"{case.case} is {state.status.label}; cannot {doing} a resolved case")


def open_dispute(case: Case) -> Dispute | None:
    """The dispute not yet followed by a dispute_resolved, if any."""
    current: Dispute | None = None
    for event in case.events:
        if isinstance(event, Dispute):
            current = current or event
        elif isinstance(event, DisputeResolved):
            current = None
    return current


def open_hold(case: Case) -> Hold | None:
    current: Hold | None = None
    for event in case.events:
        if isinstance(event, Hold):
            current = current or event
        elif isinstance(event, Release):
            current = None
    return current


def _append(path: Path, case: Case, event: Mapping[str, Any], message: str) -> CommandOutcome:
    updated = append_event(path, {k: v for k, v in event.items() if v is not None})
    return CommandOutcome(path, updated, _state(updated, event["date"]), True, message)


def _unchanged(path: Path, case: Case, on: date, message: str) -> CommandOutcome:
    return CommandOutcome(path, case, _state(case, on), False, message)


def _check_currency(case: Case, currency: str | None) -> str:
    claim = case.claim.currency
    if currency is not None and currency.strip().upper() != claim:
        raise CommandRefused(
            f"{case.case} is claimed in {claim}; give the amount in {claim} "
            f"(convert the {currency.strip().upper()} amount at the rate actually received)"
        )
    return claim


def pay(
    path: Path,
    amount: str,
    on: date,
    reference: str | None = None,
    currency: str | None = None,
) -> CommandOutcome:
    """Record a payment. Refuses overpayment, a foreign currency, and a resolved case."""
    case = _load(path)
    claim_currency = _check_currency(case, currency)
    value = parse_amount(amount, claim_currency)
    if reference is not None:
        for done in case.events:
            if isinstance(done, Payment) and done.reference == reference:
                if done.amount != value:
                    raise CommandRefused(
                        f"{case.case}: payment reference {reference!r} is already recorded on "
                        f"{done.date} for {claim_currency} {done.amount}, not {value}"
                    )
                return _unchanged(
                    path, case, on,
                    f"payment {reference!r} of {claim_currency} {value} is already recorded "
                    f"(on {done.date}); nothing changed",
                )  # fmt: skip
    state = _state(case, on)
    _refuse_if_resolved(case, state, "record a payment on")
    if value > state.balance:
        raise CommandRefused(
            f"{case.case}: a payment of {claim_currency} {value} exceeds the balance "
            f"{claim_currency} {state.balance}; record only what is owed"
        )
    event = {"date": on, "kind": "payment", "amount": money_text(value, claim_currency),
             "reference": reference}  # fmt: skip
    return _append(path, case, event, f"payment of {claim_currency} {value} recorded")


def settle(path: Path, amount: str, on: date, reference: str | None = None) -> CommandOutcome:
    """Record an accepted amount as full settlement of the claim."""
    case = _load(path)
    currency = case.claim.currency
    value = parse_amount(amount, currency)
    for done in case.events:
        if isinstance(done, Settlement) and done.amount == value and done.reference == reference:
            return _unchanged(
                    path, case, on,
                    f"settlement of {currency} {value} is already recorded (on {done.date}); "
                    "nothing changed",
                )  # fmt: skip
    state = _state(case, on)
    _refuse_if_resolved(case, state, "settle")
    if value > state.balance:
        raise CommandRefused(
            f"{case.case}: a settlement of {currency} {value} exceeds the balance "
            f"{currency} {state.balance}; record a payment instead"
        )
    event = {"date": on, "kind": "settlement", "amount": money_text(value, currency),
             "reference": reference}  # fmt: skip
    return _append(path, case, event, f"settlement of {currency} {value} recorded")


def dispute(path: Path, reason: str, on: date) -> CommandOutcome:
    case = _load(path)
    current = open_dispute(case)
    if current is not None:
        if current.reason == reason:
            return _unchanged(
                path,
                case,
                on,
                f"this dispute is already open (since {current.date}); nothing changed",
            )
        raise CommandRefused(
            f"{case.case} already has an open dispute (since {current.date}: {current.reason}); "
            "resolve it first"
        )
    _refuse_if_resolved(case, _state(case, on), "dispute")
    return _append(
        path, case, {"date": on, "kind": "dispute", "reason": reason}, "dispute recorded"
    )


def resolve_dispute(
    path: Path, outcome: Literal["upheld", "rejected"], on: date, reason: str | None = None
) -> CommandOutcome:
    case = _load(path)
    if outcome not in ("upheld", "rejected"):
        raise CommandRefused(f"outcome must be upheld or rejected, not {outcome!r}")
    if open_dispute(case) is None:
        raise CommandRefused(f"{case.case} has no open dispute to resolve")
    event = {"date": on, "kind": "dispute_resolved", "outcome": outcome, "reason": reason}
    return _append(path, case, event, f"dispute resolved ({outcome})")


def hold(path: Path, reason: str, on: date) -> CommandOutcome:
    case = _load(path)
    current = open_hold(case)
    if current is not None:
        if current.reason == reason:
            return _unchanged(
                path,
                case,
                on,
                f"the case is already on hold (since {current.date}); nothing changed",
            )
        raise CommandRefused(
            f"{case.case} is already on hold (since {current.date}: {current.reason}); release it first"
        )
    _refuse_if_resolved(case, _state(case, on), "hold")
    return _append(path, case, {"date": on, "kind": "hold", "reason": reason}, "hold recorded")


def release(path: Path, on: date, reason: str | None = None) -> CommandOutcome:
    case = _load(path)
    if open_hold(case) is None:
        raise CommandRefused(f"{case.case} is not on hold; nothing to release")
    event = {"date": on, "kind": "release", "reason": reason}
    return _append(path, case, event, "hold released")


def instalment_amount(balance: Decimal, instalments: int, currency: str) -> Decimal:
    """balance / instalments, rounded up to the minor unit so the plan covers the balance."""
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    return (balance / instalments).quantize(quantum, rounding=ROUND_CEILING)


def plan(
    path: Path,
    instalments: int,
    every_days: int,
    first: date,
    on: date,
    amount: str | None = None,
) -> CommandOutcome:
    """Record an agreed payment plan; the default instalment covers the balance."""
    case = _load(path)
    currency = case.claim.currency
    state = _state(case, on)
    _refuse_if_resolved(case, state, "agree a payment plan for")
    if instalments < 1 or every_days < 1:
        raise CommandRefused("a plan needs at least one instalment, at least one day apart")
    if first < on:
        raise CommandRefused(f"the first instalment ({first}) may not be before the plan ({on})")
    value = (
        parse_amount(amount, currency)
        if amount is not None
        else instalment_amount(state.balance, instalments, currency)
    )
    if value * instalments < state.balance:
        raise CommandRefused(
            f"{instalments} instalments of {currency} {value} do not cover the balance "
            f"{currency} {state.balance}"
        )
    last = next((e for e in reversed(case.events) if isinstance(e, PaymentPlan)), None)
    if state.status is Status.payment_plan and last is not None:
        if (last.instalments, last.every_days, last.first, last.amount) == (
            instalments, every_days, first, value,
        ):  # fmt: skip
            return _unchanged(
                path, case, on, "this payment plan is already recorded; nothing changed"
            )
        raise CommandRefused(
            f"{case.case} already has a payment plan in good standing (since {last.date})"
        )
    event = {"date": on, "kind": "payment_plan", "instalments": instalments,
             "every_days": every_days, "first": first, "amount": money_text(value, currency)}  # fmt: skip
    return _append(
        path, case, event,
        f"payment plan recorded: {instalments} x {currency} {value} every {every_days} days from {first}",
    )  # fmt: skip


def _closing(path: Path, kind: str, reason: str, on: date, done: Status) -> CommandOutcome:
    case = _load(path)
    state = _state(case, on)
    if state.status is done:
        return _unchanged(path, case, on, f"{case.case} is already {done.label}; nothing changed")
    _refuse_if_resolved(case, state, kind.replace("_", " "))
    return _append(path, case, {"date": on, "kind": kind, "reason": reason}, f"{kind} recorded")


def withdraw(path: Path, reason: str, on: date) -> CommandOutcome:
    return _closing(path, "withdrawal", reason, on, Status.withdrawn)


def write_off(path: Path, reason: str, on: date) -> CommandOutcome:
    return _closing(path, "write_off", reason, on, Status.written_off)
