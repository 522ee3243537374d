"""A cached rebuild trusts its records of output/ only as far as the disk agrees.

It stats files and directories instead of reading and walking them, so anything that
changed them behind its back (a foreign file, a tampered page, a deleted tree, a symlink)
must still end up exactly as a full build leaves it.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from pipeline.build import build_site

from .conftest import settings_for
from .helpers import assert_same_tree


def _built(registry: Path, theme: Path, tmp: Path) -> tuple[Path, Path]:
    out, cache = tmp / "out", tmp / "cache"
    build_site(settings_for(registry), out, theme, cache_dir=cache)
    return out, cache


def _full(registry: Path, theme: Path, tmp: Path) -> Path:
    full = tmp / "full"
    shutil.rmtree(full, ignore_errors=True)
    build_site(settings_for(registry), full, theme)
    return full


def test_foreign_files_anywhere_are_deleted(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = _built(small_registry, theme_copy, tmp_path)
    planted = [
        out / "stray.html",
        out / "cases" / "spd-2026-001" / "old.html",
        out / "cases" / "gone-2020-001" / "index.html",
        out / "new" / "deep" / "er" / "page.html",
        out / "pagefind" / "fragment" / "extra.pf_fragment",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("stale")
    os.symlink("/etc", out / "companies" / "linked")
    result = build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    assert not any(p.exists() for p in planted)
    assert not (out / "companies" / "linked").is_symlink()
    assert not (out / "new").exists() and not (out / "cases" / "gone-2020-001").exists()
    assert "stray.html" in result.deleted and result.written == []
    assert_same_tree(out, _full(small_registry, theme_copy, tmp_path))


def test_a_page_tampered_with_its_size_and_mtime_kept_is_rewritten(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = _built(small_registry, theme_copy, tmp_path)
    page = out / "cases" / "spd-2026-002" / "index.html"
    before = page.stat()
    body = page.read_bytes()
    page.write_bytes(body.replace(b"Speedy", b"Sneaky", 1))  # same size
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime; ctime moves
    result = build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    assert result.written == ["cases/spd-2026-002/index.html"]
    assert page.read_bytes() == body


def test_a_deleted_or_replaced_output_tree_is_rebuilt(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = _built(small_registry, theme_copy, tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    shutil.rmtree(out)
    result = build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    assert result.written and not result.deleted
    assert_same_tree(out, copy)
    shutil.rmtree(out)
    shutil.copytree(copy, out)  # new inodes: nothing is trusted, nothing needs writing
    (out / "cases" / "stray.txt").write_text("stale")
    again = build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache)
    assert again.written == [] and again.deleted == ["cases/stray.txt"]
    assert_same_tree(out, copy)


def test_a_build_without_search_deletes_the_old_index(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    out, cache = _built(small_registry, theme_copy, tmp_path)
    assert (out / "pagefind" / "pagefind.js").is_file()
    settings = settings_for(small_registry)
    preview = build_site(settings, out, theme_copy, cache_dir=cache, search=False)
    assert not (out / "pagefind").exists()  # an old index could still show a paid case
    assert preview.deleted and all(p.startswith("pagefind/") for p in preview.deleted)
    build_site(settings, out, theme_copy, cache_dir=cache)
    assert_same_tree(out, _full(small_registry, theme_copy, tmp_path))


def test_case_files_are_hashed_again_when_their_stat_moves(
    small_registry: Path, theme_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged case files are not re-read (their lstat vouches for the hash taken last
    time), but any write (a new ctime, even with size and mtime put back) is read and
    judged again, and a file changed within two seconds of being hashed is never trusted."""
    from pipeline import buildcache

    settings = settings_for(small_registry)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build_site(settings, out, theme_copy, cache_dir=cache)
    assert first.cache_stats["files_read"] == 7
    racy = build_site(settings, out, theme_copy, cache_dir=cache)
    assert racy.cache_stats["files_read"] == 7  # hashed moments ago: not trusted yet
    later = time.time_ns() + 10_000_000_000
    monkeypatch.setattr(buildcache.time, "time_ns", lambda: later)
    build_site(settings, out, theme_copy, cache_dir=cache)  # hashes taken "10 s later"
    trusted = build_site(settings, out, theme_copy, cache_dir=cache)
    assert trusted.cache_stats["files_read"] == 0 and trusted.written == []
    path = small_registry / "SPD-2026-003.yaml"
    before = path.stat()
    text = path.read_text()
    path.write_text(text.replace("accepted.", "accepted!"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = build_site(settings, out, theme_copy, cache_dir=cache)
    assert edited.cache_stats["files_read"] == 1 and edited.cache_stats["files_miss"] == 1
    assert "accepted!" in (out / "cases" / "spd-2026-003" / "index.html").read_text()
    assert_same_tree(out, _full(small_registry, theme_copy, tmp_path))


@pytest.mark.parametrize("cached", [True, False])
def test_a_symlink_in_place_of_an_output_directory_never_carries_writes_outside(
    small_registry: Path, theme_copy: Path, tmp_path: Path, cached: bool
) -> None:
    out, cache = _built(small_registry, theme_copy, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(out / "cases")
    os.symlink(outside, out / "cases")
    (small_registry / "SPD-2026-004.yaml").write_text(
        (small_registry / "SPD-2026-004.yaml").read_text().replace("accepted.", "accepted!")
    )
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache if cached else None)
    assert list(outside.iterdir()) == []  # nothing written through the link
    assert not (out / "cases").is_symlink() and (out / "cases").is_dir()
    assert_same_tree(out, _full(small_registry, theme_copy, tmp_path))
    shutil.rmtree(out / "companies")
    (out / "companies").write_text("a file where a directory belongs")
    build_site(settings_for(small_registry), out, theme_copy, cache_dir=cache if cached else None)
    assert_same_tree(out, _full(small_registry, theme_copy, tmp_path))
