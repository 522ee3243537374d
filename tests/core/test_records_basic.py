from __future__ import annotations

from pathlib import Path

from pipeline.records import load_case
from pipeline.rules import assess
from pipeline.settings import RegistrySettings

from ..casefactory import write_case


def test_base_case_is_valid_and_public(registry_dir: Path, settings: RegistrySettings) -> None:
    path = write_case(registry_dir)
    case, doc = load_case(path)
    assessment = assess(case, doc, settings, settings.today())
    assert assessment.public, [r for r in assessment.results if r.verdict != "pass"]
