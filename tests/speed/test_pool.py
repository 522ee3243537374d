"""Case files judged in worker processes give exactly the serial registry."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pipeline import parallel
from pipeline.buildcache import BuildCache
from pipeline.registry import Registry, load_registry

from ..casefactory import AS_OF, write_case
from .conftest import sample_case, settings_for


def registry_facts(registry: Registry) -> list[object]:
    facts: list[object] = [sorted(registry.problems, key=lambda p: (p.location, p.message))]
    for a in registry.assessments:
        locations = [
            a.doc.locate(key)
            for key in (("case",), ("debtor", "name"), ("events", 3, "kind"), ("nope",))
        ]
        facts.append(
            (a.case, a.state, a.results, a.public, locations, a.doc.locate_key(("debtor",)))
        )
    return facts


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
    serial = load_registry([mixed_registry], settings, AS_OF)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    pooled = BuildCache(tmp_path / "cache", workers=2).load_registry(
        [mixed_registry], settings, AS_OF
    )
    assert registry_facts(pooled) == registry_facts(serial)
    assert serial.problems  # the fixture really has bad files


def test_judge_files_pool_and_serial_agree(
    mixed_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(mixed_registry)
    items = [(p, p.read_bytes()) for p in sorted(mixed_registry.rglob("*.yaml"))]
    serial = parallel.judge_files(items, settings, AS_OF, workers=1)
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    pooled = parallel.judge_files(items, settings, AS_OF, workers=2)
    assert [pickle.loads(b) for b in pooled] == [pickle.loads(b) for b in serial]


def test_cached_registry_equals_serial(mixed_registry: Path, tmp_path: Path) -> None:
    settings = settings_for(mixed_registry)
    serial = load_registry([mixed_registry], settings, AS_OF)
    BuildCache(tmp_path / "c", workers=1).load_registry([mixed_registry], settings, AS_OF)
    cache = BuildCache(tmp_path / "c", workers=1)
    cache.save()  # nothing used yet: an empty table is written
    first = BuildCache(tmp_path / "c2", workers=1)
    first.load_registry([mixed_registry], settings, AS_OF)
    first.save()
    warm = BuildCache(tmp_path / "c2", workers=1)
    registry = warm.load_registry([mixed_registry], settings, AS_OF)
    assert warm.stats["files_miss"] == 0
    assert registry_facts(registry) == registry_facts(serial)
    full_doc = serial.assessments[0].doc
    cached_doc = registry.assessments[0].doc
    assert cached_doc.value == full_doc.value
    assert cached_doc.positions == full_doc.positions


def test_plain_scalar_pickles() -> None:
    from pipeline.yamlsource import PlainScalar

    value = pickle.loads(pickle.dumps(PlainScalar("0123", "int")))
    assert isinstance(value, PlainScalar) and value == "0123" and value.yaml_type == "int"
