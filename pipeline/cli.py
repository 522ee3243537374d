"""The `overdue` command line. The only place that turns typed errors into messages and exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import OverdueError, Problem, RecordInvalid
from .fieldtypes import currency_exponent
from .records import record_json_schema
from .registry import load_single
from .rules import Assessment
from .settings import RegistrySettings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


class IsoDateParam(click.ParamType):  # type: ignore[type-arg]
    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)


ISO_DATE = IsoDateParam()


def handle_errors(func: F) -> F:
    """Turn the package's typed errors into one readable line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RecordInvalid as exc:
            for problem in exc.problems:
                click.echo(format_problem(problem, "text"), err=True)
            sys.exit(1)
        except OverdueError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def conf_option(func: F) -> F:
    return click.option(
        "--conf", "conf", type=click.Path(path_type=Path), default=Path("pelicanconf.py"),
        show_default=True, help="Pelican settings file holding OVERDUE = {...}.",
    )(func)  # fmt: skip


def as_of_option(func: F) -> F:
    return click.option(
        "--date", "as_of", type=ISO_DATE, default=None,
        help="Judge the cases as of this date (default: today in the configured time zone).",
    )(func)  # fmt: skip


def settings_for(conf: Path) -> RegistrySettings:
    return load_settings(conf)


def _escape_github(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def format_problem(problem: Problem, fmt: str) -> str:
    loc = problem.location
    if fmt == "github":
        props = f"file={loc.path},line={loc.line},col={loc.column}"
        props = props.replace(",", ",").replace("::", ":")
        return f"::error {props}::{_escape_github(problem.message)}"
    return str(problem)


LAZY_COMMANDS = {
    "dunning": "cli_dunning", "report": "cli_dunning",
    "dispute": "cli_cases", "hold": "cli_cases", "new": "cli_cases", "pay": "cli_cases",
    "plan": "cli_cases", "release": "cli_cases", "resolve-dispute": "cli_cases",
    "settle": "cli_cases", "withdraw": "cli_cases", "write-off": "cli_cases",
    "publish": "cli_publish", "takedown": "cli_publish",
}  # fmt: skip
"""Commands whose modules are imported only when they run (or help lists them): `build`
should not pay for boto3 and rich. tests/core checks this table against the modules."""


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            register_module(self, LAZY_COMMANDS[cmd_name])
        return super().get_command(ctx, cmd_name)


def register_module(group: click.Group, name: str) -> None:
    import importlib

    module = importlib.import_module(f".{name}", __package__)
    module.register(group)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="overdue")
def main() -> None:
    """Overdue: a public registry of unpaid B2B debts, and the dunning that leads to it."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True
)
@click.option(
    "--cache-dir", type=click.Path(path_type=Path), default=Path(".overdue-cache"),
    show_default=True,
    help="The build cache: files judged before under the same key are not judged again, "
    "and what is judged is kept for the build.",
)  # fmt: skip
@click.option("--no-cache", is_flag=True, help="Judge every file afresh; read and write no cache.")
@conf_option
@as_of_option
@handle_errors
def check(
    paths: tuple[Path, ...], fmt: str, cache_dir: Path, no_cache: bool, conf: Path,
    as_of: date | None,
) -> None:  # fmt: skip
    """Validate case files (default: every file in content/debts/). Exit 1 on any problem."""
    from .buildcache import check_registry_files

    settings = settings_for(conf)
    found = check_registry_files(
        paths or (settings.content_dir,), settings, as_of or settings.today(),
        cache_dir=None if no_cache else cache_dir,
    )  # fmt: skip
    for problem in found.problems:
        click.echo(format_problem(problem, fmt))
    if found.problems:
        click.echo(f"{len(found.problems)} problem(s) found; nothing may be published.", err=True)
        sys.exit(1)
    click.echo(f"{found.cases} case(s) valid, {len(found.public)} public.", err=True)


def money_text(amount: Decimal, currency: str) -> str:
    """A plain decimal with the currency's minor units: "0.00", not "0"."""
    return str(amount.quantize(Decimal(1).scaleb(-currency_exponent(currency))))


def explanation(assessment: Assessment) -> dict[str, Any]:
    state = assessment.state
    return {
        "case": assessment.case.case,
        "as_of": state.as_of.isoformat(),
        "state": state.status.label,
        "status": state.status.value,
        "currency": state.currency,
        "principal": money_text(state.principal, state.currency),
        "paid": money_text(state.paid, state.currency),
        "balance": money_text(state.balance, state.currency),
        "days_overdue": state.days_overdue,
        "listed_on": state.listed_on.isoformat() if state.listed_on else None,
        "public": assessment.public and not assessment.check_failures,
        "rules": [
            {
                "rule": r.rule,
                "verdict": r.verdict.value,
                "reason": r.reason,
                "source": r.source,
                "location": str(r.location) if r.location else None,
            }
            for r in assessment.results
        ],
    }


@main.command()
@click.argument("case_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@conf_option
@as_of_option
@handle_errors
def explain(case_id: str, fmt: str, conf: Path, as_of: date | None) -> None:
    """Show a case's derived state, balance and every publication rule's verdict."""
    settings = settings_for(conf)
    _, assessment = load_single(case_id, settings, as_of or settings.today())
    report = explanation(assessment)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['case']}  {report['state']}  as of {report['as_of']}")
    click.echo(f"  balance {report['currency']} {report['balance']} of {report['principal']}"
               f" ({report['days_overdue']} days overdue)")  # fmt: skip
    click.echo(f"  public: {'yes' if report['public'] else 'no'}")
    for rule in report["rules"]:
        mark = {"pass": "PASS", "fail": "FAIL", "review": "REVIEW"}[rule["verdict"]]
        source = f"  [{rule['source']}]" if rule["source"] else ""
        click.echo(f"  {mark:<6} {rule['rule']:<16} {rule['reason']}{source}")


@main.command()
def schema() -> None:
    """Print the JSON Schema of a case file (for editors and the yaml-language-server)."""
    click.echo(json.dumps(record_json_schema(), indent=2))


@main.command()
@click.option(
    "--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True
)
@click.option("--theme", type=click.Path(path_type=Path), default=Path("theme"), show_default=True)
@click.option(
    "--cache-dir", type=click.Path(path_type=Path), default=Path(".overdue-cache"),
    show_default=True, help="Build cache (content-hash keyed; safe to delete).",
)  # fmt: skip
@click.option(
    "--no-cache",
    is_flag=True,
    help="Build without reading or writing the cache (a temporary one is used, then deleted).",
)
@click.option(
    "--no-search", is_flag=True,
    help="Leave the search index out (a quick preview; an old index is deleted, not kept).",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Worker processes for judging case files and making the pages (default: one per core).",
)  # fmt: skip
@conf_option
@as_of_option
@handle_errors
def build(
    output: Path, theme: Path, cache_dir: Path, no_cache: bool, no_search: bool,
    workers: int | None, conf: Path, as_of: date | None,
) -> None:  # fmt: skip
    """Check every record and build the site into --output (what `make html` runs via Pelican)."""
    from .build import build_site, build_summary
    from .errors import BuildRefused

    settings = settings_for(conf)
    try:
        result = build_site(
            settings, output, theme, as_of, None if no_cache else cache_dir, workers,
            search=not no_search,
        )  # fmt: skip
    except BuildRefused as exc:
        raise RecordInvalid(exc.problems) from None
    click.echo(build_summary(result))


@main.command()
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True
)
def serve(port: int, output: Path) -> None:
    """Serve the built site on http://127.0.0.1:PORT/."""
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"Serving {output} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        server.serve_forever()


@main.command()
@click.option("--write", "write", type=click.Path(path_type=Path), default=None,
              help="Rewrite the marked sections of this Markdown file in place.")  # fmt: skip
def docs(write: Path | None) -> None:
    """Print the record, event and settings reference tables generated from the models."""
    from .docs import SECTIONS, render_readme

    if write is not None:
        write.write_text(render_readme(write.read_text("utf-8")), "utf-8")
        return
    for name, make in SECTIONS.items():
        click.echo(f"## {name}\n\n{make()}\n")
