"""output/ on disk: write what changed, keep what did not, delete everything else.

A file is written only when its bytes change, atomically (temp file, then rename), so
unchanged files keep their mtime. What this build did not produce is stale and goes,
whether or not an earlier build remembers writing it: an interrupted build may have left
a temp file or a half-finished tree behind, and any of those could keep a taken-down case
online. A first build walks the whole tree; later builds remember the `lstat` of every
directory they left, and look again inside each directory whose entries changed since.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat as stat_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

Stat = tuple[int, int, int, int]
"""(size, mtime_ns, inode, ctime_ns): a file this build wrote or checked is the same
file, with the same bytes, while these stay the same."""


class OutputRecord(NamedTuple):
    """One output file as written: what made it (key), its bytes' hash and size, its stat,
    the cases it shows, and its entry in the manifest (JSON, made once)."""

    key: bytes | None
    sha256: str
    size: int
    stat: Stat
    cases: tuple[str, ...]
    entry: str

    @classmethod
    def made(
        cls, path: str, key: bytes | None, sha256: str, size: int, stat: Stat,
        cases: tuple[str, ...],
    ) -> OutputRecord:  # fmt: skip
        entry = json.dumps({path: {"bytes": size, "cases": list(cases), "sha256": sha256}})
        return cls(key, sha256, size, stat, cases, entry[1:-1])


MANIFEST_CHUNK = 4096
"""Entries per chunk of the streamed manifest (about 1 MB)."""


def manifest_chunks(records: Mapping[str, OutputRecord], version: int) -> Iterator[bytes]:
    """{"files": {path: {"bytes", "cases", "sha256"}}, "version": N}, paths in order, a
    chunk at a time: at 100,000 cases the manifest is ~50 MB, and joined in one piece it
    was held twice over (as text, then as bytes)."""
    paths = sorted(records)
    yield b'{"files": {'
    for start in range(0, len(paths), MANIFEST_CHUNK):
        part = ", ".join(records[path].entry for path in paths[start : start + MANIFEST_CHUNK])
        yield (", " + part if start else part).encode()
    yield f'}}, "version": {version}}}\n'.encode()


def file_stat(path: str | Path) -> Stat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat_module.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def dir_stat(path: str | Path) -> Stat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat_module.S_ISDIR(info.st_mode):
        return None
    return (info.st_mode, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def check_relative(path: str) -> str:
    """An output path must stay inside output/: relative, normalised, no `..`."""
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\0" in path
        or posixpath.normpath(path) != path
        or path.split("/", 1)[0] == ".."
    ):
        raise ValueError(f"output path {path!r} escapes the output directory")
    return path


Body = bytes | Iterator[bytes]
"""What a job makes: its bytes, or (for a file too big to hold, like the open-data
exports of a large registry) its bytes a chunk at a time."""


def as_bytes(body: Body) -> bytes:
    return body if isinstance(body, bytes) else b"".join(body)


def write_if_changed(root: str, path: str, body: Body) -> tuple[str, int, Stat, bool]:
    """Write `body` at root/path unless the file already holds exactly it.

    Returns (sha256, size, stat, written). A symlink is never written through: it is
    replaced by a file. Chunks are streamed to a temporary file, which replaces the file
    only when its bytes differ.
    """
    if not isinstance(body, bytes):
        return _stream_if_changed(root, path, body)
    target = os.path.join(root, path)
    current = file_stat(target)
    written = False
    if current is None or current[0] != len(body) or _read(target) != body:
        with _beside(target) as (tmp, fd):
            write_all(fd, body)
            current = _commit(fd, tmp, target)
        written = True
    return hashlib.sha256(body).hexdigest(), len(body), current, written


_CREATE = (
    os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
)  # fmt: skip
"""A temporary file is made afresh and never opened through a symlink."""


@contextmanager
def _beside(target: str) -> Iterator[tuple[str, int]]:
    """A temporary file next to `target`, open for writing, and removed if the block
    fails: a failed write never leaves half a file, under either name.

    Its folder is made only when the file cannot be made without it: calling makedirs
    for every output file cost three system calls each, and most folders exist.
    """
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.tmp")
    try:
        fd = os.open(tmp, _CREATE, 0o666)
    except FileNotFoundError:
        try:
            os.mkdir(folder)  # most often only the last folder is new
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:
            pass  # made meanwhile (or not a folder: the open below says so)
        fd = os.open(tmp, _CREATE, 0o666)
    try:
        yield tmp, fd
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """All of `data` to the open file, however many writes that takes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _commit(fd: int, tmp: str, target: str) -> Stat:
    """Rename the finished temporary file over `target`; its stat as `file_stat` gives it
    (taken after the rename, which moves the ctime, from the open file: no path lookup)."""
    os.replace(tmp, target)
    info = os.fstat(fd)
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def _stream_if_changed(
    root: str, path: str, chunks: Iterator[bytes]
) -> tuple[str, int, Stat, bool]:
    target = os.path.join(root, path)
    hasher, size = hashlib.sha256(), 0
    with _beside(target) as (tmp, fd):
        for chunk in chunks:
            hasher.update(chunk)
            size += len(chunk)
            write_all(fd, chunk)
        sha = hasher.hexdigest()
        current = file_stat(target)
        if current is not None and current[0] == size and _file_sha256(target) == sha:
            os.unlink(tmp)
            return sha, size, current, False
        return sha, size, _commit(fd, tmp, target), True


def _file_sha256(path: str) -> str | None:
    hasher = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                hasher.update(block)
    except OSError:
        return None
    return hasher.hexdigest()


_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_READ_BLOCK = 1 << 16  # below malloc's mmap threshold: a small file costs no mmap/munmap


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, as `Path.read_bytes` gives them (and its OSErrors), in a quarter
    of its time: a build reads every case file and page, and the buffered file object
    cost three times what the system calls do."""
    fd = os.open(path, _READ)
    try:
        block = os.read(fd, _READ_BLOCK)
        if not block:
            return block
        blocks = [block]
        while block := os.read(fd, _READ_BLOCK):
            blocks.append(block)
        return blocks[0] if len(blocks) == 1 else b"".join(blocks)
    finally:
        os.close(fd)


def _read(path: str) -> bytes | None:
    try:
        return read_file(path)
    except OSError:
        return None


@dataclass
class Scan:
    """What is in output/ besides what this build expects: files and links to delete."""

    foreign: set[str]
    dirs: set[str]
    changed: set[str] = field(default_factory=set)
    """Directories whose entries changed since the last build."""


def scan_tree(root: Path) -> Scan:
    """Every file and symlink under root (links not followed), and every directory."""
    files: set[str] = set()
    dirs: set[str] = set()
    base = str(root)
    for folder, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(folder, base)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        dirs.add(prefix.rstrip("/"))
        for name in dirnames:
            if os.path.islink(os.path.join(folder, name)):
                files.add(prefix + name)
        files.update(prefix + name for name in filenames)
    return Scan(files, dirs)


def scan_changed(root: Path, dirs: Mapping[str, Stat]) -> Scan:
    """Entries of the directories whose stat moved since the last build, and all of any
    directory that build did not know; a directory that vanished is simply gone."""
    found = Scan(set(), set())
    base = str(root)
    for rel, known in dirs.items():
        folder = f"{base}/{rel}" if rel else base
        current = dir_stat(folder)
        if current is None or current == known:
            continue
        found.changed.add(rel)
        prefix = rel + "/" if rel else ""
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if name not in dirs:
                    inner = scan_tree(root / name)
                    found.foreign.update(f"{name}/{f}" for f in inner.foreign)
                    found.dirs.update(f"{name}/{d}".rstrip("/") for d in inner.dirs)
            else:
                found.foreign.add(name)
    return found


def parent_dirs(paths: Iterable[str]) -> set[str]:
    """Every directory (relative, "" for the root) that holds one of these paths, which
    are relative and normalised (`check_relative`). Split by hand: posixpath.dirname took
    three times as long, over the 261,000 outputs of a large registry, several times a build."""
    out = {""}
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in out:
            out.add(folder)
            folder = folder.rpartition("/")[0]
    return out


def delete_stale(root: Path, stale: Iterable[str]) -> list[str]:
    """Delete these files and links, then every directory they leave empty."""
    deleted = []
    emptied: set[str] = set()
    for rel in sorted(stale):
        target = root / rel
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except IsADirectoryError:
            continue
        deleted.append(rel)
        emptied.add(posixpath.dirname(rel))
    for folder in sorted(parent_dirs(f + "/x" for f in emptied), key=len, reverse=True):
        if folder:
            try:
                (root / folder).rmdir()
            except OSError:
                continue
    return deleted


def remove_empty_dirs(root: Path, dirs: Iterable[str]) -> None:
    for folder in sorted(dirs, key=len, reverse=True):
        if folder:
            try:
                (root / folder).rmdir()
            except OSError:
                continue


Produce = Callable[[int], Body]


def produce_all(
    root: Path,
    paths: Sequence[str],
    indices: Sequence[int],
    produce: Produce,
    workers: int | None,
) -> dict[int, tuple[str, int, Stat, bool]]:
    """Make and write the jobs at `indices`; in forked workers when there are many."""
    from .parallel import map_forked
    from .siteplan import release_models

    base = str(root)

    def one(index: int) -> tuple[str, int, Stat, bool]:
        done = write_if_changed(base, paths[index], produce(index))
        release_models(keep=2000)
        return done

    results = map_forked(one, list(indices), workers)
    return dict(zip(indices, results, strict=True))
