"""`overdue publish` and `overdue takedown`: the bucket and CDN side of the registry."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from .bucket import PublishResult
from .cli import as_of_option, handle_errors, settings_for
from .publish import PublishPlan
from .publishconfig import publish_settings


def _conf_option(func: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--conf", "conf", type=click.Path(path_type=Path), default=Path("publishconf.py"),
        show_default=True, help="Settings file holding OVERDUE = {...} and PUBLISH = {...}.",
    )(func)  # fmt: skip


def _target_options(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed([
        click.option("--bucket", default=None, help="S3 bucket (default: PUBLISH['bucket'] / OVERDUE_BUCKET)."),
        click.option("--prefix", default=None, help="Key prefix of the site in the bucket."),
        click.option("--distribution", default=None, help="CloudFront distribution id to invalidate."),
        click.option("--endpoint-url", default=None, help="S3 endpoint (default: boto3 chain, AWS_ENDPOINT_URL_S3)."),
        click.option("--region", default=None, help="Bucket region (default: boto3 chain)."),
        click.option("--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True, help="The built site."),
    ]):  # fmt: skip
        func = option(func)
    return func


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[str, str], None]]:
    """A rich progress bar on a terminal; silent otherwise (CI logs get the summary line)."""
    if total == 0 or not sys.stderr.isatty():
        yield lambda action, path: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=total)

        def advance(action: str, path: str) -> None:
            if action in ("upload", "delete"):
                bar.update(task, advance=1, description=f"{action} {path[-50:]}")

        yield advance


def _echo_plan(plan: PublishPlan, verbose: bool) -> None:
    if verbose:
        for upload in plan.uploads:
            verb = "update" if upload.replaces else "add"
            click.echo(f"{verb:<7}{upload.path}  ({upload.headers.stage}, {upload.size} B, "
                       f"{upload.headers.content_type}; {upload.headers.cache_control})")  # fmt: skip
        for path in plan.deletes:
            click.echo(f"delete {path}")
        for batch in plan.invalidations:
            for path in batch.paths:
                click.echo(f"invalidate {path}")
    click.echo(
        f"plan: {len(plan.uploads)} upload(s) ({plan.upload_bytes} bytes), "
        f"{len(plan.deletes)} delete(s), {len(plan.invalidation_paths)} invalidation path(s) "
        f"in {len(plan.invalidations)} batch(es), {plan.unchanged} unchanged; "
        f"bucket had {plan.remote_objects} object(s)"
    )


def _summary(result: PublishResult, plan: PublishPlan) -> str:
    ids = ",".join(result.invalidation_ids) or "-"
    return (
        f"published: {result.uploaded} uploaded ({result.uploaded_bytes} bytes), "
        f"{result.deleted} deleted, {plan.unchanged} unchanged, "
        f"{len(result.invalidated_paths)} path(s) invalidated (invalidation {ids})"
    )


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help="Allow deleting more than PUBLISH['max_delete_share'] of the bucket.",
)
@_target_options
@_conf_option
@as_of_option
@handle_errors
def publish(
    dry_run: bool, allow_mass_delete: bool, bucket: str | None, prefix: str | None,
    distribution: str | None, endpoint_url: str | None, region: str | None, output: Path,
    conf: Path, as_of: date | None,
) -> None:  # fmt: skip
    """Upload what changed in OUTPUT to S3 (by content hash), delete what is gone, invalidate CloudFront."""
    from .publishrun import prepare_publish

    settings = settings_for(conf)
    target = publish_settings(conf, dict(bucket=bucket, prefix=prefix, distribution=distribution,
                                         endpoint_url=endpoint_url, region=region))  # fmt: skip
    prepared = prepare_publish(settings, target, output, allow_mass_delete=allow_mass_delete,
                               as_of=as_of)  # fmt: skip
    plan = prepared.plan
    _echo_plan(plan, verbose=dry_run)
    if dry_run:
        click.echo("dry run: nothing was changed")
        return
    with _progress(len(plan.uploads) + len(plan.deletes), "publishing") as advance:
        result = prepared.run(advance)
    if not target.distribution and plan.invalidations:
        click.echo("no CloudFront distribution configured: nothing was invalidated", err=True)
    click.echo(_summary(result, plan))


@click.command()
@click.argument("case_id")
@click.option(
    "--reason", required=True, help="Why (court order, mistake...); recorded in the hold event."
)
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; change nothing.")
@_target_options
@_conf_option
@handle_errors
def takedown(
    case_id: str, reason: str, dry_run: bool, bucket: str | None, prefix: str | None,
    distribution: str | None, endpoint_url: str | None, region: str | None, output: Path,
    conf: Path,
) -> None:  # fmt: skip
    """Put CASE on hold and remove its objects from the bucket and CDN now, without a rebuild."""
    from .takedown import take_down

    settings = settings_for(conf)
    target = publish_settings(conf, dict(bucket=bucket, prefix=prefix, distribution=distribution,
                                         endpoint_url=endpoint_url, region=region))  # fmt: skip
    outcome = take_down(case_id, reason, settings, target, output, dry_run=dry_run)
    for path in outcome.paths:
        click.echo(f"delete {path}")
    if outcome.result is None:
        click.echo("dry run: nothing was changed")
        return
    click.echo(
        f"taken down: {outcome.result.deleted} object(s) deleted, "
        f"{len(outcome.result.invalidated_paths)} path(s) invalidated; "
        "pages listing other cases are fixed by the next build and publish"
    )
    if outcome.hold_error:
        raise click.ClickException(outcome.hold_error)
    click.echo(f"hold recorded in {outcome.case_file}")


def register(group: click.Group) -> None:
    group.add_command(publish)
    group.add_command(takedown)
