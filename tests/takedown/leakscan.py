"""Search every byte of a built site for what must not be there.

Every file under output/ is read, hidden ones and the manifest included, in whatever
format. gzip members (`*.gz`, and the pagefind index and fragments, which are gzip
streams, the fragments with a `pagefind_dcd` prefix once decompressed) are searched both
as stored and decompressed. A compression we cannot open is an error, never a pass.
"""

from __future__ import annotations

import gzip
import html
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import markupsafe

from pipeline.render import json_ld

GZIP_MAGIC = b"\x1f\x8b"
PAGEFIND_PREFIX = b"pagefind_dcd"
UNSEARCHABLE = (".br", ".zst", ".zip", ".bz2", ".xz", ".7z")


def readable_forms(raw: bytes) -> Iterator[bytes]:
    """The bytes as stored, then every layer of gzip peeled off."""
    yield raw
    data = raw
    for _ in range(5):
        if data.startswith(PAGEFIND_PREFIX):
            data = data[len(PAGEFIND_PREFIX) :]
            yield data
        if not data.startswith(GZIP_MAGIC):
            return
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise AssertionError(f"a gzip stream that does not decompress: {exc}") from None
        yield data


def site_files(output_dir: Path) -> Iterator[tuple[str, list[bytes]]]:
    for path in sorted(output_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(output_dir).as_posix()
        if path.name.lower().endswith(UNSEARCHABLE):
            raise AssertionError(f"{relative}: cannot search this compression; add a decoder")
        yield relative, list(readable_forms(path.read_bytes()))


def name_forms(name: str) -> set[str]:
    """The ways a name is written into HTML, XML, URLs, JSON and JSON-LD."""
    forms = {
        name,
        html.escape(name, quote=True),
        html.escape(name, quote=False),
        str(markupsafe.escape(name)),
        quote(name, safe=""),
        quote(name),
        quote_plus(name),
        json.dumps(name)[1:-1],
        json.dumps(name, ensure_ascii=False)[1:-1],
        str(json_ld(name))[1:-1],
    }
    return {f for f in forms if f}


@dataclass(frozen=True)
class Canary:
    kind: str
    text: str
    fold_case: bool = False

    def needle(self) -> bytes:
        encoded = self.text.encode("utf-8")
        return encoded.lower() if self.fold_case else encoded


@dataclass(frozen=True)
class Hit:
    path: str
    canary: Canary
    context: str


def find_hits(output_dir: Path, canaries: list[Canary]) -> list[Hit]:
    hits: list[Hit] = []
    for relative, forms in site_files(output_dir):
        for canary in canaries:
            needle = canary.needle()
            for form in forms:
                haystack = form.lower() if canary.fold_case else form
                at = haystack.find(needle)
                if at >= 0:
                    context = form[max(at - 40, 0) : at + len(needle) + 40]
                    hits.append(Hit(relative, canary, context.decode("utf-8", "replace")))
                    break
        # The path itself counts too: a leftover /cases/x/ directory name is a trace.
        for canary in canaries:
            name = relative.lower() if canary.fold_case else relative
            if canary.needle().decode() in name:
                hits.append(Hit(relative, canary, f"(in the path) {relative}"))
    return hits
