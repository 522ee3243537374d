"""Case commands operators use daily: pay, dispute, hold, settle, plan, withdraw, new.

The logic lives in `casecommands` and `newcase`; this module only parses arguments,
picks the date and prints the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import click

from . import casecommands as commands
from .casecommands import CommandOutcome, CommandRefused
from .cli import ISO_DATE, conf_option, handle_errors, settings_for
from .newcase import NewCaseSpec, create_case, parse_invoice
from .public import format_money
from .records import load_case
from .registry import find_case_file, load_one
from .rules import assess
from .settings import RegistrySettings

F = TypeVar("F", bound=Callable[..., Any])


def date_option(func: F) -> F:
    return click.option(
        "--date", "on", type=ISO_DATE, default=None,
        help="Date of the event (default: today in the configured time zone).",
    )(func)  # fmt: skip


def event_date(settings: RegistrySettings, on: date | None) -> date:
    today = settings.today()
    if on is None:
        return today
    if on > today:
        raise CommandRefused(f"--date {on} is in the future (today is {today})")
    return on


def case_path(settings: RegistrySettings, case_id: str) -> Path:
    return find_case_file(case_id, settings.content_dir)


def report(outcome: CommandOutcome, settings: RegistrySettings) -> None:
    case, doc = load_case(outcome.path)
    as_of = max(settings.today(), outcome.state.as_of)
    assessment = assess(case, doc, settings, as_of)
    state = assessment.state
    public = assessment.public and not assessment.check_failures
    click.echo(f"{case.case}: {outcome.message}.")
    click.echo(
        f"  balance {format_money(state.balance, state.currency)}; state {state.status.label}; "
        f"public: {'yes' if public else 'no'}"
    )
    if outcome.appended:
        click.echo(f"  wrote {outcome.path}")


class PromptOption(click.Option):
    """Prompts like click does, unless `--no-input` was given."""

    def prompt_for_value(self, ctx: click.Context) -> object:
        if ctx.meta.get("overdue.no_input"):
            default = self.get_default(ctx)
            if self.required or not isinstance(default, str):  # None or click's UNSET
                raise click.MissingParameter(ctx=ctx, param=self)
            return default
        return super().prompt_for_value(ctx)


def _set_no_input(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["overdue.no_input"] = value


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.argument("amount")
    @date_option
    @click.option("--reference", default=None, help="Bank reference; repeating it is a no-op.")
    @click.option("--currency", default=None, help="Currency of AMOUNT; must be the claim's.")
    @conf_option
    @handle_errors
    def pay(
        case_id: str, amount: str, on: date | None, reference: str | None,
        currency: str | None, conf: Path,
    ) -> None:  # fmt: skip
        """Record a payment on CASE and print the new balance and state."""
        settings = settings_for(conf)
        outcome = commands.pay(
            case_path(settings, case_id), amount, event_date(settings, on), reference, currency
        )
        report(outcome, settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.argument("amount")
    @date_option
    @click.option("--reference", default=None, help="Reference of the settlement agreement.")
    @conf_option
    @handle_errors
    def settle(
        case_id: str, amount: str, on: date | None, reference: str | None, conf: Path
    ) -> None:
        """Record AMOUNT as accepted in full settlement of CASE."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.settle(path, amount, event_date(settings, on), reference), settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.option("--reason", required=True, help="What the debtor disputes.")
    @date_option
    @conf_option
    @handle_errors
    def dispute(case_id: str, reason: str, on: date | None, conf: Path) -> None:
        """Record a dispute: the listing comes down while it is reviewed."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.dispute(path, reason, event_date(settings, on)), settings)

    @group.command("resolve-dispute")
    @click.argument("case_id", metavar="CASE")
    @click.option("--outcome", type=click.Choice(["upheld", "rejected"]), required=True)
    @click.option("--reason", default=None)
    @date_option
    @conf_option
    @handle_errors
    def resolve_dispute(
        case_id: str, outcome: Literal["upheld", "rejected"], reason: str | None,
        on: date | None, conf: Path,
    ) -> None:  # fmt: skip
        """Close the open dispute: upheld withdraws the claim, rejected resumes it."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.resolve_dispute(path, outcome, event_date(settings, on), reason), settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.option("--reason", required=True)
    @date_option
    @conf_option
    @handle_errors
    def hold(case_id: str, reason: str, on: date | None, conf: Path) -> None:
        """Put CASE on hold: dunning pauses and the listing comes down."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.hold(path, reason, event_date(settings, on)), settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.option("--reason", default=None)
    @date_option
    @conf_option
    @handle_errors
    def release(case_id: str, reason: str | None, on: date | None, conf: Path) -> None:
        """Release the hold on CASE."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.release(path, event_date(settings, on), reason), settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.option("--instalments", type=click.IntRange(1, 10_000), required=True)
    @click.option("--every", "every_days", type=click.IntRange(1, 10_000), required=True,
                  help="Days between instalments.")  # fmt: skip
    @click.option("--first", type=ISO_DATE, required=True, help="Date of the first instalment.")
    @click.option(
        "--amount", default=None, help="Each instalment (default: balance / N, rounded up)."
    )
    @date_option
    @conf_option
    @handle_errors
    def plan(
        case_id: str, instalments: int, every_days: int, first: date, amount: str | None,
        on: date | None, conf: Path,
    ) -> None:  # fmt: skip
        """Record an agreed payment plan; the listing comes down while it is kept."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        outcome = commands.plan(
            path, instalments, every_days, first, event_date(settings, on), amount
        )
        report(outcome, settings)

    @group.command()
    @click.argument("case_id", metavar="CASE")
    @click.option("--reason", required=True)
    @date_option
    @conf_option
    @handle_errors
    def withdraw(case_id: str, reason: str, on: date | None, conf: Path) -> None:
        """Withdraw the claim (the creditor no longer pursues it)."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.withdraw(path, reason, event_date(settings, on)), settings)

    @group.command("write-off")
    @click.argument("case_id", metavar="CASE")
    @click.option("--reason", required=True)
    @date_option
    @conf_option
    @handle_errors
    def write_off(case_id: str, reason: str, on: date | None, conf: Path) -> None:
        """Write the debt off as uncollectable."""
        settings = settings_for(conf)
        path = case_path(settings, case_id)
        report(commands.write_off(path, reason, event_date(settings, on)), settings)

    @group.command("new")
    @click.option("--no-input", is_eager=True, is_flag=True, expose_value=False,
                  callback=_set_no_input, envvar="OVERDUE_NO_INPUT",
                  help="Never prompt (for scripts): optional fields left out stay empty, "
                       "and a missing required one is an error.")  # fmt: skip
    @click.option("--case", "case_id", cls=PromptOption, prompt="Case id (A-Z, 0-9, -)")
    @click.option("--debtor-name", cls=PromptOption, prompt="Debtor's registered name")
    @click.option("--entity", cls=PromptOption, prompt="Legal form",
                  type=click.Choice(["corporation", "llc", "partnership", "limited_company", "other_entity"]))  # fmt: skip
    @click.option("--country", cls=PromptOption, prompt="Debtor country (ISO 3166-1 alpha-2)")
    @click.option(
        "--region",
        default="",
        cls=PromptOption,
        prompt="Debtor region (ISO 3166-2, required for US)",
    )
    @click.option(
        "--website", default="", cls=PromptOption, prompt="Debtor website (blank for none)"
    )
    @click.option("--creditor-name", cls=PromptOption, prompt="Creditor's name")
    @click.option("--creditor-country", cls=PromptOption, prompt="Creditor country")
    @click.option("--creditor-display", type=click.Choice(["named", "anonymous"]),
                  default="anonymous", show_default=True)  # fmt: skip
    @click.option("--creditor-description", default=None, help='e.g. "a software vendor".')
    @click.option("--currency", cls=PromptOption, prompt="Claim currency (ISO 4217)")
    @click.option("--invoice", "invoices", multiple=True, metavar="NUMBER:ISSUED:DUE:AMOUNT")
    @click.option("--contract-title", cls=PromptOption, prompt="Contract title")
    @click.option("--contract-signed", type=ISO_DATE, default=None)
    @click.option("--contract-clause", default=None)
    @click.option("--summary", default=None, help="Public Markdown summary.")
    @click.option("--contact", "contacts", multiple=True, metavar="NAME[:ROLE[:EMAIL]]",
                  help="PRIVATE dunning recipient (repeatable).")  # fmt: skip
    @conf_option
    @handle_errors
    def new(
        case_id: str, debtor_name: str, entity: str, country: str, region: str, website: str,
        creditor_name: str, creditor_country: str, creditor_display: str,
        creditor_description: str | None, currency: str, invoices: tuple[str, ...],
        contract_title: str, contract_signed: date | None, contract_clause: str | None,
        summary: str | None, contacts: tuple[str, ...], conf: Path,
    ) -> None:  # fmt: skip
        """Scaffold a valid case file (from prompts, or flags for scripts) and check it."""
        settings = settings_for(conf)
        texts = list(invoices)
        while not texts:
            texts.extend(
                t for t in [click.prompt("Invoice NUMBER:ISSUED:DUE:AMOUNT", default="")] if t
            )
        parsed_contacts = []
        for text in contacts:
            name, role, email = ([*text.split(":", 2), None, None])[:3]
            parsed_contacts.append((name or "", role or None, email or None))
        spec = NewCaseSpec(
            case=case_id.strip(), debtor_name=debtor_name, entity=entity, country=country,
            region=region or None, website=website or None, currency=currency,
            creditor_name=creditor_name, creditor_country=creditor_country,
            creditor_display=creditor_display, creditor_description=creditor_description,
            invoices=tuple(parse_invoice(t) for t in texts), contract_title=contract_title,
            contract_signed=contract_signed, contract_clause=contract_clause, summary=summary,
            contacts=tuple(parsed_contacts),
        )  # fmt: skip
        schema_path = conf.resolve().parent / "schema" / "case.schema.json"
        as_of = settings.today()
        path, _ = create_case(spec, settings, schema_path, as_of)
        click.echo(f"wrote {path}")
        assessment, problems = load_one(path, settings, as_of)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems or assessment is None:
            raise CommandRefused(f"{path} does not pass check")
        click.echo(f"check: {path} is valid ({assessment.state.status.label}, not yet public).")
