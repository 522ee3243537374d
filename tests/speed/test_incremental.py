"""The cached, incremental build writes exactly what a full build from scratch writes."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import MANIFEST_NAME, build_site

from ..casefactory import AS_OF, write_case
from .conftest import REPO, sample_case, settings_for
from .helpers import assert_same_tree, mtimes, tree

CASES = 6

operation = st.one_of(
    st.tuples(st.just("edit"), st.integers(1, CASES), st.text("abc xyz", min_size=1, max_size=12)),
    st.tuples(st.just("pay"), st.integers(1, CASES), st.sampled_from(["full", "part"])),
    st.tuples(st.just("add"), st.integers(CASES + 1, CASES + 3), st.just("")),
    st.tuples(st.just("delete"), st.integers(1, CASES + 3), st.just("")),
    st.tuples(
        st.just("template"),
        st.sampled_from(["case.html", "company.html", "jurisdiction.html", "base.html"]),
        st.text("abc<>&", min_size=1, max_size=6),
    ),
    st.tuples(st.just("setting"), st.sampled_from(["site_name", "min_days_overdue"]), st.just("")),
    st.tuples(st.just("date"), st.integers(0, 400), st.just("")),
)


def apply(op: tuple[str, object, object], root: Path, cases: dict[int, dict]) -> dict:  # type: ignore[type-arg]
    """Change the registry, theme or settings in place; returns settings overrides."""
    kind, target, detail = op
    content = root / "content" / "debts"
    if kind in ("edit", "pay") and target in cases:
        data = cases[target]  # type: ignore[index]
        if kind == "edit":
            data["summary"] = f"{data['summary']} {detail}"
        else:
            amount = data["claim"]["invoices"][0]["amount"]
            paid = amount if detail == "full" else "10.00"
            data["events"].append({"date": "2026-11-30", "kind": "payment", "amount": paid})
        write_case(content, data)
    elif kind == "add" and target not in cases:
        cases[target] = sample_case(target)  # type: ignore[index]
        write_case(content, cases[target])  # type: ignore[index]
    elif kind == "delete" and target in cases:
        data = cases.pop(target)  # type: ignore[arg-type]
        (content / f"{data['case']}.yaml").unlink()
    elif kind == "template":
        path = root / "theme" / "templates" / str(target)
        path.write_text(path.read_text() + f"\n<!-- {detail} -->\n")
    return {}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=5))
def test_incremental_build_equals_full_build(ops: list[tuple[str, object, object]]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        shutil.copytree(REPO / "theme", root / "theme")
        content = root / "content" / "debts"
        (root / "content" / "pages").mkdir(parents=True)
        cases = {i: sample_case(i) for i in range(1, CASES + 1)}
        for data in cases.values():
            write_case(content, data)
        overrides: dict[str, object] = {}
        cache, incremental = root / "cache", root / "out-incremental"
        build_site(settings_for(content), incremental, root / "theme", cache_dir=cache)
        for step, op in enumerate(ops):
            apply(op, root, cases)
            if op[0] == "setting":
                if op[1] == "site_name":
                    overrides["site_name"] = f"Registry {step}"
                else:
                    overrides["min_days_overdue"] = 30 + 200 * (step % 2)
            if op[0] == "date":
                from datetime import timedelta

                overrides["as_of"] = AS_OF + timedelta(days=int(op[1]))  # type: ignore[call-overload]
            current = settings_for(content, **overrides)
            before_tree, before_times = tree(incremental), mtimes(incremental)
            result = build_site(current, incremental, root / "theme", cache_dir=cache)
            after_times = mtimes(incremental)
            for name, body in tree(incremental).items():
                if before_tree.get(name) == body and name in result.written:
                    raise AssertionError(f"{name} rewritten with the same bytes")
                if before_tree.get(name) == body:
                    assert after_times[name] == before_times[name], name
        full = root / "out-full"
        build_site(settings_for(content, **overrides), full, root / "theme")
        assert_same_tree(incremental, full)


def test_one_edit_rewrites_only_that_case(
    small_registry: Path, theme_copy: Path, tmp_path: Path
) -> None:
    settings_ = settings_for(small_registry)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build_site(settings_, out, theme_copy, cache_dir=cache)
    assert first.cache_stats["files_miss"] == 7
    path = small_registry / "SPD-2026-004.yaml"
    path.write_text(path.read_text().replace("accepted.", "accepted in full."))
    second = build_site(settings_, out, theme_copy, cache_dir=cache)
    assert "cases/spd-2026-004/index.html" in second.written
    manifest = json.loads((out / MANIFEST_NAME).read_text())["files"]
    # Every rewritten file shows the case, or is the shared search word index / its entry
    # file (the edited words are in it) or the sitemap index (a summary naming no case).
    shared = {"sitemap.xml", "pagefind/pagefind-entry.json"}
    for name in second.written:
        in_index = name.startswith("pagefind/") and not name.startswith("pagefind/fragment/")
        assert name in shared or in_index or "SPD-2026-004" in manifest[name]["cases"], name
    assert second.cache_stats["files_miss"] == 1
    assert second.cache_stats["files_hit"] == 6
    full = tmp_path / "full"
    build_site(settings_, full, theme_copy)
    assert_same_tree(out, full)
