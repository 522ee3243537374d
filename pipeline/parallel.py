"""Judging case files in worker processes: chunked, in order, identical to the serial path.

Parsing and validating a case file is pure CPU work on its bytes, so a registry of
thousands of files spreads over the machine's cores. Small batches stay in-process,
where starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from .settings import RegistrySettings

SERIAL_BELOW = 400
"""Fewer files than this are judged in-process."""

_worker_context: tuple[RegistrySettings, date] | None = None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(settings: RegistrySettings, as_of: date) -> None:
    global _worker_context
    _worker_context = (settings, as_of)


def _judge_chunk(chunk: list[tuple[Path, bytes]]) -> list[bytes]:
    from .buildcache import judge_file_packed

    assert _worker_context is not None
    settings, as_of = _worker_context
    return [judge_file_packed(path, raw, settings, as_of) for path, raw in chunk]


def judge_files(
    items: list[tuple[Path, bytes]],
    settings: RegistrySettings,
    as_of: date,
    workers: int | None = None,
) -> list[bytes]:
    """`buildcache.judge_file_packed` for every (path, bytes), in the order given."""
    from .buildcache import judge_file_packed

    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) < SERIAL_BELOW:
        return [judge_file_packed(path, raw, settings, as_of) for path, raw in items]
    size = max(50, min(500, len(items) // (workers * 8) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(settings, as_of)
    ) as pool:
        return [entry for part in pool.map(_judge_chunk, chunks) for entry in part]
