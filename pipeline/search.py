"""Static search: a sharded Pagefind index of case and company pages, as Pages for the manifest.

Only case and company pages are indexed, and Pagefind indexes only their
`data-pagefind-body` element, so listing chrome (navigation, footer, other listings) is
never searchable.

The pages are split into shards by a stable hash of their path; the number of shards
depends only on how many pages there are, so a full build and an incremental build put
every page in the same shard. Each shard is one Pagefind bundle made from its own pages
only, so a shard whose pages did not change is reused byte for byte from the previous
output (verified by sha256), and a one-page change re-indexes one shard:

    pagefind/               shard 0, with Pagefind's runtime (pagefind.js, wasm, UI files)
    pagefind/<xx>/          shard xx: entry, meta, index, fragment and filter files only
    pagefind/shards.json    {"merge": ["/pagefind/01/", ...]}: what the search page merges

Pagefind's output depends on the order it reads the directory, so each shard's pages are
written to a fresh scratch directory in sorted path order (on /dev/shm when writable).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from pagefind_bin import get_executable

from .errors import OverdueError
from .outputs import read_file, write_all
from .render import Page

INDEX_DIR = "pagefind"
SHARDS_FILE = f"{INDEX_DIR}/shards.json"
BODY_MARKER = b"data-pagefind-body"
PAGES_PER_SHARD = 400
STATE_VERSION = 2
_SEARCHABLE = re.compile(r"^(cases|companies)/[^/]+/index\.html$")
# What a merged (non-primary) bundle needs; the primary shard also carries the runtime.
_INDEX_PARTS = re.compile(
    r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(fragment|index|filter)/.+)$"
)


class SearchIndexFailed(OverdueError):
    """Pagefind could not index the site."""


def is_searchable(path: str) -> bool:
    """Case and company pages only: `cases/<id>/index.html`, `companies/<slug>/index.html`."""
    return _SEARCHABLE.match(path) is not None


def searchable(pages: Iterable[Page]) -> list[Page]:
    return [p for p in pages if is_searchable(p.path)]


def shard_count(pages: int) -> int:
    """The next power of two >= pages / PAGES_PER_SHARD, at least 1."""
    need = max(1, -(-pages // PAGES_PER_SHARD))
    return 1 << (need - 1).bit_length()


def shard_of(path: str, count: int) -> int:
    """A stable shard for a page path: the first 8 bytes of its sha256, modulo `count`."""
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big") % count


def shard_name(index: int, count: int) -> str:
    return f"{index:0{max(2, len(f'{count - 1:x}'))}x}"


def shard_dir(index: int, count: int) -> str:
    """Where shard `index` of `count` lives in the output, with a trailing slash."""
    return f"{INDEX_DIR}/" if index == 0 else f"{INDEX_DIR}/{shard_name(index, count)}/"


def _url(path: str) -> str:
    return "/" + path.removesuffix("index.html")


def _fragment_url(body: bytes) -> str | None:
    """Fragments are gzipped `pagefind_dcd` + JSON with the page URL. Pagefind writes the
    URL first, so only the head of the fragment is inflated; any other shape is read
    whole."""
    prefix = b'pagefind_dcd{"url":'  # as Pagefind writes it: no space before the value
    try:
        head = zlib.decompressobj(wbits=31).decompress(body, _FRAGMENT_HEAD)
    except zlib.error:
        return None
    if head.startswith(prefix):
        try:
            url, _ = _JSON.raw_decode(head[len(prefix) :].decode("utf-8").lstrip())
        except (ValueError, UnicodeDecodeError):
            url = None  # the URL runs past the head: read the whole fragment
        if isinstance(url, str):
            return url
    try:
        raw = gzip.decompress(body)
    except (OSError, EOFError):
        return None
    if raw.startswith(b"pagefind_dcd"):
        raw = raw[len(b"pagefind_dcd") :]
    try:
        whole = json.loads(raw).get("url")
    except (ValueError, AttributeError):
        return None
    return whole if isinstance(whole, str) else None


_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_FRAGMENT_HEAD = 4096
_JSON = json.JSONDecoder()


_BODY_START = re.compile(rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\sdata-pagefind-body[\s>=/]")
_TITLE = re.compile(rb"<title>.*?</title>", re.S)


def _body_start(body: bytes) -> re.Match[bytes] | None:
    """`_BODY_START.search(body)`, without trying it at every tag of the head.

    A match is a tag whose attributes, up to its first `>`, hold the marker; so it starts
    after the last `>` before the marker's first occurrence, and searching from there
    finds the same match. Tried at every tag, the pattern was most of a page's cut.
    """
    first = body.find(BODY_MARKER)
    if first < 0:
        return None
    return _BODY_START.search(body, body.rfind(b">", 0, first) + 1)


def minimal_html(body: bytes) -> bytes | None:
    """The page cut down to what Pagefind reads: its <title> and the data-pagefind-body
    element, or None when that element cannot be cut out cleanly (then the whole page is
    given). Pagefind's bundle is the same for both (tests/search), and it parses less."""
    start = _body_start(body)
    if start is None:
        return None
    tag = start.group(1).lower()
    tags = re.compile(rb"<(/?)" + re.escape(tag) + rb"[\s>/]", re.I)
    depth, end = 0, -1
    for found in tags.finditer(body, start.start()):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            close = body.find(b">", found.end() - 1)
            end = close + 1 if close >= 0 else -1
            break
    if end <= 0:
        return None
    title = _TITLE.search(body, 0, start.start())
    head = title.group(0) if title else b""
    return (
        b'<!DOCTYPE html><html lang="en"><head>'
        + head
        + b"</head><body>"
        + body[start.start() : end]
        + b"</body></html>"
    )


def _scratch_root() -> str | None:
    shm = Path("/dev/shm")  # thousands of small pages: memory, not disk, if we can
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


@dataclass(frozen=True)
class BundleFile:
    """One file of the bundle. `body` is None for a reused file that `verify` vouched for:
    it is in the output already, with this sha256."""

    path: str
    sha256: str
    cases: tuple[str, ...]
    body: bytes | None


def _made(page: Page) -> BundleFile:
    return BundleFile(page.path, hashlib.sha256(page.body).hexdigest(), page.cases, page.body)


@dataclass
class _Entry:
    path: str
    digest: str
    cases: tuple[str, ...]
    load: Callable[[], bytes]


@dataclass
class _Shard:
    index: int
    entries: list[_Entry] = field(default_factory=list)

    def key(self, count: int, tool: str) -> str:
        hasher = hashlib.sha256(
            f"v{STATE_VERSION}\0pagefind {tool}\0{self.index}/{count}\0".encode()
        )
        for e in sorted(self.entries, key=lambda e: e.path):
            hasher.update(f"{e.path}\0{e.digest}\0{chr(31).join(e.cases)}\0".encode())
        return hasher.hexdigest()


def run_pagefind(site: Path, output: Path, threads: int | None = None) -> None:
    """Run the Pagefind binary over `site`, writing its bundle to `output`.

    The binary is ~70x faster than its Python API here (which waits on its service).
    `threads` caps the threads of its pools; None leaves it one per core. Its bundle is
    the same bytes either way (tests/search).
    """
    command = [
        str(get_executable()), "--site", str(site), "--output-path", str(output),
        "--force-language", "en", "--quiet",
    ]  # fmt: skip
    env = None
    if threads is not None:
        env = {**os.environ, **{name: str(threads) for name in PAGEFIND_THREAD_VARIABLES}}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SearchIndexFailed(f"pagefind failed ({done.returncode}): {done.stderr.strip()}")


PAGEFIND_THREAD_VARIABLES = ("RAYON_NUM_THREADS", "TOKIO_WORKER_THREADS")
"""What sizes the thread pools of Pagefind's runtime (rayon and tokio)."""


class Runner(Protocol):
    def __call__(self, site: Path, output: Path, threads: int | None = None) -> None: ...


class ShardedSearch:
    """Collect the searchable pages with `add`, then `finish` for the whole bundle;
    `start` in between sets Pagefind going on the changed shards while the caller works on.

    `previous` is the `state` of an earlier run whose bundle is in `output_dir`: a shard
    with the same pages (path, digest, cases) is reused when every file still has the
    sha256 recorded (asked of `verify` when given, else read back and hashed); anything
    else is re-indexed. `stats` counts shards reused and indexed, and Pagefind runs.
    """

    def __init__(
        self,
        output_dir: Path | None,
        previous: Mapping[str, Any] | None = None,
        workers: int = 2,
        runner: Runner = run_pagefind,
        minimal: bool = True,
        verify: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.output_dir = output_dir
        self.verify = verify
        self.tool = version("pagefind_bin")
        usable = (
            previous is not None
            and previous.get("version") == STATE_VERSION
            and previous.get("pagefind") == self.tool
        )
        self.previous: Mapping[str, Any] = previous.get("shards", {}) if previous and usable else {}
        self.workers = max(1, workers)
        self.runner = runner
        self.minimal = minimal  # feed Pagefind only the title and the indexed element
        self._entries: dict[str, _Entry] = {}
        self.state: dict[str, Any] = {}
        self.stats = {"shards": 0, "reused": 0, "indexed": 0, "pagefind_runs": 0}
        self._started = False
        self._count = 0
        self._shards: list[_Shard] = []
        self._done: dict[int, list[BundleFile]] = {}
        self._running: dict[int, tuple[Path, Future[None]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._threads: int | None = None

    def add(
        self, path: str, digest: str, cases: tuple[str, ...], load: Callable[[], bytes]
    ) -> None:
        if self._started:
            raise SearchIndexFailed(f"{path}: added after the index was started")
        if not is_searchable(path):
            raise SearchIndexFailed(f"{path}: only case and company pages are indexed for search")
        if path in self._entries:
            raise SearchIndexFailed(f"{path}: added to the search index twice")
        self._entries[path] = _Entry(path, digest, tuple(cases), load)

    def finish(self) -> list[Page]:
        """The whole bundle, every file with its bytes."""
        assert self.output_dir is not None or self.verify is None
        return [
            Page(f.path, f.body if f.body is not None else self._read(f.path), f.cases)
            for f in self.finish_files()
        ]

    def _read(self, path: str) -> bytes:
        assert self.output_dir is not None
        return read_file(self.output_dir / path)

    def start(self) -> None:
        """Split the pages into shards and set Pagefind going on those that changed, in the
        background: the caller may go on with other work until `finish_files`."""
        if self._started:
            return
        self._started = True
        count = shard_count(len(self._entries))
        shards = [_Shard(i) for i in range(count)]
        for entry in self._entries.values():
            shards[shard_of(entry.path, count)].entries.append(entry)
        self._count = count
        self._shards = shards = [s for s in shards if s.entries]
        self.state = {"version": STATE_VERSION, "pagefind": self.tool, "count": count, "shards": {}}
        self.stats["shards"] = len(shards)
        if not shards:
            return  # nothing public to search; Pagefind refuses an empty site
        if shards[0].index != 0:  # ~e^-200 with >=200 pages per shard expected; fail closed
            raise SearchIndexFailed("search shard 0 is empty; it must carry Pagefind's runtime")
        keys = {s.index: s.key(count, self.tool) for s in shards}
        # Shards whose pages changed go to Pagefind first; the others are checked against
        # the output (a stat per file) while it runs.
        changed = [s for s in shards if self._known(s, keys[s.index]) is None]
        # Several Pagefind processes at once keep every core busy between them; each one
        # also starting a thread per core only made them contend (8% slower at 10,000
        # cases). One shard alone (a one-case rebuild) keeps its threads.
        self._threads = 1 if len(changed) > 1 else None
        for shard in changed:
            self._submit(shard)
        for shard in shards:
            if shard.index in self._running:
                continue
            reused = self._reuse(shard, keys[shard.index])
            if reused is None:
                self._threads = 1 if self._running else None
                self._submit(shard)
            else:
                self._done[shard.index] = reused
                self.stats["reused"] += 1

    def finish_files(self) -> list[BundleFile]:
        """The whole bundle in path order; files reused on `verify`'s word come without
        their bytes."""
        return sorted(self.iter_files(), key=lambda f: f.path)

    def iter_files(self) -> Iterator[BundleFile]:
        """The whole bundle a shard at a time, each as Pagefind finishes it, so that only
        one shard's files are held here (at 100,000 cases the bundle is ~600 MB); the shard
        listing comes last. `state` is complete when the iterator is."""
        try:
            self.start()
            shards, count = self._shards, self._count
            if not shards:
                return
            for shard in shards:
                name = shard_name(shard.index, count)
                files = self._done.pop(shard.index, None)
                if files is not None:  # reused: its record is the previous run's, as it was
                    self.state["shards"][name] = self.previous[name]
                else:
                    files = self._collect(shard)
                    self.state["shards"][name] = {
                        "key": shard.key(count, self.tool),
                        "files": [[f.path, f.sha256, list(f.cases)] for f in files],
                    }
                yield from files
            merge = ["/" + shard_dir(s.index, count) for s in shards[1:]]
            listing = json.dumps({"merge": merge}, separators=(",", ":")).encode() + b"\n"
            yield _made(Page(SHARDS_FILE, listing, ()))
        finally:
            self.close()

    def close(self) -> None:
        """Stop waiting for Pagefind and remove its scratch files (idempotent)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    # ---- reuse ----------------------------------------------------------------------

    def _known(self, shard: _Shard, key: str) -> list[Any] | None:
        """The files the previous run recorded for this shard, if its pages are the same."""
        known = self.previous.get(shard_name(shard.index, self._count))
        if self.output_dir is None or not isinstance(known, Mapping):
            return None
        if known.get("key") != key or not known.get("files"):
            return None
        files = known["files"]
        return files if isinstance(files, list) else None

    def _reuse(self, shard: _Shard, key: str) -> list[BundleFile] | None:
        known = self._known(shard, key)
        if known is None:
            return None
        assert self.output_dir is not None
        files: list[BundleFile] = []
        for path, digest, cases in known:
            if self.verify is not None:
                if not self.verify(path, digest):
                    return None
                files.append(BundleFile(path, digest, tuple(cases), None))
                continue
            try:
                body = read_file(self.output_dir / path)
            except OSError:
                return None
            if hashlib.sha256(body).hexdigest() != digest:
                return None
            files.append(BundleFile(path, digest, tuple(cases), body))
        return files

    # ---- indexing -------------------------------------------------------------------

    def _submit(self, shard: _Shard) -> None:
        """Hand the shard to a Pagefind process. Its pages are written to a scratch site
        by the same task, just before Pagefind reads them, and the site is deleted when
        the bundle is read back: a few shards' pages at a time, not the registry's."""
        if self._pool is None:
            self._scratch = tempfile.TemporaryDirectory(
                prefix="overdue-pagefind-", dir=_scratch_root()
            )
            # One thread more than cores: while one writes its shard's pages, Pagefind
            # keeps every core busy (with one per core, each core idled at every write).
            self._pool = ThreadPoolExecutor(max_workers=self.workers + 1)
        assert self._scratch is not None
        scratch = Path(self._scratch.name) / shard_name(shard.index, self._count)
        self.stats["pagefind_runs"] += 1
        task = self._pool.submit(self._index, shard, scratch, self._threads)
        self._running[shard.index] = (scratch, task)

    def _index(self, shard: _Shard, scratch: Path, threads: int | None) -> None:
        try:
            self._write_site(shard, scratch / "site", self.minimal)
            self.runner(scratch / "site", scratch / "out", threads=threads)
        finally:  # a failed write frees its pages at once too
            shutil.rmtree(scratch / "site", ignore_errors=True)

    def _collect(self, shard: _Shard) -> list[BundleFile]:
        scratch, future = self._running.pop(shard.index)
        try:
            future.result()
        except SearchIndexFailed as failed:
            raise SearchIndexFailed(
                f"search shard {shard_name(shard.index, self._count)}: {failed}"
            ) from failed
        pages = self._read_bundle(shard, scratch / "out", self._count)
        shutil.rmtree(scratch)
        self.stats["indexed"] += 1
        return [_made(p) for p in pages]

    @staticmethod
    def _write_site(shard: _Shard, site: Path, minimal: bool) -> None:
        """The shard's pages under `site` (a fresh directory), in path order. Each page
        has a folder of its own: made here with one mkdir, as its parents are made once."""
        made: set[str] = set()
        root = str(site)
        for entry in sorted(shard.entries, key=lambda e: e.path):
            body = entry.load()
            if BODY_MARKER not in body:  # Pagefind would index the whole page, chrome included
                raise SearchIndexFailed(f"{entry.path}: has no data-pagefind-body element")
            folder = entry.path.rpartition("/")[0]
            if folder not in made:
                os.makedirs(f"{root}/{folder}", exist_ok=True)
                made.add(folder)
            fd = os.open(f"{root}/{entry.path}", _CREATE_NEW, 0o666)
            try:
                write_all(fd, (minimal_html(body) if minimal else None) or body)
            finally:
                os.close(fd)

    @staticmethod
    def _read_bundle(shard: _Shard, out: Path, count: int) -> list[Page]:
        prefix = shard_dir(shard.index, count)
        cases_by_url = {_url(e.path): e.cases for e in shard.entries}
        pages: list[Page] = []
        for rel in _files_under(str(out)):
            if shard.index != 0 and not _INDEX_PARTS.match(rel):
                continue  # the runtime is served once, from shard 0
            body = read_file(f"{out}/{rel}")
            cases: tuple[str, ...] = ()
            if rel.startswith("fragment/"):
                url = _fragment_url(body)
                if url is None or url not in cases_by_url:
                    raise SearchIndexFailed(f"{prefix}{rel}: a fragment of no indexed page ({url})")
                cases = cases_by_url[url]
            pages.append(Page(prefix + rel, body, cases))
        return pages


def _files_under(root: str) -> list[str]:
    """Every file under root, as relative POSIX paths in path order (that of sorted Paths)."""
    found: list[str] = []
    for folder, _, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in names)
    return sorted(found, key=lambda path: path.split("/"))


def _loader(body: bytes) -> Callable[[], bytes]:
    return lambda: body


def search_index_pages(pages: Iterable[Page]) -> list[Page]:
    """Index the case and company pages with Pagefind; return its bundle as Pages under
    pagefind/ (the same output as a `ShardedSearch` with no previous state)."""
    search = ShardedSearch(None)
    for page in pages:
        if is_searchable(page.path):
            digest = hashlib.sha256(page.body).hexdigest()
            search.add(page.path, digest, page.cases, _loader(page.body))
    return search.finish()
