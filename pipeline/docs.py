"""Reference tables generated from the models, so the README cannot go stale.

`overdue docs` prints them; `make docs` rewrites the marked sections of README.md and a
test fails when the committed README differs from what the models say.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from .records import Case, Claim, Contact, Contract, Creditor, Debtor, Invoice, LateInterest
from .settings import RegistrySettings

RECORD_SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("", Case), ("debtor.", Debtor), ("debtor.contacts[].", Contact), ("creditor.", Creditor),
    ("claim.", Claim), ("claim.invoices[].", Invoice), ("claim.contract.", Contract),
    ("claim.late_interest.", LateInterest),
)  # fmt: skip


def _type_name(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    if "anyOf" in schema:
        names = [_type_name(s, defs) for s in schema["anyOf"] if s.get("type") != "null"]
        return " | ".join(dict.fromkeys(names))
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _type_name(defs[name], defs) if defs and name in defs else name
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(schema.get('items', {}))}"
    if schema.get("format") == "date":
        return "date"
    if kind == "string" and schema.get("pattern") == r"^\d+(\.\d+)?$":
        return "money"
    return str(kind)


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("|", "\\|").strip()


def record_fields_table() -> str:
    schema = Case.model_json_schema(by_alias=True)
    defs = schema.get("$defs", {})
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for prefix, model in RECORD_SECTIONS:
        model_schema = schema if model is Case else defs[model.__name__]
        required = set(model_schema.get("required", []))
        for name, field in model.model_fields.items():
            key = field.alias or name
            prop = model_schema["properties"][key]
            if key in ("debtor", "creditor", "claim", "contract", "late_interest"):
                continue
            if key == "events":
                kind = "list of events (see below)"
            elif key in ("contacts", "invoices"):
                kind = f"list (see {prefix}{key}[])"
            else:
                kind = _type_name(prop, defs)
            meaning = field.description or ""
            rows.append(
                f"| `{prefix}{key}` | {_cell(kind)} | {'yes' if key in required else ''} | {_cell(meaning)} |"
            )
    return "\n".join(rows)


def event_kinds_table() -> str:
    from .records import Event

    union = typing.get_args(typing.get_args(Event)[0])
    rows = ["| kind | fields (besides `date`) |", "|---|---|"]
    for model in union:
        fields = [
            f"`{name}`" + ("" if field.is_required() else "?")
            for name, field in model.model_fields.items()
            if name not in ("date", "kind")
        ]
        kind = typing.get_args(model.model_fields["kind"].annotation)[0]
        rows.append(f"| `{kind}` | {', '.join(fields) or '—'} |")
    return "\n".join(rows)


def settings_table() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    defaults = RegistrySettings()
    for name, field in RegistrySettings.model_fields.items():
        value = getattr(defaults, name)
        shown = {k: str(v) for k, v in value.items()} if isinstance(value, dict) else value
        rows.append(f"| `{name}` | `{_cell(str(shown))}` | {_cell(field.description or '')} |")
    return "\n".join(rows)


SECTIONS = {
    "record-fields": record_fields_table,
    "event-kinds": event_kinds_table,
    "settings": settings_table,
}


def render_readme(text: str) -> str:
    """Replace every `<!-- NAME:start -->...<!-- NAME:end -->` block with fresh content."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)  # type: ignore[misc]
    return text
