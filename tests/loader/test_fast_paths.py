"""The fast loading paths give exactly what the event path gives.

`load_source` tries libyaml's composer, then the original event walk, which words every
refusal. The faster path must either decline (None) or agree with the event path on values (and their PlainScalar typing), positions,
key positions and problems. Hypothesis builds documents from YAML fragments and mutates
real case files character by character; both reach the edges where the paths could part.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import Location, RecordInvalid
from pipeline.yamlsource import (
    MAX_DEPTH,
    PlainScalar,
    SourceDocument,
    _load_events,
    _load_nodes,
    decode_source,
    load_source,
)

from ..casefactory import case_dict, case_yaml

PATH = Path("TST-2026-001.yaml")
BENCH = Path(__file__).resolve().parents[2] / "bench"


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value, getattr(value, "yaml_type", None))


def _snapshot(doc: SourceDocument) -> Any:
    return (_typed(doc.value), doc.positions, doc.key_positions, doc.problems)


def _reference(text: str) -> Any:
    try:
        return _snapshot(_load_events(PATH, text))
    except RecordInvalid as exc:
        return ("invalid", exc.problems)


def assert_paths_agree(text: str) -> None:
    expected = _reference(text)
    for fast in (_load_nodes,):
        doc = fast(PATH, text)
        if doc is not None:
            assert _snapshot(doc) == expected, (fast.__name__, text)
    try:
        got = _snapshot(load_source(PATH, text.encode("utf-8", "surrogatepass")))
    except RecordInvalid as exc:
        got = ("invalid", exc.problems)
    assert got == expected, text


KEYS = ["a", "name", "country", "no", "on", "b_2", "key", "x"]
SCALARS = [
    "plain", "two words", "NO", "yes", "null", "~", "", "0123", "1.5", "2026-02-01",
    "2026-13-45", "+65 6555", ".inf", "0x1F", "https://x.example/a?b=c", "a: b", "a:b",
    "a #b", "a # c", "a  ", "-5", "- x", "[1, 2]", "{a: 1}", "[]", "{}", "[a, b,]",
    "{a: 1, a: 2}", "{ a: b , c: 'd' }", "'single'", "'it''s'", '"dq"', '"esc\\n"',
    '"has # hash"', "'x' # c", '"x"x', "&anchor v", "*alias", "!tag v", "!!str 3", "! x",
    "|", "|-", ">", "| # c", "é ü", "R&D", "Pay now!", "a, b", "x]", "`tick`", "%p",
    "@at", "?q", "Owner's assistant", 'say "hi" now', "a, b, c", "x'", 'y"', "ab\t", "\u00a0nbsp", "a\u2028b", "[[1]]", "{a: [1]}", "[a: b]",
]  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A YAML document put together from fragments, valid or not."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        indent = " " * draw(st.sampled_from([0, 0, 0, 2, 2, 4, 1, 3]))
        key = draw(st.sampled_from(KEYS))
        form = draw(st.integers(0, 9))
        value = draw(st.sampled_from(SCALARS))
        if form <= 3:
            lines.append(f"{indent}{key}: {value}")
        elif form == 4:
            lines.append(f"{indent}{key}:")
            for _ in range(draw(st.integers(0, 3))):
                item = draw(st.sampled_from(SCALARS))
                dash = indent + " " * draw(st.sampled_from([0, 2, 4]))
                if draw(st.booleans()):
                    lines.append(f"{dash}- {item}")
                else:
                    lines.append(f"{dash}- {draw(st.sampled_from(KEYS))}: {item}")
                    if draw(st.booleans()):
                        lines.append(f"{dash}  {draw(st.sampled_from(KEYS))}: {item}")
        elif form == 5:
            lines.append(f"{indent}{key}: {draw(st.sampled_from(['|', '|-', '>', '|2']))}")
            for _ in range(draw(st.integers(0, 4))):
                pad = " " * draw(st.sampled_from([0, 1, 2, 4, 6]))
                lines.append(pad + draw(st.sampled_from(["text", "", "# not a comment", "a: b"])))
        elif form == 6:
            lines.append(draw(st.sampled_from(["# comment", "", "   ", "---", "...", "%YAML 1.1"])))
        elif form == 7:
            lines.append(f"{indent}{key}:  {value}  # trailing")
        elif form == 8:
            lines.append(f"{indent}{key}:\n{indent}  {draw(st.sampled_from(KEYS))}: {value}")
        else:
            lines.append(f"{indent}- {value}")
    end = draw(st.sampled_from(["\n", "\n", "", "\n\n", "\r\n"]))
    return "\n".join(lines) + end


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_fragment_documents_load_the_same_on_every_path(text: str) -> None:
    assert_paths_agree(text)


MUTATION_ALPHABET = [*" \n-:#'\"{}[],|>&*!?%@`\t\\\xa0é", "\u2028", "\x85", "  ", ": ", "- "]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(1, 4))
def test_mutated_case_files_load_the_same_on_every_path(rng: random.Random, edits: int) -> None:
    import sys

    sys.path.insert(0, str(BENCH))
    from synth import case_text

    base = rng.choice([case_yaml(case_dict()), case_text(rng.randrange(100), rng)])
    text = base
    for _ in range(edits):
        at = rng.randrange(len(text) + 1)
        action = rng.randrange(3)
        if action == 0:
            text = text[:at] + rng.choice(MUTATION_ALPHABET) + text[at:]
        elif action == 1:
            text = text[:at] + text[at + rng.randrange(1, 4) :]
        else:
            text = text[:at] + rng.choice(MUTATION_ALPHABET) + text[at + 1 :]
    assert_paths_agree(text)


def test_case_files_in_the_repository_take_the_composer_and_agree() -> None:
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "content" / "debts").glob("*.yaml"))
    assert files
    for path in files:
        text = decode_source(path, path.read_bytes())
        assert _load_nodes(path, text) is not None, path
        assert_paths_agree(text)


def test_positions_are_built_lazily_and_keep_their_api() -> None:
    text = "a: 1\nb:\n  - {c: 'x', d: NO}\n"
    doc = load_source(PATH, text.encode())
    assert doc._positions is None  # nothing built until asked
    assert doc.locate(("b", 0, "d")) == Location(PATH, 3, 17)
    assert doc.locate(("b", 0, "missing", 3)) == Location(PATH, 3, 5)
    assert doc.locate_key(("b",)) == Location(PATH, 2, 1)
    assert doc.value["b"][0]["d"] == PlainScalar("NO", "bool")
    assert doc.value["b"][0]["d"].yaml_type == "bool"
    assert doc.positions[("a",)] == Location(PATH, 1, 4)
    doc.positions[("a",)] = Location(PATH, 9, 9)  # the map is the doc's, as before
    assert doc.locate(("a",)) == Location(PATH, 9, 9)
    assert doc.position_tables()[0][("a",)] == (9, 9)
    assert load_source(PATH, text.encode()) == _load_events(PATH, text)


def test_deep_nesting_never_reaches_the_c_composer() -> None:
    # libyaml's composer recurses in C; 100,000 levels crash the process, so a file that
    # could nest deeper than the guard allows never reaches it.
    text = "a: " + "[" * 3000 + "]" * 3000 + "\n"
    assert _load_nodes(PATH, text) is None
    problems = _reference(text)
    assert problems[0] == "invalid"
    assert "nested too deeply" in problems[1][0].message


def test_explicitly_tagged_collections_are_refused_not_crashed() -> None:
    # Collection events carry a bool `implicit`; indexing it raised TypeError before.
    for text, tag in (("a: !foo {b: 1}\n", "!foo"), ("a: ! [1]\n", "!")):
        got = _reference(text)
        assert got[0] == "invalid"
        assert got[1][0].message == f"explicit YAML tags ({tag}) are not allowed"
    assert _reference("a: !!map {b: x}\n")[0] == {"a": {"b": ("str", "x", None)}}


@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2])
@pytest.mark.parametrize("innermost", ["v", "'quoted'", "[v]", "{k: v}"])
@pytest.mark.parametrize("flow", [False, True])
def test_nesting_at_the_depth_limit_loads_the_same_on_every_path(
    levels: int, innermost: str, flow: bool
) -> None:
    # The fast path reads a mapping's scalar values without descending into them: one at
    # the limit must still be refused as the event path refuses it, and one above it kept.
    if flow:
        text = "a: " + "{k: " * levels + innermost + "}" * levels + "\n"
    else:
        text = (
            "".join(f"{'  ' * i}k{i}:\n" for i in range(levels))
            + "  " * levels
            + f"x: {innermost}\n"
        )
    assert_paths_agree(text)
