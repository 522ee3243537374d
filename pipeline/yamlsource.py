"""Strict YAML loading that keeps each value's position and never retypes a value.

Only plain scalars that YAML would read as something other than a string are marked
(`PlainScalar`); the record model decides per field whether that is acceptable (an
integer level) or an error asking for quotes (an invoice number `0123`).
Mappings, sequences, strings and nulls come out as Python values; positions go to a
separate map keyed by the path of each value, so the model never sees them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import Location, Problem, RecordInvalid

try:  # libyaml parses ten times faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _EventLoader
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]

    _CParser = None  # type: ignore[assignment,misc]

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


class SourceDocument:
    """A loaded case file: its plain value tree and where each value came from.

    Positions are kept as (line, column) pairs and become `Location` objects only when
    asked for: `locate` builds one, `positions`/`key_positions` build the whole map once.
    """

    path: Path
    value: Any
    problems: list[Problem]

    def __init__(
        self,
        path: Path,
        value: Any,
        positions: dict[PathKey, Location] | None = None,
        key_positions: dict[PathKey, Location] | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.path = path
        self.value = value
        self.problems = [] if problems is None else problems
        self._line_cols: dict[PathKey, tuple[int, int]] = {}
        self._key_line_cols: dict[PathKey, tuple[int, int]] = {}
        self._positions = positions
        self._key_positions = key_positions

    def _get_positions(self) -> dict[PathKey, Location]:
        """Where each value starts, keyed by its path (built on first use)."""
        if self._positions is None:
            path = self.path
            self._positions = {k: Location(path, *lc) for k, lc in self._line_cols.items()}
        return self._positions

    def _set_positions(self, table: dict[PathKey, Location]) -> None:
        self._positions = table

    def _get_key_positions(self) -> dict[PathKey, Location]:
        """Where each mapping key starts, keyed by the path of its value (built on first use)."""
        if self._key_positions is None:
            path = self.path
            self._key_positions = {k: Location(path, *lc) for k, lc in self._key_line_cols.items()}
        return self._key_positions

    def _set_key_positions(self, table: dict[PathKey, Location]) -> None:
        self._key_positions = table

    if TYPE_CHECKING:  # plain attributes to the type checker, as when this was a dataclass
        positions: dict[PathKey, Location]
        key_positions: dict[PathKey, Location]
    else:
        positions = property(_get_positions, _set_positions)
        key_positions = property(_get_key_positions, _set_key_positions)

    def position_tables(
        self,
    ) -> tuple[dict[PathKey, tuple[int, int]], dict[PathKey, tuple[int, int]]]:
        """Both position maps as (line, column) pairs: what a cache stores, without Locations."""
        return (
            {k: (loc.line, loc.column) for k, loc in self.positions.items()}
            if self._positions is not None
            else dict(self._line_cols),
            {k: (loc.line, loc.column) for k, loc in self.key_positions.items()}
            if self._key_positions is not None
            else dict(self._key_line_cols),
        )

    def locate(self, key: PathKey) -> Location:
        """The position of `key`, or of its nearest ancestor that has one. Never empty."""
        probe = tuple(key)
        if self._positions is not None:
            while probe:
                if probe in self._positions:
                    return self._positions[probe]
                probe = probe[:-1]
            return self._positions.get((), Location(self.path, 1, 1))
        table = self._line_cols
        while probe:
            found = table.get(probe)
            if found is not None:
                return Location(self.path, *found)
            probe = probe[:-1]
        found = table.get(())
        return Location(self.path, *found) if found is not None else Location(self.path, 1, 1)

    def locate_key(self, key: PathKey) -> Location:
        """The position of the mapping key itself (where a missing child belongs)."""
        if self._key_positions is not None:
            return self._key_positions.get(tuple(key)) or self.locate(key)
        found = self._key_line_cols.get(tuple(key))
        return Location(self.path, *found) if found is not None else self.locate(key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceDocument):
            return NotImplemented
        return (self.path, self.value, self.positions, self.key_positions, self.problems) == (
            other.path,
            other.value,
            other.positions,
            other.key_positions,
            other.problems,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (
            f"SourceDocument(path={self.path!r}, value={self.value!r}, "
            f"positions={self.positions!r}, key_positions={self.key_positions!r}, "
            f"problems={self.problems!r})"
        )


def load_package_data(text: str) -> Any:
    """One of the package's own data tables, as `yaml.safe_load` reads it, parsed by
    libyaml when it is there: the pure-Python parser took 0.2 s over jurisdictions.yaml,
    in every process that judges a case (a tenth of a one-case rebuild)."""
    return yaml.load(text, Loader=_EventLoader)  # CSafeLoader, or SafeLoader without libyaml


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
        implicit = getattr(event, "implicit", True)  # a pair for scalars, a bool for collections
        if getattr(event, "tag", None) and not (
            implicit[0] if isinstance(implicit, tuple) else implicit
        ):
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


class _Fallback(Exception):
    """The fast path met something only the event path reports exactly (a refusal, a clash)."""


if _CParser is not None:

    class _NodeComposer(_CParser):
        """libyaml's own composer, with tag resolution switched off: every node gets the tag
        "", so an explicit tag shows up as a non-empty one (and a node starting with & or !)."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return ""

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None


# libyaml's composer recurses in C: a file nested thousands deep would overflow the C
# stack. Each level of nesting needs one of these characters, so a file with few of them
# cannot be deep; a file with many goes to the event path, which stops at MAX_DEPTH.
_NESTING_CHARS = ("[", "{", "-", ":", "?")
_MAX_NESTING_CHARS = 2000
_PROPERTY_START = ("&", "!")  # an anchor or a tag: the node's start mark points at it


class _NodeBuilder:
    """Builds the value tree and positions from libyaml's composed nodes, in one walk.

    Gives exactly what the event path gives for every file it accepts; anything the event
    path would refuse or report (anchors, aliases, tags, nesting, duplicate or complex
    keys) raises `_Fallback` so that the event path reports it in its own words.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # Only a file holding & or ! can hold an anchor or a tag: the others skip the check.
        self.properties = "&" in text or "!" in text
        self.line_cols: dict[PathKey, tuple[int, int]] = {}
        self.key_line_cols: dict[PathKey, tuple[int, int]] = {}

    def _property_at(self, mark: Any) -> bool:
        return self.properties and self.text.startswith(_PROPERTY_START, mark.index)

    def node(self, node: Any, key: PathKey, depth: int) -> Any:
        mark = node.start_mark
        self.line_cols[key] = (mark.line + 1, mark.column + 1)
        if node.tag or depth > MAX_DEPTH or self._property_at(mark):
            raise _Fallback
        kind = node.__class__
        if kind is _SCALAR:  # quoted or block (a style): always the exact string
            return node.value if node.style else _plain_value(node.value)
        if kind is _MAPPING:
            return self._mapping(node, key, depth)
        if kind is _SEQUENCE:
            return [self.node(item, (*key, i), depth + 1) for i, item in enumerate(node.value)]
        raise _Fallback  # pragma: no cover - libyaml composes only these three kinds

    def _mapping(self, node: Any, key: PathKey, depth: int) -> dict[str, Any]:
        """A mapping, its scalar values read here: most values are scalars, and a call
        per value was a third of the walk."""
        mapping: dict[str, Any] = {}
        line_cols, key_line_cols = self.line_cols, self.key_line_cols
        # A value here is at depth + 1; one that might carry an anchor or tag goes the long way.
        inline = not self.properties and depth < MAX_DEPTH
        for key_node, value_node in node.value:
            key_mark = key_node.start_mark
            if key_node.__class__ is not _SCALAR or key_node.tag or self._property_at(key_mark):
                raise _Fallback
            name: str = key_node.value
            if name in mapping:
                raise _Fallback
            child_key = (*key, name)
            key_line_cols[child_key] = (key_mark.line + 1, key_mark.column + 1)
            if inline and value_node.__class__ is _SCALAR and not value_node.tag:
                mark = value_node.start_mark
                line_cols[child_key] = (mark.line + 1, mark.column + 1)
                value = value_node.value
                mapping[name] = value if value_node.style else _plain_value(value)
            else:
                mapping[name] = self.node(value_node, child_key, depth + 1)
        return mapping


_SCALAR, _MAPPING, _SEQUENCE = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


def _load_nodes(path: Path, text: str) -> SourceDocument | None:
    """The fast path: libyaml composes, one walk builds. None when only the event path can
    say exactly what is wrong (or the file could be nested too deeply to compose in C)."""
    if _CParser is None or sum(map(text.count, _NESTING_CHARS)) > _MAX_NESTING_CHARS:
        return None
    composer = _NodeComposer(text)
    try:
        root = composer.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        composer.dispose()
    doc = SourceDocument(path, None)
    if root is None:
        doc._line_cols[()] = (1, 1)
        return doc
    builder = _NodeBuilder(text)
    try:
        doc.value = builder.node(root, (), 0)
    except _Fallback:
        return None
    doc._line_cols = builder.line_cols
    doc._key_line_cols = builder.key_line_cols
    return doc


def load_source(path: Path, raw: bytes | None = None) -> SourceDocument:
    """Load one case file strictly. Raises RecordInvalid with every problem it can name."""
    if raw is None:
        raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise RecordInvalid(
            [Problem(Location(path), f"file is larger than {MAX_FILE_BYTES // 1024} KiB")]
        )
    text = decode_source(path, raw)
    doc = _load_nodes(path, text)
    return doc if doc is not None else _load_events(path, text)


def _plain_value(text: str) -> Any:
    """An unquoted scalar as the loader gives it: None, the string, or a PlainScalar."""
    yaml_type = plain_yaml_type(text)
    if yaml_type == "null":
        return None
    if yaml_type == "str":
        return text
    return PlainScalar(text, yaml_type)


def _load_events(path: Path, text: str) -> SourceDocument:
    """The reference path: every parse event in Python. Slower, and the one that words the
    refusals; the fast path hands every file it will not vouch for to this one."""
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
