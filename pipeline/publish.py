"""Publishing plan: what the build holds, what the bucket holds, and the difference.

Everything here is pure except `scan_output`, which reads output/. The comparison is by
SHA-256 of the content only: mtimes change on every fresh checkout, sizes miss same-size
edits ("4200.00" -> "4700.00") and a multipart ETag is not an MD5. The bucket's side comes
from `bucket.py` (our own hash in each object's metadata, and a manifest object).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .build import MANIFEST_NAME
from .cdn import InvalidationBatch, invalidation_paths, plan_encoded
from .contenttypes import STAGE_ORDER, ObjectHeaders, check_known, headers_for
from .errors import OverdueError

STATE_DIR = ".overdue/"
PUBLISHED_MANIFEST = STATE_DIR + "published-manifest.json"
DELETE_BATCH = 1000
# Pagefind writes its bundle after the build; its files are published without a manifest entry.
UNTRACKED_OK = ("pagefind/",)


class PublishRefused(OverdueError):
    """The publish must not start: nothing was changed."""


@dataclass(frozen=True)
class LocalFile:
    path: str
    sha256: str
    size: int
    cases: tuple[str, ...] = ()


@dataclass
class RemoteState:
    """What the bucket holds under the prefix: output path -> our sha256 (None = unknown)."""

    hashes: dict[str, str | None] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # encoded paths an interrupted run owes
    manifest: dict[str, object] | None = None  # the manifest object as read, None = missing


@dataclass(frozen=True)
class Upload:
    path: str
    sha256: str
    size: int
    headers: ObjectHeaders
    replaces: bool  # an object existed at this key (so the CDN may hold the old one)


@dataclass
class PublishPlan:
    uploads: list[Upload]
    deletes: list[str]
    invalidations: list[InvalidationBatch]
    unchanged: int
    remote_objects: int
    pending_carried: int = 0

    @property
    def invalidation_paths(self) -> list[str]:
        return [p for batch in self.invalidations for p in batch.paths]

    @property
    def upload_bytes(self) -> int:
        return sum(u.size for u in self.uploads)

    @property
    def changes_bucket(self) -> bool:
        return bool(self.uploads or self.deletes)

    @property
    def empty(self) -> bool:
        return not (self.uploads or self.deletes or self.invalidations)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _valid_output_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith(STATE_DIR) and ".." not in parts and "" not in parts


def scan_output(output_dir: Path) -> dict[str, LocalFile]:
    """Every file to publish, hashed from disk and checked against the build manifest."""
    manifest_path = output_dir / MANIFEST_NAME
    if not output_dir.is_dir():
        raise PublishRefused(f"{output_dir} does not exist; build the site first (make html)")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        entries = manifest["files"]
        if manifest.get("version") != 1 or not isinstance(entries, dict):
            raise ValueError("unsupported manifest")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PublishRefused(
            f"{manifest_path}: no readable build manifest ({exc}); build the site first (make html)"
        ) from None
    if not entries:
        raise PublishRefused(f"{output_dir} is empty: refusing to publish an empty site")
    problems: list[str] = []
    files: dict[str, LocalFile] = {}
    for path, entry in entries.items():
        target = output_dir / path
        if not _valid_output_path(path):
            problems.append(f"{path}: not a publishable path")
        elif not target.is_file():
            problems.append(f"{target}: in the build manifest but missing")
        elif (digest := file_sha256(target)) != entry.get("sha256"):
            problems.append(f"{target}: changed since the build (hash differs from the manifest)")
        else:
            cases = tuple(str(c) for c in entry.get("cases", ()))
            files[path] = LocalFile(path, digest, target.stat().st_size, cases)
    root = output_dir.resolve()
    for target in sorted(p for p in output_dir.rglob("*") if p.is_file()):
        path = target.resolve().relative_to(root).as_posix()
        if path == MANIFEST_NAME or path in entries:
            continue
        if path.startswith(UNTRACKED_OK) and _valid_output_path(path):
            files[path] = LocalFile(path, file_sha256(target), target.stat().st_size)
        else:
            problems.append(f"{target}: not in the build manifest (left over? rebuild output/)")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise PublishRefused(f"output/ does not match its build manifest: {shown}{more}")
    return files


def stale_cases(local: Mapping[str, LocalFile], public_ids: Iterable[str]) -> list[str]:
    """Cases the build shows that are no longer public (e.g. taken down since the build)."""
    public = set(public_ids)
    return sorted({c for f in local.values() for c in f.cases if c not in public})


def plan_publish(
    local: Mapping[str, LocalFile],
    remote: RemoteState,
    *,
    max_delete_share: float,
    allow_mass_delete: bool,
    max_invalidation_paths: int,
) -> PublishPlan:
    """The uploads (in stage order), deletes and invalidations that make the bucket the build.

    Raises UnknownContentType for a file without a table entry and PublishRefused for a
    mass delete, both before anything is changed.
    """
    if not local:
        raise PublishRefused("the build is empty: refusing to publish an empty site")
    check_known(sorted(local))
    uploads: list[Upload] = []
    for path, item in local.items():
        if path in remote.hashes and remote.hashes[path] == item.sha256:
            continue
        uploads.append(
            Upload(path, item.sha256, item.size, headers_for(path), path in remote.hashes)
        )
    rank = {stage: index for index, stage in enumerate(STAGE_ORDER)}
    uploads.sort(key=lambda u: (rank[u.headers.stage], u.path))
    deletes = sorted(set(remote.hashes) - set(local))
    total = len(remote.hashes)
    if deletes and not allow_mass_delete and len(deletes) > max_delete_share * total:
        raise PublishRefused(
            f"the publish would delete {len(deletes)} of the bucket's {total} objects "
            f"({len(deletes) / total:.0%}, more than the allowed {max_delete_share:.0%}); "
            "is output/ complete? Rerun with --allow-mass-delete if this is intended"
        )
    changed = [u.path for u in uploads if u.replaces] + deletes
    encoded = invalidation_paths(changed)
    pending = [p for p in remote.pending if p not in set(encoded)]
    return PublishPlan(
        uploads=uploads,
        deletes=deletes,
        invalidations=plan_encoded([*encoded, *pending], max_invalidation_paths)
        if encoded or pending
        else [],
        unchanged=len(local) - len(uploads),
        remote_objects=total,
        pending_carried=len(pending),
    )


def takedown_paths(case_id: str, manifest: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Output paths that show this case and no other (its page; a company page of one case).

    Pages that list other cases too stay: the next build drops the case from them.
    """
    own = f"cases/{case_id.lower()}/index.html"
    paths = {own}
    for path, entry in manifest.items():
        cases = entry.get("cases") or []
        if isinstance(cases, list) and cases and set(cases) == {case_id}:
            paths.add(path)
    return sorted(paths)
