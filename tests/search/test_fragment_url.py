"""Which page a Pagefind fragment belongs to: read from its head, or from all of it."""

from __future__ import annotations

import gzip
import json

import pytest

from pipeline.search import _FRAGMENT_HEAD, _fragment_url


def fragment(record: dict[str, object], separators: tuple[str, str] = (",", ":")) -> bytes:
    """A fragment as Pagefind writes it (compact JSON, the URL first)."""
    text = json.dumps(record, ensure_ascii=False, separators=separators)
    return gzip.compress(b"pagefind_dcd" + text.encode())


@pytest.mark.parametrize(
    "record",
    [
        {"url": "/cases/nwa-2025-001/", "content": "Northwind " * 2000},
        {"url": "/companies/m\u00fcller-s\u00f6hne/", "content": "x"},
        {"url": '/cases/a"b\\c/', "content": "quoted and escaped"},
        {"content": "the URL after the content " * 500, "url": "/cases/late/"},
        {"url": "/cases/" + "l" * (2 * _FRAGMENT_HEAD) + "/", "content": "a URL past the head"},
    ],
    ids=["plain", "unicode", "escaped", "url-not-first", "url-longer-than-head"],
)
def test_the_url_is_the_one_in_the_fragment(record: dict[str, object]) -> None:
    assert _fragment_url(fragment(record)) == record["url"]
    assert _fragment_url(fragment(record, (", ", ": "))) == record["url"]


@pytest.mark.parametrize(
    "body",
    [
        b"not gzip at all",
        gzip.compress(b"pagefind_dcd{not json"),
        gzip.compress(b'pagefind_dcd{"content": "no url"}'),
        gzip.compress(b'pagefind_dcd{"url": 7}'),
        gzip.compress(b'pagefind_dcd{"url":"/cases/' + b"x" * 50_000 + b'/"}')[:40],
    ],
    ids=["not-gzip", "not-json", "no-url", "url-not-a-string", "cut-inside-the-url"],
)
def test_a_fragment_that_names_no_page_is_none(body: bytes) -> None:
    assert _fragment_url(body) is None


def test_pagefind_fragments_are_read_from_their_head(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import search
    from pipeline.render import Page

    body = (
        "<!DOCTYPE html><html lang=en><head><title>T</title></head><body>"
        "<article data-pagefind-body><h1>Acme Inc.</h1><p>{}</p></article></body></html>"
    )
    pages = [
        Page(f"cases/c-{n}/index.html", body.format("word " * 300 + str(n)).encode(), (f"C-{n}",))
        for n in range(3)
    ]
    bundle = search.search_index_pages(pages)
    fragments = [p for p in bundle if "/fragment/" in p.path]

    def whole(_: bytes) -> bytes:
        raise AssertionError("a Pagefind fragment was inflated whole")

    monkeypatch.setattr(search.gzip, "decompress", whole)
    assert sorted(_fragment_url(f.body) for f in fragments) == [f"/cases/c-{n}/" for n in range(3)]
