"""C10, C11: hostile debtor names and summaries stay text everywhere they are rendered."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.render import json_ld
from pipeline.seocheck import page_facts
from pipeline.settings import RegistrySettings

from ..casefactory import write_case
from .conftest import THEME, build

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "Acme</script><script>alert(1)</script>"
SUMMARY = "Delivered\u2028accepted; the PO said `<!--` and `</script>` and `\u2028`."


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_ld_filter_never_leaves_the_script_element(value: object) -> None:
    text = str(json_ld(value))
    for dangerous in ("<", ">", "&", "\u2028", "\u2029"):
        assert dangerous not in text
    assert json.loads(text) == value


@pytest.fixture(params=[IMG, SCRIPT], ids=["C10-img", "C11-script"])
def hostile_site(request: pytest.FixtureRequest, registry_dir: Path, settings: RegistrySettings,
                 tmp_path: Path) -> tuple[str, Path]:  # fmt: skip
    name = request.param
    write_case(registry_dir, **{"debtor.name": name, "summary": SUMMARY,
                                "debtor.website": "https://acme.example/?a=1&b=2"})  # fmt: skip
    output = tmp_path / "output"
    build(settings, output)
    assert THEME.is_dir()
    return name, output


def test_case_page_keeps_one_script_element_that_parses_back(
    hostile_site: tuple[str, Path],
) -> None:
    name, output = hostile_site
    html = (output / "cases" / "tst-2026-001" / "index.html").read_text("utf-8")
    facts = page_facts(html)
    assert len(facts.scripts) == 1 and facts.scripts[0]["type"] == "application/ld+json"
    document = json.loads(facts.json_ld[0])
    org, _invoice, crumbs = document["@graph"]
    assert org["name"] == name
    assert org["url"] == "https://acme.example/?a=1&b=2"
    assert "</script" not in facts.json_ld[0] and "<!--" not in facts.json_ld[0]
    assert "\u2028" not in facts.json_ld[0]
    assert crumbs["itemListElement"][2]["name"] == name


def test_summary_text_in_json_ld_round_trips_exactly(hostile_site: tuple[str, Path]) -> None:
    _, output = hostile_site
    html = (output / "cases" / "tst-2026-001" / "index.html").read_text("utf-8")
    record = json.loads((output / "data" / "registry.json").read_text("utf-8"))["records"][0]
    invoice = json.loads(page_facts(html).json_ld[0])["@graph"][1]
    # one source of truth: the JSON-LD description is the published plain-text summary
    assert invoice["description"] == record["summary"]
    assert "<!--" in invoice["description"] and "</script>" in invoice["description"]


def test_name_is_escaped_in_body_title_and_meta(hostile_site: tuple[str, Path]) -> None:
    name, output = hostile_site
    for page in sorted(output.rglob("*.html")):
        html = page.read_text("utf-8")
        assert "<img" not in html and "<script>alert" not in html, page
    html = (output / "cases" / "tst-2026-001" / "index.html").read_text("utf-8")
    facts = page_facts(html)
    assert facts.titles[0].startswith(name[:9])
    for key in ("description", "og:title", "og:description", "twitter:title"):
        assert name[:9] in facts.meta[key][0], key


def test_name_is_exact_in_feed_and_open_data(hostile_site: tuple[str, Path]) -> None:
    name, output = hostile_site
    feed = ET.parse(output / "feeds" / "listings.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.findtext("a:entry/a:title", namespaces=ns) == f"{name}: USD 5,000.00 unpaid"
    record = json.loads((output / "data" / "registry.json").read_text("utf-8"))["records"][0]
    assert record["debtor_name"] == name
    rows = list(csv.DictReader(io.StringIO((output / "data" / "registry.csv").read_text("utf-8"))))
    assert rows[0]["debtor_name"] == name
