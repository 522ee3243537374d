"""Strict YAML loading that keeps each value's position and never retypes a value.

Only plain scalars that YAML would read as something other than a string are marked
(`PlainScalar`); the record model decides per field whether that is acceptable (an
integer level) or an error asking for quotes (an invoice number `0123`).
Mappings, sequences, strings and nulls come out as Python values; positions go to a
separate map keyed by the path of each value, so the model never sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem, RecordInvalid

try:  # libyaml parses ten times faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 20

# YAML 1.2 reads these as numbers or special floats, YAML 1.1 (PyYAML) does not; we refuse
# both readings so that a file means the same thing to every tool that opens it.
_YAML12_NUMBER = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_NULLS = {"", "~", "null", "Null", "NULL"}
_RESOLVER = yaml.resolver.Resolver()


class PlainScalar(str):
    """An unquoted scalar that YAML would read as a non-string (bool, int, float, date...).

    `yaml_type` is that reading, e.g. "int" for `0123` and "bool" for `NO`.
    """

    yaml_type: str

    def __new__(cls, text: str, yaml_type: str) -> PlainScalar:
        obj = super().__new__(cls, text)
        obj.yaml_type = yaml_type
        return obj

    def __reduce__(self) -> tuple[type[PlainScalar], tuple[str, str]]:
        # Without this, pickling (worker processes, the build cache) loses yaml_type.
        return (PlainScalar, (str(self), self.yaml_type))


@dataclass
class SourceDocument:
    """A loaded case file: its plain value tree and where each value came from."""

    path: Path
    value: Any
    positions: dict[PathKey, Location] = field(default_factory=dict)
    key_positions: dict[PathKey, Location] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def locate(self, key: PathKey) -> Location:
        """The position of `key`, or of its nearest ancestor that has one. Never empty."""
        probe = tuple(key)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), Location(self.path, 1, 1))

    def locate_key(self, key: PathKey) -> Location:
        """The position of the mapping key itself (where a missing child belongs)."""
        return self.key_positions.get(tuple(key)) or self.locate(key)


@lru_cache(maxsize=4096)  # the same few scalars (dates, codes, kinds) recur in every file
def plain_yaml_type(text: str) -> str:
    """What an unquoted scalar means to YAML 1.1 or 1.2, or "str" when both read a string."""
    if text in _NULLS:
        return "null"
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    kind = tag.rsplit(":", 1)[-1]
    if kind != "str":
        return kind
    if _YAML12_NUMBER.match(text):
        return "float"
    return "str"


def _loc(path: Path, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def decode_source(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM) only; anything else is an error with the line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RecordInvalid(
            [
                Problem(
                    Location(path, line, column),
                    f"the file is not UTF-8 (byte 0x{raw[exc.start]:02X}); save it as UTF-8",
                )
            ]
        ) from None


class _Builder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = SourceDocument(path, None)
        self.problems = self.doc.problems

    def build(self, events: list[Any]) -> None:
        it = iter(events)
        stream_start = next(it)
        assert isinstance(stream_start, yaml.StreamStartEvent)
        event = next(it)
        if isinstance(event, yaml.StreamEndEvent):
            self.doc.value = None
            self.doc.positions[()] = Location(self.path, 1, 1)
            return
        assert isinstance(event, yaml.DocumentStartEvent)
        self.doc.value = self._node(next(it), it, (), 0)
        end = next(it)
        assert isinstance(end, yaml.DocumentEndEvent)
        following = next(it)
        if not isinstance(following, yaml.StreamEndEvent):
            self.problems.append(
                Problem(_loc(self.path, following.start_mark), "one document per file, please")
            )

    def _node(self, event: Any, it: Any, key: PathKey, depth: int) -> Any:
        location = _loc(self.path, event.start_mark)
        self.doc.positions[key] = location
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RecordInvalid(
                [Problem(location, "anchors and aliases are not allowed in case files")]
            )
        if getattr(event, "tag", None) and not getattr(event, "implicit", (True,))[0]:
            tag = event.tag
            if isinstance(event, yaml.ScalarEvent) or tag not in (
                "tag:yaml.org,2002:map",
                "tag:yaml.org,2002:seq",
            ):
                raise RecordInvalid(
                    [Problem(location, f"explicit YAML tags ({tag}) are not allowed")]
                )
        if depth > MAX_DEPTH:
            raise RecordInvalid([Problem(location, "the document is nested too deeply")])
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event)
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while True:
                child = next(it)
                if isinstance(child, yaml.SequenceEndEvent):
                    return items
                items.append(self._node(child, it, (*key, len(items)), depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            while True:
                key_event = next(it)
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                key_location = _loc(self.path, key_event.start_mark)
                if not isinstance(key_event, yaml.ScalarEvent) or key_event.anchor:
                    raise RecordInvalid([Problem(key_location, "mapping keys must be plain words")])
                name = key_event.value
                child_key = (*key, name)
                if name in mapping:
                    first = self.doc.key_positions[child_key]
                    self.problems.append(
                        Problem(
                            key_location,
                            f"duplicate key {name!r}: first at line {first.line}, again at "
                            f"line {key_location.line}; keep one",
                            field=".".join(str(k) for k in child_key),
                        )
                    )
                    # Parse the duplicate for its own errors, but keep the first value.
                    saved = dict(self.doc.positions)
                    self._node(next(it), it, child_key, depth + 1)
                    self.doc.positions = saved
                    continue
                self.doc.key_positions[child_key] = key_location
                mapping[name] = self._node(next(it), it, child_key, depth + 1)
        raise RecordInvalid([Problem(location, f"unexpected YAML event {type(event).__name__}")])

    @staticmethod
    def _scalar(event: Any) -> Any:
        text: str = event.value
        if (
            event.style
        ):  # quoted or block scalar: always the exact string (libyaml gives "" for plain)
            return text
        kind = plain_yaml_type(text)
        if kind == "null":
            return None
        if kind == "str":
            return text
        return PlainScalar(text, kind)


def load_source(path: Path, raw: bytes | None = None) -> SourceDocument:
    """Load one case file strictly. Raises RecordInvalid with every problem it can name."""
    if raw is None:
        raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise RecordInvalid(
            [Problem(Location(path), f"file is larger than {MAX_FILE_BYTES // 1024} KiB")]
        )
    text = decode_source(path, raw)
    try:
        events = list(yaml.parse(text, Loader=_EventLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = _loc(path, mark) if mark else Location(path)
        message = exc.problem or "YAML syntax error"
        lines = text.splitlines()
        line_text = lines[location.line - 1] if 0 < location.line <= len(lines) else ""
        if "\t" in line_text[: len(line_text) - len(line_text.lstrip())] or "\\t" in message:
            message = "a tab is used for indentation; indent with spaces"
        raise RecordInvalid([Problem(location, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise RecordInvalid([Problem(Location(path), f"YAML syntax: {exc}")]) from None
    builder = _Builder(path)
    builder.build(events)
    return builder.doc
