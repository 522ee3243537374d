"""Pagefind is fed only the title and the data-pagefind-body element: same bundle, less to parse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.build import build_site
from pipeline.render import Page
from pipeline.search import _BODY_START, ShardedSearch, _body_start, is_searchable, minimal_html

from ..seo.conftest import THEME, sample_settings


def bundle(pages: list[Page], minimal: bool) -> list[tuple[str, bytes, tuple[str, ...]]]:
    sharded = ShardedSearch(None, minimal=minimal)
    for p in pages:
        sharded.add(p.path, hashlib.sha256(p.body).hexdigest(), p.cases, lambda body=p.body: body)
    return [(b.path, b.body, b.cases) for b in sharded.finish()]


def test_minimal_pages_give_the_same_bundle_on_the_sample_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.search.PAGES_PER_SHARD", 4)
    output = tmp_path / "site"
    build_site(sample_settings(), output, THEME)
    pages = [
        Page(path.relative_to(output).as_posix(), path.read_bytes(), ("X",))
        for path in sorted(output.rglob("index.html"))
        if is_searchable(path.relative_to(output).as_posix())
    ]
    assert len(pages) > 10
    assert all(minimal_html(p.body) is not None for p in pages)
    assert bundle(pages, minimal=True) == bundle(pages, minimal=False)


def test_minimal_html_keeps_nested_elements_of_the_same_tag() -> None:
    page = (
        b"<html><head><title>T &amp; Co</title></head><body><nav>chrome</nav>"
        b"<section data-pagefind-body><h1>A</h1><section><p>inner</p></section><p>tail</p>"
        b"</section><footer>chrome</footer></body></html>"
    )
    cut = minimal_html(page)
    assert cut is not None
    assert b"<title>T &amp; Co</title>" in cut and b"<p>tail</p></section></body>" in cut
    assert b"chrome" not in cut
    assert minimal_html(b"<p>no marker</p>") is None
    assert minimal_html(b"<div data-pagefind-body><div>unclosed</div>") is None


_PIECES = st.sampled_from(
    [
        b"<", b">", b" ", b"\n", b"=", b"/", b'"', b"'", b"div", b"section", b"<div",
        b"<section", b"</div>", b"</section>", b"<title>", b"</title>", b"x",
        b"data-pagefind-body", b" data-pagefind-body", b" data-pagefind-body>",
        b"<p title='a > b'", b'<a href="<x"', b"<!-- data-pagefind-body -->",
    ]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=40).map(b"".join))
@settings(max_examples=600, deadline=None)
def test_the_body_start_is_the_one_the_pattern_finds_searching_from_the_top(page: bytes) -> None:
    """The search starts after the last `>` before the marker: the same match, always."""
    found, reference = _body_start(page), _BODY_START.search(page)
    assert (found and found.span()) == (reference and reference.span())


@pytest.mark.parametrize(
    "page",
    [
        b"<title>data-pagefind-body</title><main data-pagefind-body>x</main>",
        b'<div title="<x" data-pagefind-body>x</div>',
        b"<p>data-pagefind-body</p><div\ndata-pagefind-body=''>x</div>",
        b"<div data-pagefind-bodyx><div data-pagefind-body/>",
        b"data-pagefind-body",
    ],
)
def test_the_body_start_agrees_with_the_pattern_on_awkward_pages(page: bytes) -> None:
    found, reference = _body_start(page), _BODY_START.search(page)
    assert (found and found.span()) == (reference and reference.span())
