"""Appending events to a case file without disturbing anything else in it.

The new event is spliced into the file as text, in the style of the events before it,
so the operator's comments, key order and quoting are kept byte for byte and the git diff
of a command is only the new event (a round-trip YAML dump re-wraps long lines and
rewrites `null`, which is why we do not use one). The new text is validated as a whole
record before it replaces the file, and the replace is atomic: a failed write leaves the
file exactly as it was.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .errors import OverdueError, RecordInvalid
from .records import Case, load_case

_BOM = b"\xef\xbb\xbf"


class EventRejected(OverdueError):
    """The event cannot be appended (out of date order, or it makes the record invalid)."""


def _scalar_text(value: Any) -> str:
    """Dates, numbers and booleans plain; everything else double-quoted (JSON is valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _event_text(
    event: Mapping[str, Any], flow: bool, dash_column: int, quote_keys: bool = False
) -> list[str]:
    items = [(k, v) for k, v in event.items() if v is not None]
    pad = " " * dash_column

    def key(name: str) -> str:
        return json.dumps(name) if quote_keys else name

    def value(name: str, raw: Any) -> str:
        return raw if name == "kind" and not quote_keys else _scalar_text(raw)

    if flow:
        body = ", ".join(f"{key(k)}: {value(k, v)}" for k, v in items)
        return [f"{pad}- {{{body}}}"]
    lines = []
    for index, (name, raw) in enumerate(items):
        lead = f"{pad}- " if index == 0 else f"{pad}  "
        lines.append(f"{lead}{key(name)}: {value(name, raw)}")
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_EVENTS_KEY = re.compile(r"""^(events|"events"|'events')\s*:""")


def _is_item(stripped: str) -> bool:
    return stripped == "-" or stripped.startswith("- ")


def render_appended(raw: bytes, event: Mapping[str, Any]) -> bytes:
    """The file's bytes with `event` appended to `events`, every other byte untouched.

    The new item is spliced in as text right after the last event, in the same style
    (flow or block, same indent), so the diff is exactly the new event.
    """
    bom = raw.startswith(_BOM)
    text = (raw[len(_BOM) :] if bom else raw).decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    events_at = next((i for i, line in enumerate(lines) if _EVENTS_KEY.match(line)), None)
    if events_at is None:
        lines = [*lines, "events:", *_event_text(event, flow=True, dash_column=2)]
    else:
        head = lines[events_at]
        quote_keys = head[0] in "\"'"
        after_colon = head.split(":", 1)[1].split("#", 1)[0].strip()
        if after_colon == "[]":
            key_part, _, rest = head.partition(":")
            lines[events_at] = (key_part + ":" + rest.replace("[]", "", 1)).rstrip()
            lines[events_at + 1 : events_at + 1] = _event_text(
                event, flow=True, dash_column=2, quote_keys=quote_keys
            )
        elif after_colon:
            raise EventRejected("events must be a block list (one '- ' item per line) to append to")
        else:
            last_item = None
            end = events_at
            for index in range(events_at + 1, len(lines)):
                line = lines[index]
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                # An item may sit at the key's own column (an "indentless" sequence,
                # PyYAML's default); any other line at column 0 is the next key.
                if _indent(line) == 0 and not _is_item(stripped):
                    break
                if _is_item(stripped) and (
                    last_item is None or _indent(line) == _indent(lines[last_item])
                ):
                    last_item = index
                end = index
            if last_item is None:
                insert_at, dash, flow = events_at + 1, 2, True
            else:
                insert_at, dash = end + 1, _indent(lines[last_item])
                flow = lines[last_item].strip().startswith("- {")
            lines[insert_at:insert_at] = _event_text(
                event, flow=flow, dash_column=dash, quote_keys=quote_keys
            )
    body = (newline.join(lines) + newline).encode("utf-8")
    return (_BOM + body) if bom else body


def append_event(path: Path, event: Mapping[str, Any]) -> Case:
    """Append one event; validate the whole record; replace the file atomically.

    Raises EventRejected when the event would predate the last one or make the record
    invalid; the file is then left exactly as it was.
    """
    raw = path.read_bytes()
    current, _ = load_case(path, raw)
    new_date = event["date"]
    if current.events and new_date < current.events[-1].date:
        raise EventRejected(
            f"{path}: a new event may not predate the last one "
            f"({new_date} < {current.events[-1].date})"
        )
    updated = render_appended(raw, event)
    try:
        case, _ = load_case(path, updated)
    except RecordInvalid as exc:
        reasons = "; ".join(p.message for p in exc.problems)
        raise EventRejected(
            f"{path}: the new event would make the record invalid: {reasons}"
        ) from None
    if case.events[:-1] != current.events or case.events[-1].kind != event["kind"]:
        raise EventRejected(f"{path}: could not append the event without changing others")
    write_atomic(path, updated)
    return case


def write_synced_temp(path: Path, body: bytes) -> str:
    """Write `body` to a new synced temp file beside `path`; return its name."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return tmp_name


def write_atomic(path: Path, body: bytes) -> None:
    tmp_name = write_synced_temp(path, body)
    try:
        if path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o777)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
