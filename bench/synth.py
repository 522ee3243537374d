"""Synthetic registries for benchmarks: N valid case files written as YAML text, fast.

Two cases in three are public; the third is not (paid, disputed, on hold, still in
dunning), so the gate and the takedown paths run as they do on a real registry: N cases
give about 2N/3 case pages. Each
summary is about 280 words, the size the Pelican and Hugo comparisons use.
"""

from __future__ import annotations

import random
from pathlib import Path

AS_OF = "2026-12-03"

_WORDS = [
    "services",
    "delivered",
    "accepted",
    "invoice",
    "payment",
    "contract",
    "schedule",
    "milestone",
    "software",
    "support",
    "hosting",
    "licence",
    "quarter",
    "renewal",
    "account",
    "balance",
    "overdue",
    "reminder",
    "letter",
    "notice",
    "agreement",
    "vendor",
    "customer",
    "delivery",
    "shipment",
    "equipment",
    "maintenance",
    "order",
    "purchase",
    "terms",
    "net",
    "thirty",
    "days",
    "interest",
    "statement",
    "ledger",
    "reconciliation",
    "dispute",
    "confirmed",
    "received",
    "acknowledged",
    "portal",
    "email",
    "courier",
    "signed",
    "counterparty",
    "project",
]
_PLACES = [
    ("US", "US-TX"), ("US", "US-CA"), ("US", "US-NY"), ("US", "US-FL"), ("US", "US-WA"),
    ("US", "US-IL"), ("CA", "CA-ON"), ("CA", "CA-BC"), ("AU", "AU-NSW"), ("SG", None),
    ("JP", None), ("MX", None), ("BR", None), ("IN", None), ("NZ", None),
]  # fmt: skip
_ENTITIES = ("corporation", "llc", "partnership", "limited_company", "other_entity")
_KINDS = ("public",) * 8 + ("paid", "disputed", "hold", "dunning")


def summary_text(rng: random.Random, words: int = 280) -> str:
    out: list[str] = []
    line: list[str] = []
    for i in range(words):
        line.append(rng.choice(_WORDS))
        if len(line) == 12:
            out.append(" ".join(line))
            line = []
        if i % 90 == 89 and line:
            out.append(" ".join(line) + ".")
            out.append("")
            line = []
    if line:
        out.append(" ".join(line) + ".")
    return "\n".join("  " + s if s else "" for s in out)


def case_id(index: int) -> str:
    return f"SYN-{index:06d}"


def case_text(index: int, rng: random.Random, kind: str | None = None, paid: bool = False) -> str:
    kind = kind or rng.choice(_KINDS)
    company = index // 3 if index % 7 == 0 else index  # some companies have several cases
    country, region = _PLACES[company % len(_PLACES)]
    amount = f"{1000 + (index * 37) % 90000}.{index % 100:02d}"
    region_line = f"\n  region: {region}" if region else ""
    events = [
        "  - {date: 2026-03-05, kind: reminder, level: 1, channel: email}",
        "  - {date: 2026-04-02, kind: demand_letter}",
    ]
    if kind != "dunning":
        events += [
            "  - {date: 2026-05-04, kind: final_notice, warns_publication: true}",
            f"  - {{date: 2026-{7 + index % 4:02d}-{10 + index % 15:02d}, kind: listed}}",
        ]
    if kind == "disputed":
        events.append('  - {date: 2026-11-20, kind: dispute, reason: "Quality of service"}')
    elif kind == "hold":
        events.append('  - {date: 2026-11-21, kind: hold, reason: "Court order pending"}')
    if paid or kind == "paid":
        events.append(
            f'  - {{date: 2026-11-30, kind: payment, amount: "{amount}", reference: "wire {index}"}}'
        )
    return (
        f"""schema: 1
case: {case_id(index)}
debtor:
  name: "Synthetic Company {company} {("Holdings", "Systems", "Trading", "Works")[company % 4]} Inc."
  entity: {_ENTITIES[company % len(_ENTITIES)]}
  country: "{country}"{region_line}
  website: https://company{company}.example
  personal_guarantee: false
  contacts:
    - {{name: Alex Payable, role: Accounts payable, email: ap@company{company}.example}}
creditor:
  name: "Creditor {index % 50} Pte. Ltd."
  country: "SG"
  display: {"named" if index % 3 else "anonymous"}
claim:
  currency: USD
  invoices:
    - {{number: "INV-{index}-1", issued: 2026-01-02, due: 2026-02-01, amount: "{amount}", description: "Q1 services"}}
  contract: {{title: "Master Services Agreement", signed: 2025-01-15, clause: "5.2 Payment"}}
summary: |
{summary_text(rng)}
events:
"""
        + "\n".join(events)
        + "\n"
    )


def write_registry(directory: Path, count: int, seed: int = 8) -> list[Path]:
    """N case files in `directory` (created), deterministic for a seed."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        path = directory / f"{case_id(index)}.yaml"
        path.write_text(case_text(index, rng), encoding="utf-8")
        paths.append(path)
    return paths


def write_pelican_articles(directory: Path, count: int, seed: int = 8) -> None:
    """The same N as plain Markdown articles (the stock Pelican comparison)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for index in range(count):
        body = summary_text(rng).replace("\n  ", "\n").strip()
        (directory / f"{case_id(index)}.md").write_text(
            f"Title: Case {case_id(index)}\nDate: 2026-07-{1 + index % 28:02d} 10:00\n"
            f"Category: cases\nSlug: {case_id(index).lower()}\n\n{body}\n",
            encoding="utf-8",
        )


# Hugo ships no layouts: without these it renders no HTML page at all (only the sitemap
# and feeds), which would flatter it. A page with a head, a description and the body, and
# paginated lists, like Pelican's default theme.
_HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }} | {{ site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="canonical" href="{{ .Permalink }}"></head>
<body><header><a href="/">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main><footer>{{ site.Title }}</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time>
{{ .Content }}</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul>{{ end }}
""",
}


def write_hugo_site(root: Path, articles: Path) -> None:
    """The Pelican articles as a Hugo site (front matter in YAML, the same bodies)."""
    pages = root / "content" / "cases"
    pages.mkdir(parents=True, exist_ok=True)
    for source in sorted(articles.glob("*.md")):
        header, body = source.read_text(encoding="utf-8").split("\n\n", 1)
        meta = dict(line.split(": ", 1) for line in header.splitlines())
        (pages / source.name).write_text(
            f'---\ntitle: "{meta["Title"]}"\ndate: {meta["Date"].replace(" ", "T")}:00Z\n'
            f"slug: {meta['Slug']}\ncategories: [{meta['Category']}]\n---\n{body}",
            encoding="utf-8",
        )
    for name, text in _HUGO_LAYOUTS.items():
        target = root / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (root / "hugo.toml").write_text(
        "baseURL = 'https://bench.example/'\ntitle = 'bench'\nlanguageCode = 'en'\n",
        encoding="utf-8",
    )
