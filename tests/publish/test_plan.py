"""The pure planning function: no servers, no clock."""

from __future__ import annotations

import pytest

from pipeline.contenttypes import UnknownContentType
from pipeline.publish import LocalFile, PublishRefused, RemoteState, plan_publish, takedown_paths


def local(*paths: str, digest: str = "a") -> dict[str, LocalFile]:
    return {p: LocalFile(p, digest * 64, 10) for p in paths}


SITE = ("index.html", "cases/x/index.html", "theme/site.0123456789.css", "sitemap.xml",
        "companies/acme/index.html")  # fmt: skip


def plan(files: dict[str, LocalFile], remote: RemoteState, allow: bool = False):  # type: ignore[no-untyped-def]
    return plan_publish(files, remote, max_delete_share=0.1, allow_mass_delete=allow,
                        max_invalidation_paths=1000)  # fmt: skip


def test_uploads_are_ordered_assets_pages_listings_and_new_objects_not_invalidated() -> None:
    result = plan(local(*SITE), RemoteState())
    assert [u.path for u in result.uploads] == [
        "theme/site.0123456789.css", "cases/x/index.html",
        "companies/acme/index.html", "index.html", "sitemap.xml",
    ]  # fmt: skip
    assert result.invalidations == [] and result.deletes == []


def test_unchanged_hashes_plan_nothing() -> None:
    files = local(*SITE)
    remote = RemoteState({p: f.sha256 for p, f in files.items()})
    result = plan(files, remote)
    assert result.empty and result.unchanged == len(SITE)


def test_unknown_remote_hash_is_uploaded_and_owed_invalidations_are_carried() -> None:
    files = local(*SITE)
    remote = RemoteState({p: f.sha256 for p, f in files.items()}, pending=["/old/"])
    remote.hashes["cases/x/index.html"] = None
    result = plan(files, remote)
    assert [u.path for u in result.uploads] == ["cases/x/index.html"]
    assert set(result.invalidation_paths) == {
        "/cases/x", "/cases/x/", "/cases/x/index.html", "/old/",
    }  # fmt: skip


def test_deleting_more_than_the_share_is_refused_unless_allowed() -> None:
    files = local(*SITE)
    remote = RemoteState({f"cases/c{i}/index.html": "b" * 64 for i in range(20)})
    with pytest.raises(PublishRefused, match="allow-mass-delete"):
        plan(files, remote)
    assert len(plan(files, remote, allow=True).deletes) == 20


def test_unknown_extension_refused_in_planning() -> None:
    with pytest.raises(UnknownContentType):
        plan(local(*SITE, "draft.md"), RemoteState())


def test_takedown_removes_only_pages_that_show_no_other_case() -> None:
    manifest = {
        "cases/a-1/index.html": {"cases": ["A-1"]},
        "companies/acme/index.html": {"cases": ["A-1"]},
        "companies/both/index.html": {"cases": ["A-1", "B-2"]},
        "index.html": {"cases": ["A-1", "B-2"]},
        "robots.txt": {"cases": []},
    }
    assert takedown_paths("A-1", manifest) == ["cases/a-1/index.html", "companies/acme/index.html"]


def test_an_unreadable_manifest_object_owes_a_full_invalidation() -> None:
    files = local(*SITE)
    remote = RemoteState({p: f.sha256 for p, f in files.items()}, pending=["/*"])
    assert plan(files, remote).invalidation_paths == ["/*"]
