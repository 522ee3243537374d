"""ASCII URL slugs that are stable across Unicode normal forms and never empty."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def company_key(name: str, country: str) -> str:
    """Two records name the same company when this key is equal."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return f"{country}:{' '.join(folded.split())}"


def slugify(name: str, max_length: int = 70) -> str:
    """`Müller + Söhne GmbH` -> `muller-sohne-gmbh`, the same for NFC and NFD input."""
    text = unicodedata.normalize("NFKC", name)
    ascii_text = unidecode(text).lower()
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    if not slug:
        digest = hashlib.sha256(unicodedata.normalize("NFC", name).encode()).hexdigest()[:10]
        slug = f"company-{digest}"
    return slug
