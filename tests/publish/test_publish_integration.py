"""The publisher against real servers: SeaweedFS (SigV4 enforced) and moto's CloudFront."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.bucket import PublishFailed
from pipeline.cdn import invalidation_paths
from pipeline.contenttypes import IMMUTABLE_CACHE, SHORT_CACHE, headers_for
from pipeline.publish import PublishRefused
from pipeline.publishconfig import PublishSettings
from pipeline.publishrun import publish_site

from .conftest import Site, bucket_contents, cloudfront_client, invalidated_paths
from .servers import SeaweedServer, s3_client

pytestmark = pytest.mark.integration


def assert_bucket_equals_build(s3: Any, bucket: str, site: Site, prefix: str = "") -> None:
    manifest = site.manifest()
    contents = bucket_contents(s3, bucket, prefix)
    assert sorted(contents) == sorted(manifest)
    for path, entry in manifest.items():
        got = contents[path]
        assert got["body_sha256"] == entry["sha256"] == got["meta_sha256"], path
        headers = headers_for(path)
        assert got["content_type"] == headers.content_type, path
        assert got["cache_control"] == headers.cache_control, path


def changed_paths(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {p for p in after if p not in before or before[p]["sha256"] != after[p]["sha256"]}


def test_first_publish_makes_the_bucket_equal_the_build(
    site: Site, target: PublishSettings, s3: Any, cloudfront: Any, distribution: str
) -> None:
    outcome = publish_site(site.settings, target, site.output)
    assert outcome.result is not None
    manifest = site.manifest()
    assert outcome.result.uploaded == len(manifest) > 80
    assert outcome.result.uploaded_bytes == sum(e["bytes"] for e in manifest.values())
    assert_bucket_equals_build(s3, target.bucket, site)
    # nothing was cached before, so nothing is invalidated
    assert invalidated_paths(cloudfront, distribution) == []
    css = next(p for p in manifest if p.startswith("theme/site."))
    assert bucket_contents(s3, target.bucket)[css]["cache_control"] == IMMUTABLE_CACHE
    assert bucket_contents(s3, target.bucket)["index.html"]["cache_control"] == SHORT_CACHE
    # the bucket stays private: the only grant is the owner's
    acl = s3.get_object_acl(Bucket=target.bucket, Key="index.html")
    assert all("URI" not in g["Grantee"] for g in acl["Grants"])


def test_c18_republish_of_an_unchanged_fresh_copy_uploads_nothing(
    site: Site, target: PublishSettings, s3: Any, cloudfront: Any, distribution: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    publish_site(site.settings, target, site.output)
    again = publish_site(site.settings, target, site.output)
    assert again.result is not None and again.result.uploaded == 0
    # a fresh checkout: new mtimes on every file, and a rebuild into a fresh directory
    fresh = Site.__new__(Site)
    fresh.__dict__.update(site.__dict__)
    fresh.output = tmp_path / "fresh-output"
    shutil.copytree(site.output, fresh.output)
    for path in fresh.output.rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
    fresh.build()
    for output in (site.output, fresh.output):
        outcome = publish_site(site.settings, target, output)
        assert outcome.result is not None
        assert (outcome.result.uploaded, outcome.result.deleted) == (0, 0)
        assert outcome.plan.invalidations == []
    assert invalidated_paths(cloudfront, distribution) == []


def test_c19_same_size_amount_edit_uploads_and_invalidates_only_what_changed(
    site: Site, target: PublishSettings, s3: Any, cloudfront: Any, distribution: str
) -> None:
    site.write(7, **{"claim.invoices.0.amount": "4200.00"})
    before = site.build()
    publish_site(site.settings, target, site.output)
    site.write(7, **{"claim.invoices.0.amount": "4700.00"})
    after = site.build()
    page = "cases/tst-2026-007/index.html"
    assert after[page]["bytes"] == before[page]["bytes"]  # same size: only the hash tells
    changed = changed_paths(before, after)
    # a one-case edit touches the pages that show it (case, company, listings, feed, open
    # data, search chunks), a small fraction of the site
    assert page in changed and len(changed) < len(after) // 4
    uploaded: list[str] = []
    outcome = publish_site(
        site.settings, target, site.output, progress=lambda a, p: uploaded.append(p)
    )
    assert outcome.result is not None
    assert sorted(u.path for u in outcome.plan.uploads) == sorted(changed)
    assert outcome.result.uploaded == len(changed)
    assert_bucket_equals_build(s3, target.bucket, site)
    created = invalidated_paths(cloudfront, distribution)
    assert len(created) == 1
    # Content-named search chunks the edit replaced are deleted and invalidated; their
    # successors are new keys, which no cache holds yet, so they need no invalidation.
    gone = set(before) - set(after)
    assert all(p.startswith("pagefind/") for p in gone)
    assert outcome.result.deleted == len(gone)
    replaced = {p for p in changed if p in before}
    assert sorted(created[0]) == invalidation_paths(replaced | gone)
    assert {"/cases/tst-2026-007/", "/cases/tst-2026-007/index.html", "/cases/tst-2026-007"} <= set(
        created[0]
    )


def test_c17_a_paid_case_is_deleted_from_the_bucket_and_invalidated(
    site: Site, target: PublishSettings, s3: Any, cloudfront: Any, distribution: str
) -> None:
    before = site.build()
    publish_site(site.settings, target, site.output)
    paid = site.manifest()
    events = [*__import__("tests.casefactory", fromlist=["BASE_CASE"]).BASE_CASE["events"]]
    events.append({"date": "2026-11-02", "kind": "payment", "amount": "5000.00"})
    site.write(5, events=events)
    after = site.build()
    gone = sorted(set(before) - set(after))
    assert "cases/tst-2026-005/index.html" in gone
    assert any(p.startswith("companies/") for p in gone)
    outcome = publish_site(site.settings, target, site.output)
    assert outcome.result is not None and outcome.result.deleted == len(gone)
    contents = bucket_contents(s3, target.bucket)
    assert not any("tst-2026-005" in key for key in contents)
    assert_bucket_equals_build(s3, target.bucket, site)
    created = invalidated_paths(cloudfront, distribution)
    assert len(created) == 1
    paths = set(created[0])
    assert {"/cases/tst-2026-005/", "/cases/tst-2026-005/index.html"} <= paths
    assert set(invalidation_paths(gone)) <= paths
    # the listing pages that showed it changed and are invalidated too
    assert "/" in paths and "/index.html" in paths
    assert paid != after


def test_an_interrupted_publish_converges_on_rerun(
    tmp_path: Path, aws_env: None, moto: Any, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SeaweedServer(tmp_path / "crashing-seaweed")
    server.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", server.endpoint)
        s3 = s3_client(server.endpoint)
        s3.create_bucket(Bucket="crash-site")
        cloudfront = cloudfront_client(moto)
        from .conftest import distribution as make_distribution

        dist = make_distribution.__wrapped__(cloudfront, "crash-site")  # type: ignore[attr-defined]
        target = PublishSettings(bucket="crash-site", distribution=dist, max_attempts=2, workers=2)
        before = site.build()
        publish_site(site.settings, target, site.output)
        # a theme change touches every page (the stylesheet's name is in each one)
        css = site.theme / "static" / "css" / "site.css"
        css.write_text(css.read_text() + "\n/* v2 */\n")
        after = site.build()
        owed = invalidation_paths(
            [p for p in changed_paths(before, after) if p in before]
            + sorted(set(before) - set(after))
        )
        done: list[str] = []

        def crash_after_five(action: str, path: str) -> None:
            done.append(path)
            if len(done) == 5:
                server.kill()

        with pytest.raises(PublishFailed):
            publish_site(site.settings, target, site.output, progress=crash_after_five)
        assert len(done) < len(changed_paths(before, after))
        server.start()
        rerun = publish_site(site.settings, target, site.output)
        assert rerun.result is not None and rerun.result.uploaded > 0
        assert_bucket_equals_build(s3, "crash-site", site)
        created = [p for batch in invalidated_paths(cloudfront, dist) for p in batch]
        # every owed path is invalidated; `/*` when the crash damaged the manifest object
        assert set(owed) <= set(created) or "/*" in created
        final = publish_site(site.settings, target, site.output)
        assert final.result is not None and final.result.uploaded == 0
        assert final.plan.invalidations == []
    finally:
        server.stop()


def test_an_empty_output_is_refused(
    tmp_path: Path, site: Site, target: PublishSettings, s3: Any
) -> None:
    publish_site(site.settings, target, site.output)
    held = bucket_contents(s3, target.bucket)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PublishRefused, match="build manifest"):
        publish_site(site.settings, target, empty)
    (empty / ".overdue-manifest.json").write_text('{"version": 1, "files": {}}')
    with pytest.raises(PublishRefused, match="empty"):
        publish_site(site.settings, target, empty)
    assert bucket_contents(s3, target.bucket) == held


def test_a_mass_delete_is_refused_without_the_flag(
    site: Site, target: PublishSettings, s3: Any
) -> None:
    publish_site(site.settings, target, site.output)
    held = bucket_contents(s3, target.bucket)
    for path in sorted(site.content.glob("*.yaml"))[:15]:
        path.unlink()
    site.build()
    with pytest.raises(PublishRefused, match="allow-mass-delete"):
        publish_site(site.settings, target, site.output)
    assert bucket_contents(s3, target.bucket) == held
    outcome = publish_site(site.settings, target, site.output, allow_mass_delete=True)
    assert outcome.result is not None and outcome.result.deleted >= 30
    assert_bucket_equals_build(s3, target.bucket, site)


@pytest.mark.parametrize("variable", ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"])
def test_wrong_credentials_give_a_clear_error_and_change_nothing(
    site: Site, target: PublishSettings, s3: Any, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    publish_site(site.settings, target, site.output)
    held = bucket_contents(s3, target.bucket)
    site.write(3, **{"claim.invoices.0.amount": "4100.00"})
    site.build()
    monkeypatch.setenv(variable, "wrong-value-0000000000")
    with pytest.raises(PublishFailed, match="credentials were refused"):
        publish_site(site.settings, target, site.output)
    assert bucket_contents(s3, target.bucket) == held


def test_check_failure_refuses_the_publish(site: Site, target: PublishSettings, s3: Any) -> None:
    (site.content / "BAD-2026-001.yaml").write_text('schema: 1\ncase: "BAD-2026-001"\n')
    with pytest.raises(PublishRefused, match="overdue check"):
        publish_site(site.settings, target, site.output)
    assert bucket_contents(s3, target.bucket) == {}


def test_c22_multipart_upload_is_compared_by_our_hash_not_the_etag(
    site: Site, target: PublishSettings, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.build as build

    filler = {"text": "a"}

    def big_sitemap() -> bytes:
        url = "<url><loc>https://overdue.example/cases/{}/</loc></url>\n"
        return ("<?xml version='1.0' encoding='UTF-8'?>\n<urlset>\n" + "".join(
            url.format(filler["text"] * 8 + f"{i:07d}") for i in range(150_000)
        ) + "</urlset>\n").encode()  # fmt: skip

    def with_big_sitemap(jobs: list[Any]) -> list[Any]:
        return [*jobs, build.Job("sitemaps/big.xml", (), (filler["text"],), big_sitemap)]

    monkeypatch.setattr(build, "extra_jobs", with_big_sitemap)
    manifest = site.build()
    assert manifest["sitemaps/big.xml"]["bytes"] > 8 * 1024 * 1024
    target = target.model_copy(update={"multipart_threshold_mb": 5})
    publish_site(site.settings, target, site.output)
    etag = s3.head_object(Bucket=target.bucket, Key="sitemaps/big.xml")["ETag"]
    assert "-" in etag  # a multipart ETag, not an MD5 of the body
    again = publish_site(site.settings, target, site.output)
    assert again.result is not None and again.result.uploaded == 0
    filler["text"] = "b"  # same size, different bytes
    site.build()
    changed = publish_site(site.settings, target, site.output)
    assert [u.path for u in changed.plan.uploads] == ["sitemaps/big.xml"]
    assert_bucket_equals_build(s3, target.bucket, site)


def test_missing_or_damaged_manifest_object_falls_back_to_head(
    site: Site, target: PublishSettings, s3: Any, cloudfront: Any, distribution: str
) -> None:
    publish_site(site.settings, target, site.output)
    s3.delete_object(Bucket=target.bucket, Key=".overdue/published-manifest.json")
    missing = publish_site(site.settings, target, site.output)
    assert missing.result is not None and missing.result.uploaded == 0
    assert invalidated_paths(cloudfront, distribution) == []
    s3.put_object(Bucket=target.bucket, Key=".overdue/published-manifest.json", Body=b"{not json")
    damaged = publish_site(site.settings, target, site.output)
    assert damaged.result is not None and damaged.result.uploaded == 0
    assert invalidated_paths(cloudfront, distribution) == [["/*"]]
    assert_bucket_equals_build(s3, target.bucket, site)
