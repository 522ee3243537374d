"""`overdue dunning run|confirm` and `overdue report aging`."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .aging import BUCKETS, aging_report
from .dunning import operator_date
from .dunning_run import RunReport, Transport, confirm_send, run_dunning
from .errors import OverdueError
from .mailer import Outbox, SmtpMailer, SmtpSettings
from .messages import Sender
from .money import format_money
from .registry import find_case_file, load_registry
from .settings import RegistrySettings


def _console() -> Console:
    return Console(file=sys.stdout, width=160, soft_wrap=False)


def _run_date(as_of: date | None, settings: RegistrySettings, now: datetime) -> date:
    if as_of is not None:
        return as_of
    if settings.as_of is not None:
        return settings.as_of
    return operator_date(now, settings.timezone)


def print_run(report: RunReport) -> None:
    table = Table(title=f"Dunning run for {report.today}")
    for column in ("Case", "State", "Done", "Next"):
        table.add_column(column, overflow="fold")
    for o in report.outcomes:
        style = "bold red" if o.attention else None
        table.add_row(o.case_id, o.status, o.done, o.next, style=style)
    _console().print(table)


def register(group: click.Group) -> None:
    from .cli import as_of_option, conf_option, format_problem, handle_errors, settings_for

    @group.group()
    def dunning() -> None:
        """The collection pipeline: reminders, demand letter, final notice, listing."""

    @dunning.command("run")
    @click.option(
        "--send",
        is_flag=True,
        help="Send e-mail by SMTP (OVERDUE_SMTP_* env) instead of the outbox.",
    )
    @click.option(
        "--outbox", type=click.Path(path_type=Path), default=Path("outbox"), show_default=True,
        help="Where .eml files (and letters as printable .html, always) are written.",
    )  # fmt: skip
    @click.option("--only", "only", default=None, metavar="CASE", help="Run for one case only.")
    @conf_option
    @as_of_option
    @handle_errors
    def run(send: bool, outbox: Path, only: str | None, conf: Path, as_of: date | None) -> None:
        """Take every case one step further on DATE; record each step in its case file."""
        settings = settings_for(conf)
        now = datetime.now(UTC)
        today = _run_date(as_of, settings, now)
        letters = Outbox(outbox)
        transport: Transport
        if send:
            smtp = SmtpSettings.from_env()
            sender = Sender.parse(smtp.sender or settings.dunning_from)
            transport = SmtpMailer(smtp, letters)
        else:
            sender = Sender.parse(os.environ.get("OVERDUE_SMTP_FROM") or settings.dunning_from)
            transport = letters
        try:
            report = run_dunning(
                [settings.content_dir], settings, today, transport, sender, now, only
            )
        finally:
            if isinstance(transport, SmtpMailer):
                transport.close()
        for problem in report.problems:
            click.echo(format_problem(problem, "text"), err=True)
        print_run(report)
        click.echo(f"{len(report.sent)} message(s) sent or written.", err=True)
        if report.needs_attention:
            click.echo("Some cases need attention (marked in red).", err=True)
            sys.exit(1)

    @dunning.command("confirm")
    @click.argument("case_id")
    @click.argument("step")
    @click.option("--sent/--not-sent", "sent", required=True, help="What the operator found out.")
    @conf_option
    @as_of_option
    @handle_errors
    def confirm(case_id: str, step: str, sent: bool, conf: Path, as_of: date | None) -> None:
        """Resolve an ambiguous send: record STEP of CASE as sent, or cancel it for a resend."""
        settings = settings_for(conf)
        today = _run_date(as_of, settings, datetime.now(UTC))
        path = find_case_file(case_id, settings.content_dir)
        event = confirm_send(path, settings, today, step, sent)
        click.echo(f"{case_id}: recorded {event['kind']} for {step} ({event['message_id']})")

    @group.group()
    def report() -> None:
        """Reports over the registry."""

    @report.command("aging")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
    )
    @conf_option
    @as_of_option
    @handle_errors
    def aging(fmt: str, conf: Path, as_of: date | None) -> None:
        """Outstanding amounts by days past due (current, 1-30, 31-60, 61-90, 90+) and case states."""
        settings = settings_for(conf)
        today = _run_date(as_of, settings, datetime.now(UTC))
        registry = load_registry([settings.content_dir], settings, today)
        for problem in registry.problems:
            click.echo(format_problem(problem, "text"), err=True)
        result = aging_report(registry.assessments, today)
        if fmt == "json":
            click.echo(json.dumps(result.as_json(), indent=2))
        elif fmt == "csv":
            click.echo(result.as_csv(), nl=False)
        else:
            table = Table(title=f"Aging on {today}")
            table.add_column("Currency")
            for bucket in (*BUCKETS, "total"):
                table.add_column(bucket, justify="right")
            for cur in sorted(result.amounts):
                cells = [result.formatted(cur, b) for b in BUCKETS]
                table.add_row(cur, *cells, format_money(result.totals(cur), cur))
            states = Table(title="Cases by state")
            states.add_column("State")
            states.add_column("Cases", justify="right")
            for state, count in sorted(result.states.items()):
                states.add_row(state, str(count))
            console = _console()
            console.print(table)
            console.print(states)
        if registry.problems:
            raise OverdueError(
                f"{len(registry.problems)} invalid case file(s) left out of the report"
            )
