"""A line parser for the plain subset of YAML that case files are written in.

libyaml costs about two microseconds per scalar through PyYAML; most case files use only
block mappings and sequences of simple keys, one-line flow mappings and sequences, quoted
strings without escapes, one-line plain scalars and `|` literal blocks. This parser reads
exactly that subset, with the positions libyaml would give, and returns None for anything
else (a tab, a comment where it could matter, an escape, a multi-line plain scalar, an
empty value, a duplicate key...), so that libyaml decides every file it does not vouch
for. `tests/loader` checks it against libyaml on generated documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PathKey = tuple[str | int, ...]
LineCols = dict[PathKey, tuple[int, int]]

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +|$)")
_DQ = re.compile(r'"([^"\\]*)"')
_SQ = re.compile(r"'([^']*)'")
# One-line plain scalars: a safe first character, no indicator, quote or comment inside.
_PLAIN_BLOCK = re.compile(r"[A-Za-z0-9+./(\xa0-\U0010ffff][^\[\]{}#`]*")
_TRAILING = re.compile(r"(?: +#.*| *)$")  # after a value: spaces, or spaces and a comment
_PLAIN_FLOW_ = r"[A-Za-z0-9+./(\xa0-\U0010ffff][^\[\]{}#,:\"'`]*"
_FLOW_VALUE = r"""(?:"([^"\\]*)"|'([^']*)'|(""" + _PLAIN_FLOW_ + r""")) *([,}\]])"""
_FLOW_MAP_ENTRY = re.compile(r" *([A-Za-z_][A-Za-z0-9_]*): +" + _FLOW_VALUE)
_FLOW_SEQ_ENTRY = re.compile(r" *()" + _FLOW_VALUE)  # an empty group where the key would be
_FLOW_EMPTY = re.compile(r" *([}\]])")


class _Outside(Exception):
    """The text leaves the subset: libyaml decides."""


class _Parser:
    def __init__(self, text: str, plain: Callable[[str], Any], max_depth: int) -> None:
        self.lines = lines = text.split("\n")
        self.plain = plain
        self.max_depth = max_depth
        self.line_cols: LineCols = {}
        self.key_line_cols: LineCols = {}
        # Indentation of each line with content; -1 for blank lines and whole-line comments.
        self.indents: list[int] = []
        indents = self.indents
        for line in lines:
            stripped = line.lstrip(" ")
            indents.append(len(line) - len(stripped) if stripped and stripped[0] != "#" else -1)
        self.end = len(lines)
        self.i = -1  # index of the current line
        self.at = -1  # its indentation; -1 at the end of the text
        self._next(0)

    # -- lines ---------------------------------------------------------------------------

    def _next(self, i: int) -> None:
        """Move to the first line with content (not blank, not a whole-line comment) from i."""
        indents = self.indents
        end = self.end
        while i < end and indents[i] < 0:
            i += 1
        self.i = i
        self.at = indents[i] if i < end else -1

    # -- block structure -----------------------------------------------------------------

    def block(self, key: PathKey, depth: int) -> Any:
        indent = self.at
        line = self.lines[self.i]
        if line.startswith("- ", indent):
            return self.sequence(indent, key, depth)
        return self.mapping(indent, key, depth)

    def mapping(self, indent: int, key: PathKey, depth: int) -> dict[str, Any]:
        if depth > self.max_depth:
            raise _Outside
        self.line_cols[key] = (self.i + 1, indent + 1)
        result: dict[str, Any] = {}
        while self.at == indent:
            line = self.lines[self.i]
            match = _KEY.match(line, indent)
            if match is None:
                raise _Outside
            name = match.group(1)
            if name in result:
                raise _Outside
            child = (*key, name)
            self.key_line_cols[child] = (self.i + 1, indent + 1)
            start = match.end()
            if start == len(line) or line[start] == "#":  # nothing after the key: a block
                if line[start - 1] != " " and start != len(line):
                    raise _Outside
                self._next(self.i + 1)
                inner = self.at
                if inner > indent or (
                    inner == indent and self.lines[self.i].startswith("- ", indent)
                ):
                    result[name] = self.block(child, depth + 1)
                    continue
                raise _Outside  # an empty value: libyaml places the null
            if line[start] == "|":
                result[name] = self.literal(line, start, indent, child, depth + 1)
                continue
            result[name] = self.inline(line, start, child, depth + 1)
            self._next(self.i + 1)
            if self.at > indent:
                raise _Outside  # a continuation line, or an error: libyaml words it
        if self.at > indent:
            raise _Outside
        return result

    def sequence(self, indent: int, key: PathKey, depth: int) -> list[Any]:
        if depth > self.max_depth:
            raise _Outside
        self.line_cols[key] = (self.i + 1, indent + 1)
        result: list[Any] = []
        while self.at == indent:
            line = self.lines[self.i]
            if not line.startswith("- ", indent):
                break
            start = indent + 2
            while start < len(line) and line[start] == " ":
                start += 1
            child = (*key, len(result))
            if start == len(line) or line[start] in "-#|":
                raise _Outside
            if _KEY.match(line, start):  # "- key: value": a mapping indented to the key
                self.lines[self.i] = " " * start + line[start:]
                self.at = self.indents[self.i] = start
                result.append(self.mapping(start, child, depth + 1))
                continue
            result.append(self.inline(line, start, child, depth + 1))
            self._next(self.i + 1)
            if self.at > indent:
                raise _Outside
        if self.at > indent:
            raise _Outside
        return result

    def literal(self, line: str, start: int, indent: int, key: PathKey, depth: int) -> str:
        """`|` (clip): the lines indented deeper than the key, indentation removed."""
        if depth > self.max_depth or not _TRAILING.match(line, start + 1):
            raise _Outside
        self.line_cols[key] = (self.i + 1, start + 1)
        lines = self.lines
        first = self.i + 1
        if first >= len(lines) or not lines[first].strip(" "):
            raise _Outside  # empty or leading blank lines: libyaml's rules, not ours
        body = lines[first]
        block_indent = len(body) - len(body.lstrip(" "))
        if block_indent <= indent:
            raise _Outside
        content: list[str] = []
        i = first
        while i < len(lines):
            text = lines[i]
            if not text.strip(" "):
                if len(text) > block_indent:
                    raise _Outside  # spaces beyond the indentation are content
                content.append("")
            elif len(text) - len(text.lstrip(" ")) >= block_indent:
                content.append(text[block_indent:])
            else:
                break
            i += 1
        while content and content[-1] == "":
            content.pop()
        self._next(i)
        if self.at > indent:
            raise _Outside
        return "\n".join(content) + "\n"

    # -- one-line values -----------------------------------------------------------------

    def inline(self, line: str, start: int, key: PathKey, depth: int) -> Any:
        """A value that ends on its own line: scalar, or a one-line flow collection."""
        if depth > self.max_depth:
            raise _Outside
        self.line_cols[key] = (self.i + 1, start + 1)
        first = line[start]
        if first == "{" or first == "[":
            value, end = self.flow(line, start, key, depth)
        elif first == '"' or first == "'":
            match = (_DQ if first == '"' else _SQ).match(line, start)
            if match is None:
                raise _Outside
            value, end = match.group(1), match.end()
        else:
            match = _PLAIN_BLOCK.match(line, start)
            if match is None:
                raise _Outside
            stripped = match.group().rstrip(" ")
            if ": " in stripped or stripped.endswith(":"):
                raise _Outside
            end = start + len(stripped)  # a comment after it needs a space: _TRAILING
            value = self.plain(stripped)
        if not _TRAILING.match(line, end):
            raise _Outside
        return value

    def flow(self, line: str, start: int, key: PathKey, depth: int) -> tuple[Any, int]:
        """A one-line flow mapping or sequence of scalars; returns it and where it ends."""
        mapping = line[start] == "{"
        entry = _FLOW_MAP_ENTRY if mapping else _FLOW_SEQ_ENTRY
        close = "}" if mapping else "]"
        if depth + 1 > self.max_depth:
            raise _Outside
        empty = _FLOW_EMPTY.match(line, start + 1)
        if empty is not None and empty.group(1) == close:
            return ({} if mapping else []), empty.end()
        row = self.i + 1
        line_cols = self.line_cols
        plain = self.plain
        result: Any = {} if mapping else []
        pos = start + 1
        while True:
            match = entry.match(line, pos)
            if match is None:
                raise _Outside
            name, double, single, bare, mark = match.groups()
            if double is not None:
                value: Any = double
                column = match.start(2)  # the opening quote
            elif single is not None:
                value = single
                column = match.start(3)
            else:
                value = plain(bare.rstrip(" "))
                column = match.start(4) + 1
            if mapping:
                if name in result:
                    raise _Outside
                child: PathKey = (*key, name)
                self.key_line_cols[child] = (row, match.start(1) + 1)
                result[name] = value
            else:
                child = (*key, len(result))
                result.append(value)
            line_cols[child] = (row, column)
            pos = match.end()
            if mark == ",":
                continue
            if mark != close:
                raise _Outside
            return result, pos


def parse_subset(
    text: str, plain: Callable[[str], Any], max_depth: int
) -> tuple[Any, LineCols, LineCols] | None:
    """(value, positions, key positions) as libyaml would give them, or None when `text`
    is outside the subset. `plain` types an unquoted scalar; positions are 1-based."""
    # Printable for Python (no tab, CR, NEL, line or paragraph separator, BOM, control or
    # unassigned character) is a subset of printable for libyaml.
    if not text.endswith("\n") or not text.replace("\n", "").isprintable():
        return None
    try:
        parser = _Parser(text, plain, max_depth)
        if parser.at != 0:
            return None
        value = parser.block((), 0)
        if parser.i < parser.end:
            return None
    except _Outside:
        return None
    return value, parser.line_cols, parser.key_line_cols
