"""One publish from start to end: the safety checks, the plan, then (unless a dry run) the run.

Every refusal happens before the first write: `overdue check` failing, an empty or
inconsistent output/, a build that still shows a case that is no longer public, an
unknown file type, wrong credentials (the listing is the first request) and a mass delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .bucket import Bucket, Progress, PublishResult, make_clients, no_progress
from .buildcache import check_registry_files
from .contenttypes import check_known
from .publish import (
    LocalFile,
    PublishPlan,
    PublishRefused,
    RemoteState,
    plan_publish,
    scan_output,
    stale_cases,
)
from .publishconfig import PublishSettings
from .settings import RegistrySettings


@dataclass
class PublishOutcome:
    plan: PublishPlan
    result: PublishResult | None  # None for a dry run


def check_registry(settings: RegistrySettings, as_of: date | None = None) -> set[str]:
    """Run `overdue check`; return the public case ids. Raises PublishRefused on any problem."""
    found = check_registry_files([settings.content_dir], settings, as_of or settings.today())
    if found.problems:
        first = found.problems[0]
        raise PublishRefused(
            f"`overdue check` fails with {len(found.problems)} problem(s), first "
            f"{first}; nothing was published"
        )
    return set(found.public)


@dataclass
class PreparedPublish:
    """A checked plan against a bucket; `run()` carries it out."""

    plan: PublishPlan
    bucket: Bucket
    local: dict[str, LocalFile]
    remote: RemoteState
    output_dir: Path

    def run(self, progress: Progress = no_progress) -> PublishResult:
        self.bucket.progress = progress
        return self.bucket.execute(self.plan, self.local, self.output_dir, self.remote)


def prepare_publish(
    settings: RegistrySettings,
    publish: PublishSettings,
    output_dir: Path,
    *,
    allow_mass_delete: bool = False,
    as_of: date | None = None,
    clients: tuple[Any, Any] | None = None,
) -> PreparedPublish:
    """Every safety check, then the plan. Changes nothing."""
    public = check_registry(settings, as_of)
    local = scan_output(output_dir)
    stale = stale_cases(local, public)
    if stale:
        raise PublishRefused(
            f"output/ still shows case(s) that are not public now: {', '.join(stale[:10])}; "
            "rebuild before publishing"
        )
    check_known(sorted(local))
    s3, cloudfront = clients or make_clients(publish)
    bucket = Bucket(s3, cloudfront, publish)
    remote = bucket.remote_state()
    plan = plan_publish(
        local,
        remote,
        max_delete_share=publish.max_delete_share,
        allow_mass_delete=allow_mass_delete,
        max_invalidation_paths=publish.max_invalidation_paths,
    )
    return PreparedPublish(plan, bucket, local, remote, output_dir)


def publish_site(
    settings: RegistrySettings,
    publish: PublishSettings,
    output_dir: Path,
    *,
    dry_run: bool = False,
    allow_mass_delete: bool = False,
    as_of: date | None = None,
    progress: Progress = no_progress,
    clients: tuple[Any, Any] | None = None,
) -> PublishOutcome:
    prepared = prepare_publish(
        settings, publish, output_dir, allow_mass_delete=allow_mass_delete, as_of=as_of,
        clients=clients,
    )  # fmt: skip
    if dry_run:
        return PublishOutcome(prepared.plan, None)
    return PublishOutcome(prepared.plan, prepared.run(progress))
