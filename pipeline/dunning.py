"""Dunning policy (data) and the decision of a case's next step (a pure function).

A policy is an ordered list of steps, each an offset in days from the case's first due
date. `next_dunning_step(case, state, today, policy, notice_days)` says what the pipeline
does today: send a step, append `listed`, wait until a date, pause, or stop. The decision
only reads the case and its derived state; the run (`dunning_run.py`) does the writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import OverdueError
from .money import fee_amount
from .records import Case, DemandLetter, FinalNotice, Reminder
from .settings import RegistrySettings
from .state import CaseState, Status

DEMAND_RANK = 10  # the same ranks as state.derive_state's dunning_level
FINAL_RANK = 20


class PolicyInvalid(OverdueError):
    """The dunning policy file is wrong, or a case names a policy that does not exist."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyFee(_Strict):
    rate: Decimal | None = Field(
        None, ge=0, le=1, description="Share of the outstanding principal."
    )
    fixed: dict[str, Decimal] = Field(default_factory=dict, description="Fixed fee per currency.")

    def amount(self, base: Decimal, currency: str) -> Decimal:
        return fee_amount(self.rate, self.fixed.get(currency), base, currency)


class PolicyStep(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
    kind: Literal["reminder", "demand_letter", "final_notice"]
    level: int | None = Field(None, ge=1, lt=DEMAND_RANK)
    offset_days: int = Field(ge=-60, le=3650)
    template: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    channel: Literal["email", "letter"]
    subject: Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[^\r\n]*$")]
    fee: PolicyFee | None = None

    @model_validator(mode="after")
    def _level_for_reminders(self) -> PolicyStep:
        if (self.kind == "reminder") != (self.level is not None):
            raise ValueError("reminders need a level; other steps have none")
        return self

    @property
    def rank(self) -> int:
        if self.kind == "reminder":
            assert self.level is not None
            return self.level
        return DEMAND_RANK if self.kind == "demand_letter" else FINAL_RANK

    def subject_for(self, case_id: str) -> str:
        return self.subject.replace("{case}", case_id)


class DunningPolicy(_Strict):
    name: str
    description: str
    min_gap_days: int = Field(7, ge=0, le=365)
    steps: tuple[PolicyStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> DunningPolicy:
        for before, after in zip(self.steps, self.steps[1:], strict=False):
            if after.rank <= before.rank or after.offset_days <= before.offset_days:
                raise ValueError(
                    f"step {after.name} must come after {before.name} in rank and days"
                )
        if self.steps[-1].kind != "final_notice":
            raise ValueError("the last step must be the final notice that warns of publication")
        if len({s.name for s in self.steps}) != len(self.steps):
            raise ValueError("step names must be unique")
        return self

    def step(self, name: str) -> PolicyStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise PolicyInvalid(f"policy {self.name!r} has no step {name!r}")


def parse_policies(text: str, source: str) -> dict[str, DunningPolicy]:
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("policies"), dict):
        raise PolicyInvalid(f"{source}: expected a mapping 'policies: {{NAME: ...}}'")
    policies: dict[str, DunningPolicy] = {}
    for name, body in raw["policies"].items():
        try:
            policies[name] = DunningPolicy.model_validate({"name": name, **body})
        except (ValidationError, TypeError) as exc:
            raise PolicyInvalid(f"{source}: policy {name!r}: {exc}") from None
    return policies


@cache
def builtin_policies() -> dict[str, DunningPolicy]:
    path = resources.files("pipeline.data").joinpath("dunning_policies.yaml")
    return parse_policies(path.read_text("utf-8"), "pipeline/data/dunning_policies.yaml")


def policy_for(case: Case, settings: RegistrySettings) -> DunningPolicy:
    name = case.dunning_policy or settings.dunning_policy
    policies = builtin_policies()
    if name not in policies:
        raise PolicyInvalid(
            f"{case.case}: unknown dunning policy {name!r}; known: {', '.join(sorted(policies))}"
        )
    return policies[name]


def operator_date(now: datetime, timezone: str) -> date:
    """The calendar date in the operator's zone: 04:30 UTC on 2 March is 1 March in New York."""
    if now.tzinfo is None:
        raise ValueError("an aware datetime is needed to find the operator's date")
    return now.astimezone(ZoneInfo(timezone)).date()


class Action(StrEnum):
    send = "send"
    list = "list"
    wait = "wait"
    pause = "pause"
    stop = "stop"
    done = "done"
    ambiguous = "ambiguous"
    blocked = "blocked"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    step: PolicyStep | None = None
    due_on: date | None = None


def last_message_on(case: Case, today: date) -> date | None:
    dates = [
        e.date
        for e in case.events
        if isinstance(e, Reminder | DemandLetter | FinalNotice) and e.date <= today
    ]
    return max(dates, default=None)


def listing_date(case: Case, state: CaseState, notice_days: int) -> date | None:
    """The first day the case may be listed: notice_days after the warning (or publish_on)."""
    if state.warning_notice_on is None:
        return None
    earliest = state.warning_notice_on + timedelta(days=notice_days)
    for event in case.events:
        if (
            isinstance(event, FinalNotice)
            and event.date == state.warning_notice_on
            and event.publish_on
        ):
            earliest = max(earliest, event.publish_on)
    return earliest


def next_dunning_step(
    case: Case, state: CaseState, today: date, policy: DunningPolicy, notice_days: int
) -> Decision:
    """What the pipeline does for this case today. Pure: no clock, no files."""
    if state.ambiguous_sends:
        steps = ", ".join(f"{i.step} ({i.message_id}, {i.date})" for i in state.ambiguous_sends)
        return Decision(
            Action.ambiguous,
            f"may have been sent: {steps}; confirm with `overdue dunning confirm`",
        )
    if state.status.resolved:
        return Decision(Action.stop, f"stopped: {state.status.label}")
    if state.status is Status.disputed:
        return Decision(Action.pause, "paused: disputed")
    if state.status is Status.on_hold:
        return Decision(Action.pause, "paused: on hold")
    if state.status is Status.payment_plan:
        return Decision(Action.pause, "paused: payment plan in good standing")
    if state.promise_until is not None:
        return Decision(Action.pause, f"paused: promise to pay by {state.promise_until}")
    if state.status is Status.listed:
        return Decision(Action.done, f"listed since {state.listed_on}")

    pending = [
        s
        for s in policy.steps
        if s.rank > state.dunning_level
        # a courtesy note before the due date makes no sense once the date has passed
        and not (s.offset_days < 0 and today >= state.first_due)
    ]
    if not pending:
        list_on = listing_date(case, state, notice_days)
        if list_on is None:
            return Decision(
                Action.blocked, "the final notice did not warn of publication; no listing"
            )
        if today >= list_on:
            return Decision(
                Action.list, f"notice given on {state.warning_notice_on}", None, list_on
            )
        return Decision(Action.wait, f"listing on {list_on}", None, list_on)

    step = pending[0]
    due_on = state.first_due + timedelta(days=step.offset_days)
    last = last_message_on(case, today)
    if last is not None:
        due_on = max(due_on, last + timedelta(days=policy.min_gap_days))
    if today >= due_on:
        return Decision(Action.send, f"{step.name} due on {due_on}", step, due_on)
    return Decision(Action.wait, f"{step.name} on {due_on}", step, due_on)


def step_fee(case: Case, step: PolicyStep, principal_outstanding: Decimal) -> Decimal:
    """The fee this step charges: zero unless the policy has one and the contract allows fees."""
    if step.fee is None or not case.claim.fees_allowed:
        return Decimal(0)
    return step.fee.amount(principal_outstanding, case.claim.currency)
