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


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    # Building the parser costs more than converting a summary; reset() between uses
    # gives the same output as a fresh instance (markdown.markdown() does exactly this).
    return markdown.Markdown(extensions=[], output_format="html")


# Plain prose: characters with no meaning to Markdown anywhere in a line (letters, digits,
# spaces, this punctuation and printable non-ASCII; `&` only before whitespace or the end
# of a line, never as an entity), and no line that could open a block or end in a break.
_NOT_PROSE_ASCII = re.compile(r"[^\nA-Za-z0-9 !\"$%'(),./:;?@&#>=+\-\x80-\U0010ffff]")
_ENTITY_AMP = re.compile(r"&(?!\s|$)", re.MULTILINE)
# A line (after a newline; the text gets one in front) that could open a block: # > - +
# * = _ ` [ < a space or tab..., or an ordered list item. Anchored on the newline character
# rather than on ^ with MULTILINE, which tries every position and is several times slower.
_NOT_PROSE_LINE = re.compile(r"\n(?!\n|$|[A-Za-z0-9\"'(\x80-\U0010ffff])|\n\d+[.)]")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")


def is_plain_prose(source: str) -> bool:
    """True when Markdown would only wrap `source` in paragraphs, with nothing to parse.

    Strict on purpose: anything that could be a block (heading, list, quote, code, rule,
    setext underline), an inline (emphasis, code, link, HTML, entity, escape, hard break) or
    whitespace Markdown normalises (tabs, indentation, trailing spaces, carriage returns)
    sends the text to the full parser.
    """
    if _NOT_PROSE_ASCII.search(source):
        return False
    if not source.isascii() and not all(c.isprintable() for c in set(source) if c > "\x7f"):
        return False  # non-breaking and other spaces, controls, unassigned code points
    if "&" in source and _ENTITY_AMP.search(source):
        return False
    if " \n" in source or source.endswith(" "):
        return False  # trailing spaces (two make a hard line break)
    return _NOT_PROSE_LINE.search("\n" + source) is None


def _prose_html(source: str) -> str:
    """What Markdown and nh3 make of plain prose: blank-line separated <p>, & and > escaped."""
    text = source.strip("\n").replace("&", "&amp;").replace(">", "&gt;")
    if not text:
        return ""
    return "\n".join(f"<p>{p}</p>" for p in _PARAGRAPH_BREAK.split(text))


def render_summary(source: str | None) -> str:
    """Markdown to sanitised HTML: no script, no event attributes, only safe links."""
    if not source:
        return ""
    if is_plain_prose(source):
        return _prose_html(source)
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
    return " ".join(text.split())  # the same whitespace as \s, several times faster


def truncate(text: str, limit: int) -> str:
    """Cut plain text at a word boundary, with an ellipsis, within `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"
