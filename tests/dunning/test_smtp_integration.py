"""A real SMTP server (aiosmtpd on 127.0.0.1): full run, rerun, a dropped connection (C24)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.dunning_run import confirm_send
from pipeline.mailer import Outbox, SmtpMailer, SmtpSettings
from pipeline.records import SendIntent
from pipeline.settings import RegistrySettings
from pipeline.state import derive_state
from tests.casefactory import case_dict, write_case

from .conftest import SmtpServer
from .helpers import case_at, run

pytestmark = pytest.mark.integration

RUN_DATE = date(2026, 12, 20)
EXTRA = ("TST-2026-101", "TST-2026-102", "TST-2026-103")
# Worked out by hand from the "standard" policy and the sample files on 2026-12-20:
# BLS had reminder 1 on 11-07 -> reminder 2 (due+21 = 11-21, caught up now);
# GCF had its demand letter on 11-12 -> final notice (due+70 = 12-10);
# the three extra cases fell due on 12-10 -> reminder 1 (due+7 = 12-17).
EXPECTED_IDS = {
    "<BLS-2026-040.reminder-2@overdue.example>",
    "<GCF-2026-019.final-notice@overdue.example>",
    *(f"<{c}.reminder-1@overdue.example>" for c in EXTRA),
}


def add_extra_cases(directory: Path) -> None:
    for n, case_id in enumerate(EXTRA):
        write_case(
            directory,
            case_dict(**{
                "case": case_id, "events": [],
                "claim.invoices.0.issued": "2026-11-10", "claim.invoices.0.due": "2026-12-10",
                "debtor.contacts.0.email": f"ap{n}@testbed.example",
            }),
        )  # fmt: skip


def mailer(server: SmtpServer, outbox: Path) -> SmtpMailer:
    return SmtpMailer(
        SmtpSettings(server.host, server.port, False, None, None, None, 10.0), Outbox(outbox)
    )


def test_full_run_sends_exactly_the_expected_messages_and_a_rerun_sends_none(
    smtp_server: SmtpServer, sample_dir: Path, dunning_settings: RegistrySettings, tmp_path: Path
) -> None:
    add_extra_cases(sample_dir)
    transport = mailer(smtp_server, tmp_path / "outbox")
    report = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    assert not report.needs_attention, report.outcomes
    assert set(smtp_server.handler.message_ids) == EXPECTED_IDS
    assert len(smtp_server.handler.message_ids) == len(EXPECTED_IDS)
    # ATX's warning went out on 11-16 with publish_on 12-16: listed, no message.
    assert case_at(sample_dir, "ATX-2026-033").events[-1].kind == "listed"
    # every sent message is recorded in its case with its Message-ID
    for message_id in EXPECTED_IDS:
        case_id = message_id[1:].split(".")[0]
        recorded = [getattr(e, "message_id", None) for e in case_at(sample_dir, case_id).events]
        assert recorded.count(message_id) == 2  # the intent and the sent record
    received = {str(m["Message-ID"]): m for m in smtp_server.handler.received}
    bls = received["<BLS-2026-040.reminder-2@overdue.example>"]
    assert bls["To"] == "Morgan Diaz <office@bluebonnetlabs.example>"
    assert bls.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in bls.get_payload()] == ["text/plain", "text/html"]  # type: ignore[union-attr]

    before = {p.name: p.read_bytes() for p in sample_dir.iterdir()}
    transport = mailer(smtp_server, tmp_path / "outbox")
    again = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    assert len(smtp_server.handler.received) == len(EXPECTED_IDS)  # nothing new
    assert again.sent == []
    assert {p.name: p.read_bytes() for p in sample_dir.iterdir()} == before


def test_connection_dropped_after_accepting_a_message_mid_batch(
    smtp_server: SmtpServer, sample_dir: Path, dunning_settings: RegistrySettings, tmp_path: Path
) -> None:
    """C24: the server keeps message 2 (GCF) and drops the line before replying."""
    add_extra_cases(sample_dir)
    smtp_server.handler.drop_after_storing = {2}
    transport = mailer(smtp_server, tmp_path / "outbox")
    first = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    outcomes = {o.case_id: o for o in first.outcomes}
    assert first.needs_attention
    assert "AMBIGUOUS" in outcomes["GCF-2026-019"].done
    # the batch stopped on the lost connection: the rest waits, with nothing recorded
    for case_id in EXTRA:
        assert "not attempted" in outcomes[case_id].done
        assert case_at(sample_dir, case_id).events == []
    gcf_state = derive_state(case_at(sample_dir, "GCF-2026-019"), RUN_DATE)
    assert [i.step for i in gcf_state.ambiguous_sends] == ["final-notice"]
    assert len(smtp_server.handler.received) == 2

    smtp_server.handler.drop_after_storing = set()
    transport = mailer(smtp_server, tmp_path / "outbox")
    second = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    outcomes = {o.case_id: o for o in second.outcomes}
    assert "AMBIGUOUS" in outcomes["GCF-2026-019"].done  # reported again, not resent
    assert {o.message_id for o in second.sent} == {
        f"<{c}.reminder-1@overdue.example>" for c in EXTRA
    }

    # the operator checks the server log: it was delivered
    confirm_send(
        sample_dir / "GCF-2026-019.yaml", dunning_settings, RUN_DATE, "final-notice", sent=True
    )
    transport = mailer(smtp_server, tmp_path / "outbox")
    third = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    assert third.sent == [] and not third.needs_attention

    counts = Counter(smtp_server.handler.message_ids)
    assert set(counts) == EXPECTED_IDS  # nothing missing
    assert max(counts.values()) == 1  # nothing twice
    gcf = case_at(sample_dir, "GCF-2026-019")
    assert gcf.events[-1].kind == "final_notice"
    assert gcf.events[-1].message_id == "<GCF-2026-019.final-notice@overdue.example>"  # type: ignore[union-attr]


def test_confirm_not_sent_resends_with_the_same_message_id(
    smtp_server: SmtpServer, sample_dir: Path, dunning_settings: RegistrySettings, tmp_path: Path
) -> None:
    smtp_server.handler.drop_after_storing = {1}
    transport = mailer(smtp_server, tmp_path / "outbox")
    run(dunning_settings, RUN_DATE, transport, only="BLS-2026-040")
    transport.close()
    bls = case_at(sample_dir, "BLS-2026-040")
    assert isinstance(bls.events[-1], SendIntent)
    smtp_server.handler.drop_after_storing = set()
    confirm_send(
        sample_dir / "BLS-2026-040.yaml", dunning_settings, RUN_DATE, "reminder-2", sent=False
    )
    transport = mailer(smtp_server, tmp_path / "outbox")
    run(dunning_settings, RUN_DATE, transport, only="BLS-2026-040")
    transport.close()
    assert smtp_server.handler.message_ids == ["<BLS-2026-040.reminder-2@overdue.example>"] * 2
    kinds = [e.kind for e in case_at(sample_dir, "BLS-2026-040").events]
    assert kinds[-4:] == ["send_intent", "send_cancelled", "send_intent", "reminder"]


def test_a_refused_recipient_is_cancelled_and_retried_on_the_next_run(
    smtp_server: SmtpServer, sample_dir: Path, dunning_settings: RegistrySettings, tmp_path: Path
) -> None:
    smtp_server.handler.refuse_recipients = {"office@bluebonnetlabs.example"}
    transport = mailer(smtp_server, tmp_path / "outbox")
    report = run(dunning_settings, RUN_DATE, transport)
    transport.close()
    outcomes = {o.case_id: o for o in report.outcomes}
    assert "NOT SENT" in outcomes["BLS-2026-040"].done
    # a refusal with a reply is certain: the batch goes on over the same connection
    assert smtp_server.handler.message_ids == ["<GCF-2026-019.final-notice@overdue.example>"]
    assert case_at(sample_dir, "BLS-2026-040").events[-1].kind == "send_cancelled"
    smtp_server.handler.refuse_recipients = set()
    transport = mailer(smtp_server, tmp_path / "outbox")
    run(dunning_settings, RUN_DATE, transport)
    transport.close()
    assert Counter(smtp_server.handler.message_ids) == Counter(
        ["<GCF-2026-019.final-notice@overdue.example>", "<BLS-2026-040.reminder-2@overdue.example>"]
    )


def test_cli_run_with_send_uses_the_environment(
    smtp_server: SmtpServer, sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_dir.parent.parent)
    (sample_dir.parent.parent / "pelicanconf.py").write_text(
        'OVERDUE = {"content_dir": "content/debts", "timezone": "America/New_York"}\n'
    )
    runner = CliRunner()
    result = runner.invoke(
        main, ["dunning", "run", "--date", "2026-12-20", "--send"], env=smtp_server.env()
    )
    assert result.exit_code == 0, result.output
    assert "BLS-2026-040" in result.output and "reminder-2 sent" in result.output
    assert "listing on 2027-01-19" in result.output  # GCF: what is next
    assert sorted(smtp_server.handler.message_ids) == sorted(
        ["<BLS-2026-040.reminder-2@overdue.example>", "<GCF-2026-019.final-notice@overdue.example>"]
    )
    rerun = runner.invoke(
        main, ["dunning", "run", "--date", "2026-12-20", "--send"], env=smtp_server.env()
    )
    assert rerun.exit_code == 0 and len(smtp_server.handler.received) == 2
