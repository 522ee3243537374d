"""The plain-prose fast path of render_summary gives exactly what Markdown + nh3 give."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.markup import is_plain_prose, plain_text, render_markdown, render_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synth import summary_text

# Characters Markdown, the serializer or nh3 could treat specially, plus ordinary prose.
_SPECIAL = list("&<>\"'`*_\\[]()!#-+=.:;,?/@|~^{}$%0123456789\t \n\r\x00\x02\x03\x0b\x0c")
_UNICODE = list("éüß東京ÅΩ\xa0\u2028\u200b\ufeff\u0301€—–…“”‘’\U0001f600\ufffd")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORDS = [
    "invoice", "paid", "AT&T", "Q1 & Q2", "&amp;", "&#38;", "&copy;", "& ", "<b>x</b>",
    "<https://x.example>", "https://ok.example/a_b", "ap@ok.example", "<ap@ok.example>",
    "1.", "2)", "1.5", "- item", "* item", "+ item", "# head", "## h", "> quote", "---",
    "===", "***", "___", "    code", "\tcode", "[a](b)", "[a]: http://x", "![i](x)",
    "`code`", "**bold**", "_em_", "\\*", "line  ", "x ", "  ", "snake_case", "a*b",
    "50%", "$100", "it's", '"quoted"', "(note)", "#123", "x > y", "a >= b", "C++",
]  # fmt: skip


def _line() -> st.SearchStrategy[str]:
    token = st.one_of(
        st.sampled_from(_WORDS),
        st.text(alphabet=st.sampled_from(_SPECIAL + _UNICODE), min_size=1, max_size=4),
        st.text(alphabet=_LETTERS, min_size=1, max_size=9),
    )
    return st.lists(token, max_size=8).map(" ".join)


_prose = st.lists(_line(), max_size=8).map("\n".join)
_prose_like = st.lists(
    st.one_of(
        st.just(""),
        st.lists(
            st.one_of(
                st.tuples(
                    st.sampled_from(_LETTERS + "0123456789éü東'\"("),
                    st.text(alphabet=_LETTERS + "0123456789,.;:!?'\"()$%@/#=+>-", max_size=12),
                ).map("".join),
                st.sampled_from(["&", "x > y", "Q1 & Q2", "#7", "1999 was", "€5", "“so”"]),
            ),
            min_size=1, max_size=8,
        ).map(" ".join),
    ),
    max_size=8,
).map("\n".join)  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_prose, _prose_like, st.text(max_size=60)))
def test_fast_path_equals_markdown_and_nh3(source: str) -> None:
    html = render_summary(source)
    assert html == render_markdown(source)
    assert plain_text(html) == plain_text(render_markdown(source))


def test_random_prose_mostly_takes_the_fast_path_and_always_matches() -> None:
    # Seeded prose with risky marks sprinkled in: the fast path must be taken often (or it
    # is worth nothing) and give the reference output every time it is.
    rng = random.Random(8)
    marks = [" & ", " > ", "#", "'", '"', "(", ")", "!", "?", "é", "東", "—", "1.", "%", "@", "/"]
    fast = 0
    for _ in range(400):
        lines = []
        for _ in range(rng.randint(1, 6)):
            words = [rng.choice([*_WORDS[:2], "net", "thirty", "days", "2026", "Q1"])]
            words += [rng.choice(marks) if rng.random() < 0.2 else "word" for _ in range(6)]
            lines.append(" ".join(words) if rng.random() < 0.85 else "")
        source = "\n".join(lines)
        if is_plain_prose(source):
            fast += 1
        assert render_summary(source) == render_markdown(source), source
    assert fast > 200


@given(st.text())
def test_plain_text_whitespace_collapse_equals_the_regex(text: str) -> None:
    assert " ".join(text.split()) == re.sub(r"\s+", " ", text).strip()


def test_synthetic_summaries_take_the_fast_path_and_match() -> None:
    rng = random.Random(8)
    for _ in range(50):
        source = summary_text(rng).replace("\n  ", "\n").strip() + "\n"
        assert is_plain_prose(source)
        assert render_summary(source) == render_markdown(source)


def test_markdown_syntax_falls_back_to_the_parser() -> None:
    for source in [
        "# Heading", "- item", "1. first", "> quoted", "Title\n===", "a  \nb", "*em*",
        "a_b", "[x](https://x.example)", "<b>x</b>", "AT&T", "&copy;", "    code", "\tx",
        "a\\b", "`c`", "text \nmore", " lead", "x\r\ny", "no\xa0break",
    ]:  # fmt: skip
        assert not is_plain_prose(source), source
