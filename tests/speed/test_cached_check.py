"""`overdue check` with the build cache: what it judges it keeps for the build, what was
judged before under the same key it does not judge again, and it never drops anything the
build keeps. Its verdicts are those of a check that reads no cache."""

from __future__ import annotations

import shutil
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.build import build_site
from pipeline.buildcache import BuildCache, check_registry_files

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
    registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    for blocked in registry.glob("*.yaml"):
        if "FR" in blocked.read_text():
            blocked.unlink()  # a registry that builds
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
    registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    for blocked in registry.glob("*.yaml"):
        if "FR" in blocked.read_text():
            blocked.unlink()
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
