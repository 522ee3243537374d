"""CloudFront invalidation paths: which URLs a changed file answers on, encoded and batched.

A page `x/index.html` is served at `/x/`, `/x/index.html` and `/x` (the last one
redirects), and each of these is its own cache entry, so all three are invalidated.
Paths are percent-encoded as CloudFront expects (non-ASCII and RFC 1738 unsafe
characters), but `*` stays literal: it is CloudFront's wildcard.

CloudFront allows 3,000 file paths and 15 wildcard paths in progress per distribution,
and bills every path beyond 1,000 a month, so a large change collapses to directory
wildcards (`/cases/*`) and, past that, to `/*`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

MAX_PATHS_PER_BATCH = 3000
MAX_WILDCARDS_PER_BATCH = 15
# characters CloudFront must see literally: sub-delims, ':' '@', the separator and the wildcard
_SAFE = "/*!$&'()+,;=:@"


def encode_path(path: str) -> str:
    """Percent-encode a URL path for an invalidation; never encodes `*` or `/`."""
    return quote(path, safe=_SAFE)


def urls_for(path: str) -> list[str]:
    """The site URLs an output file answers on (unencoded)."""
    if path == "index.html":
        return ["/", "/index.html"]
    if path.endswith("/index.html"):
        directory = path[: -len("index.html")]
        return [f"/{directory}", f"/{path}", f"/{directory.rstrip('/')}"]
    return [f"/{path}"]


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """Encoded, de-duplicated, sorted invalidation paths for changed or deleted files."""
    return sorted({encode_path(url) for path in paths for url in urls_for(path)})


def _top_directory(path: str) -> str | None:
    parts = path.lstrip("/").split("/", 1)
    return parts[0] if len(parts) == 2 and parts[0] else None


def collapse(paths: list[str], max_paths: int) -> list[str]:
    """At most `max_paths` paths (and 15 wildcards), replacing whole directories by `/dir/*`.

    The largest directories are collapsed first; when even that is not enough, `/*`.
    """
    unique = sorted(set(paths))
    if "/*" in unique:
        return ["/*"]
    wildcards = [p for p in unique if p.endswith("*")]
    if len(unique) <= max_paths and len(wildcards) <= MAX_WILDCARDS_PER_BATCH:
        return unique
    sizes = Counter(d for p in unique if (d := _top_directory(p)) is not None)
    collapsed: set[str] = set()
    for directory, _ in sizes.most_common():
        collapsed.add(directory)
        result = _apply(unique, collapsed)
        if len(result) <= max_paths and sum(p.endswith("*") for p in result) <= min(
            MAX_WILDCARDS_PER_BATCH, max_paths
        ):
            return result
        if len(collapsed) >= MAX_WILDCARDS_PER_BATCH:
            break
    return ["/*"]


def _apply(paths: list[str], directories: set[str]) -> list[str]:
    kept = {p for p in paths if _top_directory(p) not in directories}
    return sorted(kept | {f"/{d}/*" for d in directories})


@dataclass(frozen=True)
class InvalidationBatch:
    paths: tuple[str, ...]

    @property
    def wildcards(self) -> int:
        return sum(p.endswith("*") for p in self.paths)


def batches(paths: list[str]) -> list[InvalidationBatch]:
    """Split into batches within CloudFront's per-request limits (3,000 paths, 15 wildcards)."""
    result: list[InvalidationBatch] = []
    current: list[str] = []
    stars = 0
    for path in sorted(set(paths)):
        star = path.endswith("*")
        if current and (
            len(current) >= MAX_PATHS_PER_BATCH or (star and stars >= MAX_WILDCARDS_PER_BATCH)
        ):
            result.append(InvalidationBatch(tuple(current)))
            current, stars = [], 0
        current.append(path)
        stars += star
    if current:
        result.append(InvalidationBatch(tuple(current)))
    return result


def plan_invalidation(changed: Iterable[str], max_paths: int) -> list[InvalidationBatch]:
    """From changed/deleted output paths to the invalidation batches to create."""
    return batches(collapse(invalidation_paths(changed), max_paths))


def plan_encoded(encoded: Iterable[str], max_paths: int) -> list[InvalidationBatch]:
    """Like plan_invalidation for paths already encoded (e.g. pending from an earlier run)."""
    return batches(collapse(list(encoded), max_paths))
