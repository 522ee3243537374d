"""Money for dunning: rounding per currency, simple late interest, fees, the statement.

- Amounts are `Decimal`, rounded ROUND_HALF_UP to the currency's minor unit
  (`currency_exponent`: JPY 0 decimals, KWD 3, most others 2). Rounding happens once, on
  each amount that is quoted (a fee, the interest total), never on intermediate values.
- Late interest is simple interest on the overdue principal, accrued per invoice from its
  start date (the due date, or `late_interest.from`) to the statement date, start day
  excluded: days = (end - start).days. The day count is Act/365 fixed unless the contract
  says `day_count: act/360`. 9% on 100,000 for the 366 days of 2024 is
  100000 * 0.09 * 366 / 365 = 9,024.66.
- Payments reduce principal, oldest due invoice first, from the day they are made; they
  are applied to principal before fees and interest (the debtor-favourable order).
- Interest and fees are charged only when the contract allows them: interest when
  `claim.late_interest` is present, fees when `claim.fees_allowed` is true.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .fieldtypes import currency_exponent
from .records import Case, DemandLetter, FinalNotice, Invoice, Payment, Reminder

DAY_COUNT_BASIS = {"act/365": 365, "act/360": 360}
ZERO = Decimal(0)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """ROUND_HALF_UP to the currency's minor unit: 0.125 USD -> 0.13, 12.5 JPY -> 13."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """'USD 8,000.00', 'JPY 1,250', 'KWD 12.500'."""
    rounded = round_money(amount, currency)
    places = currency_exponent(currency)
    return f"{currency} {rounded:,.{places}f}"


def simple_interest(
    principal: Decimal, annual_rate: Decimal, start: date, end: date, day_count: str = "act/365"
) -> Decimal:
    """Unrounded simple interest for the days after `start` up to and including `end`."""
    days = (end - start).days
    if days <= 0 or principal <= 0:
        return ZERO
    return principal * annual_rate * days / DAY_COUNT_BASIS[day_count]


def fee_amount(
    rate: Decimal | None, fixed: Decimal | None, base: Decimal, currency: str
) -> Decimal:
    """A policy fee: a rate of the outstanding principal, a fixed amount, or both, rounded."""
    total = ZERO
    if rate is not None:
        total += base * rate
    if fixed is not None:
        total += fixed
    return round_money(total, currency)


@dataclass(frozen=True)
class InvoiceBalance:
    invoice: Invoice
    outstanding: Decimal
    history: tuple[tuple[date, Decimal], ...]
    """(date, outstanding from that date on), starting with (issued, amount)."""


def invoice_balances(case: Case, as_of: date) -> list[InvoiceBalance]:
    """Each invoice's outstanding principal on `as_of`, payments applied oldest due first."""
    order = sorted(range(len(case.claim.invoices)), key=lambda i: (case.claim.invoices[i].due, i))
    outstanding = {i: case.claim.invoices[i].amount for i in order}
    history: dict[int, list[tuple[date, Decimal]]] = {
        i: [(case.claim.invoices[i].issued, outstanding[i])] for i in order
    }
    for event in case.events:
        if event.date > as_of or not isinstance(event, Payment):
            continue
        left = event.amount
        for i in order:
            if left <= 0:
                break
            take = min(left, outstanding[i])
            if take > 0:
                outstanding[i] -= take
                left -= take
                history[i].append((event.date, outstanding[i]))
    return [
        InvoiceBalance(case.claim.invoices[i], outstanding[i], tuple(history[i]))
        for i in range(len(case.claim.invoices))
    ]


def late_interest(case: Case, as_of: date) -> Decimal:
    """Simple interest on the overdue principal up to `as_of`, rounded once; 0 if not agreed."""
    terms = case.claim.late_interest
    if terms is None:
        return ZERO
    total = ZERO
    for balance in invoice_balances(case, as_of):
        start = balance.invoice.due
        if terms.from_ != "due":
            assert isinstance(terms.from_, date)
            start = max(start, terms.from_)
        segments = [*balance.history, (as_of, ZERO)]
        for (seg_start, amount), (seg_end, _) in itertools.pairwise(segments):
            lo, hi = max(seg_start, start), min(seg_end, as_of)
            total += simple_interest(amount, terms.annual_rate, lo, hi, terms.day_count)
    return round_money(total, case.claim.currency)


@dataclass(frozen=True)
class StatementLine:
    label: str
    on: date | None
    amount: Decimal
    """Positive for what is owed, negative for what was paid."""


@dataclass(frozen=True)
class Statement:
    """The itemised account a message quotes: invoices, fees, interest, payments, total."""

    currency: str
    as_of: date
    lines: tuple[StatementLine, ...]
    principal_outstanding: Decimal
    fees: Decimal
    interest: Decimal
    paid: Decimal
    total: Decimal

    def format(self, amount: Decimal) -> str:
        return format_money(amount, self.currency)


def charged_fees(case: Case, as_of: date) -> list[tuple[date, Decimal, str]]:
    """Fees recorded on the messages sent so far (only counted when the contract allows)."""
    if not case.claim.fees_allowed:
        return []
    fees = []
    for event in case.events:
        if event.date > as_of:
            break
        if isinstance(event, Reminder | DemandLetter | FinalNotice) and event.fee:
            label = event.kind.replace("_", " ")
            if isinstance(event, Reminder):
                label = f"reminder {event.level}"
            fees.append((event.date, event.fee, f"Fee ({label})"))
    return fees


def statement(
    case: Case, as_of: date, new_fee: Decimal = ZERO, new_fee_label: str = ""
) -> Statement:
    """What the debtor owes on `as_of`, including a fee charged with the message being sent."""
    currency = case.claim.currency
    lines = [
        StatementLine(
            f"Invoice {inv.number}" + (f" — {inv.description}" if inv.description else ""),
            inv.due,
            inv.amount,
        )
        for inv in case.claim.invoices
    ]
    fees = charged_fees(case, as_of)
    if new_fee > 0 and case.claim.fees_allowed:
        fees.append((as_of, new_fee, new_fee_label or "Fee"))
    lines.extend(StatementLine(label, on, amount) for on, amount, label in fees)
    interest = late_interest(case, as_of)
    if interest > 0:
        terms = case.claim.late_interest
        assert terms is not None
        rate = f"{terms.annual_rate * 100:f}".rstrip("0").rstrip(".")
        lines.append(
            StatementLine(
                f"Late interest at {rate}% a year, simple, {terms.day_count.capitalize()}",
                as_of,
                interest,
            )
        )
    paid = ZERO
    for event in case.events:
        if event.date > as_of:
            break
        if isinstance(event, Payment):
            paid += event.amount
            ref = f" ({event.reference})" if event.reference else ""
            lines.append(StatementLine(f"Payment received{ref}", event.date, -event.amount))
    principal_outstanding = sum((b.outstanding for b in invoice_balances(case, as_of)), ZERO)
    fee_total = sum((amount for _, amount, _ in fees), ZERO)
    total = max(case.principal + fee_total + interest - paid, ZERO)
    return Statement(
        currency=currency,
        as_of=as_of,
        lines=tuple(lines),
        principal_outstanding=principal_outstanding,
        fees=fee_total,
        interest=interest,
        paid=paid,
        total=round_money(total, currency),
    )
