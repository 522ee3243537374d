"""Helpers for the publication-gate tests: write a case, run the real check, find lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import Problem
from pipeline.records import load_case
from pipeline.registry import Registry, load_registry
from pipeline.rules import Assessment, assess
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, DELETE, case_dict
from ..casefactory import case_yaml as _quoted_yaml

REPO = Path(__file__).resolve().parents[2]
REVIEW = {"date": "2026-11-01", "reviewer": "Rita Reviewer", "reason": "counsel cleared it"}


def case_yaml(data: dict[str, Any]) -> str:
    """Every value quoted (as the strict loader wants), keys bare (as operators write them)."""
    return re.sub(r'^(\s*(?:- )?)"([a-z_]+)":', r"\1\2:", _quoted_yaml(data), flags=re.M)


def us_free(**changes: Any) -> dict[str, Any]:
    """The base case with the debtor outside the US (no region), plus changes."""
    return case_dict(**{"debtor.region": DELETE, **changes})


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing `needle` (after the line containing `after`)."""
    lines = text.splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line) + 1
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index + 1
    raise AssertionError(f"{needle!r} not in the text")


class Gate:
    """Writes case text into a fresh registry directory and runs the real loader and rules."""

    def __init__(self, directory: Path, settings: RegistrySettings) -> None:
        self.directory = directory
        self.settings = settings

    def write(self, data: dict[str, Any] | None = None, text: str | None = None) -> Path:
        data = data if data is not None else case_dict()
        text = text if text is not None else case_yaml(data)
        for old in self.directory.glob("*.yaml"):
            old.unlink()
        path = self.directory / f"{data['case']}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def check(self, data: dict[str, Any] | None = None, text: str | None = None) -> Registry:
        self.write(data, text)
        return load_registry([self.directory], self.settings, AS_OF)

    def assess(self, data: dict[str, Any] | None = None, text: str | None = None) -> Assessment:
        case, doc = load_case(self.write(data, text))
        return assess(case, doc, self.settings, AS_OF)


def problems_of(registry: Registry, rule: str) -> list[Problem]:
    return [p for p in registry.problems if p.rule == rule]


@pytest.fixture
def gate(registry_dir: Path, settings: RegistrySettings) -> Gate:
    return Gate(registry_dir, settings)
