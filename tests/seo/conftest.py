"""Fixtures for the SEO tests: built sites in tmp directories, and the --regen-golden option."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.build import BuildResult, build_site
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF

REPO = Path(__file__).resolve().parents[2]
THEME = REPO / "theme"
XSD_DIR = REPO / "tests" / "data" / "sitemaps"
SITE_URL = "https://overdue.example"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden", action="store_true", default=False,
        help="Rewrite tests/golden/ from the current build instead of comparing with it.",
    )  # fmt: skip


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden", default=False))


def sample_settings(as_of: date = AS_OF) -> RegistrySettings:
    return RegistrySettings(
        content_dir=REPO / "content" / "debts",
        pages_dir=REPO / "content" / "pages",
        as_of=as_of,
        site_url=SITE_URL,
    )


def build(settings: RegistrySettings, output: Path) -> BuildResult:
    return build_site(settings, output, THEME, settings.as_of)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The sample registry in content/debts, built as of 2026-12-03. Do not modify."""
    output = tmp_path_factory.mktemp("sample-site")
    return output, build(sample_settings(), output)
