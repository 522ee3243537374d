"""Fixtures for the sharded search index: synthetic case and company pages, small shards."""

from __future__ import annotations

import pytest

from pipeline import search


@pytest.fixture
def small_shards(monkeypatch: pytest.MonkeyPatch) -> int:
    """Four pages a shard, so a few dozen pages make several shards."""
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 4)
    return 4
