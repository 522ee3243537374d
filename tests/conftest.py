"""Fixtures shared by every test package. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import RegistrySettings

from .casefactory import AS_OF

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def as_of():  # type: ignore[no-untyped-def]
    return AS_OF


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "content" / "debts"
    directory.mkdir(parents=True)
    (tmp_path / "content" / "pages").mkdir()
    return directory


@pytest.fixture
def settings(registry_dir: Path) -> RegistrySettings:
    return RegistrySettings(
        content_dir=registry_dir,
        pages_dir=registry_dir.parent / "pages",
        as_of=AS_OF,
        site_url="https://overdue.example",
    )
