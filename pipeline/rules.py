"""The publication rule: every rule must pass, else a case is not public.

Each rule is a small function from a `RuleContext` to a `RuleResult`; `RULES` lists them
in the order of DESIGN.md. Data the rules need (the jurisdiction policy) lives in
`pipeline/data/` with a source for every row. A failing rule with `blocks_check` makes the
record invalid (`overdue check` fails); any other failure only keeps the case private.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal

import yaml

from .errors import Location
from .records import NATURAL_PERSON_ENTITIES, Case, Listed
from .settings import RegistrySettings
from .state import CaseState, Status, derive_state
from .yamlsource import PathKey, SourceDocument


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
class JurisdictionPolicy:
    code: str
    policy: Literal["block", "review", "allow"]
    regime: str
    source: str


@dataclass(frozen=True)
class RuleContext:
    case: Case
    doc: SourceDocument
    state: CaseState
    settings: RegistrySettings

    def at(self, *key: str | int) -> Location:
        return self.doc.locate(tuple(key))


@cache
def jurisdiction_table() -> dict[str, JurisdictionPolicy]:
    text = resources.files("pipeline.data").joinpath("jurisdictions.yaml").read_text("utf-8")
    rows = yaml.safe_load(text)["entries"]
    table: dict[str, JurisdictionPolicy] = {}
    for row in rows:
        code = row["code"]
        if not isinstance(code, str) or code in table:
            raise ValueError(f"jurisdictions.yaml: bad or repeated code {code!r}")
        table[code] = JurisdictionPolicy(code, row["policy"], row["regime"], row["source"])
    return table


def jurisdiction_of(code: str) -> JurisdictionPolicy:
    table = jurisdiction_table()
    if code in table:
        return table[code]
    if "-" in code:  # a subdivision inherits its country's policy unless listed itself
        return jurisdiction_of(code.split("-", 1)[0])
    return JurisdictionPolicy(code, "allow", "", "")


# ---- the rules ---------------------------------------------------------------------


def rule_jurisdiction(ctx: RuleContext) -> RuleResult:
    """Rule 1: no party within GDPR or an adjacent regime."""
    places: list[tuple[PathKey, str, str]] = [
        (("debtor", "country"), "debtor", ctx.case.debtor.country),
        (("creditor", "country"), "creditor", ctx.case.creditor.country),
    ]
    if ctx.case.debtor.region:
        places.append((("debtor", "region"), "debtor region", ctx.case.debtor.region))
    for key, who, code in places:
        policy = jurisdiction_of(code)
        if policy.policy == "block":
            return RuleResult(
                "jurisdiction", Verdict.failed,
                f"{who} {code} is under {policy.regime}; parties there are never listed",
                policy.source, ctx.doc.locate(key), blocks_check=True,
            )  # fmt: skip
        if policy.policy == "review":
            return RuleResult(
                "jurisdiction", Verdict.review,
                f"{who} {code} has its own data-protection law ({policy.regime}); needs review",
                policy.source, ctx.doc.locate(key), blocks_check=True,
            )  # fmt: skip
    return RuleResult("jurisdiction", Verdict.passed, "no party in a GDPR or adjacent jurisdiction")


def rule_business_debtor(ctx: RuleContext) -> RuleResult:
    """Rule 2: the debtor is a registered business and no person guarantees the debt."""
    debtor = ctx.case.debtor
    if debtor.entity in NATURAL_PERSON_ENTITIES:
        return RuleResult(
            "business_debtor", Verdict.failed,
            f"debtor entity {debtor.entity.value} is a natural person; people are never listed",
            "DESIGN.md publication rule 2", ctx.at("debtor", "entity"), blocks_check=True,
        )  # fmt: skip
    if debtor.personal_guarantee:
        return RuleResult(
            "business_debtor", Verdict.failed,
            "the debt is personally guaranteed by a natural person",
            "Cal. Civ. Code 1788.2 as amended by SB 1286 (2024)",
            ctx.at("debtor", "personal_guarantee"), blocks_check=True,
        )  # fmt: skip
    return RuleResult("business_debtor", Verdict.passed, f"debtor is a {debtor.entity.value}")


def rule_collectable(ctx: RuleContext) -> RuleResult:
    """Rule 3: listed, not disputed, on hold or in a payment plan; balance above the minimum."""
    state = ctx.state
    if state.status is not Status.listed:
        reasons = {
            Status.disputed: "the debt is disputed",
            Status.on_hold: "the case is on hold",
            Status.payment_plan: "a payment plan is being kept",
        }
        reason = reasons.get(state.status, f"the case is {state.status.label}, not listed")
        return RuleResult("collectable", Verdict.failed, reason, "DESIGN.md publication rule 3")
    minimum = ctx.settings.minimum_for(state.currency)
    if state.balance < minimum:
        return RuleResult(
            "collectable", Verdict.failed,
            f"balance {state.currency} {state.balance} is below the minimum {minimum}",
            "settings: min_amount",
        )  # fmt: skip
    if state.days_overdue < ctx.settings.min_days_overdue:
        return RuleResult(
            "collectable", Verdict.failed,
            f"only {state.days_overdue} days overdue; listing needs {ctx.settings.min_days_overdue}",
            "settings: min_days_overdue",
        )  # fmt: skip
    return RuleResult(
        "collectable", Verdict.passed,
        f"listed, {state.currency} {state.balance} outstanding, {state.days_overdue} days overdue",
    )  # fmt: skip


def rule_due_notice(ctx: RuleContext) -> RuleResult:
    """Rule 4: a publication-warning final notice at least notice_days before listing."""
    notice_days = ctx.settings.notice_days
    source = "DESIGN.md publication rule 4; settings: notice_days"
    for index, event in enumerate(ctx.case.events):
        if not isinstance(event, Listed) or event.date > ctx.state.as_of:
            continue
        warned = [
            e.date for e in ctx.case.events[:index]
            if getattr(e, "warns_publication", False) and e.date <= event.date
        ]  # fmt: skip
        if not warned or warned[-1] + timedelta(days=notice_days) > event.date:
            detail = (
                f"the warning went out on {warned[-1]}"
                if warned
                else "no final notice warned of publication"
            )
            return RuleResult(
                "due_notice", Verdict.failed,
                f"listed on {event.date} without {notice_days} days' warning ({detail})",
                source, ctx.at("events", index, "kind"), blocks_check=True,
            )  # fmt: skip
    if ctx.state.listed_on is None:
        return RuleResult("due_notice", Verdict.failed, "no listing yet", source)
    return RuleResult(
        "due_notice", Verdict.passed,
        f"warned on {ctx.state.warning_notice_on}, listed on {ctx.state.listed_on}", source,
    )  # fmt: skip


def rule_evidence(ctx: RuleContext) -> RuleResult:
    """Rule 5: invoice numbers, a contract reference, dates in order."""
    contract = ctx.case.claim.contract
    if contract is None:
        return RuleResult(
            "evidence", Verdict.failed, "no contract reference (claim.contract)",
            "DESIGN.md publication rule 5", ctx.at("claim"),
        )  # fmt: skip
    numbers = ", ".join(i.number for i in ctx.case.claim.invoices)
    return RuleResult("evidence", Verdict.passed, f"invoices {numbers} under {contract.title!r}")


def rule_expiry(ctx: RuleContext) -> RuleResult:
    """Rule 6: the listing is younger than max_listing_days."""
    listed_on = ctx.state.listed_on
    if listed_on is None:
        return RuleResult("expiry", Verdict.passed, "not listed, nothing to expire")
    age = (ctx.state.as_of - listed_on).days
    limit = ctx.settings.max_listing_days
    if age > limit:
        return RuleResult(
            "expiry", Verdict.failed, f"listed {age} days ago; listings expire after {limit}",
            "settings: max_listing_days",
        )  # fmt: skip
    return RuleResult("expiry", Verdict.passed, f"listed {age} of at most {limit} days")


Rule = Callable[[RuleContext], RuleResult]
RULES: tuple[Rule, ...] = (
    rule_jurisdiction,
    rule_business_debtor,
    rule_collectable,
    rule_due_notice,
    rule_evidence,
    rule_expiry,
)
EXPIRING_RULES = frozenset({"expiry"})


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
    results = tuple(rule(ctx) for rule in RULES)
    expired = any(r.rule in EXPIRING_RULES and r.verdict is Verdict.failed for r in results)
    if expired and not state.status.resolved:
        state = dataclasses.replace(state, status=Status.expired)
        ctx = RuleContext(case, doc, state, settings)
        results = tuple(rule(ctx) for rule in RULES)
    return Assessment(case, doc, state, results)
