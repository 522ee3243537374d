"""Public Markdown: rendered once, sanitised with an allowlist, and a plain-text twin."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    # Building the parser costs more than converting a summary; reset() between uses
    # gives the same output as a fresh instance (markdown.markdown() does exactly this).
    return markdown.Markdown(extensions=[], output_format="html")


# Plain prose: characters with no meaning to Markdown anywhere in a line (letters, digits,
# spaces and this punctuation; `&` only before a space or the end of a line, never as an
# entity). Each line must also start with a letter, a digit or one of a few safe marks.
_PROSE_ASCII = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"$%'(),./:;?@&#>=+-"
)
_LINE_START = re.compile(r"[A-Za-z0-9\"'(]|[^\x00-\x7f]")
_ORDERED_ITEM = re.compile(r"\d+[.)]")
_ENTITY_AMP = re.compile(r"&(?!\s|$)", re.MULTILINE)


def _plain_prose_lines(source: str) -> list[str] | None:
    """The lines of `source` when it is plain prose Markdown would only wrap in <p>, else None.

    Strict on purpose: anything that could be a block (heading, list, quote, code, rule,
    setext underline), an inline (emphasis, code, link, HTML, entity, escape, hard break) or
    whitespace Markdown normalises (tabs, indentation, trailing spaces) sends the text to
    the full parser.
    """
    for char in set(source):
        if char == "\n" or char in _PROSE_ASCII:
            continue
        if char <= "\x7f" or not char.isprintable():
            return None
    if "&" in source and _ENTITY_AMP.search(source):
        return None
    lines = source.split("\n")
    for line in lines:
        if not line:
            continue
        if not _LINE_START.match(line) or line[-1] == " " or _ORDERED_ITEM.match(line):
            return None
    return lines


def _prose_html(lines: list[str]) -> str:
    """What Markdown and nh3 make of plain prose: blank-line separated <p>, & < > escaped."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            text = "\n".join(current).replace("&", "&amp;").replace(">", "&gt;")
            paragraphs.append(f"<p>{text}</p>")
            current = []
    return "\n".join(paragraphs)


def render_summary(source: str | None) -> str:
    """Markdown to sanitised HTML: no script, no event attributes, only safe links."""
    if not source:
        return ""
    lines = _plain_prose_lines(source)
    if lines is not None:
        return _prose_html(lines)
    return render_markdown(source)


def render_markdown(source: str) -> str:
    """The reference path: Python-Markdown, then the nh3 allowlist."""
    raw = _markdown().reset().convert(source)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()


def plain_text(html_fragment: str) -> str:
    """Visible text of sanitised HTML, one line."""
    text = html.unescape(_TAG.sub(" ", html_fragment))
    return _SPACE.sub(" ", text).strip()


def truncate(text: str, limit: int) -> str:
    """Cut plain text at a word boundary, with an ellipsis, within `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"
