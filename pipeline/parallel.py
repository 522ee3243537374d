"""Judging case files in worker processes: chunked, in order, identical to the serial path.

Parsing and validating a case file is pure CPU work on its bytes, so a registry of
thousands of files spreads over the machine's cores. Small batches stay in-process,
where starting workers would cost more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from .settings import RegistrySettings

Judged = tuple[bytes, bytes, str, str]
T = TypeVar("T")

SERIAL_BELOW = 400
"""Fewer files than this are judged in-process."""

_worker_context: tuple[RegistrySettings, date] | None = None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection in this process for the length of the block.

    A build holds hundreds of thousands of small, long-lived objects (records, stats, rows
    of the last build), and each full pass of the collector walks all of them: while they
    are being made, those passes were a fifth of a warm rebuild. Worker processes collect
    as usual (`_collecting`); the objects they inherit are frozen out of their passes.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _collecting() -> None:
    gc.enable()


def _init_worker(settings: RegistrySettings, as_of: date) -> None:
    global _worker_context
    _collecting()
    _worker_context = (settings, as_of)


def _judge_one(
    path: Path, digest: str | None, settings: RegistrySettings, as_of: date
) -> tuple[str | None, Judged]:
    from .buildcache import judge_path, read_and_judge

    if digest is None:
        return read_and_judge(path, settings, as_of)
    return digest, judge_path(path, digest, settings, as_of)


def _judge_chunk(chunk: list[tuple[Path, str | None]]) -> list[tuple[str | None, Judged]]:
    assert _worker_context is not None
    settings, as_of = _worker_context
    return [_judge_one(path, digest, settings, as_of) for path, digest in chunk]


def judge_files(
    items: list[tuple[Path, str | None]],
    settings: RegistrySettings,
    as_of: date,
    workers: int | None = None,
) -> list[tuple[str | None, Judged]]:
    """`iter_judged`, as a list."""
    return list(iter_judged(items, settings, as_of, workers))


def iter_judged(
    items: list[tuple[Path, str | None]],
    settings: RegistrySettings,
    as_of: date,
    workers: int | None = None,
) -> Iterator[tuple[str | None, Judged]]:
    """For every (path, content sha256 or None), in the order given: the sha256 of the
    bytes judged and `buildcache.judge_path` of them; a None digest is read and hashed
    by the worker (and comes back None when the file cannot be read). Results are yielded
    as the workers finish them (in order), so the caller can store and drop each one
    instead of holding them all. Workers read the files themselves: the registry's bytes
    never sit in this process all at once."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < SERIAL_BELOW:
        for path, digest in items:
            yield _judge_one(path, digest, settings, as_of)
        return
    # Two dozen batches per worker: the last batch leaves the other cores idle while it
    # runs, and at 10,000 files a batch of 500 was a third of a second of one core.
    size = max(50, min(500, len(items) // (workers * 24) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    gc.freeze()  # see map_forked
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(settings, as_of)
        ) as pool:
            for part in pool.map(_judge_chunk, chunks):
                yield from part
    finally:
        gc.unfreeze()


_forked: Callable[[Any], Any] | None = None


def _run_forked(chunk: list[Any]) -> list[Any]:
    assert _forked is not None
    return [_forked(item) for item in chunk]


def map_forked(
    function: Callable[[Any], T], items: list[Any], workers: int | None = None
) -> list[T]:
    """`[function(i) for i in items]`, spread over forked workers when there are many.

    The workers are forked after `function` is set, so it may be any closure over this
    process's state (a site plan, its cases): nothing but the items and results is pickled.
    Without fork (not Linux) it runs in-process.
    """
    global _forked
    workers = default_workers() if workers is None else workers
    if (
        workers <= 1
        or len(items) < SERIAL_BELOW
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [function(item) for item in items]
    size = max(20, min(200, len(items) // (workers * 8) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    _forked = function
    # Frozen objects are left alone by the workers' garbage collector, so it does not
    # touch (and copy) every page they share with this process.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_collecting) as pool:
            parts = pool.map(_run_forked, chunks, chunksize=1)
    finally:
        _forked = None
        gc.unfreeze()
    return [result for part in parts for result in part]
