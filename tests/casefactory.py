"""Valid case files for tests, with targeted changes. Shared by every test package."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

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


_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN_DATE.match(text):
        return text  # dates are plain in real files
    quoted = json.dumps(text, ensure_ascii=False)
    # YAML folds raw line breaks (NEL, U+2028...) inside quotes; escape them so they survive.
    return re.sub(r"[\x80-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                _emit(item, indent + 2, lines)
            elif isinstance(item, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            sub: list[str] = []
            _emit(item, indent + 2, sub) if isinstance(item, dict | list) else sub.append(
                f"{pad}  {_scalar(item)}"
            )
            first = sub[0]
            lines.append(f"{pad}- {first[indent + 2 :]}")
            lines.extend(sub[1:])


def case_yaml(data: dict[str, Any]) -> str:
    """Write a case the way an operator would: plain keys and dates, quoted strings."""
    lines: list[str] = []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"


def write_case(directory: Path, data: dict[str, Any] | None = None, **changes: Any) -> Path:
    data = data if data is not None else case_dict(**changes)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['case']}.yaml"
    path.write_text(case_yaml(data), encoding="utf-8")
    return path
