"""next_dunning_step: stop, pause, resume, catch-up, time zone (C26)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pipeline.aging import bucket_for
from pipeline.dunning import (
    Action,
    PolicyInvalid,
    builtin_policies,
    next_dunning_step,
    operator_date,
    parse_policies,
)
from pipeline.records import Case
from pipeline.state import derive_state
from tests.casefactory import case_dict

STANDARD = builtin_policies()["standard"]
DUE = date(2026, 3, 31)


def decide(events: list[dict[str, Any]], today: date, policy: str = "standard") -> Any:
    case = Case.model_validate(case_dict(events=events))
    return next_dunning_step(case, derive_state(case, today), today, builtin_policies()[policy], 30)


def test_c26_the_operator_zone_decides_the_date() -> None:
    late_evening = datetime(2024, 3, 2, 4, 30, tzinfo=UTC)  # 23:30 in New York on 1 March
    assert operator_date(late_evening, "America/New_York") == date(2024, 3, 1)
    assert operator_date(late_evening, "UTC") == date(2024, 3, 2)
    today = operator_date(late_evening, "America/New_York")
    case = Case.model_validate(
        case_dict(
            **{
                "events": [],
                "claim.invoices.0.issued": "2024-02-01",
                "claim.invoices.0.due": "2024-03-01",
            }
        )
    )
    state = derive_state(case, today)
    assert state.days_overdue == 0 and bucket_for((today - case.first_due).days) == "current"
    assert derive_state(case, date(2024, 3, 2)).days_overdue == 1
    with pytest.raises(ValueError):
        operator_date(datetime(2024, 3, 2, 4, 30), "America/New_York")


def test_steps_follow_the_offsets() -> None:
    assert decide([], DUE + timedelta(days=6)).action is Action.wait
    first = decide([], DUE + timedelta(days=7))
    assert first.action is Action.send and first.step.name == "reminder-1"
    waiting = decide([{"date": "2026-04-07", "kind": "reminder", "level": 1}], date(2026, 4, 10))
    assert waiting.action is Action.wait and waiting.due_on == DUE + timedelta(days=21)


def test_catching_up_keeps_the_minimum_gap() -> None:
    # a case found late: reminder 1 was sent by hand 60 days after due
    decision = decide([{"date": "2026-05-30", "kind": "reminder", "level": 1}], date(2026, 6, 2))
    assert decision.action is Action.wait and decision.due_on == date(2026, 6, 6)


def test_courtesy_note_before_the_due_date_only() -> None:
    early = decide([], DUE - timedelta(days=5), "courteous")
    assert early.action is Action.send and early.step.name == "courtesy"
    late = decide([], DUE + timedelta(days=12), "courteous")
    assert late.step.name == "reminder-2"  # no courtesy note after the due date


@pytest.mark.parametrize(
    ("event", "action", "words"),
    [
        ({"date": "2026-04-02", "kind": "payment", "amount": "5000.00"}, Action.stop, "paid"),
        ({"date": "2026-04-02", "kind": "settlement", "amount": "3000.00"}, Action.stop, "settled"),
        ({"date": "2026-04-02", "kind": "withdrawal"}, Action.stop, "withdrawn"),
        ({"date": "2026-04-02", "kind": "dispute", "reason": "quality"}, Action.pause, "disputed"),
        ({"date": "2026-04-02", "kind": "hold", "reason": "legal"}, Action.pause, "on hold"),
        ({"date": "2026-04-02", "kind": "promise_to_pay", "amount": "5000.00", "by": "2026-05-30"},
         Action.pause, "promise"),
    ],
)  # fmt: skip
def test_stop_and_pause(event: dict[str, Any], action: Action, words: str) -> None:
    decision = decide([event], date(2026, 5, 1))
    assert decision.action is action and words in decision.reason


def test_an_expired_promise_resumes() -> None:
    promise = {
        "date": "2026-04-02",
        "kind": "promise_to_pay",
        "amount": "5000.00",
        "by": "2026-04-20",
    }
    assert decide([promise], date(2026, 4, 21)).action is Action.send


def test_payment_plan_pauses_and_a_missed_instalment_resumes_where_it_stopped() -> None:
    events = [
        {"date": "2026-04-07", "kind": "reminder", "level": 1},
        {"date": "2026-04-21", "kind": "reminder", "level": 2},
        {"date": "2026-04-25", "kind": "payment_plan", "instalments": 5, "every_days": 30,
         "first": "2026-05-01", "amount": "1000.00"},
        {"date": "2026-05-01", "kind": "payment", "amount": "1000.00"},
    ]  # fmt: skip
    assert decide(events, date(2026, 5, 20)).action is Action.pause
    # instalment 2 (due 05-31) missed; grace 10 days -> defaulted from 06-11
    assert decide(events, date(2026, 6, 10)).action is Action.pause
    resumed = decide(events, date(2026, 6, 11))
    assert resumed.action is Action.send and resumed.step.name == "reminder-3"


def test_listing_after_notice_days() -> None:
    events = [{"date": "2026-06-09", "kind": "final_notice", "warns_publication": True}]
    assert decide(events, date(2026, 7, 8)).action is Action.wait
    listing = decide(events, date(2026, 7, 9))
    assert listing.action is Action.list
    unwarned = [{"date": "2026-06-09", "kind": "final_notice"}]
    assert decide(unwarned, date(2026, 9, 9)).action is Action.blocked


def test_ambiguous_send_blocks_the_case() -> None:
    events = [{"date": "2026-04-07", "kind": "send_intent", "step": "reminder-1",
               "message_id": "<TST-2026-001.reminder-1@overdue.example>"}]  # fmt: skip
    assert decide(events, date(2026, 5, 1)).action is Action.ambiguous
    cancelled = [*events, {"date": "2026-04-07", "kind": "send_cancelled", "step": "reminder-1",
                           "message_id": "<TST-2026-001.reminder-1@overdue.example>"}]  # fmt: skip
    assert decide(cancelled, date(2026, 5, 1)).step.name == "reminder-1"


def test_policy_file_is_validated() -> None:
    with pytest.raises(PolicyInvalid, match="last step"):
        parse_policies(
            "policies:\n  p:\n    description: x\n    steps:\n"
            "      - {name: a, kind: reminder, level: 1, offset_days: 1, template: t, channel: email, subject: s}\n",
            "test",
        )
    assert set(builtin_policies()) >= {"standard", "courteous", "strict"}
