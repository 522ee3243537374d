"""The leak scanner itself: it must see through gzip and pagefind fragments, and fail closed."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from .leakscan import Canary, find_hits, name_forms

CANARY = [
    Canary("name", "Empire Valve &amp; Fitting"),
    Canary("id", "EMV-2026-045", fold_case=True),
]


def test_gzip_and_pagefind_fragments_are_searched(tmp_path: Path) -> None:
    (tmp_path / "pagefind" / "fragment").mkdir(parents=True)
    fragment = gzip.compress(b"pagefind_dcd" + b'{"url":"/cases/emv-2026-045/"}')
    (tmp_path / "pagefind" / "fragment" / "en_1a2b.pf_fragment").write_bytes(fragment)
    (tmp_path / "sitemap.xml.gz").write_bytes(
        gzip.compress(b"<loc>Empire Valve &amp; Fitting</loc>")
    )
    (tmp_path / "index.pf_index").write_bytes(gzip.compress(gzip.compress(b"x emv-2026-045")))
    hits = {(h.path, h.canary.kind) for h in find_hits(tmp_path, CANARY)}
    assert hits == {
        ("pagefind/fragment/en_1a2b.pf_fragment", "id"),
        ("sitemap.xml.gz", "name"),
        ("index.pf_index", "id"),
    }


def test_a_compression_it_cannot_read_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "registry.json.br").write_bytes(b"\x8b\x00")
    with pytest.raises(AssertionError, match="cannot search"):
        find_hits(tmp_path, CANARY)


def test_hidden_files_and_paths_count(tmp_path: Path) -> None:
    (tmp_path / "cases" / "emv-2026-045").mkdir(parents=True)
    (tmp_path / "cases" / "emv-2026-045" / ".index.html.tmp").write_bytes(b"")
    assert find_hits(tmp_path, CANARY)


def test_name_forms_cover_each_encoding() -> None:
    forms = name_forms('Acme "Q" & Söhne <Ltd>')
    assert {
        "Acme &#34;Q&#34; &amp; Söhne &lt;Ltd&gt;",
        "Acme &quot;Q&quot; &amp; Söhne &lt;Ltd&gt;",
        "Acme%20%22Q%22%20%26%20S%C3%B6hne%20%3CLtd%3E",
        "Acme+%22Q%22+%26+S%C3%B6hne+%3CLtd%3E",
        'Acme \\"Q\\" & S\\u00f6hne <Ltd>',
        'Acme \\"Q\\" \\u0026 Söhne \\u003cLtd\\u003e',
    } <= forms
