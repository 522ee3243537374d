"""A changed template, setting, date or pipeline invalidates exactly what it must."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline import buildcache
from pipeline.build import MANIFEST_NAME, build_site

from ..casefactory import AS_OF
from .conftest import settings_for
from .helpers import assert_same_tree


def cached_file_keys(cache: Path) -> set[str]:
    with closing(sqlite3.connect(cache / buildcache.DATABASE)) as db:
        return {key for (key,) in db.execute("SELECT key FROM files")}


def html_pages(out: Path) -> list[str]:
    files = json.loads((out / MANIFEST_NAME).read_text())["files"]
    return [name for name in files if name.endswith(".html")]


def rebuild_and_compare(
    registry: Path, theme: Path, out: Path, cache: Path, tmp: Path, **overrides: object
):  # type: ignore[no-untyped-def]
    settings = settings_for(registry, **overrides)
    result = build_site(settings, out, theme, cache_dir=cache)
    full = tmp / "full"
    shutil.rmtree(full, ignore_errors=True)
    build_site(settings, full, theme)
    assert_same_tree(out, full)
    return result


def test_warm_rebuild_renders_nothing(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    again = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    assert again.written == [] and again.cache_stats["pages_miss"] == 0
    assert again.cache_stats["files_miss"] == 0


def test_template_change_rerenders_only_its_pages(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    company = theme_copy / "templates" / "company.html"
    company.write_text(
        company.read_text().replace("{% block main %}", "{% block main %}<!-- v2 -->")
    )
    result = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    assert result.written and all(name.startswith("companies/") for name in result.written)
    # The memo is keyed by all template sources (an include may be anywhere), so pages are
    # re-rendered, but only pages whose bytes changed are written; case files stay cached.
    assert result.cache_stats["files_miss"] == 0


def test_setting_shown_on_pages_rerenders_everything(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    result = rebuild_and_compare(
        small_registry, theme_copy, out, cache, tmp_path, site_name="Renamed"
    )
    assert result.cache_stats["pages_miss"] == len(html_pages(out))
    # every page re-rendered, plus the one non-HTML output that names the site: the feed
    assert set(html_pages(out)) <= set(result.written)
    assert set(result.written) - set(html_pages(out)) == {"feeds/listings.atom"}


def test_rule_setting_rejudges_files_and_rerenders_what_changed(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    before = set(json.loads((out / MANIFEST_NAME).read_text())["files"])
    result = rebuild_and_compare(
        small_registry, theme_copy, out, cache, tmp_path, min_days_overdue=2000
    )
    assert result.cache_stats["files_miss"] == 7  # verdicts depend on every setting
    assert result.public_cases == [] and result.deleted
    assert set(result.deleted) <= set(before)


def test_as_of_date_is_part_of_the_key(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    later = AS_OF + timedelta(days=30)
    result = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path, as_of=later)
    assert result.cache_stats["files_miss"] == 7
    assert result.written  # days overdue moved on


def test_pipeline_version_change_invalidates_everything(
    small_registry: Path, theme_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    old_rows = cached_file_keys(cache)
    monkeypatch.setattr(buildcache, "pipeline_version", lambda: "0" * 64)
    result = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    assert result.cache_stats["files_miss"] == 7 and result.cache_stats["files_hit"] == 0
    assert result.cache_stats["pages_hit"] == 0
    assert result.written == []  # same bytes: nothing rewritten
    assert old_rows and not old_rows & cached_file_keys(cache)  # old entries gone


def test_source_digest_follows_the_code(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("X = 1\n")
    first = buildcache.source_digest(package)
    assert buildcache.source_digest(package) == first
    (package / "a.py").write_text("X = 2\n")
    assert buildcache.source_digest(package) != first
    assert len(buildcache.pipeline_version()) == 64


def test_tampered_output_is_rerendered(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    page = out / "cases" / "spd-2026-001" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"Speedy", b"Tampered"))
    result = build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    # The memo re-hashes what it reads back, so the tampered page is rendered again, and
    # only it. (write_output itself trusts its manifest for unchanged pages, cached or not.)
    assert result.cache_stats["pages_miss"] == 1


def test_corrupt_cache_is_ignored(small_registry: Path, theme_copy: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    for table in cache.iterdir():
        table.write_bytes(b"not a database")
    result = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    assert result.cache_stats["files_miss"] == 7 and result.written == []
    assert len(cached_file_keys(cache)) == 7  # rebuilt from scratch


def test_mtimes_are_never_part_of_a_key(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    import os

    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    for path in [*small_registry.glob("*.yaml"), *theme_copy.rglob("*.html")]:
        os.utime(path, (1, 1))  # what a fresh clone does to every file
    result = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    assert result.cache_stats["files_miss"] == 0 and result.cache_stats["pages_miss"] == 0


def test_listings_are_keyed_by_their_rows(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    """A listing shows rows; an edit the rows do not show leaves every listing alone, and
    one they show makes exactly the listings (and the sibling case pages) that show it."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    path = small_registry / "SPD-2026-004.yaml"
    path.write_text(path.read_text().replace("accepted.", "accepted in full."))
    summary = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    company = "companies/speedy-company-4-inc/index.html"
    made = [name for name in summary.made if name.endswith(".html")]
    assert made == ["cases/spd-2026-004/index.html", company]

    path.write_text(path.read_text().replace('"1040.00"', '"1041.00"'))
    amount = rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    made = [name for name in amount.made if name.endswith(".html")]
    assert made == [
        "cases/spd-2026-004/index.html",
        "cases/spd-2026-005/index.html",  # lists its sibling's balance
        company,
        "index.html",
        "jurisdictions/us/index.html",
        "jurisdictions/us/tx/index.html",
    ]


def test_the_cache_keeps_only_what_the_last_build_used(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    first = cached_file_keys(cache)
    edited = sorted(small_registry.glob("*.yaml"))[0]
    edited.write_text(edited.read_text().replace("were delivered", "were shipped"))
    sorted(small_registry.glob("*.yaml"))[-1].unlink()
    rebuild_and_compare(small_registry, theme_copy, out, cache, tmp_path)
    now = cached_file_keys(cache)
    assert len(now) == 6 and len(first - now) == 2 and len(now - first) == 1
    with closing(sqlite3.connect(cache / buildcache.DATABASE)) as db:
        for table in ("public", "opendata"):  # every case here is public
            assert {key for (key,) in db.execute(f"SELECT key FROM {table}")} == now


@pytest.mark.parametrize("library", buildcache.VERDICT_LIBRARIES)
def test_each_library_that_shapes_a_verdict_is_part_of_the_version(
    library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # phonenumbers and unidecode were not: upgrading one in place kept verdicts (the phone
    # gate, the company URL clash check) made by the old version.
    import importlib.metadata

    buildcache.pipeline_version.cache_clear()
    before = buildcache.pipeline_version()
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda d: "0.0.0-other" if d == library else real(d)
    )
    buildcache.pipeline_version.cache_clear()
    try:
        assert buildcache.pipeline_version() != before
    finally:
        monkeypatch.undo()
        buildcache.pipeline_version.cache_clear()


def test_the_libraries_named_are_those_the_verdicts_import() -> None:
    assert {"phonenumbers", "unidecode", "markupsafe"} <= set(buildcache.VERDICT_LIBRARIES)
