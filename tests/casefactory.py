"""Valid case files for tests, with targeted changes. Shared by every test package."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import yaml

AS_OF = date(2026, 12, 3)

BASE_CASE: dict[str, Any] = {
    "schema": 1,
    "case": "TST-2026-001",
    "debtor": {
        "name": "Testbed Widgets, Inc.",
        "entity": "corporation",
        "country": "US",
        "region": "US-TX",
        "website": "https://testbed.example",
        "personal_guarantee": False,
        "contacts": [
            {
                "name": "Casey Canary",
                "role": "AP",
                "email": "casey.canary@testbed.example",
                "phone": "+1 512 555 0100",
            }
        ],
    },
    "creditor": {"name": "Creditor Co. Pte. Ltd.", "country": "SG", "display": "named"},
    "claim": {
        "currency": "USD",
        "invoices": [
            {
                "number": "TB-0001",
                "issued": "2026-03-01",
                "due": "2026-03-31",
                "amount": "5000.00",
                "description": "Widgets",
            }
        ],
        "contract": {"title": "Supply Agreement", "signed": "2025-01-01", "clause": "4 Net 30"},
    },
    "summary": "Widgets were delivered and accepted.",
    "events": [
        {"date": "2026-04-07", "kind": "reminder", "level": 1},
        {"date": "2026-05-01", "kind": "demand_letter"},
        {"date": "2026-06-01", "kind": "final_notice", "warns_publication": True},
        {"date": "2026-07-15", "kind": "listed"},
    ],
}


def case_dict(**changes: Any) -> dict[str, Any]:
    """BASE_CASE with dotted-path changes, e.g. case_dict(**{"debtor.country": "CA"})."""
    data = copy.deepcopy(BASE_CASE)
    for dotted, value in changes.items():
        target: Any = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
        last = parts[-1]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is _DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return data


_DELETE = object()
DELETE = _DELETE


def case_yaml(data: dict[str, Any]) -> str:
    """Dump with every string quoted, so that the strict loader reads exactly what we mean."""

    class Dumper(yaml.SafeDumper):
        pass

    def quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')

    Dumper.add_representer(str, quoted)
    text = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)
    # dates and the schema number are plain in real files
    return text


def write_case(directory: Path, data: dict[str, Any] | None = None, **changes: Any) -> Path:
    data = data if data is not None else case_dict(**changes)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['case']}.yaml"
    path.write_text(case_yaml(data), encoding="utf-8")
    return path
