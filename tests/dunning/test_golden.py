"""Golden files for every template level. Regenerate with OVERDUE_REGEN_GOLDEN=1 and review the diff."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.dunning import PolicyStep, builtin_policies
from pipeline.dunning_run import prepare_step
from pipeline.records import Case
from pipeline.settings import RegistrySettings
from tests.casefactory import case_dict

from .helpers import SENDER

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "dunning"
REGEN = os.environ.get("OVERDUE_REGEN_GOLDEN") == "1"
TEMPLATES = [
    "reminder_courtesy",
    "reminder_friendly",
    "reminder_firm",
    "reminder_final",
    "demand_letter",
    "final_notice",
]
NOW = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)

# A case with everything a statement can show: two invoices, a partial payment, interest,
# fees allowed, and hostile text that must come out escaped in HTML.
CASE = Case.model_validate(
    case_dict(
        **{
            "debtor.name": "Acme <b>Widgets</b> & Sons, Inc.",
            "claim.fees_allowed": True,
            "claim.late_interest": {"annual_rate": "0.08", "from": "due"},
            "claim.invoices": [
                {
                    "number": "TB-0001",
                    "issued": "2026-03-01",
                    "due": "2026-03-31",
                    "amount": "5000.00",
                    "description": "Widgets <script>alert(1)</script>",
                },
                {
                    "number": "TB-0002",
                    "issued": "2026-03-15",
                    "due": "2026-04-14",
                    "amount": "1250.50",
                },
            ],
            "events": [
                {
                    "date": "2026-04-20",
                    "kind": "payment",
                    "amount": "1000.00",
                    "reference": "ACH 991",
                }
            ],
        }
    )
)


def check_golden(name: str, body: bytes) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert path.exists(), f"missing golden file {path}; run with OVERDUE_REGEN_GOLDEN=1"
    assert body == path.read_bytes(), f"{name} differs from its golden file"


def step_for(template: str) -> PolicyStep:
    return PolicyStep.model_validate({
        "name": template.replace("_", "-"),
        "kind": {"demand_letter": "demand_letter", "final_notice": "final_notice"}.get(template, "reminder"),
        "level": None if template in ("demand_letter", "final_notice") else 1 + TEMPLATES.index(template),
        "offset_days": 1, "template": template, "channel": "email", "subject": f"{template} ({{case}})",
        "fee": {"rate": "0.05"} if template == "demand_letter" else None,
    })  # fmt: skip


@pytest.mark.parametrize("template", TEMPLATES)
def test_email_golden(template: str) -> None:
    prepared = prepare_step(
        CASE, step_for(template), date(2026, 6, 1), RegistrySettings(), SENDER, NOW
    )
    assert prepared.email is not None
    raw = prepared.email.as_bytes()
    check_golden(f"{template}.eml", raw)
    text = prepared.email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = prepared.email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "How to pay" in body or "HOW TO PAY" in body
        assert "dispute" in body.lower() and "disputes@overdue.example" in body
        assert "TST-2026-001" in body
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Acme &lt;b&gt;Widgets&lt;/b&gt; &amp; Sons, Inc." in html


def test_letter_golden() -> None:
    step = builtin_policies()["standard"].step("demand-letter")
    prepared = prepare_step(CASE, step, date(2026, 6, 1), RegistrySettings(), SENDER, NOW)
    assert prepared.email is None
    check_golden("demand_letter.letter.html", prepared.html.encode("utf-8"))
    assert "@page" in prepared.html and "Formal demand for payment" in prepared.html


def test_tone_and_content_escalate() -> None:
    texts = {}
    for template in TEMPLATES:
        prepared = prepare_step(
            CASE, step_for(template), date(2026, 6, 1), RegistrySettings(), SENDER, NOW
        )
        assert prepared.email is not None
        texts[template] = prepared.email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "courtesy" in texts["reminder_courtesy"]
    assert "overlooked" in texts["reminder_friendly"]
    assert "Please pay it now" in texts["reminder_firm"]
    assert "final reminder" in texts["reminder_final"]
    # demand letter: itemised statement with the fee (5% of 5,250.50 = 262.525 -> 262.53)
    demand = texts["demand_letter"]
    for item in (
        "Invoice TB-0001",
        "Invoice TB-0002",
        "Payment received (ACH 991)",
        "USD 262.53",
        "Late interest at 8%",
    ):
        assert item in demand
    # interest by hand: 5000*.08*20/365 + 4000*.08*42/365 + 1250.50*.08*48/365 = 71.8958 -> 71.90
    # total: 6,250.50 + 262.53 + 71.90 - 1,000.00 = 5,584.93
    assert "USD 71.90" in demand and "Amount now due: USD 5,584.93" in demand
    # final notice states the publication date (1 June + 30 days)
    assert "1 July 2026 (2026-07-01)" in texts["final_notice"]
