"""The S3 and CloudFront side of publishing: read what the bucket holds, then change it.

Execution order: a manifest object that marks every key about to change as unknown and
records the invalidation owed; uploads by stage (assets, pages, listings); deletes in
batches of 1,000; the invalidation; the final manifest object. An interruption at any
point leaves a manifest object from which the next run finds, by HEAD, which objects
really changed and which invalidation is still owed, so a rerun converges.

Objects are written without any ACL: the bucket is private, served through CloudFront.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .contenttypes import STAGE_ORDER
from .errors import OverdueError
from .publish import (
    DELETE_BATCH,
    PUBLISHED_MANIFEST,
    STATE_DIR,
    LocalFile,
    PublishPlan,
    RemoteState,
    Upload,
)
from .publishconfig import PublishSettings

MB = 1024 * 1024
UNREADABLE: dict[str, Any] = {"version": 1, "files": {}, "unreadable": True}
Progress = Callable[[str, str], None]  # (action, path): "upload", "delete", "invalidate"
_AUTH_CODES = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
    "InvalidToken", "InvalidClientTokenId", "UnrecognizedClientException", "403",
}  # fmt: skip


class PublishFailed(OverdueError):
    """S3 or CloudFront refused or failed a request."""


def explain_aws_error(exc: Exception, doing: str) -> PublishFailed:
    """One readable sentence for an AWS failure, saying whether credentials are the cause."""
    if isinstance(exc, NoCredentialsError):
        return PublishFailed(
            f"{doing}: no AWS credentials found (set AWS_PROFILE, AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or run in CI with the OIDC role)"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = error.get("Message", "")
        if code in _AUTH_CODES:
            return PublishFailed(
                f"{doing}: the credentials were refused ({code}: {message}); "
                "check the access key, secret and role permissions"
            )
        if code == "NoSuchBucket":
            return PublishFailed(f"{doing}: the bucket does not exist ({message})")
        return PublishFailed(f"{doing}: {code}: {message}")
    return PublishFailed(f"{doing}: {exc}")


def client_config(settings: PublishSettings) -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=max(10, settings.workers + 2),
        s3={"addressing_style": "path"} if settings.endpoint_url else {},
    )


def make_clients(settings: PublishSettings) -> tuple[Any, Any]:
    session = boto3.session.Session(region_name=settings.region)
    config = client_config(settings)
    s3 = session.client("s3", endpoint_url=settings.endpoint_url, config=config)
    # CloudFront is global: its API lives in us-east-1 whatever the bucket's region.
    cloudfront = session.client(
        "cloudfront", region_name="us-east-1", endpoint_url=settings.cloudfront_endpoint_url,
        config=config,
    )  # fmt: skip
    return s3, cloudfront


@dataclass
class PublishResult:
    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    invalidation_ids: list[str] = field(default_factory=list)
    invalidated_paths: list[str] = field(default_factory=list)


def no_progress(action: str, path: str) -> None:
    return None


class Bucket:
    """One site in one bucket (under a prefix), and the distribution in front of it."""

    def __init__(
        self, s3: Any, cloudfront: Any | None, settings: PublishSettings,
        progress: Progress = no_progress,
    ) -> None:  # fmt: skip
        if not settings.bucket:
            raise PublishFailed(
                "no bucket configured (PUBLISH['bucket'], OVERDUE_BUCKET or --bucket)"
            )
        self.s3 = s3
        self.cloudfront = cloudfront
        self.settings = settings
        self.name = settings.bucket
        self.prefix = settings.prefix
        self.progress = progress

    @property
    def manifest_key(self) -> str:
        return self.prefix + PUBLISHED_MANIFEST

    def key(self, path: str) -> str:
        return self.prefix + path

    # ---- reading ---------------------------------------------------------------------

    def list_paths(self) -> list[str]:
        paths: list[str] = []
        try:
            pages = self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.name, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    path = item["Key"][len(self.prefix) :]
                    if path and not path.startswith(STATE_DIR):
                        paths.append(path)
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, f"listing s3://{self.name}/{self.prefix}") from None
        return paths

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest object; None when missing; UNREADABLE when it exists but cannot be read.

        It is only a cache of hashes, so a damaged one (a crash can leave the store unable
        to serve it) is not fatal: hashes come from HEAD and the whole CDN is invalidated,
        since the invalidation an interrupted run owed is unknown.
        """
        try:
            body = self.s3.get_object(Bucket=self.name, Key=self.manifest_key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            if code in _AUTH_CODES or code == "NoSuchBucket":
                raise explain_aws_error(
                    exc, f"reading s3://{self.name}/{self.manifest_key}"
                ) from None
            return dict(UNREADABLE)
        except BotoCoreError as exc:
            raise explain_aws_error(exc, f"reading s3://{self.name}/{self.manifest_key}") from None
        try:
            manifest = json.loads(body)
        except ValueError:
            return dict(UNREADABLE)
        return (
            manifest
            if isinstance(manifest, dict) and manifest.get("version") == 1
            else dict(UNREADABLE)
        )

    def head_sha256(self, path: str) -> str | None:
        try:
            head = self.s3.head_object(Bucket=self.name, Key=self.key(path))
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, f"reading s3://{self.name}/{self.key(path)}") from None
        value = head.get("Metadata", {}).get("sha256")
        return str(value) if value else None

    def remote_state(self) -> RemoteState:
        """Listing for what exists; the manifest object for hashes; HEAD where it is silent."""
        listed = self.list_paths()
        manifest = self.read_manifest()
        known: Mapping[str, Any] = (manifest or {}).get("files", {}) or {}
        hashes: dict[str, str | None] = {}
        unknown: list[str] = []
        for path in listed:
            entry = known.get(path)
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if isinstance(digest, str):
                hashes[path] = digest
            else:
                unknown.append(path)
        if unknown:
            with ThreadPoolExecutor(self.settings.workers) as pool:
                for path, digest in zip(unknown, pool.map(self.head_sha256, unknown), strict=True):
                    hashes[path] = digest
        pending = [str(p) for p in (manifest or {}).get("pending_invalidation", []) or []]
        if manifest is not None and manifest.get("unreadable"):
            pending = ["/*"]
        return RemoteState(hashes, pending, manifest)

    # ---- writing ---------------------------------------------------------------------

    def write_manifest(self, files: Mapping[str, str | None], pending: list[str]) -> None:
        body = json.dumps(
            {
                "version": 1,
                "files": {p: {"sha256": files[p]} for p in sorted(files)},
                "pending_invalidation": sorted(set(pending)),
            },
            indent=0,
            sort_keys=True,
        ).encode()
        try:
            self.s3.put_object(
                Bucket=self.name, Key=self.manifest_key, Body=body,
                ContentType="application/json", CacheControl="no-store",
            )  # fmt: skip
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, f"writing s3://{self.name}/{self.manifest_key}") from None

    def upload(self, output_dir: Path, item: LocalFile, content_type: str, cache: str) -> None:
        threshold = self.settings.multipart_threshold_mb * MB
        config = TransferConfig(
            multipart_threshold=threshold, multipart_chunksize=threshold, use_threads=False
        )
        extra = {
            "ContentType": content_type,
            "CacheControl": cache,
            "Metadata": {"sha256": item.sha256},
        }
        try:
            self.s3.upload_file(
                str(output_dir / item.path), self.name, self.key(item.path),
                ExtraArgs=extra, Config=config,
            )  # fmt: skip
        except (ClientError, BotoCoreError, OSError) as exc:
            raise explain_aws_error(exc, f"uploading {item.path}") from None
        except Exception as exc:  # boto3's S3UploadFailedError wraps the cause
            raise explain_aws_error(exc, f"uploading {item.path}") from None
        self.progress("upload", item.path)

    def delete(self, paths: list[str]) -> int:
        deleted = 0
        for start in range(0, len(paths), DELETE_BATCH):
            chunk = paths[start : start + DELETE_BATCH]
            try:
                answer = self.s3.delete_objects(
                    Bucket=self.name,
                    Delete={"Objects": [{"Key": self.key(p)} for p in chunk], "Quiet": True},
                )
            except (ClientError, BotoCoreError) as exc:
                raise explain_aws_error(exc, "deleting objects") from None
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise PublishFailed(
                    f"deleting objects: {len(errors)} failed, e.g. {first.get('Key')}: "
                    f"{first.get('Code')} {first.get('Message')}"
                )
            deleted += len(chunk)
            for path in chunk:
                self.progress("delete", path)
        return deleted

    def invalidate(self, paths: list[str]) -> str:
        if self.cloudfront is None or not self.settings.distribution:
            raise PublishFailed("no CloudFront distribution configured")
        reference = f"overdue-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
        try:
            answer = self.cloudfront.create_invalidation(
                DistributionId=self.settings.distribution,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    "CallerReference": reference,
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise explain_aws_error(exc, "creating the CloudFront invalidation") from None
        for path in paths:
            self.progress("invalidate", path)
        return str(answer["Invalidation"]["Id"])

    # ---- the whole publish -------------------------------------------------------------

    def execute(
        self, plan: PublishPlan, local: Mapping[str, LocalFile], output_dir: Path,
        remote: RemoteState,
    ) -> PublishResult:  # fmt: skip
        result = PublishResult()
        final: dict[str, str | None] = {p: f.sha256 for p, f in local.items()}
        invalidate = self.settings.distribution != ""
        owed = plan.invalidation_paths if invalidate else []
        if plan.empty:
            if remote.manifest is None or _manifest_files(remote.manifest) != final:
                self.write_manifest(final, [])
            return result
        if plan.changes_bucket:
            # Before any change: the keys about to change are unknown, the invalidation owed.
            marked = dict(remote.hashes)
            for upload in plan.uploads:
                marked[upload.path] = None
            self.write_manifest(marked, owed)
        by_stage = {
            stage: [u for u in plan.uploads if u.headers.stage == stage] for stage in STAGE_ORDER
        }
        for stage in STAGE_ORDER:
            self._upload_all(by_stage[stage], local, output_dir, result)
        result.deleted = self.delete(plan.deletes)
        if plan.changes_bucket:
            self.write_manifest(final, owed)
        for batch in plan.invalidations if invalidate else []:
            result.invalidation_ids.append(self.invalidate(list(batch.paths)))
            result.invalidated_paths.extend(batch.paths)
        self.write_manifest(final, [])
        return result

    def take_down(self, paths: list[str], max_invalidation_paths: int) -> PublishResult:
        """Delete these output paths now and invalidate them, outside the normal publish."""
        from .cdn import plan_invalidation

        manifest = self.read_manifest()
        files = _take_down_files(manifest, paths)
        batches = (
            plan_invalidation(paths, max_invalidation_paths) if self.settings.distribution else []
        )
        owed = [p for b in batches for p in b.paths]
        earlier = [str(p) for p in (manifest or {}).get("pending_invalidation", []) or []]
        self.write_manifest(files, [*earlier, *owed])
        result = PublishResult(deleted=self.delete(paths))
        for batch in batches:
            result.invalidation_ids.append(self.invalidate(list(batch.paths)))
            result.invalidated_paths.extend(batch.paths)
        self.write_manifest(files, earlier)
        return result

    def _upload_all(
        self, uploads: list[Upload], local: Mapping[str, LocalFile], output_dir: Path,
        result: PublishResult,
    ) -> None:  # fmt: skip
        if not uploads:
            return
        with ThreadPoolExecutor(self.settings.workers) as pool:
            futures = {
                pool.submit(
                    self.upload, output_dir, local[u.path], u.headers.content_type,
                    u.headers.cache_control,
                ): u
                for u in uploads
            }  # fmt: skip
            wait(futures, return_when=FIRST_EXCEPTION)
            pool.shutdown(wait=True, cancel_futures=True)
        failure: BaseException | None = None
        for future, upload in futures.items():
            if future.cancelled():
                continue
            error = future.exception()
            if error is None:
                result.uploaded += 1
                result.uploaded_bytes += upload.size
            elif failure is None:
                failure = error
        if failure is not None:
            raise failure


def _manifest_files(manifest: Mapping[str, Any]) -> dict[str, str | None]:
    files = manifest.get("files", {})
    if not isinstance(files, dict):
        return {}
    return {p: (e.get("sha256") if isinstance(e, dict) else None) for p, e in files.items()}


def _take_down_files(
    manifest: Mapping[str, Any] | None, removed: list[str]
) -> dict[str, str | None]:
    files = _manifest_files(manifest or {})
    return {p: h for p, h in files.items() if p not in set(removed)}
