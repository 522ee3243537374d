"""The build cache: content-hash keyed memos that make a rebuild cost what changed.

One SQLite file, `build.sqlite` in the cache directory, holds:
- per case file, keyed by sha256(pipeline version, path, file bytes, settings, as-of
  date): what the file came to (its problems, or the slim facts the site plan needs and
  the pickled `PublicCase`, unpacked only when a page showing it is made);
- the output records of the last build (per output file: the key of its job, the sha256,
  size and stat of the bytes written), the stats of its directories and the search
  index's state.

Keys are content hashes, never mtimes (a CI clone resets them). The output records are
compared with `lstat` only to know that a file is still the one this cache wrote (an
edited or replaced file has a new ctime); anything else is read or made again.
Everything derived from code is versioned by a hash of the pipeline package's source, so
a code change invalidates the whole cache. The cache is an optimisation only: deleting
it, or any damage to it, changes nothing in the output.
"""

from __future__ import annotations

import fcntl
import hashlib
import marshal
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from .errors import CacheUnusable, Location, Problem
from .outputs import Stat, file_stat, read_file
from .registry import case_file_names, check_problems, invalid_record_problems
from .render import SiteRenderer
from .settings import RegistrySettings
from .site_extras import Delisting, delisting_of
from .siteplan import CaseRef

T = TypeVar("T")

CACHE_FORMAT = 5
PACKAGE_DIR = Path(__file__).resolve().parent
DATABASE = "build.sqlite"


VERDICT_LIBRARIES = (
    "pydantic", "pydantic-core", "jinja2", "markupsafe", "markdown", "nh3", "pycountry",
    "pyyaml", "phonenumbers", "unidecode",
)  # fmt: skip
"""Libraries whose version can change a verdict or an output byte: phonenumbers places a
contact's phone (the jurisdiction gate), unidecode makes company URLs (the slug clash
check), markupsafe escapes every page. A cache entry made under another version of any of
them is never reused."""


@cache
def pipeline_version() -> str:
    """Hash of every source and data file of the package and the libraries that shape output."""
    from importlib.metadata import version

    digest = hashlib.sha256(
        f"format {CACHE_FORMAT}\0{sys.version}\0{source_digest(PACKAGE_DIR)}".encode()
    )
    for dist in VERDICT_LIBRARIES:
        digest.update(f"{dist}={version(dist)}\0".encode())
    return digest.hexdigest()


def source_digest(package_dir: Path) -> str:
    """Hash of the names and bytes of a package's source and data files."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".json"):
            digest.update(str(path.relative_to(package_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def settings_digest(settings: RegistrySettings, as_of: date) -> str:
    return hashlib.sha256(f"{settings.model_dump_json()}\0{as_of.isoformat()}".encode()).hexdigest()


@dataclass
class FileEntry:
    """What one case file came to, slim: the public model travels as its own pickle."""

    problems: list[Problem]
    case_id: str | None = None
    case_at: tuple[int, int] = (1, 1)  # where ("case",) is, for a repeated-id problem
    slug: str | None = None
    company: str | None = None  # slugs.company_key of the debtor
    name_at: tuple[int, int] = (1, 1)  # where ("debtor", "name") is, for a slug collision
    delisting: Delisting | None = None  # when a once-listed case came down (sitemap lastmod)
    digest: bytes = b""  # siteplan.case_digest of the public case
    ref_fields: tuple[Any, ...] | None = None  # siteplan.ref_fields, when public


@dataclass
class RegistryCheck:
    """`overdue check` of a registry: nothing may be published while there are problems."""

    problems: list[Problem]
    cases: int  # valid case files, each case id counted once
    public: list[str]  # the public case ids in file order (none when there are problems)
    judged: int = 0  # files judged by this run (the others came from the build cache)


LOCK_NAME = "build.lock"


def _lock_cache(directory: Path) -> int | None:
    """An exclusive lock on the cache directory, held until `close`; None when another
    run holds it. A directory that cannot hold a cache is `CacheUnusable`, here only. That run's store would be pruned and rewritten under this one: two
    builds at once crashed each other and left output/ half made. The second one now
    keeps to a store of its own for its length, which is slower, never wrong."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if (directory / DATABASE).exists() and not (directory / DATABASE).is_file():
            raise IsADirectoryError(f"{directory / DATABASE} is not a file")
        fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CacheUnusable(f"cannot use {directory} as the build cache: {exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class CacheLost(LookupError):
    """The store lacks what its own entries promise (another run pruned it meanwhile)."""


CACHE_DAMAGE = (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, CacheLost)
"""What a damaged or concurrently pruned cache raises. A run that meets one starts again
with an empty cache (`with_fresh_cache`): the cache can cost time, never a verdict."""


def discard_cache(directory: Path) -> None:
    """Delete the store in `directory`, so the next run starts empty."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (directory / f"{DATABASE}{suffix}").unlink(missing_ok=True)


def with_fresh_cache(run: Callable[[Path | None], T], cache_dir: Path | None) -> T:
    """`run(cache_dir)`; if the cache turns out damaged on the way, `run` again with the
    store deleted first. Without a cache directory (a scratch store), no second try."""
    try:
        return run(cache_dir)
    except CACHE_DAMAGE:
        if cache_dir is None:
            raise
    discard_cache(cache_dir)
    return run(cache_dir)


def check_registry_files(
    paths: Iterable[Path],
    settings: RegistrySettings,
    as_of: date,
    workers: int | None = None,
    cache_dir: Path | None = None,
) -> RegistryCheck:
    """Every case file judged in worker processes, as the build judges it, without keeping
    the records: a registry of 100,000 cases is checked in the memory of a few batches.

    With `cache_dir` (the build's cache), a file judged before under the same key (its
    bytes, the settings, the date, the code) is not judged again, and what is judged is
    stored for the build: `make html` checks, then builds, and after a one-case edit both
    judge that one file. Nothing the build keeps is dropped, whatever `paths` holds.
    """
    paths = list(paths)

    def run(directory: Path | None) -> RegistryCheck:
        cache = BuildCache(directory, workers)
        try:
            found = cache.check(paths, settings, as_of)
            cache.save(prune=False)
        except BaseException:
            cache.close()
            raise
        return found

    return with_fresh_cache(run, cache_dir)


Judged = tuple[bytes, bytes, str, str]
"""A pickled FileEntry, the pickled PublicCase and its open-data fragments (JSON, CSV);
b"" and "" when the case is not public."""


def judge_file(path: Path, raw: bytes, settings: RegistrySettings, as_of: date) -> Judged:
    """Load, validate, judge and (when public) project one file; the unit of work of a worker."""
    from . import opendata
    from .errors import RecordInvalid
    from .public import project
    from .records import load_case
    from .rules import assess
    from .siteplan import case_digest, ref_fields
    from .slugs import company_key, slugify

    try:
        case, doc = load_case(path, raw)
    except RecordInvalid as exc:
        return _pack(FileEntry(invalid_record_problems(path, exc, raw))), b"", "", ""
    assessment = assess(case, doc, settings, as_of)
    entry = FileEntry(check_problems(assessment), case.case, _line_col(doc.locate(("case",))))
    if not (assessment.public and not assessment.check_failures):
        entry.delisting = delisting_of(assessment, settings)
        return _pack(entry), b"", "", ""
    entry.slug = case.debtor.slug or slugify(case.debtor.name)
    entry.company = company_key(case.debtor.name, case.debtor.country)
    entry.name_at = _line_col(doc.locate(("debtor", "name")))
    public = project(assessment, entry.slug)
    entry.digest = case_digest(public)
    entry.ref_fields = ref_fields(public)
    site = settings.site_url
    fragments = opendata.fragments(public, site)
    return _pack(entry), _pack(public), *fragments


def judge_path(path: Path, digest: str, settings: RegistrySettings, as_of: date) -> Judged:
    """`judge_file` on the file's bytes, which must still hash to `digest` (what the build
    keyed it by): a file that changed in between is a problem, never a stale verdict."""
    try:
        raw = read_file(path)
    except OSError:
        raw = None
    if raw is None or hashlib.sha256(raw).hexdigest() != digest:
        problem = Problem(
            Location(path), "the file changed while the build was reading it; build again"
        )
        return _pack(FileEntry([problem])), b"", "", ""
    return judge_file(path, raw, settings, as_of)


def read_and_judge(
    path: Path, settings: RegistrySettings, as_of: date
) -> tuple[str | None, Judged]:
    """`judge_file` on the file as it is now, with the sha256 of the bytes judged (the
    key the build stores the result under); (None, ...) when the file cannot be read."""
    try:
        raw = read_file(path)
    except OSError:
        return None, (b"", b"", "", "")
    return hashlib.sha256(raw).hexdigest(), judge_file(path, raw, settings, as_of)


def _pack(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _line_col(location: Location) -> tuple[int, int]:
    return (location.line, location.column)


_TABLES = {
    "files": "entry BLOB",  # the pickled FileEntry of every case file
    "public": "model BLOB",  # the pickled PublicCase of each public one
    "opendata": "json TEXT, csv TEXT",  # and its open-data fragments
}
"""Apart, so that reading every entry, or every fragment, reads nothing else."""


_PARTS = "\0parts"  # no path holds a NUL: the key of a record stored in parts
META_PART = 20_000
"""Entries per stored part of a large record (the output files of a build of 100,000
cases are 261,000): marshalled whole, it was one ~100 MB string on saving and loading."""


def _meta_rows(meta: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """(name, marshal) rows; a dict longer than META_PART goes in parts of that many
    entries, under `name#0`, `name#1`, ..., and `name` says how many."""
    for name, value in meta.items():
        if not (isinstance(value, dict) and len(value) > META_PART):
            yield name, marshal.dumps(value)
            continue
        items, parts = iter(value.items()), 0
        while part := dict(islice(items, META_PART)):
            yield f"{name}#{parts}", marshal.dumps(part)
            parts += 1
        yield name, marshal.dumps({_PARTS: parts})


class _Store:
    """The SQLite file. Any damage or another pipeline version: start empty."""

    def __init__(self, directory: Path, version: str, scratch: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)  # a cache's was vetted by _lock_cache
        self.path = directory / DATABASE
        self.pid = os.getpid()
        self.closed = False
        # A store that lives for one build only needs no journal: each page is written once.
        self.journal = "OFF" if scratch else "WAL"
        self.scratch = scratch
        try:
            self.db = self._open(version)
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)
            for extra in ("-wal", "-shm", "-journal"):
                Path(f"{self.path}{extra}").unlink(missing_ok=True)
            self.db = self._open(version)

    def _open(self, version: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute(f"PRAGMA journal_mode={self.journal}")
            db.execute("PRAGMA synchronous=OFF")  # a cache: a lost write costs a re-render
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB)")
            row = db.execute("SELECT value FROM meta WHERE name='version'").fetchone()
            if row is None or row[0] != version:
                db.execute("BEGIN")
                for table in _TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('version', ?)", (version,))
                db.execute("COMMIT")
            for table, columns in _TABLES.items():
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, {columns})")
            db.execute("SELECT count(*) FROM files").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def meta(self, name: str) -> Any:
        """A record of the last build: plain tuples, dicts and strings, kept with marshal
        (several times faster than pickle for them; the pipeline version names the
        Python version, whose marshal format it is)."""
        try:
            row = self.db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
            value = marshal.loads(row[0]) if row else None
            if not (isinstance(value, dict) and _PARTS in value):
                return value
            merged: dict[Any, Any] = {}
            for part in range(int(value[_PARTS])):
                row = self.db.execute(
                    "SELECT value FROM meta WHERE name=?", (f"{name}#{part}",)
                ).fetchone()
                if row is None:
                    return None
                merged.update(marshal.loads(row[0]))
            return merged
        except (sqlite3.DatabaseError, EOFError, ValueError, TypeError):
            return None

    def empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def entries(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = set(keys)
        found: dict[str, bytes] = {}
        for key, entry in self.db.execute("SELECT key, entry FROM files"):
            if key in wanted:
                found[key] = entry
        return found

    def _reader(self) -> sqlite3.Connection:
        if os.getpid() != self.pid or self.closed:
            # a forked worker never shares the parent's connection; a model asked for after
            # the build saved the cache reads it through a connection of its own
            self.db, self.pid, self.closed = sqlite3.connect(self.path), os.getpid(), False
        return self.db

    def public(self, key: str) -> bytes:
        row = self._reader().execute("SELECT model FROM public WHERE key=?", (key,)).fetchone()
        if row is None or not row[0]:
            raise CacheLost(f"the build cache lost the public case of {key}")
        return bytes(row[0])

    def open_data(self, keys: Iterable[str], column: int) -> dict[str, str]:
        """One open-data fragment (0: JSON, 1: CSV) of each of these files, looked up by
        key 2,000 at a time (SQLite takes at most 32,766 parameters). Only that column is
        read: registry.json and registry.csv are made apart, and reading both columns for
        each was a tenth of a one-case rebuild."""
        name = ("json", "csv")[column]
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        reader = self._reader()
        for start in range(0, len(wanted), 2000):
            batch = wanted[start : start + 2000]
            marks = ",".join("?" * len(batch))
            rows = reader.execute(f"SELECT key, {name} FROM opendata WHERE key IN ({marks})", batch)
            found.update(rows)
        if len(found) != len(wanted):
            raise CacheLost("the build cache lost open-data fragments")
        return found

    def add(self, rows: Iterable[tuple[str, bytes, bytes, str, str]]) -> None:
        """(key, entry, public model, open-data JSON, CSV); the last three b"" and "" when
        the case is not public."""
        rows = list(rows)
        db = self.db
        db.execute("BEGIN")
        if not self.scratch:  # a build that remembers nothing never looks an entry up again
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?)", ((r[0], r[1]) for r in rows)
            )
        public = [r for r in rows if r[2]]
        db.executemany(
            "INSERT OR REPLACE INTO public VALUES (?, ?)", ((r[0], r[2]) for r in public)
        )
        db.executemany(
            "INSERT OR REPLACE INTO opendata VALUES (?, ?, ?)", ((r[0], r[3], r[4]) for r in public)
        )
        db.execute("COMMIT")

    def save(self, used: set[str] | None, meta: dict[str, Any]) -> None:
        """Store `meta`; with `used`, also drop every entry not in it."""
        db = self.db
        db.execute("BEGIN")
        # What this build did not use goes. Every table's keys are among those of `files`
        # (a public model and its fragments are stored with their entry, and removed with
        # it), so its keys name all there is to remove: a rebuild removes a handful, and
        # sending SQLite all 10,000 used keys to find them took six times as long.
        if used is not None:
            stale = [(key,) for (key,) in db.execute("SELECT key FROM files") if key not in used]
            for table in _TABLES:
                db.executemany(f"DELETE FROM {table} WHERE key = ?", stale)
        for name in meta:
            prefix = f"{name}#"
            db.execute("DELETE FROM meta WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", _meta_rows(meta))
        db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
        self.closed = True


class BuildCache:
    """The memo of one output directory. `directory=None`: a build that remembers nothing
    (every file judged, every job made), with the same code path and the same output; its
    store lives in a temporary directory for the length of the build, so the judged
    models wait on disk, not in memory, until a page needs them."""

    def __init__(self, directory: Path | None, workers: int | None = None) -> None:
        self.workers = workers
        self.version = pipeline_version()
        self._lock = _lock_cache(directory) if directory is not None else None
        if directory is not None and self._lock is None:
            directory = None  # another run holds it: this one judges and makes everything
        self._scratch = None if directory is not None else tempfile.TemporaryDirectory(
            prefix="overdue-build-"
        )  # fmt: skip
        where = directory if directory is not None else Path(self._scratch.name)  # type: ignore[union-attr]
        try:
            self.store = _Store(where, self.version, scratch=self._scratch is not None)
        except BaseException:
            if self._lock is not None:
                os.close(self._lock)
            raise
        self.stats = {
            "files_hit": 0, "files_miss": 0, "files_read": 0, "pages_hit": 0, "pages_miss": 0,
        }  # fmt: skip
        self.delistings: list[Delisting] = []
        self._used: set[str] = set()
        self._hashes: dict[str, tuple[Any, str, int]] = {}

    @property
    def remembers(self) -> bool:
        """Whether what this build records is kept for the next one."""
        return self._scratch is None

    def meta(self, name: str) -> Any:
        return self.store.meta(name) if self.remembers else None

    def save(self, prune: bool = True, **meta: Any) -> None:
        """Keep what this run recorded, and close. `prune=False` (a check, maybe of a few
        files) drops nothing and adds its content hashes to those the store holds."""
        if self._scratch is None:
            hashes = self._hashes if prune else {**self._hashed_files(), **self._hashes}
            self.store.save(self._used if prune else None, {**meta, "case-files": hashes})
        self.close()

    def close(self) -> None:
        self.store.close()
        if self._scratch is not None:
            self._scratch.cleanup()
        if self._lock is not None:
            os.close(self._lock)  # the lock goes with the last copy (forked workers' too)
            self._lock = None

    def _judged(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date, keep: bool = True
    ) -> Iterator[tuple[str, bool, str, bytes]]:
        """Every case file in order: its path, whether it could be read, its key and its
        pickled entry. Files the store does not know are judged in workers; their results
        stream into the store (unless `keep` is false), so memory holds one batch of them,
        not the registry.

        A file whose hash this process does not know from its stat is read and hashed
        here only when the store could hold it by that hash; into an empty store (a first
        or a --no-cache build) the workers read and hash it themselves, so the registry is
        read once, by the processes that judge it.
        """
        from .parallel import iter_judged

        context = settings_digest(settings, as_of)
        remember = self.remembers  # a build that keeps nothing need not note what it used
        found = case_file_names(paths)
        hashed = self._hashed_files()
        empty = self.store.empty()
        now = time.time_ns()
        stats: list[Stat | None] = []
        digests: list[str | None] = []  # None: unread; a worker reads and hashes it
        keys: list[str | None] = []
        unreadable: set[int] = set()
        for i, name in enumerate(found):
            stat = file_stat(name)
            stats.append(stat)
            digest = self._known_hash(name, stat, hashed)
            if digest is None and not empty:
                digest = self._hash(name, stat, now)
                if digest is None:
                    unreadable.add(i)
            digests.append(digest)
            keys.append(
                self._file_key(name, digest, context)
                if digest is not None or i in unreadable
                else None
            )
        known = {} if empty else self.store.entries(k for k in keys if k is not None)
        # A path given twice (`overdue check X.yaml content/debts`) has one key: each copy
        # gets the entry (and the second reports the repeated case id, as a fresh check
        # does). Any other entry is handed out once and dropped, to keep memory down.
        repeated = {k for k, n in Counter(keys).items() if n > 1 and k is not None}
        missing = [i for i, key in enumerate(keys) if i not in unreadable and key not in known]
        todo = [(Path(found[i]), digests[i]) for i in missing]
        self.stats["files_hit"] += len(found) - len(missing) - len(unreadable)
        self.stats["files_miss"] += len(missing)
        self.stats["files_read"] += sum(1 for i in missing if digests[i] is None)
        fresh = iter_judged(todo, settings, as_of, self.workers)
        missing_set = set(missing)
        batch: list[tuple[str, bytes, bytes, str, str]] = []
        for i, path in enumerate(found):
            key = keys[i]
            if i not in missing_set:
                assert key is not None
                if remember:
                    self._used.add(key)
                packed = known.get(key) if key in repeated else known.pop(key, None)
                yield path, packed is not None, key, packed or b""
                continue
            digest, (entry, public, open_json, open_csv) = next(fresh)
            if digest is None:  # gone or unreadable when the worker came to it
                yield path, False, self._file_key(path, None, context), b""
                continue
            if key is None:
                key = self._file_key(path, digest, context)
                stat = stats[i]
                if stat is not None and remember:
                    self._hashes[path] = (stat, digest, now)
            if remember:
                self._used.add(key)
            # Stored as they come: the models and fragments need not stay in memory.
            if keep:
                batch.append((key, entry, public, open_json, open_csv))
            if len(batch) >= 500:
                self.store.add(batch)
                batch = []
            yield path, True, key, entry
        if batch:
            self.store.add(batch)

    def load_public(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date
    ) -> tuple[list[Problem], list[CaseRef]]:
        """Every problem, exactly as `load_registry` + `build.public_cases` word them, or
        the public cases in file order. No Case is unpickled, and no PublicCase either."""
        problems, _, public = self._scan(paths, settings, as_of)
        if problems:
            return problems, []
        return [], [self._ref(entry, key) for _, entry, key in public]

    def check(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date
    ) -> RegistryCheck:
        """What `overdue check` reports: the problems `load_public` finds, the number of
        valid cases and the public case ids. The judged models are kept only in a store
        that outlives the run (for the build to reuse)."""
        misses = self.stats["files_miss"]
        problems, cases, public = self._scan(paths, settings, as_of, keep=self.remembers)
        ids = [] if problems else [str(entry.case_id) for _, entry, _ in public]
        return RegistryCheck(problems, cases, ids, self.stats["files_miss"] - misses)

    def _scan(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date, keep: bool = True
    ) -> tuple[list[Problem], int, list[tuple[str, FileEntry, str]]]:
        """Problems (the slug collisions when there is no other), the count of valid cases
        and the public entries in file order."""
        from .registry import load_one

        problems: list[Problem] = []
        self.delistings.clear()
        first_seen: dict[str, tuple[str, tuple[int, int]]] = {}
        public: list[tuple[str, FileEntry, str]] = []
        for path, readable, key, packed in self._judged(paths, settings, as_of, keep):
            if not readable:  # unreadable: let the core loader word the problem
                worded = load_one(Path(path), RegistrySettings(), date.today())[1]
                problems.extend(
                    worded
                    or [Problem(Location(Path(path)), "the file could not be read; build again")]
                )  # readable again by now: still never a silent pass
                continue
            entry: FileEntry = pickle.loads(packed)
            problems.extend(entry.problems)
            if entry.case_id is None:
                continue
            if entry.case_id in first_seen:
                other, at = first_seen[entry.case_id]
                problems.append(
                    Problem(
                        Location(Path(path), *entry.case_at),
                        f"case id {entry.case_id} is already used by {other}:{at[0]}",
                    )
                )
                continue
            first_seen[entry.case_id] = (path, entry.case_at)
            if entry.delisting is not None:
                self.delistings.append(entry.delisting)
            if entry.ref_fields is not None:
                public.append((path, entry, key))
        return problems or self._slugged(public), len(first_seen), public

    def _ref(self, entry: FileEntry, key: str) -> CaseRef:
        return CaseRef(None, entry.digest, fields=entry.ref_fields, source=(self.store, key))

    def _slugged(self, public: list[tuple[str, FileEntry, str]]) -> list[Problem]:
        """`build.assign_company_slugs` on slim entries: the same collision problems."""
        by_slug: dict[str, tuple[str | None, str, tuple[int, int]]] = {}
        problems: list[Problem] = []
        for path, entry, _ in public:
            assert entry.slug is not None and entry.ref_fields is not None
            known = by_slug.get(entry.slug)
            if known is not None and known[0] != entry.company:
                name = entry.ref_fields[3]
                problems.append(
                    Problem(
                        Location(Path(path), *entry.name_at),
                        f"debtor {name!r} gets the company URL "
                        f"/companies/{entry.slug}/, which {known[1]}:{known[2][0]} already "
                        "uses for another company; set debtor.slug in one of them",
                    )
                )
                continue
            by_slug.setdefault(entry.slug, (entry.company, path, entry.name_at))
        return problems

    def _file_key(self, path: str, content: str | None, context: str) -> str:
        key = f"{self.version}\0{context}\0{path}\0{content or 'unreadable'}"
        return hashlib.sha256(key.encode()).hexdigest()

    # ---- content hashes of case files ----------------------------------------------

    def _hashed_files(self) -> dict[str, tuple[Any, str, int]]:
        """The content hashes the last build took: path -> (lstat, sha256, when)."""
        known = self.meta("case-files")
        return known if isinstance(known, dict) else {}

    def _known_hash(
        self, name: str, stat: Stat | None, hashed: dict[str, tuple[Any, str, int]]
    ) -> str | None:
        """A case file's content hash as the last build took it, when its lstat says the
        file is that same one (None: it must be read).

        Keys are content hashes. Like git's index, a file whose lstat is what it was when
        its hash was taken is not read again, unless it changed within two seconds of that
        (a write in the same clock tick could leave the stat as it was). A fresh clone
        has new stats, so every file is read and hashed there.
        """
        known = hashed.get(name)
        if (
            stat is not None
            and known is not None
            and known[0] == stat
            and stat[3] < known[2] - 2_000_000_000
        ):
            self._hashes[name] = known
            return str(known[1])
        return None

    def _hash(self, name: str, stat: Stat | None, now: int) -> str | None:
        """Read and hash a case file here (None: unreadable)."""
        try:
            raw = read_file(name)
        except OSError:
            return None
        digest = hashlib.sha256(raw).hexdigest()
        self.stats["files_read"] += 1
        if stat is not None and self.remembers:
            self._hashes[name] = (stat, digest, now)
        return digest


def templates_digest(theme_dir: Path) -> str:
    hasher = hashlib.sha256()
    root = theme_dir / "templates"
    for path in sorted(root.rglob("*")):
        if path.is_file():
            hasher.update(str(path.relative_to(root)).encode() + b"\0")
            hasher.update(path.read_bytes() + b"\0")
    return hasher.hexdigest()


def template_inputs(renderer: SiteRenderer) -> dict[str, Any]:
    """Every global and filter a template can reach. Values are hashed; callables are
    named (their code is in the pipeline version)."""
    named: dict[str, Any] = {}
    for prefix, table in (("global", renderer.env.globals), ("filter", renderer.env.filters)):
        for name, value in table.items():
            if callable(value):
                value = f"callable {getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(type(value)))}"
            named[f"{prefix}:{name}"] = value
    return named


def render_base(version: str, theme_dir: Path, renderer: SiteRenderer) -> bytes:
    """What every job's key starts from: the code, the templates, the renderer's globals."""
    from .siteplan import inputs_digest

    named = inputs_digest(tuple(sorted(template_inputs(renderer).items())))
    if named is None:
        raise TypeError("a template global cannot be fingerprinted; name it in template_inputs")
    return hashlib.sha256(f"{version}\0{templates_digest(theme_dir)}\0".encode() + named).digest()
