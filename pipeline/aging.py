"""The aging report: outstanding principal by days past due, per currency, and case counts.

Each invoice's outstanding amount (payments applied oldest due first, as in `money`) goes
into one bucket by its own days past due on the report date: current (not yet due, or due
today), 1-30, 31-60, 61-90, 90+. Paid, settled, withdrawn and written-off cases owe nothing
here and are counted by state only; an expired listing still owes its balance.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .money import format_money, invoice_balances, round_money
from .rules import Assessment
from .state import Status

BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "90+")


def bucket_for(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


@dataclass
class AgingReport:
    as_of: date
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    """currency -> bucket -> outstanding principal."""
    states: Counter[str] = field(default_factory=Counter)

    def totals(self, currency: str) -> Decimal:
        return sum(self.amounts[currency].values(), Decimal(0))

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "buckets": list(BUCKETS),
            "currencies": {
                cur: {
                    **{b: str(round_money(v, cur)) for b, v in row.items()},
                    "total": str(round_money(self.totals(cur), cur)),
                }
                for cur, row in sorted(self.amounts.items())
            },
            "states": dict(sorted(self.states.items())),
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["currency", *BUCKETS, "total"])
        for cur, row in sorted(self.amounts.items()):
            writer.writerow(
                [
                    cur,
                    *(str(round_money(row[b], cur)) for b in BUCKETS),
                    str(round_money(self.totals(cur), cur)),
                ]
            )
        writer.writerow([])
        writer.writerow(["state", "cases"])
        for state, count in sorted(self.states.items()):
            writer.writerow([state, count])
        return out.getvalue()

    def formatted(self, currency: str, bucket: str) -> str:
        return format_money(self.amounts[currency][bucket], currency)


def aging_report(assessments: Iterable[Assessment], as_of: date) -> AgingReport:
    report = AgingReport(as_of)
    for assessment in assessments:
        state = assessment.state
        report.states[state.status.label] += 1
        currency = assessment.case.claim.currency
        row = report.amounts.setdefault(currency, {b: Decimal(0) for b in BUCKETS})
        if state.status.resolved and state.status is not Status.expired:
            continue
        for balance in invoice_balances(assessment.case, as_of):
            if balance.outstanding > 0:
                row[bucket_for((as_of - balance.invoice.due).days)] += balance.outstanding
    return report
