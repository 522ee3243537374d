"""Fixtures for publisher tests: session-scoped SeaweedFS and moto servers, built sites."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from pipeline.build import build_site
from pipeline.publishconfig import PublishSettings
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, case_dict, write_case
from .servers import ACCESS_KEY, SECRET_KEY, MotoServer, SeaweedServer, s3_client

REPO = Path(__file__).resolve().parents[2]
THEME = REPO / "theme"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seaweed: SeaweedServer, moto: MotoServer
) -> None:
    """Credentials and endpoints through boto3's standard chain only, as in CI."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", seaweed.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", moto.endpoint)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def s3(seaweed: SeaweedServer) -> Any:
    return s3_client(seaweed.endpoint)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"site-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def cloudfront_client(moto: MotoServer) -> Any:
    return boto3.session.Session().client(
        "cloudfront", endpoint_url=moto.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip


@pytest.fixture
def cloudfront(moto: MotoServer) -> Any:
    return cloudfront_client(moto)


@pytest.fixture
def distribution(cloudfront: Any, bucket: str) -> str:
    answer = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "overdue test",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": f"{bucket}.s3.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )  # fmt: skip
    return str(answer["Distribution"]["Id"])


@pytest.fixture
def target(bucket: str, distribution: str, aws_env: None) -> PublishSettings:
    return PublishSettings(bucket=bucket, distribution=distribution, max_attempts=2, workers=4)


def invalidated_paths(cloudfront: Any, distribution: str) -> list[list[str]]:
    """Every invalidation of the distribution, oldest first, as its list of paths."""
    items = []
    for page in cloudfront.get_paginator("list_invalidations").paginate(
        DistributionId=distribution
    ):
        items.extend(page["InvalidationList"].get("Items", []))
    batches = []
    for item in items:
        answer = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])
        batch = answer["Invalidation"]["InvalidationBatch"]
        batches.append(list(batch["Paths"].get("Items", [])))
    return batches


def case_number(index: int) -> str:
    return f"TST-2026-{index:03d}"


def registry_case(index: int, **changes: Any) -> dict[str, Any]:
    values = {
        "case": case_number(index),
        "debtor.name": f"Debtor {index:03d} Holdings, Inc.",
        "debtor.website": f"https://debtor{index:03d}.example",
        "claim.invoices.0.number": f"INV-{index:04d}",
        **changes,
    }
    return case_dict(**values)


class Site:
    """A registry directory and its build output, rebuilt on demand."""

    def __init__(self, root: Path, count: int) -> None:
        self.root = root
        self.content = root / "content" / "debts"
        (root / "content" / "pages").mkdir(parents=True)
        self.output = root / "output"
        self.theme = root / "theme"
        shutil.copytree(THEME, self.theme)
        self.settings = RegistrySettings(
            content_dir=self.content, pages_dir=root / "content" / "pages", as_of=AS_OF,
            site_url="https://overdue.example",
        )  # fmt: skip
        for index in range(1, count + 1):
            write_case(self.content, registry_case(index))

    def write(self, index: int, **changes: Any) -> None:
        write_case(self.content, registry_case(index, **changes))

    def build(self) -> dict[str, dict[str, Any]]:
        build_site(self.settings, self.output, self.theme, AS_OF)
        return self.manifest()

    def manifest(self) -> dict[str, dict[str, Any]]:
        import json

        files: dict[str, dict[str, Any]] = json.loads(
            (self.output / ".overdue-manifest.json").read_text()
        )["files"]
        return files


@pytest.fixture
def site(tmp_path: Path) -> Site:
    built = Site(tmp_path / "site", 40)
    built.build()
    return built


def bucket_contents(s3: Any, bucket: str, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Key -> {sha256 of the body, metadata sha256, content type, cache control}."""
    found: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.startswith(prefix + ".overdue/"):
                continue
            answer = s3.get_object(Bucket=bucket, Key=key)
            body = answer["Body"].read()
            found[key[len(prefix) :]] = {
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "meta_sha256": answer.get("Metadata", {}).get("sha256"),
                "content_type": answer.get("ContentType"),
                "cache_control": answer.get("CacheControl"),
                "etag": answer.get("ETag"),
            }
    return found
