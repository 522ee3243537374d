"""Fixtures for the build cache tests: a small registry, a private copy of the theme."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF, case_dict, write_case

REPO = Path(__file__).resolve().parents[2]


def sample_case(index: int) -> dict[str, object]:
    """A valid public case; every third one shares a company with the one before."""
    company = index - 1 if index % 3 == 2 else index
    places = [("US", "US-TX"), ("US", "US-CA"), ("CA", "CA-ON"), ("SG", None)]
    country, region = places[company % len(places)]
    data = case_dict(
        **{
            "case": f"SPD-2026-{index:03d}",
            "debtor.name": f"Speedy Company {company} Inc.",
            "debtor.country": country,
            "debtor.website": f"https://speedy{company}.example",
            "claim.invoices.0.number": f"SP-{index:04d}",
            "claim.invoices.0.amount": f"{1000 + index * 10}.00",
            "summary": f"Goods were delivered under order {index} and accepted.",
        }
    )
    debtor = data["debtor"]
    assert isinstance(debtor, dict)
    if region is None:
        debtor.pop("region")
    else:
        debtor["region"] = region
    return data


@pytest.fixture
def theme_copy(tmp_path: Path) -> Path:
    target = tmp_path / "theme"
    shutil.copytree(REPO / "theme", target)
    return target


@pytest.fixture
def small_registry(registry_dir: Path) -> Path:
    for index in range(1, 8):
        write_case(registry_dir, sample_case(index))
    return registry_dir


def settings_for(registry_dir: Path, **changes: object) -> RegistrySettings:
    values: dict[str, object] = {
        "content_dir": registry_dir,
        "pages_dir": registry_dir.parent / "pages",
        "as_of": AS_OF,
        "site_url": "https://overdue.example",
    }
    values.update(changes)
    return RegistrySettings.model_validate(values)
