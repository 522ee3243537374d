"""`overdue publish` and `overdue takedown` through the command line, against real servers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import load_case

from .conftest import Site, bucket_contents, invalidated_paths

pytestmark = pytest.mark.integration


def write_conf(tmp_path: Path, site: Site, bucket: str, distribution: str) -> Path:
    conf = tmp_path / "publishconf.py"
    overdue = {"site_url": "https://overdue.example", "content_dir": str(site.content),
               "pages_dir": str(site.settings.pages_dir), "as_of": "2026-12-03"}  # fmt: skip
    publish = {"bucket": bucket, "distribution": distribution, "max_attempts": 2}
    conf.write_text(f"OVERDUE = {overdue!r}\nPUBLISH = {publish!r}\n")
    return conf


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_dry_run_prints_the_plan_and_touches_nothing_then_publish_summarises(
    tmp_path: Path, site: Site, bucket: str, distribution: str, aws_env: None, s3: Any
) -> None:
    conf = write_conf(tmp_path, site, bucket, distribution)
    dry = run("publish", "--dry-run", "--conf", str(conf), "--output", str(site.output))
    assert dry.exit_code == 0, dry.output
    assert "add    cases/tst-2026-001/index.html" in dry.output
    assert "dry run: nothing was changed" in dry.output
    assert bucket_contents(s3, bucket) == {}
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    real = run("publish", "--conf", str(conf), "--output", str(site.output))
    assert real.exit_code == 0, real.output
    count = len(site.manifest())
    assert f"published: {count} uploaded" in real.output
    again = run("publish", "--conf", str(conf), "--output", str(site.output))
    assert "published: 0 uploaded" in again.output and "0 path(s) invalidated" in again.output


def test_c20_unknown_extension_stops_the_publish_before_any_change(
    tmp_path: Path, site: Site, bucket: str, distribution: str, aws_env: None, s3: Any
) -> None:
    conf = write_conf(tmp_path, site, bucket, distribution)
    manifest_path = site.output / ".overdue-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (site.output / "notes.md").write_text("draft")
    manifest["files"]["notes.md"] = {
        "sha256": hashlib.sha256(b"draft").hexdigest(), "bytes": 5, "cases": [],
    }  # fmt: skip
    manifest_path.write_text(json.dumps(manifest))
    result = CliRunner().invoke(
        main, ["publish", "--conf", str(conf), "--output", str(site.output)]
    )
    assert result.exit_code == 1
    assert "no Content-Type is defined for notes.md" in result.output
    assert bucket_contents(s3, bucket) == {}


def test_takedown_records_a_hold_deletes_and_invalidates_at_once(
    tmp_path: Path, site: Site, bucket: str, distribution: str, aws_env: None, s3: Any,
    cloudfront: Any,
) -> None:  # fmt: skip
    conf = write_conf(tmp_path, site, bucket, distribution)
    out = ["--conf", str(conf), "--output", str(site.output)]
    assert run("publish", *out).exit_code == 0
    result = run("takedown", "TST-2026-003", "--reason", "court order 2026-117", *out)
    assert result.exit_code == 0, result.output
    case, _ = load_case(site.content / "TST-2026-003.yaml")
    assert case.events[-1].kind == "hold"
    assert case.events[-1].reason == "court order 2026-117"  # type: ignore[union-attr]
    contents = bucket_contents(s3, bucket)
    assert "cases/tst-2026-003/index.html" not in contents
    assert "companies/debtor-003-holdings-inc/index.html" not in contents
    assert "index.html" in contents  # lists other cases: fixed by the next build
    created = invalidated_paths(cloudfront, distribution)
    assert len(created) == 1
    assert {"/cases/tst-2026-003/", "/cases/tst-2026-003/index.html", "/cases/tst-2026-003"} <= set(
        created[0]
    )
    # output/ still shows the case: a publish without a rebuild is refused
    stale = CliRunner().invoke(main, ["publish", *out])
    assert stale.exit_code == 1 and "TST-2026-003" in stale.output
    site.build()
    after = run("publish", *out)
    assert after.exit_code == 0, after.output
    assert not any("tst-2026-003" in key for key in bucket_contents(s3, bucket))
