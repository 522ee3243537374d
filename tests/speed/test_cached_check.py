"""`overdue check` with the build cache: what it judges it keeps for the build, what was
judged before under the same key it does not judge again, and it never drops anything the
build keeps. Its verdicts are those of a check that reads no cache."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.build import build_site
from pipeline.buildcache import BuildCache, _lock_cache, check_registry_files
from pipeline.errors import CacheUnusable

from ..casefactory import AS_OF, write_case
from .conftest import sample_case, settings_for
from .helpers import assert_same_tree


@pytest.fixture
def registry(registry_dir: Path) -> Path:
    for index in range(1, 10):
        data = sample_case(index)
        if index % 4 == 0:
            data["debtor"]["country"] = "FR"  # type: ignore[index]  # blocked: a check failure
        write_case(registry_dir, data)
    return registry_dir


@pytest.fixture
def buildable(registry: Path) -> Path:
    """The registry without its blocked parties: one the build accepts."""
    for blocked in registry.glob("*.yaml"):
        if "FR" in blocked.read_text():
            blocked.unlink()
    return registry


def hashed_files(cache: Path) -> set[str]:
    """The case files whose content hash the cache holds."""
    with closing(BuildCache(cache)) as store:
        return set(store.meta("case-files") or {})


def verdict(found: object) -> tuple[object, ...]:
    return (found.problems, found.cases, found.public)  # type: ignore[attr-defined]


def test_a_second_check_judges_nothing_and_says_the_same(registry: Path, tmp_path: Path) -> None:
    settings, cache = settings_for(registry), tmp_path / "cache"
    fresh = check_registry_files([registry], settings, AS_OF)
    first = check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    second = check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    assert fresh.judged == first.judged == 9 and second.judged == 0
    assert verdict(fresh) == verdict(first) == verdict(second)
    assert fresh.problems  # the blocked parties are reported from the cache too


def test_the_build_after_a_check_judges_nothing(
    buildable: Path, theme_copy: Path, tmp_path: Path
) -> None:
    registry = buildable
    settings, cache = settings_for(registry), tmp_path / "cache"
    assert check_registry_files([registry], settings, AS_OF, cache_dir=cache).judged == 7
    result = build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
    assert result.cache_stats["files_miss"] == 0
    build_site(settings, tmp_path / "full", theme_copy)
    assert_same_tree(tmp_path / "out", tmp_path / "full")


def test_an_edit_after_a_cached_check_is_judged_and_its_problem_reported(
    registry: Path, tmp_path: Path
) -> None:
    settings, cache = settings_for(registry), tmp_path / "cache"
    check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    edited = sorted(registry.glob("*.yaml"))[0]
    edited.write_text(edited.read_text().replace('country: "US"', 'country: "GB"', 1))
    again = check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    assert again.judged == 1
    assert verdict(again) == verdict(check_registry_files([registry], settings, AS_OF))
    assert any(p.location.path == edited for p in again.problems)


def test_checking_a_few_files_drops_nothing_the_build_keeps(
    buildable: Path, theme_copy: Path, tmp_path: Path
) -> None:
    registry = buildable
    settings, cache = settings_for(registry), tmp_path / "cache"
    build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
    hashed = hashed_files(cache)
    one = sorted(registry.glob("*.yaml"))[:1]
    assert check_registry_files(one, settings, AS_OF, cache_dir=cache).judged == 0
    assert hashed_files(cache) == hashed and len(hashed) == 7
    again = build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
    assert again.cache_stats["files_miss"] == 0 and again.written == []


def test_a_damaged_cache_is_ignored_by_check(registry: Path, tmp_path: Path) -> None:
    settings, cache = settings_for(registry), tmp_path / "cache"
    check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    (cache / "build.sqlite").write_bytes(b"not a database" * 100)
    for name in ("build.sqlite-wal", "build.sqlite-shm"):
        (cache / name).unlink(missing_ok=True)
    found = check_registry_files([registry], settings, AS_OF, cache_dir=cache)
    assert found.judged == 9
    assert verdict(found) == verdict(check_registry_files([registry], settings, AS_OF))
    shutil.rmtree(cache)


@pytest.mark.parametrize("twice", ["file and folder", "file twice", "folder twice"])
def test_a_path_given_twice_is_refused_with_and_without_the_cache(
    registry: Path, tmp_path: Path, twice: str
) -> None:
    # Both copies have one key: the cached check handed its entry to the first copy only,
    # took the second for unreadable, found it readable and passed it (exit 0).
    settings, cache = settings_for(registry), tmp_path / "cache"
    one = sorted(registry.glob("*.yaml"))[0]
    paths = {"file and folder": [one, registry], "file twice": [one, one],
             "folder twice": [registry, registry]}[twice]  # fmt: skip
    fresh = check_registry_files(paths, settings, AS_OF)
    assert any("is already used by" in p.message for p in fresh.problems)
    for _ in range(3):  # cold, then warm, then warm again
        assert verdict(check_registry_files(paths, settings, AS_OF, cache_dir=cache)) == verdict(
            fresh
        )


def damage_pages(cache: Path) -> None:
    """Every page after the first overwritten: the store opens (its schema is on page 1),
    and fails when a table is read."""
    with closing(sqlite3.connect(cache / "build.sqlite")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db.execute("PRAGMA page_size").fetchone()[0]
    store = cache / "build.sqlite"
    raw = store.read_bytes()
    store.write_bytes(raw[:size] + b"X" * (len(raw) - size))


def damage_entries(cache: Path) -> None:
    with closing(sqlite3.connect(cache / "build.sqlite")) as db:
        db.execute("UPDATE files SET entry = x'676172626167'")
        db.commit()


def lose_models(cache: Path) -> None:
    with closing(sqlite3.connect(cache / "build.sqlite")) as db:
        db.execute("DELETE FROM public")
        db.execute("DELETE FROM opendata")
        db.commit()


@pytest.mark.parametrize("damage", [damage_pages, damage_entries, lose_models])
def test_a_cache_damaged_after_it_opens_costs_time_never_a_verdict_or_a_crash(
    buildable: Path, theme_copy: Path, tmp_path: Path, damage: object
) -> None:
    registry = buildable
    # Each of these raised a traceback from check or build until the cache was deleted.
    settings, cache = settings_for(registry), tmp_path / "cache"
    for step in range(2):  # damage a cache left by a build, then one left by a check
        build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
        if step:
            check_registry_files([registry], settings, AS_OF, cache_dir=cache)
        damage(cache)  # type: ignore[operator]
        found = check_registry_files([registry], settings, AS_OF, cache_dir=cache)
        assert verdict(found) == verdict(check_registry_files([registry], settings, AS_OF))
        damage(cache)  # type: ignore[operator]
        fresh_out = tmp_path / f"out-{step}"  # every page made again: models come from the cache
        build_site(settings, fresh_out, theme_copy, cache_dir=cache)
        build_site(settings, tmp_path / "full", theme_copy)
        assert_same_tree(fresh_out, tmp_path / "full")


@pytest.mark.parametrize("in_the_way", ["a file", "a folder named build.sqlite"])
def test_an_unusable_cache_directory_is_a_typed_error(
    registry: Path, tmp_path: Path, in_the_way: str
) -> None:
    cache = tmp_path / "cache"
    if in_the_way == "a file":
        cache.write_text("not a folder")
    else:
        (cache / "build.sqlite").mkdir(parents=True)
    with pytest.raises(CacheUnusable, match=r"cannot use .* as the build cache"):
        check_registry_files([registry], settings_for(registry), AS_OF, cache_dir=cache)


def test_a_run_while_another_holds_the_cache_keeps_to_a_store_of_its_own(
    buildable: Path, theme_copy: Path, tmp_path: Path
) -> None:
    registry = buildable
    # Two builds on one cache pruned and rewrote each other's store: they crashed, and
    # left output/ half made. The second run now neither reads nor writes the cache.
    settings, cache = settings_for(registry), tmp_path / "cache"
    build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
    before = (cache / "build.sqlite").read_bytes()
    held = _lock_cache(cache)
    assert held is not None
    try:
        assert check_registry_files([registry], settings, AS_OF, cache_dir=cache).judged == 7
        result = build_site(settings, tmp_path / "out", theme_copy, cache_dir=cache)
        assert result.cache_stats["files_miss"] == 7 and result.written == []
        assert (cache / "build.sqlite").read_bytes() == before
    finally:
        os.close(held)
    assert check_registry_files([registry], settings, AS_OF, cache_dir=cache).judged == 0
