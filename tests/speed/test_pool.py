"""Case files judged in worker processes give exactly the serial registry."""

from __future__ import annotations

import hashlib
import pickle
from contextlib import closing
from pathlib import Path

import pytest

from pipeline import parallel
from pipeline.build import public_cases
from pipeline.buildcache import BuildCache, check_registry_files
from pipeline.errors import Problem
from pipeline.registry import load_registry
from pipeline.settings import RegistrySettings
from pipeline.siteplan import CaseRef, make_ref

from ..casefactory import AS_OF, write_case
from .conftest import sample_case, settings_for


def public_facts(problems: list[Problem], refs: list[CaseRef]) -> list[object]:
    facts: list[object] = [sorted(problems, key=lambda p: (p.location, p.message))]
    for ref in refs:
        facts.append((ref.case_id, ref.digest, ref.model, ref.open_json, ref.open_csv))
    return facts


def reference_facts(registry_dir: Path, settings: RegistrySettings) -> list[object]:
    """What the serial reference path (load_registry, public_cases) says."""
    registry = load_registry([registry_dir], settings, AS_OF)
    if registry.problems:
        return public_facts(registry.problems, [])
    cases = public_cases(registry)
    return public_facts([], [make_ref(c, settings.site_url) for c in cases])


@pytest.fixture
def mixed_registry(registry_dir: Path) -> Path:
    for index in range(1, 30):
        data = sample_case(index)
        if index % 5 == 0:
            data["events"].append({"date": "2026-11-01", "kind": "payment", "amount": "1.00"})  # type: ignore[attr-defined]
        if index % 7 == 0:
            data["debtor"]["country"] = "DE"  # type: ignore[index]  # blocked: a check failure
        write_case(registry_dir, data)
    (registry_dir / "BAD-2026-001.yaml").write_text("schema: 1\ncase: BAD-2026-001\ndebtor: [\n")
    (registry_dir / "BAD-2026-002.yaml").write_text("schema: 1\ncase: BAD-2026-002\nclaim: {}\n")
    write_case(registry_dir / "sub", sample_case(3))  # a repeated case id
    return registry_dir


def test_pooled_registry_equals_serial(
    mixed_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(mixed_registry)
    with closing(BuildCache(None, workers=1)) as one:
        serial = public_facts(*one.load_public([mixed_registry], settings, AS_OF))
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    with closing(BuildCache(tmp_path / "cache", workers=2)) as two:
        pooled = public_facts(*two.load_public([mixed_registry], settings, AS_OF))
    assert pooled == serial
    assert serial == reference_facts(mixed_registry, settings)
    assert serial[0]  # the fixture really has bad files


def test_pooled_public_cases_equal_the_reference(
    registry_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(1, 30):
        write_case(registry_dir, sample_case(index))
    settings = settings_for(registry_dir)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    with closing(BuildCache(None, workers=2)) as cache:
        problems, refs = cache.load_public([registry_dir], settings, AS_OF)
        assert not problems and len(refs) == 29
        assert public_facts(problems, refs) == reference_facts(registry_dir, settings)


def test_judge_files_pool_and_serial_agree(
    mixed_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(mixed_registry)
    paths = sorted(mixed_registry.rglob("*.yaml"))
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    # every other file unhashed: the worker reads it and says what it hashed
    items = [(p, h if i % 2 else None) for i, (p, h) in enumerate(zip(paths, hashes, strict=True))]
    serial = parallel.judge_files(items, settings, AS_OF, workers=1)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    pooled = parallel.judge_files(items, settings, AS_OF, workers=2)

    def unpacked(results: list[tuple[str | None, tuple[bytes, bytes, str, str]]]) -> list[object]:
        return [
            (d, pickle.loads(e), pickle.loads(p) if p else None, j, c)
            for d, (e, p, j, c) in results
        ]

    assert unpacked(pooled) == unpacked(serial)
    assert [d for d, _ in serial] == hashes


def test_a_file_gone_before_its_worker_reads_it_is_unreadable(
    registry_dir: Path, tmp_path: Path
) -> None:
    from pipeline.buildcache import read_and_judge

    settings = settings_for(registry_dir)
    assert read_and_judge(tmp_path / "GONE-2026-001.yaml", settings, AS_OF)[0] is None


def test_cached_registry_equals_serial(registry_dir: Path, tmp_path: Path) -> None:
    for index in range(1, 12):
        write_case(registry_dir, sample_case(index))
    settings = settings_for(registry_dir)
    cold = BuildCache(tmp_path / "c", workers=1)
    first = cold.load_public([registry_dir], settings, AS_OF)
    cold.save()
    warm = BuildCache(tmp_path / "c", workers=1)
    again = warm.load_public([registry_dir], settings, AS_OF)
    assert warm.stats["files_miss"] == 0 and warm.stats["files_hit"] == 11
    assert public_facts(*again) == public_facts(*first)
    assert public_facts(*again) == reference_facts(registry_dir, settings)
    warm.close()


def test_plain_scalar_pickles() -> None:
    from pipeline.yamlsource import PlainScalar

    value = pickle.loads(pickle.dumps(PlainScalar("0123", "int")))
    assert isinstance(value, PlainScalar) and value == "0123" and value.yaml_type == "int"


def test_a_file_that_changed_after_it_was_hashed_is_a_problem(registry_dir: Path) -> None:
    from pipeline.buildcache import FileEntry, judge_path

    path = write_case(registry_dir, sample_case(1))
    settings = settings_for(registry_dir)
    stale = hashlib.sha256(b"what the build read a moment ago").hexdigest()
    entry, public, _, _ = judge_path(path, stale, settings, AS_OF)
    judged: FileEntry = pickle.loads(entry)
    assert public == b"" and judged.case_id is None
    assert "changed while the build was reading it" in judged.problems[0].message
    fresh = hashlib.sha256(path.read_bytes()).hexdigest()
    assert pickle.loads(judge_path(path, fresh, settings, AS_OF)[0]).case_id == "SPD-2026-001"


@pytest.mark.parametrize("warm", [False, True], ids=["empty store", "warm store"])
def test_an_unreadable_path_is_worded_by_the_core_loader(
    registry_dir: Path, tmp_path: Path, warm: bool
) -> None:
    write_case(registry_dir, sample_case(1))
    missing = registry_dir / "GONE-2026-001.yaml"
    settings = settings_for(registry_dir)
    if warm:
        with closing(BuildCache(tmp_path / "c", workers=1)) as first:
            first.load_public([registry_dir], settings, AS_OF)
            first.save()
    with closing(BuildCache(tmp_path / "c" if warm else None, workers=1)) as cache:
        problems, refs = cache.load_public([registry_dir, missing], settings, AS_OF)
    assert refs == []
    assert [(p.location.path, p.message) for p in problems] == [
        (missing, "cannot read the file: No such file or directory")
    ]


def test_pooled_check_equals_load_registry(
    mixed_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`overdue check` judges in workers and keeps no records: the same problems, in the
    same order, and the same count of valid cases as the serial `load_registry`."""
    settings = settings_for(mixed_registry)
    reference = load_registry([mixed_registry], settings, AS_OF)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    found = check_registry_files([mixed_registry], settings, AS_OF, workers=2)
    assert found.problems == reference.problems and found.problems
    assert found.cases == len(reference.assessments)
    assert found.public == []  # nothing is public while there are problems


def test_pooled_check_of_a_valid_registry_lists_the_public_cases(
    registry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(1, 30):
        data = sample_case(index)
        if index % 4 == 0:
            data["events"].append({"date": "2026-11-01", "kind": "payment", "amount": "1.00"})  # type: ignore[attr-defined]
        if index % 6 == 0:
            data["events"].append(  # type: ignore[attr-defined]
                {"date": "2026-11-02", "kind": "dispute", "reason": "Goods not delivered"}
            )
        write_case(registry_dir, data)
    settings = settings_for(registry_dir)
    reference = load_registry([registry_dir], settings, AS_OF)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    found = check_registry_files([registry_dir], settings, AS_OF, workers=2)
    assert not found.problems and found.cases == 29
    assert found.public == [a.case.case for a in reference.public]
    assert 0 < len(found.public) < 29
