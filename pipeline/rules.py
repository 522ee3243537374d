"""The publication rule: every rule must pass, else a case is not public.

Each rule is a small function from a `RuleContext` to a `RuleResult`, or to several when
one rule finds several places to fix (each pinned to its own line); `RULES` lists them in
the order of DESIGN.md. Data the rules need (jurisdiction policy, EU-nexus signals,
limitation periods) lives in `pipeline/data/` with a source for every row. A failing rule
with `blocks_check` makes the record invalid (`overdue check` fails); any other failure
only keeps the case private.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from .errors import Location
from .jurisdictions import JurisdictionPolicy, case_places, jurisdiction_of, jurisdiction_table
from .limitation import add_years, limitation_period
from .nexus import case_signals
from .privatetext import find_leaks
from .records import NATURAL_PERSON_ENTITIES, Case, FinalNotice, GdprReview, Listed
from .settings import RegistrySettings
from .state import CaseState, Status, derive_state
from .yamlsource import PathKey, SourceDocument

__all__ = [
    "RULES", "Assessment", "JurisdictionPolicy", "RuleContext", "RuleResult", "Verdict",
    "assess", "hard_gate_failures", "jurisdiction_of", "jurisdiction_table",
]  # fmt: skip


class Verdict(StrEnum):
    passed = "pass"
    failed = "fail"
    review = "review"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    verdict: Verdict
    reason: str
    source: str = ""
    location: Location | None = None
    blocks_check: bool = False
    """True when the failure makes the record itself invalid, not just private."""


@dataclass(frozen=True)
class RuleContext:
    case: Case
    doc: SourceDocument
    state: CaseState
    settings: RegistrySettings

    def at(self, *key: str | int) -> Location:
        return self.doc.locate(tuple(key))

    def attestation_for(self, code: str) -> GdprReview | None:
        """The record's gdpr_review when it is in force on as_of and covers `code`."""
        review = self.case.gdpr_review
        if review is None or review.date > self.state.as_of:
            return None
        scope = {s.upper() for s in review.scope}
        if scope and code not in scope and code.split("-", 1)[0] not in scope:
            return None
        return review


RuleOutcome = RuleResult | tuple[RuleResult, ...]
GDPR_REVIEW_SOURCE = "record field gdpr_review (dated attestation)"


def _review_or_attested(
    ctx: RuleContext, rule: str, key: PathKey, code: str, finding: str, source: str
) -> RuleResult:
    """A finding that needs review: passes only with an attestation that covers it."""
    review = ctx.attestation_for(code)
    if review is not None:
        return RuleResult(
            rule, Verdict.passed,
            f"{finding}; cleared by gdpr_review of {review.date}: {review.reason}",
            f"{source}; {GDPR_REVIEW_SOURCE}", ctx.doc.locate(key),
        )  # fmt: skip
    pending = ctx.case.gdpr_review
    hint = (
        f" (the gdpr_review dated {pending.date} is not in force on {ctx.state.as_of} or does "
        f"not cover {code})"
        if pending is not None
        else "; add a dated gdpr_review (date, reviewer, reason) after a legal review"
    )
    return RuleResult(
        rule, Verdict.review, f"{finding}: needs review{hint}", source, ctx.doc.locate(key),
        blocks_check=True,
    )  # fmt: skip


def _outcome(problems: list[RuleResult], passed: RuleResult) -> RuleOutcome:
    failing = tuple(r for r in problems if r.verdict is not Verdict.passed)
    if failing:
        return failing
    return tuple(problems) if problems else passed


# ---- the rules ---------------------------------------------------------------------


def rule_jurisdiction(ctx: RuleContext) -> RuleOutcome:
    """Rule 1: no party or address within GDPR or an adjacent regime."""
    results: list[RuleResult] = []
    for place in case_places(ctx.case):
        policy = jurisdiction_of(place.code)
        if policy.policy == "block":
            results.append(
                RuleResult(
                    "jurisdiction", Verdict.failed,
                    f"{place.who} {place.code} is under {policy.regime}; parties there are never listed",
                    policy.source, ctx.doc.locate(place.key), blocks_check=True,
                )
            )  # fmt: skip
        elif policy.policy == "review":
            finding = f"{place.who} {place.code} has its own data-protection law ({policy.regime})"
            results.append(
                _review_or_attested(
                    ctx, "jurisdiction", place.key, place.code, finding, policy.source
                )
            )
    return _outcome(
        results,
        RuleResult(
            "jurisdiction", Verdict.passed,
            "no party or address in a GDPR or adjacent jurisdiction",
            "pipeline/data/jurisdictions.yaml; GDPR Art. 3",
        ),
    )  # fmt: skip


def rule_eu_nexus(ctx: RuleContext) -> RuleOutcome:
    """Rule 1: no private detail (VAT id, IBAN, phone, domain) ties the record to GDPR."""
    results = [
        _review_or_attested(
            ctx,
            "eu_nexus",
            signal.key,
            signal.code,
            f"EU-nexus signal: {signal.description}, under {signal.policy.regime}",
            signal.source,
        )
        for signal in case_signals(ctx.case)
    ]
    return _outcome(
        results,
        RuleResult(
            "eu_nexus", Verdict.passed,
            "no VAT id, IBAN, phone or domain points to a GDPR or adjacent jurisdiction",
            "pipeline/data/nexus.yaml; GDPR Art. 3(1)",
        ),
    )  # fmt: skip


_DBA_NAME = re.compile(r"(?<!\w)(d/?b/?a|doing business as|trading as|t/a)(?!\w)", re.IGNORECASE)


def rule_business_debtor(ctx: RuleContext) -> RuleOutcome:
    """Rule 2: the debtor is a registered business and no person guarantees the debt."""
    debtor = ctx.case.debtor
    source = "DESIGN.md publication rule 2; natural persons are never listed"
    results: list[RuleResult] = []
    if debtor.entity in NATURAL_PERSON_ENTITIES:
        results.append(
            RuleResult(
                "business_debtor", Verdict.failed,
                f"debtor entity {debtor.entity.value} is a natural person; people are never listed",
                source, ctx.at("debtor", "entity"), blocks_check=True,
            )
        )  # fmt: skip
    if _DBA_NAME.search(debtor.name):
        results.append(
            RuleResult(
                "business_debtor", Verdict.failed,
                "the debtor name contains a trade-name marker (DBA, trading as): a person trading "
                "under a name is a natural person", source, ctx.at("debtor", "name"),
                blocks_check=True,
            )
        )  # fmt: skip
    if debtor.personal_guarantee:
        results.append(
            RuleResult(
                "business_debtor", Verdict.failed,
                "the debt is personally guaranteed by a natural person",
                "Cal. Civ. Code § 1788.2(e)-(g) as amended by SB 1286 (2024): the Rosenthal Act "
                "covers commercial debts guaranteed by a natural person",
                ctx.at("debtor", "personal_guarantee"), blocks_check=True,
            )
        )  # fmt: skip
    return _outcome(
        results,
        RuleResult(
            "business_debtor", Verdict.passed,
            f"debtor entity is {debtor.entity.value}, with no personal guarantee", source,
        ),
    )  # fmt: skip


def rule_private_text(ctx: RuleContext) -> RuleOutcome:
    """Rule 2: no private name, e-mail or phone appears in a public text field."""
    source = "DESIGN.md publication rule 2: named people are never published"
    results = [
        RuleResult(
            "private_text",
            Verdict.failed,
            f"{leak.field} contains the {leak.value.kind} of {leak.value.owner}, a private "
            "field; remove it from the public text",
            source,
            leak.location,
            blocks_check=True,
        )
        for leak in find_leaks(ctx.case, ctx.doc)
    ]
    return _outcome(
        results,
        RuleResult(
            "private_text", Verdict.passed,
            "no private name, e-mail or phone in a public text field", source,
        ),
    )  # fmt: skip


def rule_collectable(ctx: RuleContext) -> RuleResult:
    """Rule 3: listed, not disputed, on hold or in a payment plan; balance above the minimum."""
    state = ctx.state
    source = "DESIGN.md publication rule 3"
    if state.status is not Status.listed:
        reasons = {
            Status.disputed: "the debt is disputed",
            Status.on_hold: "the case is on hold",
            Status.payment_plan: "a payment plan is being kept",
        }
        reason = reasons.get(state.status, f"the case is {state.status.label}, not listed")
        return RuleResult("collectable", Verdict.failed, reason, source)
    minimum = ctx.settings.minimum_for(state.currency)
    if minimum is None:
        return RuleResult(
            "collectable", Verdict.failed,
            f"no minimum amount is configured for {state.currency}; add it to OVERDUE min_amount",
            "settings: min_amount",
        )  # fmt: skip
    if state.balance < minimum:
        return RuleResult(
            "collectable", Verdict.failed,
            f"balance {state.currency} {state.balance} is below the minimum {minimum}",
            "settings: min_amount",
        )  # fmt: skip
    needed = ctx.settings.min_days_overdue
    assert state.listed_on is not None
    at_listing = (state.listed_on - state.first_due).days
    if at_listing < needed:
        return RuleResult(
            "collectable", Verdict.failed,
            f"listed {at_listing} days after the first due date; listing needs {needed}",
            "settings: min_days_overdue",
        )  # fmt: skip
    return RuleResult(
        "collectable", Verdict.passed,
        f"listed, {state.currency} {state.balance} outstanding (minimum {minimum}), "
        f"{state.days_overdue} days overdue (minimum {needed})",
        f"{source}; settings: min_amount, min_days_overdue",
    )  # fmt: skip


def rule_due_notice(ctx: RuleContext) -> RuleResult:
    """Rule 4: a publication-warning final notice at least notice_days before listing."""
    notice_days = ctx.settings.notice_days
    source = "DESIGN.md publication rule 4; settings: notice_days"
    for index, event in enumerate(ctx.case.events):
        if not isinstance(event, Listed) or event.date > ctx.state.as_of:
            continue
        warnings = [
            e for e in ctx.case.events[:index]
            if isinstance(e, FinalNotice) and e.warns_publication and e.date <= event.date
        ]  # fmt: skip
        last = warnings[-1] if warnings else None
        if last is None or last.date + timedelta(days=notice_days) > event.date:
            detail = (
                f"the warning went out on {last.date}"
                if last
                else "no final notice warned of publication"
            )
            return RuleResult(
                "due_notice", Verdict.failed,
                f"listed on {event.date} without {notice_days} days' warning ({detail})",
                source, ctx.at("events", index, "kind"), blocks_check=True,
            )  # fmt: skip
        if last.publish_on is not None and event.date < last.publish_on:
            return RuleResult(
                "due_notice", Verdict.failed,
                f"listed on {event.date}, before the date the final notice announced "
                f"({last.publish_on})", source, ctx.at("events", index, "date"), blocks_check=True,
            )  # fmt: skip
    if ctx.state.listed_on is None:
        return RuleResult("due_notice", Verdict.failed, "no listing yet", source)
    return RuleResult(
        "due_notice", Verdict.passed,
        f"warned on {ctx.state.warning_notice_on}, listed on {ctx.state.listed_on}", source,
    )  # fmt: skip


def rule_evidence(ctx: RuleContext) -> RuleResult:
    """Rule 5: invoice numbers, a contract reference, dates in order."""
    source = "DESIGN.md publication rule 5"
    claim = ctx.case.claim
    contract = claim.contract
    if contract is None:
        return RuleResult(
            "evidence", Verdict.failed, "no contract reference (claim.contract)", source,
            ctx.at("claim"),
        )  # fmt: skip
    if contract.signed is None and contract.reference is None:
        return RuleResult(
            "evidence", Verdict.failed,
            "the contract needs a signing date or a reference to identify it",
            source, ctx.at("claim", "contract"),
        )  # fmt: skip
    first_issued = min(i.issued for i in claim.invoices)
    if contract.signed is not None and contract.signed > first_issued:
        return RuleResult(
            "evidence", Verdict.failed,
            f"the contract is dated {contract.signed}, after the first invoice ({first_issued})",
            source, ctx.at("claim", "contract", "signed"),
        )  # fmt: skip
    numbers = ", ".join(i.number for i in claim.invoices)
    return RuleResult(
        "evidence", Verdict.passed, f"invoices {numbers} under {contract.title!r}", source
    )


def rule_expiry(ctx: RuleContext) -> RuleResult:
    """Rule 6: the listing is younger than max_listing_days."""
    source = "DESIGN.md publication rule 6; settings: max_listing_days"
    listed_on = ctx.state.listed_on
    if listed_on is None:
        return RuleResult("expiry", Verdict.passed, "not listed, nothing to expire", source)
    age = (ctx.state.as_of - listed_on).days
    limit = ctx.settings.max_listing_days
    if age > limit:
        return RuleResult(
            "expiry", Verdict.failed, f"listed {age} days ago; listings expire after {limit}",
            source,
        )  # fmt: skip
    return RuleResult("expiry", Verdict.passed, f"listed {age} of at most {limit} days", source)


def rule_limitation(ctx: RuleContext) -> RuleResult:
    """Rule 6: the claim is inside the limitation period of the debtor's state or country.

    The period runs from the due date of the oldest invoice and is never extended by
    payments or acknowledgments (see pipeline/data/limitation_periods.yaml).
    """
    state = ctx.state
    if state.status.resolved and state.status is not Status.expired:
        return RuleResult(
            "limitation", Verdict.passed, f"the case is {state.status.label}",
            "pipeline/data/limitation_periods.yaml",
        )  # fmt: skip
    debtor = ctx.case.debtor
    period = limitation_period(debtor.country, debtor.region)
    ends = add_years(state.first_due, period.years)
    where = period.code if not period.fallback else f"{debtor.region or debtor.country} (unknown)"
    if state.as_of >= ends:
        return RuleResult(
            "limitation", Verdict.failed,
            f"the claim fell due on {state.first_due}; the {period.years}-year limitation period "
            f"of {where} ended on {ends}", period.source,
        )  # fmt: skip
    return RuleResult(
        "limitation", Verdict.passed,
        f"{period.years}-year period of {where} from {state.first_due} runs until {ends}",
        period.source,
    )  # fmt: skip


Rule = Callable[[RuleContext], RuleOutcome]
RULES: tuple[Rule, ...] = (
    rule_jurisdiction,
    rule_eu_nexus,
    rule_business_debtor,
    rule_private_text,
    rule_collectable,
    rule_due_notice,
    rule_evidence,
    rule_expiry,
    rule_limitation,
)
EXPIRING_RULES = frozenset({"expiry", "limitation"})
HARD_RULES: tuple[Rule, ...] = (
    rule_jurisdiction, rule_eu_nexus, rule_business_debtor, rule_private_text,
)  # fmt: skip
"""Rules 1 and 2: they never depend on dates or settings, and a failure fails `check`."""


def run_rules(ctx: RuleContext, rules: tuple[Rule, ...] = RULES) -> tuple[RuleResult, ...]:
    results: list[RuleResult] = []
    for rule in rules:
        outcome = rule(ctx)
        results.extend(outcome if isinstance(outcome, tuple) else (outcome,))
    return tuple(results)


@dataclass(frozen=True)
class Assessment:
    """A case judged on one date: its state and every rule's verdict."""

    case: Case
    doc: SourceDocument
    state: CaseState
    results: tuple[RuleResult, ...]

    @property
    def public(self) -> bool:
        return all(r.verdict is Verdict.passed for r in self.results)

    @property
    def check_failures(self) -> list[RuleResult]:
        return [r for r in self.results if r.blocks_check and r.verdict is not Verdict.passed]


def assess(case: Case, doc: SourceDocument, settings: RegistrySettings, as_of: date) -> Assessment:
    state = derive_state(case, as_of)
    ctx = RuleContext(case, doc, state, settings)
    results = run_rules(ctx)
    expired = any(r.rule in EXPIRING_RULES and r.verdict is Verdict.failed for r in results)
    if expired and not state.status.resolved:
        state = dataclasses.replace(state, status=Status.expired)
        ctx = RuleContext(case, doc, state, settings)
        results = run_rules(ctx)
    return Assessment(case, doc, state, results)


@cache
def _hard_rule_settings() -> RegistrySettings:
    """Rules 1 and 2 read no setting; defaults fill the context (a frozen model, built once)."""
    return RegistrySettings()


def hard_gate_failures(case: Case, doc: SourceDocument, as_of: date) -> list[RuleResult]:
    """Rules 1 and 2 judged afresh from the record alone, trusting no earlier verdict.

    The site build calls this for every case it is about to render (defence in depth), so a
    blocked party never reaches a page even when `check` was skipped or an Assessment was
    built by hand.
    """
    ctx = RuleContext(case, doc, derive_state(case, as_of), _hard_rule_settings())
    return [r for r in run_rules(ctx, HARD_RULES) if r.verdict is not Verdict.passed]
