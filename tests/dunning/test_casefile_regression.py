"""Regression: append_event on a file whose top-level keys are quoted (valid YAML operators write)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.casefile import append_event
from tests.casefactory import case_dict, write_case


def test_append_to_a_quoted_events_key(tmp_path: Path) -> None:
    path = write_case(tmp_path, case_dict(**{"case": "TST-2026-201", "events": []}))
    path.write_text(path.read_text().replace("\nevents: []", '\n"events": []'))
    assert '"events": []' in path.read_text()
    case = append_event(path, {"date": date(2026, 12, 20), "kind": "listed", "reason": None})
    assert [e.kind for e in case.events] == ["listed"]
    assert path.read_text().count("events") == 1
