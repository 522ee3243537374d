"""Emergency takedown: record a hold, then delete the case's objects and invalidate them now.

For a court order or a mistake. No rebuild: the build manifest in output/ says which
objects show the case. Objects that show only this case (its page, a company or listing
page with no other case) are deleted; pages that also list other cases are fixed by the
next normal build and publish, which refuses to run while output/ still shows the case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .bucket import Bucket, Progress, PublishResult, make_clients, no_progress
from .build import MANIFEST_NAME
from .casefile import append_event
from .errors import OverdueError
from .publish import takedown_paths
from .publishconfig import PublishSettings
from .records import load_case
from .registry import find_case_file
from .settings import RegistrySettings


class HoldNotRecorded(OverdueError):
    """The objects came down, but the hold event could not be written to the case file."""


@dataclass
class TakedownOutcome:
    case_file: Path
    paths: list[str]
    result: PublishResult | None
    hold_error: str | None = None


def record_hold(case_file: Path, reason: str, today: date) -> None:
    try:
        case, _ = load_case(case_file)
        last = case.events[-1].date if case.events else today
        append_event(case_file, {"date": max(today, last), "kind": "hold", "reason": reason})
    except OverdueError as exc:
        raise HoldNotRecorded(f"{case_file}: the hold event was not recorded: {exc}") from None


def take_down(
    case_id: str,
    reason: str,
    settings: RegistrySettings,
    publish: PublishSettings,
    output_dir: Path,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
    clients: tuple[Any, Any] | None = None,
) -> TakedownOutcome:
    """Record the hold, then delete and invalidate. The objects come down even if the hold
    cannot be written (the error is returned, and the CLI exits non-zero)."""
    if not reason.strip():
        raise OverdueError("a takedown needs a --reason")
    case_file = find_case_file(case_id, settings.content_dir)
    try:
        manifest = json.loads((output_dir / MANIFEST_NAME).read_text("utf-8")).get("files", {})
    except (OSError, ValueError):
        manifest = {}
    paths = takedown_paths(case_id, manifest)
    if dry_run:
        return TakedownOutcome(case_file, paths, None)
    hold_error = None
    try:
        record_hold(case_file, reason, settings.today())
    except HoldNotRecorded as exc:
        hold_error = str(exc)
    s3, cloudfront = clients or make_clients(publish)
    bucket = Bucket(s3, cloudfront, publish, progress)
    result = bucket.take_down(paths, publish.max_invalidation_paths)
    return TakedownOutcome(case_file, paths, result, hold_error)
