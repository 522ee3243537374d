"""A job may give its bytes in chunks; the file on disk is what their join would write."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.outputs import write_if_changed


def chunks(body: bytes, size: int = 3) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("streamed", [False, True], ids=["bytes", "chunks"])
def test_written_only_when_the_bytes_differ(tmp_path: Path, streamed: bool) -> None:
    root = str(tmp_path)

    def write(body: bytes) -> tuple[str, int, tuple[int, int, int, int], bool]:
        return write_if_changed(root, "data/registry.json", chunks(body) if streamed else body)

    first = write(b'{"records": [1]}')
    target = tmp_path / "data" / "registry.json"
    assert first[3] and target.read_bytes() == b'{"records": [1]}'
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    same = write(b'{"records": [1]}')
    assert not same[3] and target.stat().st_mtime_ns == 1_000_000_000
    assert same[:2] == first[:2]
    edited = write(b'{"records": [2]}')  # same size, other bytes
    assert edited[3] and target.read_bytes() == b'{"records": [2]}'
    assert edited[0] != first[0]
    assert sorted(p.name for p in target.parent.iterdir()) == ["registry.json"]


def test_a_stream_that_fails_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    write_if_changed(str(tmp_path), "data/registry.csv", b"old,bytes\r\n")

    def broken() -> Iterator[bytes]:
        yield b"new,"
        raise RuntimeError("the cache lost a fragment")

    with pytest.raises(RuntimeError):
        write_if_changed(str(tmp_path), "data/registry.csv", broken())
    folder = tmp_path / "data"
    assert sorted(p.name for p in folder.iterdir()) == ["registry.csv"]
    assert (folder / "registry.csv").read_bytes() == b"old,bytes\r\n"


def test_a_streamed_file_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "registry.json").symlink_to(outside)
    write_if_changed(str(tmp_path / "out"), "registry.json", chunks(b"new bytes"))
    assert outside.read_bytes() == b"keep"
    assert not (tmp_path / "out" / "registry.json").is_symlink()
    assert (tmp_path / "out" / "registry.json").read_bytes() == b"new bytes"


@pytest.mark.parametrize("count", [0, 1, 5, 6, 13])
def test_manifest_in_chunks_is_the_one_json_document(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streamed manifest parses to every record, in path order, however it is cut."""
    import json

    from pipeline import outputs

    monkeypatch.setattr(outputs, "MANIFEST_CHUNK", 5)
    records = {
        f"cases/c-{n:03d}/index.html": outputs.OutputRecord.made(
            f"cases/c-{n:03d}/index.html", None, f"{n:064x}", n, (n, n, n, n), (f"C-{n}",)
        )
        for n in reversed(range(count))
    }
    body = b"".join(outputs.manifest_chunks(records, 1))
    parsed = json.loads(body)
    assert parsed["version"] == 1 and list(parsed["files"]) == sorted(records)
    assert all(parsed["files"][p]["bytes"] == r.size for p, r in records.items())
    assert body.endswith(b"}\n") and b", ," not in body


def test_large_cache_records_are_stored_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record longer than META_PART entries is saved in parts and read back whole; a
    smaller save later leaves no stale part behind to be merged in."""
    from pipeline import buildcache

    monkeypatch.setattr(buildcache, "META_PART", 4)
    store = buildcache._Store(tmp_path, "v1")
    big = {f"page-{n}.html": (n, f"{n:064x}", [n, n]) for n in range(11)}
    store.save(set(), {"outputs:x": big, "small": {"a": 1}, "list": [1, 2]})
    assert store.meta("outputs:x") == big and store.meta("small") == {"a": 1}
    parts = [r[0] for r in store.db.execute("SELECT name FROM meta WHERE name LIKE 'outputs:x#%'")]
    assert len(parts) == 3
    smaller = {k: v for k, v in list(big.items())[:6]}
    store.save(set(), {"outputs:x": smaller})
    assert store.meta("outputs:x") == smaller and store.meta("list") == [1, 2]
    parts = [r[0] for r in store.db.execute("SELECT name FROM meta WHERE name LIKE 'outputs:x#%'")]
    assert len(parts) == 2
    store.save(set(), {"outputs:x": {"one": 1}})
    assert store.meta("outputs:x") == {"one": 1}
    store.db.execute("DELETE FROM meta WHERE name = 'outputs:x'")
    store.save(set(), {"outputs:x": big})
    store.db.execute("DELETE FROM meta WHERE name = 'outputs:x#1'")  # a part lost: no record
    assert store.meta("outputs:x") is None
    store.close()
