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


def render_summary(source: str | None) -> str:
    """Markdown to sanitised HTML: no script, no event attributes, only safe links."""
    if not source:
        return ""
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
