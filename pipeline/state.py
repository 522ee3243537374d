"""Derived case state: what the events say about a case on a given date.

Nobody types a status. `derive_state` replays the events up to `as_of` and returns the
balance, the status and the dates the publication rules need. It is a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .records import (
    Case,
    DemandLetter,
    Dispute,
    DisputeResolved,
    FinalNotice,
    Hold,
    Listed,
    Payment,
    PaymentPlan,
    PromiseToPay,
    Release,
    Reminder,
    SendCancelled,
    SendIntent,
    Settlement,
    Unlisted,
    Withdrawal,
    WriteOff,
)

PLAN_GRACE_DAYS = 10


class Status(StrEnum):
    open = "open"
    in_dunning = "in_dunning"
    final_notice = "final_notice"
    listed = "listed"
    disputed = "disputed"
    on_hold = "on_hold"
    payment_plan = "payment_plan"
    paid = "paid"
    settled = "settled"
    withdrawn = "withdrawn"
    written_off = "written_off"
    expired = "expired"

    @property
    def resolved(self) -> bool:
        return self in RESOLVED

    @property
    def label(self) -> str:
        if self.resolved:
            return f"resolved({self.value})"
        return self.value


RESOLVED = frozenset(
    {Status.paid, Status.settled, Status.withdrawn, Status.written_off, Status.expired}
)


@dataclass(frozen=True)
class CaseState:
    case_id: str
    as_of: date
    status: Status
    currency: str
    principal: Decimal
    paid: Decimal
    balance: Decimal
    first_due: date
    days_overdue: int
    dunning_level: int
    listed_on: date | None
    """Start of the current listing (the latest `listed` not followed by `unlisted`)."""
    warning_notice_on: date | None
    """The latest final notice that warned of publication, before the current listing."""
    last_event_on: date | None
    promise_until: date | None
    plan_defaulted: bool
    ambiguous_sends: tuple[SendIntent, ...] = ()
    """Send intents with neither a sent record (same message_id) nor a cancellation."""

    @property
    def is_listed(self) -> bool:
        return self.status is Status.listed


def _plan_in_good_standing(plan: PaymentPlan, paid_since_plan: Decimal, as_of: date) -> bool:
    """Each instalment falls due `every_days` apart; a grace period follows each."""
    due_count = 0
    for n in range(plan.instalments):
        if plan.first + timedelta(days=n * plan.every_days + PLAN_GRACE_DAYS) < as_of:
            due_count = n + 1
    return paid_since_plan >= plan.amount * due_count


def derive_state(case: Case, as_of: date) -> CaseState:
    principal = case.principal
    paid = Decimal(0)
    status = Status.open
    level = 0
    listed_on: date | None = None
    warning_on: date | None = None
    warning_before_listing: date | None = None
    disputed = held = False
    terminal: Status | None = None
    plan: PaymentPlan | None = None
    paid_at_plan = Decimal(0)
    promise_until: date | None = None
    last: date | None = None
    open_intents: dict[str, SendIntent] = {}

    for event in case.events:
        if event.date > as_of:
            break  # future-dated events have not happened yet
        last = event.date
        message_id = getattr(event, "message_id", None)
        if message_id is not None and not isinstance(event, SendIntent):
            open_intents.pop(message_id, None)  # the sent record, or its cancellation
        match event:
            case Reminder():
                level = max(level, event.level)
            case DemandLetter():
                level = max(level, 10)
            case FinalNotice():
                level = max(level, 20)
                if event.warns_publication:
                    warning_on = event.date
            case Listed():
                if listed_on is None:
                    listed_on = event.date
                    warning_before_listing = warning_on
            case Unlisted():
                listed_on = None
            case Payment():
                paid += event.amount
            case PromiseToPay():
                promise_until = event.by
            case PaymentPlan():
                plan, paid_at_plan = event, paid
            case Dispute():
                disputed = True
            case DisputeResolved():
                disputed = False
                if event.outcome == "upheld":
                    terminal = Status.withdrawn
            case Hold():
                held = True
            case Release():
                held = False
            case Settlement():
                terminal = Status.settled
            case Withdrawal():
                terminal = Status.withdrawn
            case WriteOff():
                terminal = Status.written_off
            case SendIntent():
                open_intents[event.message_id] = event
            case SendCancelled():
                pass

    balance = max(principal - paid, Decimal(0))
    plan_defaulted = False
    if plan is not None:
        if _plan_in_good_standing(plan, paid - paid_at_plan, as_of):
            plan_active = balance > 0
        else:
            plan_active, plan_defaulted = False, True
    else:
        plan_active = False

    if terminal is not None:
        status = terminal
    elif balance <= 0:
        status = Status.paid
    elif disputed:
        status = Status.disputed
    elif held:
        status = Status.on_hold
    elif plan_active:
        status = Status.payment_plan
    elif listed_on is not None:
        status = Status.listed
    elif level >= 20:
        status = Status.final_notice
    elif level > 0:
        status = Status.in_dunning

    first_due = case.first_due
    return CaseState(
        case_id=case.case,
        as_of=as_of,
        status=status,
        currency=case.claim.currency,
        principal=principal,
        paid=paid,
        balance=balance if not status.resolved or status is Status.expired else Decimal(0),
        first_due=first_due,
        days_overdue=0
        if status.resolved and status is not Status.expired
        else max((as_of - first_due).days, 0),
        dunning_level=level,
        listed_on=listed_on,
        warning_notice_on=warning_before_listing if listed_on else warning_on,
        last_event_on=last,
        promise_until=promise_until if promise_until and promise_until >= as_of else None,
        plan_defaulted=plan_defaulted,
        ambiguous_sends=tuple(open_intents.values()),
    )
