"""Appending an event works in every way people write the events list, diffing as additions.

`render_appended` used to recognise only an unquoted `events:` key with items indented
under it. The house test factory (PyYAML's dump: quoted keys, items at the key's column)
and a bare `-` on its own line made `overdue pay` fail or splice in a second key.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline import casecommands
from pipeline.casefile import append_event
from pipeline.records import load_case

from ..casefactory import case_dict, case_yaml

EVENTS = {
    "flow": """events:   # oldest first
  - {date: 2026-04-07, kind: reminder, level: 1}
  # a note between events
  - {date: 2026-05-01, kind: demand_letter}
  - {date: 2026-06-01, kind: final_notice, warns_publication: true}
  - {date: 2026-07-15, kind: listed}   # listed after notice
# trailing comment at column 0
""",
    "block": """events:
  - date: 2026-04-07
    kind: reminder     # first reminder
    level: 1
  - date: 2026-05-01
    kind: demand_letter
  - date: 2026-06-01
    kind: final_notice
    warns_publication: true
  - date: 2026-07-15
    kind: listed
  # later: payments go here
""",
    "indentless": """events:
- date: 2026-04-07
  kind: reminder
  level: 1
- date: 2026-05-01
  kind: demand_letter
- date: 2026-06-01
  kind: final_notice
  warns_publication: true
- date: 2026-07-15
  kind: listed
""",
    "bare-dash": """events:
  -
    date: 2026-04-07
    kind: reminder
  -
    date: 2026-05-01
    kind: demand_letter
  -
    date: 2026-06-01
    kind: final_notice
    warns_publication: true
  -
    date: 2026-07-15
    kind: listed
""",
    "events-not-last": """events:
  - {date: 2026-04-07, kind: reminder, level: 1}
  - {date: 2026-05-01, kind: demand_letter}
  - {date: 2026-06-01, kind: final_notice, warns_publication: true}
  - {date: 2026-07-15, kind: listed}
dunning_policy: "default"
""",
}


def _write(directory: Path, events_text: str) -> Path:
    head = case_yaml({k: v for k, v in _base().items() if k != "events"})
    path = directory / "TST-2026-001.yaml"
    path.write_text(head + events_text, "utf-8")
    return path


def _base() -> dict[str, object]:

    return case_dict()


def _only_additions(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    assert removed == [], removed
    return [line[2:] for line in diff if line.startswith("+ ")]


@pytest.mark.parametrize("style", sorted(EVENTS))
def test_append_in_each_style_is_only_additions(style: str, registry_dir: Path) -> None:
    path = _write(registry_dir, EVENTS[style])
    load_case(path)
    before = path.read_text("utf-8")
    case = append_event(
        path, {"date": date(2026, 12, 3), "kind": "payment", "amount": "100.00", "reference": "w 1"}
    )
    added = _only_additions(before, path.read_text("utf-8"))
    assert added and all("2026-12-03" in line or "100.00" in line or "w 1" in line
                         or "payment" in line for line in added)  # fmt: skip
    assert case.events[-1].kind == "payment" and len(case.events) == 5


def test_append_to_the_test_factory_file(registry_dir: Path) -> None:
    """Quoted keys and indentless items, as PyYAML writes them."""

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(
        str,
        lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'),
    )
    path = registry_dir / "TST-2026-001.yaml"
    path.write_text(yaml.dump(case_dict(), Dumper=Dumper, sort_keys=False), "utf-8")
    before = path.read_text("utf-8")
    casecommands.pay(path, "5000", date(2026, 12, 3), reference="wire 1")
    added = _only_additions(before, path.read_text("utf-8"))
    assert added == [
        '- "date": 2026-12-03',
        '  "kind": "payment"',
        '  "amount": "5000.00"',
        '  "reference": "wire 1"',
    ]


def test_empty_events_keep_their_comment(registry_dir: Path) -> None:
    path = _write(registry_dir, "events: []   # commands append here\n")
    append_event(path, {"date": date(2026, 4, 7), "kind": "reminder", "level": 1})
    tail = path.read_text("utf-8").splitlines()[-2:]
    assert tail[0].startswith("events:") and tail[0].endswith("# commands append here")
    assert tail[1] == "  - {date: 2026-04-07, kind: reminder, level: 1}"
