"""Fixtures for the takedown tests: a private copy of the sample registry and its build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF

REPO = Path(__file__).resolve().parents[2]
THEME = REPO / "theme"


def sample_settings(root: Path, **overrides: object) -> RegistrySettings:
    values: dict[str, object] = {
        "content_dir": root / "content" / "debts",
        "pages_dir": root / "content" / "pages",
        "as_of": AS_OF,
        "site_url": "https://overdue.example",
    }
    values.update(overrides)
    return RegistrySettings.model_validate(values)


def copy_sample(root: Path) -> RegistrySettings:
    """The sample cases and pages copied under `root`; the repository is never written."""
    shutil.copytree(REPO / "content", root / "content")
    return sample_settings(root)


@pytest.fixture
def sample(tmp_path: Path) -> RegistrySettings:
    return copy_sample(tmp_path)
