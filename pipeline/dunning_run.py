"""One dunning run over the registry: decide, render, record the intent, deliver, record.

The exactly-once protocol, per case and step:
1. render the message (nothing is written if this fails);
2. append `send_intent {step, message_id}` to the case file (atomic);
3. deliver it (outbox file or SMTP);
4. append the sent record (`reminder` / `demand_letter` / `final_notice`) with the same
   Message-ID, or `send_cancelled` when the delivery certainly failed.
A crash between 2 and 4, or a connection lost after the body went out, leaves an open
intent: the next run reports the step as ambiguous and sends nothing for that case until
the operator runs `overdue dunning confirm CASE STEP --sent|--not-sent`. The Message-ID
is deterministic (`<CASE.STEP@domain>`), so even a confirmed resend is the same message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from .casefile import EventRejected, append_event
from .dunning import (
    Action,
    Decision,
    PolicyInvalid,
    PolicyStep,
    next_dunning_step,
    policy_for,
    step_fee,
)
from .errors import OverdueError, Problem
from .mailer import MaybeSent, NotSent
from .messages import (
    NoRecipient,
    Sender,
    UnsafeHeader,
    build_email,
    message_context,
    message_id_for,
    render_message,
)
from .money import statement
from .records import Case, SendIntent
from .registry import case_files, find_case_file, load_one
from .settings import RegistrySettings
from .state import derive_state


class Transport(Protocol):
    usable: bool

    def deliver_email(self, msg: EmailMessage, name: str) -> str: ...

    def deliver_letter(self, html: str, name: str) -> str: ...


@dataclass
class CaseOutcome:
    case_id: str
    status: str
    done: str
    next: str
    action: Action | None = None
    message_id: str | None = None
    delivered_to: str | None = None
    attention: bool = False
    """True when the operator must look (ambiguous send, failure, invalid record)."""


@dataclass
class RunReport:
    today: date
    outcomes: list[CaseOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def sent(self) -> list[CaseOutcome]:
        return [
            o for o in self.outcomes if o.action is Action.send and o.message_id and not o.attention
        ]

    @property
    def needs_attention(self) -> bool:
        return bool(self.problems) or any(o.attention for o in self.outcomes)


def sent_record(
    step: PolicyStep, today: date, message_id: str, fee: Any, notice_days: int
) -> dict[str, Any]:
    event: dict[str, Any] = {"date": today, "kind": step.kind}
    if step.kind == "reminder":
        event["level"] = step.level
    if step.kind == "final_notice":
        event["warns_publication"] = True
        event["publish_on"] = today + timedelta(days=notice_days)
    event["channel"] = step.channel
    event["message_id"] = message_id
    if fee:
        event["fee"] = fee
    return event


def _one_line(text: str) -> str:
    return " ".join(text.split())[:290] or "failed"


@dataclass(frozen=True)
class PreparedStep:
    message_id: str
    fee: Any
    html: str
    email: EmailMessage | None


def prepare_step(
    case: Case,
    step: PolicyStep,
    today: date,
    settings: RegistrySettings,
    sender: Sender,
    now: datetime,
) -> PreparedStep:
    """Render a step's message and build its e-mail. Pure apart from reading templates."""
    message_id = message_id_for(case.case, step.name, sender.domain)
    base = statement(case, today)
    fee = step_fee(case, step, base.principal_outstanding)
    quoted = statement(case, today, fee, f"Fee ({step.name.replace('-', ' ')})")
    publish_on = (
        today + timedelta(days=settings.notice_days) if step.kind == "final_notice" else None
    )
    context = message_context(case, quoted, step, settings, today, message_id, publish_on, fee)
    rendered = render_message(context)
    msg = build_email(rendered, case, sender, now) if step.channel == "email" else None
    return PreparedStep(message_id, fee, rendered.html, msg)


def _describe_next(case: Case, today: date, settings: RegistrySettings) -> str:
    state = derive_state(case, today)
    try:
        decision = next_dunning_step(
            case, state, today, policy_for(case, settings), settings.notice_days
        )
    except PolicyInvalid as exc:
        return str(exc)
    return describe(decision)


def describe(decision: Decision) -> str:
    if decision.action is Action.wait and decision.due_on is not None:
        what = decision.step.name if decision.step else "listing"
        return f"{what} on {decision.due_on}"
    if decision.action is Action.send and decision.step is not None:
        return f"{decision.step.name} now"
    return decision.reason


def run_case(
    path: Path,
    settings: RegistrySettings,
    today: date,
    transport: Transport,
    sender: Sender,
    now: datetime,
) -> tuple[CaseOutcome | None, list[Problem]]:
    assessment, problems = load_one(path, settings, today)
    if assessment is None or problems:
        return None, problems
    case = assessment.case
    state = derive_state(case, today)
    outcome = CaseOutcome(case.case, state.status.label, "-", "")
    if case.events and case.events[-1].date > today:
        outcome.done = f"skipped: events dated after {today}"
        outcome.next = "-"
        return outcome, []
    try:
        policy = policy_for(case, settings)
    except PolicyInvalid as exc:
        outcome.done, outcome.next, outcome.attention = str(exc), "-", True
        return outcome, []
    decision = next_dunning_step(case, state, today, policy, settings.notice_days)
    outcome.action = decision.action

    if decision.action is Action.list:
        case = append_event(path, {"date": today, "kind": "listed"})
        outcome.done = f"listed ({decision.reason})"
    elif decision.action is Action.send and decision.step is not None:
        _send(path, case, decision.step, settings, today, transport, sender, now, outcome)
        if outcome.attention:
            return outcome, []
        case, _ = _reload(path)
    elif decision.action is Action.ambiguous:
        outcome.done = "AMBIGUOUS: " + decision.reason
        outcome.attention = True
        outcome.next = "resolve first"
        return outcome, []
    else:
        outcome.done = "-"
    outcome.status = derive_state(case, today).status.label
    outcome.next = _describe_next(case, today, settings)
    return outcome, []


def _reload(path: Path) -> tuple[Case, Any]:
    from .records import load_case

    return load_case(path)


def _send(
    path: Path,
    case: Case,
    step: PolicyStep,
    settings: RegistrySettings,
    today: date,
    transport: Transport,
    sender: Sender,
    now: datetime,
    outcome: CaseOutcome,
) -> None:
    name = f"{case.case}.{step.name}"
    if not transport.usable:
        outcome.done = (
            f"{step.name} not attempted: the SMTP connection was lost earlier in this run"
        )
        outcome.attention = True
        outcome.next = f"{step.name} on the next run"
        return
    try:
        prepared = prepare_step(case, step, today, settings, sender, now)
    except (UnsafeHeader, NoRecipient) as exc:
        outcome.done, outcome.attention, outcome.next = f"{step.name} refused: {exc}", True, "-"
        return
    outcome.message_id = prepared.message_id
    append_event(
        path,
        {"date": today, "kind": "send_intent", "step": step.name,
         "message_id": prepared.message_id, "channel": step.channel},
    )  # fmt: skip
    try:
        if prepared.email is not None:
            where = transport.deliver_email(prepared.email, name)
        else:
            where = transport.deliver_letter(prepared.html, name)
    except NotSent as exc:
        append_event(
            path,
            {"date": today, "kind": "send_cancelled", "step": step.name,
             "message_id": prepared.message_id, "reason": _one_line(f"not sent: {exc}")},
        )  # fmt: skip
        outcome.done = f"{step.name} NOT SENT: {exc}"
        outcome.attention = True
        outcome.next = f"{step.name} on the next run"
        return
    except MaybeSent as exc:
        outcome.done = f"{step.name} AMBIGUOUS: {exc}; not resent until confirmed"
        outcome.attention = True
        outcome.next = f"overdue dunning confirm {case.case} {step.name} --sent|--not-sent"
        return
    append_event(
        path, sent_record(step, today, prepared.message_id, prepared.fee, settings.notice_days)
    )
    outcome.delivered_to = where
    outcome.done = (
        f"{step.name} {'sent' if prepared.email is not None else 'letter written'} ({where})"
    )


def run_dunning(
    paths: Iterable[Path],
    settings: RegistrySettings,
    today: date,
    transport: Transport,
    sender: Sender,
    now: datetime,
    only: str | None = None,
) -> RunReport:
    report = RunReport(today)
    files = [find_case_file(only, settings.content_dir)] if only else case_files(paths)
    for path in files:
        try:
            outcome, problems = run_case(path, settings, today, transport, sender, now)
        except EventRejected as exc:
            outcome = CaseOutcome(path.stem, "?", f"could not record: {exc}", "-", attention=True)
            problems = []
        report.problems.extend(problems)
        if outcome is not None:
            report.outcomes.append(outcome)
    return report


class ConfirmRefused(OverdueError):
    """`dunning confirm` has nothing to confirm for that case and step."""


def confirm_send(
    path: Path, settings: RegistrySettings, today: date, step_name: str, sent: bool
) -> Mapping[str, Any]:
    """The operator resolves an ambiguous step: record it as sent, or cancel the intent."""
    from .records import load_case

    case, _ = load_case(path)
    state = derive_state(case, max(today, case.events[-1].date) if case.events else today)
    intents = [i for i in state.ambiguous_sends if i.step == step_name]
    if not intents:
        open_steps = ", ".join(i.step for i in state.ambiguous_sends) or "none"
        raise ConfirmRefused(
            f"{case.case}: no open intent for step {step_name!r} (open: {open_steps})"
        )
    intent: SendIntent = intents[-1]
    on = intent.date if case.events[-1] is intent else today
    if sent:
        policy = policy_for(case, settings)
        step = policy.step(step_name)
        fee = step_fee(case, step, statement(case, intent.date).principal_outstanding)
        event = sent_record(step, on, intent.message_id, fee, settings.notice_days)
        if step.kind == "final_notice":
            event["publish_on"] = intent.date + timedelta(days=settings.notice_days)
    else:
        event = {"date": on, "kind": "send_cancelled", "step": step_name,
                 "message_id": intent.message_id, "reason": "operator confirmed: not sent"}  # fmt: skip
    append_event(path, event)
    return event
