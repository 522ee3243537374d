"""C12, C13 (sanitised Markdown, plain descriptions) and C14 (slugs)."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.build import assign_company_slugs
from pipeline.errors import BuildRefused
from pipeline.markup import render_summary
from pipeline.registry import load_registry
from pipeline.render import case_description
from pipeline.settings import RegistrySettings
from pipeline.slugs import slugify

from ..casefactory import case_dict, write_case

HOSTILE_MARKDOWN = (
    "Paid? <script>alert(1)</script> [pay](javascript:alert(1)) "
    '<a href="x" onclick="steal()">click</a> [ok](https://ok.example) '
    "[mail](mailto:ap@ok.example) [data](data:text/html,hi) <img src=x onerror=alert(1)>"
)


def test_c12_summary_has_no_script_no_event_attributes_and_only_safe_links() -> None:
    html = render_summary(HOSTILE_MARKDOWN)
    root = ET.fromstring(f"<div>{html}</div>")  # well-formed, or this raises
    for element in root.iter():
        assert element.tag in {"div", "p", "a", "br", "strong", "em", "code"}, element.tag
        assert not [a for a in element.attrib if a.startswith("on")]
        href = element.get("href")
        if href is not None:
            assert href.split(":", 1)[0] in {"https", "http", "mailto"} or href == "x"
    assert "javascript" not in html and "<script" not in html and "data:" not in html


def test_c13_description_cut_inside_a_link_is_plain_text(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    words = " ".join(["word"] * 14)
    summary = f"{words} [a link whose text crosses the cut point of the description](https://ok.example/p) tail."
    write_case(registry_dir, summary=summary)
    registry = load_registry([registry_dir], settings, settings.today())
    from pipeline.build import public_cases

    case = public_cases(registry)[0]
    description = case_description(case)
    assert len(description) <= 160 and description.endswith("…")
    assert "<" not in description and "](" not in description and "https" not in description
    ET.fromstring(f"<div>{case.summary_html}</div>")


@pytest.mark.parametrize(
    "name",
    ["Müller + Söhne GmbH", unicodedata.normalize("NFD", "Müller + Söhne GmbH"), "東京商事株式会社",
     "ACME GmbH.", "~~~ +++", "日本"],
)  # fmt: skip
def test_c14_slugs_are_ascii_never_empty_and_free_of_reserved_characters(name: str) -> None:
    slug = slugify(name)
    assert slug and slug.isascii()
    assert not set(slug) & {"+", " ", "~", "/", "%"}
    assert slug == slugify(unicodedata.normalize("NFC", name))


def test_c14_nfc_and_nfd_forms_share_one_slug() -> None:
    nfc = "Müller + Söhne GmbH"
    assert slugify(nfc) == slugify(unicodedata.normalize("NFD", nfc)) == "muller-sohne-gmbh"


def test_c14_colliding_companies_stop_the_build_naming_both_files(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    first = write_case(
        registry_dir, case_dict(**{"case": "TST-2026-001", "debtor.name": "ACME GmbH."})
    )
    second = write_case(
        registry_dir, case_dict(**{"case": "TST-2026-002", "debtor.name": "Acme GmbH"})
    )
    registry = load_registry([registry_dir], settings, settings.today())
    with pytest.raises(BuildRefused) as caught:
        assign_company_slugs(registry)
    text = " ".join(f"{p.location} {p.message}" for p in caught.value.problems)
    assert first.name in text and second.name in text and "/companies/acme-gmbh/" in text


def test_c14_same_company_in_both_unicode_forms_shares_one_page(
    registry_dir: Path, settings: RegistrySettings
) -> None:
    nfc = "Müller + Söhne Inc."
    write_case(registry_dir, case_dict(**{"case": "TST-2026-001", "debtor.name": nfc}))
    write_case(registry_dir, case_dict(**{"case": "TST-2026-002",
                                          "debtor.name": unicodedata.normalize("NFD", nfc)}))  # fmt: skip
    registry = load_registry([registry_dir], settings, settings.today())
    slugs = assign_company_slugs(registry)
    assert set(slugs.values()) == {"muller-sohne-inc"}
