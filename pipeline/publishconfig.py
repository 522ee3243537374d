"""Publisher settings: `PUBLISH = {...}` in publishconf.py, then the environment, then the CLI.

Credentials are never settings: boto3's standard chain finds them (environment, profile,
OIDC web identity in CI, instance role). Endpoints come from the same chain
(`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CLOUDFRONT`) unless set here.
"""

from __future__ import annotations

import os
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import SettingsInvalid

ENVIRONMENT = {
    "OVERDUE_BUCKET": "bucket",
    "OVERDUE_PREFIX": "prefix",
    "OVERDUE_DISTRIBUTION": "distribution",
}


class PublishSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bucket: str = Field("", description="S3 bucket that CloudFront serves the site from.")
    prefix: str = Field("", description="Key prefix of the site inside the bucket ('' = root).")
    distribution: str = Field(
        "", description="CloudFront distribution id to invalidate ('' = no invalidation)."
    )
    region: str | None = Field(None, description="Bucket region; None = boto3's chain.")
    endpoint_url: str | None = Field(
        None, description="S3 endpoint; None = boto3's chain (AWS_ENDPOINT_URL_S3)."
    )
    cloudfront_endpoint_url: str | None = Field(
        None, description="CloudFront endpoint; None = boto3's chain (AWS_ENDPOINT_URL_CLOUDFRONT)."
    )
    max_delete_share: float = Field(
        0.10, ge=0, le=1,
        description="Refuse to delete more than this share of the bucket's objects without --allow-mass-delete.",
    )  # fmt: skip
    max_invalidation_paths: int = Field(
        1000, ge=1, le=3000,
        description="Collapse to wildcards above this many invalidation paths (CloudFront bills beyond 1,000/month).",
    )  # fmt: skip
    multipart_threshold_mb: int = Field(
        8, ge=5, description="Files at least this large are uploaded in parts of this size."
    )
    max_attempts: int = Field(
        6,
        ge=1,
        description="Attempts per request, with exponential backoff (botocore standard mode).",
    )
    workers: int = Field(8, ge=1, le=64, description="Parallel uploads.")

    @field_validator("prefix")
    @classmethod
    def _prefix_is_a_folder(cls, value: str) -> str:
        value = value.strip("/")
        if ".." in value.split("/"):
            raise ValueError("prefix may not contain '..'")
        return f"{value}/" if value else ""


def publish_settings(
    conf: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> PublishSettings:
    """PUBLISH from `conf` (if it exists), then OVERDUE_* variables, then non-None overrides."""
    values: dict[str, Any] = {}
    if conf is not None and conf.exists():
        values.update(runpy.run_path(str(conf)).get("PUBLISH", {}))
    env = os.environ if environ is None else environ
    for variable, key in ENVIRONMENT.items():
        if env.get(variable):
            values[key] = env[variable]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return PublishSettings.model_validate(values)
    except ValidationError as exc:
        lines = [f"PUBLISH[{'.'.join(map(str, e['loc']))}]: {e['msg']}" for e in exc.errors()]
        raise SettingsInvalid("; ".join(lines)) from None
