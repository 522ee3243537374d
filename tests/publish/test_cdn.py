"""C21: invalidation paths encoded, `*` never encoded, batched or collapsed within limits."""

from __future__ import annotations

from pipeline.cdn import (
    MAX_PATHS_PER_BATCH,
    MAX_WILDCARDS_PER_BATCH,
    batches,
    collapse,
    encode_path,
    invalidation_paths,
    plan_invalidation,
)  # fmt: skip


def test_a_page_is_invalidated_at_all_three_urls() -> None:
    assert invalidation_paths(["cases/x/index.html"]) == [
        "/cases/x", "/cases/x/", "/cases/x/index.html",
    ]  # fmt: skip
    assert invalidation_paths(["index.html"]) == ["/", "/index.html"]
    assert invalidation_paths(["sitemap.xml"]) == ["/sitemap.xml"]


def test_space_and_non_ascii_are_percent_encoded_but_star_is_not() -> None:
    assert encode_path("/companies/müller söhne/") == "/companies/m%C3%BCller%20s%C3%B6hne/"
    assert encode_path("/cases/*") == "/cases/*"
    assert encode_path("/a%b") == "/a%25b"
    paths = invalidation_paths(["companies/müller söhne/index.html"])
    assert all(" " not in p and "ü" not in p for p in paths)


def test_a_bulk_takedown_of_3500_cases_collapses_within_cloudfront_limits() -> None:
    changed = [f"cases/case-{i:04d}/index.html" for i in range(3500)]
    changed += ["index.html", "companies/müller söhne/index.html", "sitemap.xml"]
    planned = plan_invalidation(changed, max_paths=1000)
    every = [p for b in planned for p in b.paths]
    assert "/cases/*" in every
    assert not any(p.startswith("/cases/case-") for p in every)
    assert "/companies/m%C3%BCller%20s%C3%B6hne/" in every  # small directories stay exact
    for batch in planned:
        assert len(batch.paths) <= MAX_PATHS_PER_BATCH
        assert batch.wildcards <= MAX_WILDCARDS_PER_BATCH


def test_too_many_directories_collapse_to_everything() -> None:
    paths = [f"/d{d}/p{i}" for d in range(40) for i in range(50)]
    assert collapse(paths, max_paths=100) == ["/*"]


def test_under_the_threshold_paths_stay_exact() -> None:
    paths = invalidation_paths([f"cases/c{i}/index.html" for i in range(300)])
    assert collapse(paths, max_paths=1000) == paths


def test_batches_respect_per_request_limits() -> None:
    paths = [f"/p{i}" for i in range(7000)] + [f"/w{i}/*" for i in range(20)]
    result = batches(paths)
    assert sum(len(b.paths) for b in result) == 7020
    assert all(len(b.paths) <= 3000 and b.wildcards <= 15 for b in result)
