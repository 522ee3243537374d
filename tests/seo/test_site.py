"""The built sample site: metadata, JSON-LD vocabulary, budgets, search, feed, open data."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.build import BuildResult, read_manifest
from pipeline.cli import main
from pipeline.opendata import column_docs
from pipeline.seocheck import check_json_ld, check_site, html_pages, load_vocabulary, page_facts

from .conftest import REPO, SITE_URL, XSD_DIR

Site = tuple[Path, BuildResult]


def test_every_check_passes_on_the_sample_site(sample_site: Site) -> None:
    output, _ = sample_site
    assert check_site(output, SITE_URL, XSD_DIR) == []


def test_titles_and_descriptions_are_unique_and_within_limits(sample_site: Site) -> None:
    output, _ = sample_site
    facts = [page_facts(p.read_text("utf-8")) for p in html_pages(output)]
    titles = [f.titles[0] for f in facts]
    descriptions = [f.meta["description"][0] for f in facts]
    assert len(facts) >= 20
    assert len(set(titles)) == len(titles) and max(map(len, titles)) <= 60
    assert len(set(descriptions)) == len(descriptions) and max(map(len, descriptions)) <= 160
    assert "Northwind Analytics, Inc. — USD 8,000 unpaid since Apr 2026" in titles


def test_vocabulary_check_rejects_unknown_types_properties_and_terms() -> None:
    vocabulary = load_vocabulary()
    document = {"@context": "https://schema.org", "@graph": [
        {"@type": "Invoice", "amountDue": "1", "paymentStatus": "https://schema.org/PaymentLate"},
        {"@type": "Debt", "name": "x"}, {"@type": "Organization", "paymentDueDate": "2026-01-01"}]}  # fmt: skip
    problems = " ".join(check_json_ld(document, vocabulary))
    for expected in ("'amountDue' is not a schema.org property", "PaymentLate is not",
                     "'Debt' is not a schema.org type", "Organization has no property 'paymentDueDate'"):  # fmt: skip
        assert expected in problems


def test_required_structured_data_is_present(sample_site: Site) -> None:
    output, _ = sample_site

    def types(path: str) -> list[str]:
        facts = page_facts((output / path).read_text("utf-8"))
        return [n["@type"] for n in json.loads(facts.json_ld[0])["@graph"]]

    assert types("index.html") == ["WebSite", "BreadcrumbList"]
    assert types("cases/nwa-2025-001/index.html") == ["Organization", "Invoice", "BreadcrumbList"]
    assert types("data/index.html") == ["Dataset", "BreadcrumbList"]
    assert types("companies/northwind-analytics-inc/index.html") == [
        "Organization",
        "BreadcrumbList",
    ]


def test_provider_only_when_the_creditor_is_named(sample_site: Site) -> None:
    output, _ = sample_site
    seen = set()
    for source in sorted((REPO / "content" / "debts").glob("*.yaml")):
        record = yaml.safe_load(source.read_text("utf-8"))
        page = output / "cases" / record["case"].lower() / "index.html"
        if not page.is_file():
            continue
        invoice = json.loads(page_facts(page.read_text("utf-8")).json_ld[0])["@graph"][1]
        named = record["creditor"]["display"] == "named"
        assert ("provider" in invoice) is named, source.name
        if named:
            assert invoice["provider"]["name"] == record["creditor"]["name"]
        seen.add(named)
    assert seen == {True, False}


def test_budgets_case_page_css_fonts_and_javascript(sample_site: Site) -> None:
    output, result = sample_site
    assert result.case_page_bytes and max(result.case_page_bytes.values()) <= 8 * 1024
    css = list(output.rglob("*.css"))
    site_css = [p for p in css if "pagefind" not in p.parts]
    assert len(site_css) == 1 and re.fullmatch(r"site\.[0-9a-f]{10}\.css", site_css[0].name)
    assert site_css[0].stat().st_size <= 10 * 1024
    text = site_css[0].read_text()
    assert "@font-face" not in text and "@import" not in text and "@media print" in text
    assert not [p for p in output.rglob("*") if p.suffix in {".woff", ".woff2", ".ttf", ".otf"}]
    for page in html_pages(output):
        scripts = [s for s in page_facts(page.read_text("utf-8")).scripts
                   if s.get("type") != "application/ld+json"]  # fmt: skip
        assert bool(scripts) == (page.relative_to(output).as_posix() == "search/index.html"), page
        assert all(s.get("type") == "module" for s in scripts)  # modules never block rendering


def test_build_summary_reports_case_page_size(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--output", str(tmp_path / "o"), "--theme", str(REPO / "theme"),
                                  "--conf", str(REPO / "pelicanconf.py"), "--date", "2026-12-03"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"case pages \d+ bytes median, \d+ bytes largest", result.output)


def test_search_index_holds_only_case_and_company_bodies(sample_site: Site) -> None:
    output, _ = sample_site
    manifest = read_manifest(output)
    fragments = [p for p in manifest if p.startswith("pagefind/fragment/")]
    cases = [p for p in manifest if p.startswith("cases/")]
    companies = [p for p in manifest if p.startswith("companies/")]
    assert len(fragments) == len(cases) + len(companies)
    assert all(manifest[f]["cases"] for f in fragments)
    assert (output / "pagefind" / "pagefind.js").is_file()
    for page in html_pages(output):
        body = page.read_text("utf-8")
        indexed = "data-pagefind-body" in body
        rel = page.relative_to(output).parts[0]
        assert indexed == (rel in {"cases", "companies"}), page
    for fragment in fragments:
        raw = gzip.decompress((output / fragment).read_bytes()).removeprefix(b"pagefind_dcd")
        content = json.loads(raw)["content"]
        assert "Invoices" in content or "unpaid business debt" in content  # decoded a real body
        for chrome in (
            "Resolve a listing",
            "Dispute a listing",
            "Are you",
            "Other listings",
            "Registry",
        ):
            assert chrome not in content, (fragment, chrome)


def test_feed_is_atom_with_ids_and_dates_from_data(sample_site: Site) -> None:
    output, _ = sample_site
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(output / "feeds" / "listings.atom").getroot()
    entries = feed.findall("a:entry", ns)
    assert entries and all(
        e.findtext("a:id", namespaces=ns).startswith(SITE_URL + "/cases/") for e in entries
    )
    updated = [e.findtext("a:updated", namespaces=ns) for e in entries]
    assert feed.findtext("a:updated", namespaces=ns) == max(updated)


def test_open_data_has_documented_public_columns_only(sample_site: Site) -> None:
    output, _ = sample_site
    document = json.loads((output / "data" / "registry.json").read_text("utf-8"))
    names = [c["name"] for c in document["columns"]]
    assert names == [n for n, _ in column_docs()]
    rows = list(csv.DictReader(io.StringIO((output / "data" / "registry.csv").read_text("utf-8"))))
    assert [list(r) for r in rows[:1]] == [names] and len(rows) == len(document["records"])
    data_page = (output / "data" / "index.html").read_text("utf-8")
    assert all(f"<code>{n}</code>" in data_page for n in names)


def test_no_private_field_reaches_any_output(sample_site: Site) -> None:
    output, _ = sample_site
    private = set()
    for source in (REPO / "content" / "debts").glob("*.yaml"):
        record = yaml.safe_load(source.read_text("utf-8"))
        for contact in record["debtor"].get("contacts", []):
            private |= {contact["email"], contact["name"], contact.get("phone") or contact["email"]}
    assert private
    for path in output.rglob("*"):
        if path.is_file() and "pagefind" not in path.parts:
            text = path.read_bytes().decode("utf-8", "replace")
            assert not [p for p in private if p in text], path
