"""The build cache: content-hash keyed memos that make a rebuild cost what changed.

Two memos, both keyed by content hashes and never by mtimes (a CI clone resets them):
- per case file: sha256(pipeline version, path, file bytes, settings, as-of date) -> the
  file's judged result (Case, derived state, rule verdicts, compact positions) or its
  problems, plus the `PublicCase` projection;
- per rendered page: sha256(pipeline version, template sources, template globals, template
  name, the render context) -> sha256 of the output bytes, which are then read back from
  the previous build's output file (and re-hashed) instead of being rendered again.

Everything derived from code is versioned by a hash of the pipeline package's source, so
a code change invalidates the whole cache. A cold cache loads the case files in worker
processes (`parallel.py`). The cache is an optimisation only: deleting it changes nothing
in the output.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

from .build import read_manifest
from .errors import Location, Problem
from .public import PublicCase, project
from .registry import (
    Registry,
    assemble_registry,
    case_files,
    check_problems,
    invalid_record_problems,
)
from .render import Page, SiteRenderer
from .rules import Assessment
from .settings import RegistrySettings
from .site_extras import Delisting, delisting_of
from .yamlsource import PathKey, SourceDocument

CACHE_FORMAT = 2
PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def pipeline_version() -> str:
    """Hash of every source and data file of the package and the libraries that shape output."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"format {CACHE_FORMAT}\0{source_digest(PACKAGE_DIR)}".encode())
    for dist in ("pydantic", "pydantic-core", "jinja2", "markdown", "nh3", "pycountry", "pyyaml"):
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


class CachedDocument(SourceDocument):
    """A SourceDocument rebuilt from the cache: positions from compact tables, the value tree
    re-parsed from the same bytes only if something asks for it."""

    def __init__(
        self,
        path: Path,
        raw: bytes,
        packed_positions: bytes,
    ) -> None:
        self.path = path
        self._raw = raw
        self._packed = packed_positions
        self._tables: tuple[PositionTable, PositionTable] | None = None
        self._full: SourceDocument | None = None

    @property
    def _compact(self) -> PositionTable:
        if self._tables is None:
            self._tables = pickle.loads(self._packed)
        return self._tables[0]

    @property
    def _compact_keys(self) -> PositionTable:
        self._compact  # noqa: B018 - unpacks both tables
        assert self._tables is not None
        return self._tables[1]

    def _loaded(self) -> SourceDocument:
        if self._full is None:
            from .records import load_case

            self._full = load_case(self.path, self._raw)[1]
        return self._full

    @property
    def value(self) -> Any:
        return self._loaded().value

    @property
    def positions(self) -> dict[PathKey, Location]:  # type: ignore[override]
        return self._loaded().positions

    @property
    def key_positions(self) -> dict[PathKey, Location]:  # type: ignore[override]
        return self._loaded().key_positions

    @property
    def problems(self) -> list[Problem]:  # type: ignore[override]
        return self._loaded().problems

    def locate(self, key: PathKey) -> Location:
        probe = tuple(key)
        while probe:
            if probe in self._compact:
                return Location(self.path, *self._compact[probe])
            probe = probe[:-1]
        line_col = self._compact.get(())
        return Location(self.path, *line_col) if line_col else Location(self.path, 1, 1)

    def locate_key(self, key: PathKey) -> Location:
        found = self._compact_keys.get(tuple(key))
        return Location(self.path, *found) if found else self.locate(key)


PositionTable = dict[PathKey, tuple[int, int]]


def pack_positions(doc: SourceDocument) -> bytes:
    """Both position tables as (line, column) pairs, pickled: unpacked only when asked."""
    tables = tuple(
        {key: (loc.line, loc.column) for key, loc in table.items()}
        for table in (doc.positions, doc.key_positions)
    )
    return pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class FileEntry:
    """What one case file came to, in a form that unpickles fast (no Location objects).

    A build needs only the slim fields (case id, the two positions its cross-file checks
    may cite, the PublicCase and its fingerprint); the full judged result (Case, state,
    verdicts, positions) stays a nested pickle that only `load_registry` unpacks.
    """

    full: bytes  # pickled (Assessment with doc=None, packed positions); b"" when invalid
    problems: list[Problem]
    case_id: str | None = None
    case_at: tuple[int, int] = (1, 1)  # where ("case",) is, for a repeated-id problem
    public: PublicCase | None = None
    slug: str | None = None
    company: str | None = None  # slugs.company_key of the debtor
    delisting: Delisting | None = None  # when a once-listed case came down (sitemap lastmod)
    name_at: tuple[int, int] = (1, 1)  # where ("debtor", "name") is, for a slug collision
    digest: bytes = b""  # ContextFingerprint digest of `public`


def judge_file(path: Path, raw: bytes, settings: RegistrySettings, as_of: date) -> FileEntry:
    """Load, validate, judge and (when public) project one file; the unit of work of a worker."""
    import dataclasses

    from .errors import RecordInvalid
    from .records import load_case
    from .rules import assess
    from .slugs import company_key, slugify

    try:
        case, doc = load_case(path, raw)
    except RecordInvalid as exc:
        return FileEntry(b"", invalid_record_problems(path, exc, raw))
    assessment = assess(case, doc, settings, as_of)
    full = (dataclasses.replace(assessment, doc=None), pack_positions(doc))  # type: ignore[arg-type]
    entry = FileEntry(
        pickle.dumps(full, protocol=pickle.HIGHEST_PROTOCOL),
        check_problems(assessment),
        case.case,
        _line_col(doc.locate(("case",))),
    )
    if assessment.public and not assessment.check_failures:
        entry.slug = case.debtor.slug or slugify(case.debtor.name)
        entry.company = company_key(case.debtor.name, case.debtor.country)
        entry.name_at = _line_col(doc.locate(("debtor", "name")))
        entry.public = project(assessment, entry.slug)
        entry.digest = ContextFingerprint().model_digest(entry.public)
    else:
        entry.delisting = delisting_of(assessment, settings)
    return entry


def _line_col(location: Location) -> tuple[int, int]:
    return (location.line, location.column)


def judge_file_packed(path: Path, raw: bytes, settings: RegistrySettings, as_of: date) -> bytes:
    """`judge_file`, pickled: the form workers send back and the cache stores."""
    return pickle.dumps(judge_file(path, raw, settings, as_of), protocol=pickle.HIGHEST_PROTOCOL)


class BuildCache:
    """Content-hash keyed memos for one output directory, stored under `directory`."""

    def __init__(self, directory: Path, workers: int | None = None) -> None:
        self.directory = directory
        self.workers = workers
        self.version = pipeline_version()
        self.files: dict[str, bytes] = self._load("files")  # key -> pickled FileEntry
        self.pages: dict[str, str] = self._load("pages")
        self.search: dict[str, list[tuple[str, str, tuple[str, ...]]]] = self._load("search")
        self._used_search: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        self._loaded_search = dict(self.search)
        self.read_back: dict[str, bytes] = {}  # output path -> the bytes just read from it
        self._used_files: dict[str, bytes] = {}
        self._used_pages: dict[str, str] = {}
        self._entry_of: dict[int, FileEntry] = {}
        self.model_digests: dict[int, tuple[PublicCase, bytes]] = {}
        self._loaded_files = dict(self.files)
        self._loaded_pages = dict(self.pages)
        self.stats = {"files_hit": 0, "files_miss": 0, "pages_hit": 0, "pages_miss": 0}
        self.delistings: list[Delisting] = []

    # ---- storage ------------------------------------------------------------------

    def _file(self, name: str) -> Path:
        return self.directory / f"{name}.{self.version[:16]}.pickle"

    def _load(self, name: str) -> Any:
        try:
            with self._file(name).open("rb") as handle:
                loaded = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def save(self) -> None:
        """Keep exactly what this build used; drop files of other pipeline versions."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, table, loaded in (
            ("files", self._used_files, self._loaded_files),
            ("pages", self._used_pages, self._loaded_pages),
            ("search", self._used_search, self._loaded_search),
        ):
            target = self._file(name)
            if table == loaded and target.is_file():
                continue
            tmp = target.with_name(f".{target.name}.tmp")
            with tmp.open("wb") as handle:
                pickle.dump(table, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        keep = {self._file(name).name for name in ("files", "pages", "search")}
        for old in self.directory.glob("*.pickle"):
            if old.name not in keep:
                old.unlink()

    # ---- case files ---------------------------------------------------------------

    def load_registry(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date
    ) -> Registry:
        """The same Registry as `registry.load_registry`, from the cache where it can."""

        found, raws, keys = self._judged(paths, settings, as_of)
        return assemble_registry(self._results(found, raws, keys))

    def _judged(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date
    ) -> tuple[list[Path], list[bytes | None], list[str]]:
        """Every case file, its bytes and its key; files missing from the cache are judged."""
        from .parallel import judge_files

        context = settings_digest(settings, as_of)
        found = case_files(paths)
        raws: list[bytes | None] = []
        keys: list[str] = []
        for path in found:
            try:
                raw = path.read_bytes()
            except OSError:
                raw = None
            raws.append(raw)
            keys.append(self._file_key(path, raw, context))
        missing = [i for i, key in enumerate(keys) if raws[i] is not None and key not in self.files]
        todo = [(found[i], raw) for i in missing if (raw := raws[i]) is not None]
        fresh = judge_files(todo, settings, as_of, self.workers)
        for i, entry in zip(missing, fresh, strict=True):
            self.files[keys[i]] = entry
        self.stats["files_hit"] += len(found) - len(missing)
        self.stats["files_miss"] += len(missing)
        return found, raws, keys

    def load_public(
        self, paths: Iterable[Path], settings: RegistrySettings, as_of: date
    ) -> tuple[list[Problem], list[PublicCase]]:
        """What a build needs of the registry, from slim entries: every problem, exactly as
        `load_registry` + `build.public_cases` word them, or the public cases in file order.
        No Case is unpickled."""
        from .registry import load_one

        found, raws, keys = self._judged(paths, settings, as_of)
        problems: list[Problem] = []
        self.delistings.clear()
        first_seen: dict[str, tuple[Path, tuple[int, int]]] = {}
        public: list[tuple[Path, FileEntry]] = []
        for path, raw, key in zip(found, raws, keys, strict=True):
            if raw is None:  # unreadable: let the core loader word the problem
                problems.extend(load_one(path, RegistrySettings(), date.today())[1])
                continue
            blob = self._used_files[key] = self.files[key]
            entry: FileEntry = pickle.loads(blob)
            problems.extend(entry.problems)
            if entry.case_id is None:
                continue
            if entry.case_id in first_seen:
                other, at = first_seen[entry.case_id]
                problems.append(
                    Problem(
                        Location(path, *entry.case_at),
                        f"case id {entry.case_id} is already used by {other}:{at[0]}",
                    )
                )
                continue
            first_seen[entry.case_id] = (path, entry.case_at)
            if entry.delisting is not None:
                self.delistings.append(entry.delisting)
            if entry.public is not None:
                public.append((path, entry))
        if problems:
            return problems, []
        return self._slugged(public), [e.public for _, e in public if e.public is not None]

    def _slugged(self, public: list[tuple[Path, FileEntry]]) -> list[Problem]:
        """`build.assign_company_slugs` on slim entries: the same collision problems."""
        by_slug: dict[str, tuple[str | None, Path, tuple[int, int]]] = {}
        problems: list[Problem] = []
        for path, entry in public:
            assert entry.public is not None and entry.slug is not None
            self.model_digests[id(entry.public)] = (entry.public, entry.digest)
            known = by_slug.get(entry.slug)
            if known is not None and known[0] != entry.company:
                problems.append(
                    Problem(
                        Location(path, *entry.name_at),
                        f"debtor {entry.public.debtor_name!r} gets the company URL "
                        f"/companies/{entry.slug}/, which {known[1]}:{known[2][0]} already "
                        "uses for another company; set debtor.slug in one of them",
                    )
                )
                continue
            by_slug.setdefault(entry.slug, (entry.company, path, entry.name_at))
        return problems

    def _file_key(self, path: Path, raw: bytes | None, context: str) -> str:
        digest = hashlib.sha256(f"{self.version}\0{context}\0{path}\0".encode())
        digest.update(raw if raw is not None else b"\0unreadable")
        return digest.hexdigest()

    def _results(
        self, found: list[Path], raws: list[bytes | None], keys: list[str]
    ) -> Iterable[tuple[Assessment | None, list[Problem]]]:
        from .registry import load_one

        for path, raw, key in zip(found, raws, keys, strict=True):
            if raw is None:  # unreadable: let the core loader word the problem
                yield load_one(path, RegistrySettings(), date.today())
                continue
            blob = self._used_files[key] = self.files[key]
            entry: FileEntry = pickle.loads(blob)
            if not entry.full:
                yield None, entry.problems
                continue
            judged, positions = pickle.loads(entry.full)
            doc = CachedDocument(path, raw, positions)
            assessment = Assessment(judged.case, doc, judged.state, judged.results)
            self._entry_of[id(assessment)] = entry
            yield assessment, entry.problems

    def project(self, assessment: Assessment, slug: str | None = None) -> PublicCase:
        """`public.project`, answered from the file's entry when the slug is the same."""
        entry = self._entry_of.get(id(assessment))
        if entry is not None and entry.public is not None and entry.slug == slug:
            return entry.public
        return project(assessment, slug)

    # ---- search index -------------------------------------------------------------

    def search_indexer(self, output_dir: Path) -> Callable[[list[Page]], list[Page]]:
        """`search.search_index_pages`, answered from the previous output when every
        searchable page (path, bytes, cases) is the same as when that bundle was made."""
        from importlib.metadata import version

        from .search import search_index_pages, searchable

        def index(pages: list[Page]) -> list[Page]:
            hasher = hashlib.sha256(
                f"{self.version}\0pagefind {version('pagefind_bin')}\0".encode()
            )
            for page in searchable(pages):
                hasher.update(f"{page.path}\0{page.cases!r}\0".encode())
                hasher.update(hashlib.sha256(page.body).digest())
            key = hasher.hexdigest()
            bundle = self._bundle_from(output_dir, self.search.get(key))
            if bundle is None:
                bundle = search_index_pages(pages)
                self.stats["search_miss"] = 1
            else:
                self.stats["search_hit"] = 1
            self.search[key] = self._used_search[key] = [
                (p.path, hashlib.sha256(p.body).hexdigest(), p.cases) for p in bundle
            ]
            return bundle

        return index

    def _bundle_from(
        self, output_dir: Path, known: list[tuple[str, str, tuple[str, ...]]] | None
    ) -> list[Page] | None:
        if not known:
            return None
        bundle: list[Page] = []
        for path, digest, cases in known:
            try:
                body = (output_dir / path).read_bytes()
            except OSError:
                return None
            if hashlib.sha256(body).hexdigest() != digest:
                return None
            self.read_back[path] = body
            bundle.append(Page(path, body, cases))
        return bundle

    # ---- pages --------------------------------------------------------------------

    def renderer_factory(
        self, output_dir: Path
    ) -> Callable[[Path, RegistrySettings, str], SiteRenderer]:
        def make(theme_dir: Path, settings: RegistrySettings, css_url: str) -> SiteRenderer:
            return MemoRenderer(theme_dir, settings, css_url, self, output_dir)

        return make


class Unfingerprintable(Exception):
    """A render context holds a value we cannot hash faithfully: render it, don't memo it."""


class ContextFingerprint:
    """A stable digest of a render context. Models are hashed once per build."""

    def __init__(self) -> None:
        self._models: dict[int, tuple[object, bytes]] = {}

    def digest(self, value: Any) -> bytes:
        hasher = hashlib.sha256()
        self._feed(hasher, value)
        return hasher.digest()

    def _feed(self, hasher: Any, value: Any) -> None:
        kind = type(value)
        if value is None or kind in (bool, int, float, Decimal, date):
            hasher.update(f"{kind.__name__}:{value!r};".encode())
        elif kind is str or kind is Markup:
            text = str(value).encode()
            hasher.update(f"{kind.__name__}:{len(text)}:".encode() + text)
        elif isinstance(value, BaseModel):
            hasher.update(self._model(value))
        elif kind in (list, tuple):
            hasher.update(f"{kind.__name__}[{len(value)}:".encode())
            for item in value:
                self._feed(hasher, item)
            hasher.update(b"]")
        elif kind is dict:
            hasher.update(f"dict[{len(value)}:".encode())
            for key in sorted(value, key=repr):
                self._feed(hasher, key)
                self._feed(hasher, value[key])
            hasher.update(b"]")
        elif is_dataclass(value) and not isinstance(value, type):
            hasher.update(f"dc:{kind.__module__}.{kind.__qualname__}(".encode())
            for item in fields(value):
                hasher.update(item.name.encode() + b"=")
                self._feed(hasher, getattr(value, item.name))
            hasher.update(b")")
        else:
            raise Unfingerprintable(f"{kind.__module__}.{kind.__qualname__}")

    def seed(self, model: BaseModel, digest: bytes) -> None:
        """Adopt a digest `model_digest` gave for this very model (e.g. in a worker)."""
        self._models[id(model)] = (model, digest)

    def model_digest(self, model: BaseModel) -> bytes:
        return self._model(model)

    def _model(self, model: BaseModel) -> bytes:
        known = self._models.get(id(model))
        if known is not None and known[0] is model:
            return known[1]
        kind = type(model)
        body = (
            f"model:{kind.__module__}.{kind.__qualname__}:".encode()
            + model.model_dump_json().encode()
        )
        digest = hashlib.sha256(body).digest()
        self._models[id(model)] = (model, digest)
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


class MemoRenderer(SiteRenderer):
    """SiteRenderer whose `render` skips templates whose inputs have not changed."""

    def __init__(
        self,
        theme_dir: Path,
        settings: RegistrySettings,
        css_url: str,
        memo: BuildCache,
        output_dir: Path,
    ) -> None:
        super().__init__(theme_dir, settings, css_url)
        self.memo = memo
        self.output_dir = output_dir
        self.fingerprint = ContextFingerprint()
        for model, digest in memo.model_digests.values():
            self.fingerprint.seed(model, digest)
        previous = read_manifest(output_dir)
        self.previous_paths: dict[str, str] = {}
        for path, meta in previous.items():
            sha = meta.get("sha256")
            if isinstance(sha, str):
                self.previous_paths.setdefault(sha, path)
        base = hashlib.sha256(f"{memo.version}\0{templates_digest(theme_dir)}\0".encode())
        base.update(self.fingerprint.digest(template_inputs(self)))
        self.base = base.hexdigest()

    def render(self, template: str, **context: Any) -> bytes:
        try:
            key = hashlib.sha256(
                f"{self.base}\0{template}\0".encode() + self.fingerprint.digest(context)
            ).hexdigest()
        except Unfingerprintable:
            return super().render(template, **context)
        body = self._previous_body(self.memo.pages.get(key))
        if body is None:
            body = super().render(template, **context)
            self.memo.stats["pages_miss"] += 1
        else:
            self.memo.stats["pages_hit"] += 1
        self.memo.pages[key] = self.memo._used_pages[key] = hashlib.sha256(body).hexdigest()
        return body

    def _previous_body(self, digest: str | None) -> bytes | None:
        if digest is None or digest not in self.previous_paths:
            return None
        path = self.previous_paths[digest]
        try:
            body = (self.output_dir / path).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(body).hexdigest() != digest:
            return None
        self.memo.read_back[path] = body
        return body
