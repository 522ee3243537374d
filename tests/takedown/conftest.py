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


def write_conf(root: Path) -> Path:
    """A pelicanconf.py for `overdue --conf`: the sample settings with a fixed today."""
    conf = root / "pelicanconf.py"
    text = (REPO / "pelicanconf.py").read_text("utf-8")
    conf.write_text(
        text + f'\nOVERDUE["as_of"] = "{AS_OF.isoformat()}"\n'
        f'OVERDUE["content_dir"] = {str(root / "content" / "debts")!r}\n'
        f'OVERDUE["pages_dir"] = {str(root / "content" / "pages")!r}\n',
        "utf-8",
    )
    return conf
