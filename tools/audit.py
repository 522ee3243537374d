"""`make audit`: the real validators over the built site in output/.

- the Nu HTML Checker (vnu.jar) over every HTML page and the site CSS;
- Lighthouse 12.8.2 in headless Chromium on the home, a case, a company and the search page;
- sitemaps against the protocol XSDs and limits, JSON-LD against the schema.org vocabulary,
  titles/descriptions/canonical/h1 (pipeline/seocheck.py, the same checks `make test` runs).

The site is served from output/ on a free 127.0.0.1 port. Exit 1 on any finding.
Flags and caveats: ../shared/notes/audit-tools.md (copied into the docstring of each step).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.build import read_manifest  # noqa: E402
from pipeline.seocheck import check_site, html_pages  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--disable-dev-shm-usage --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run_vnu(tools: Path, output: Path) -> int:
    """vnu --errors-only over every page (not Pagefind's bundle, which has no HTML)."""
    jar = tools / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    pages = [str(p) for p in html_pages(output)]
    css = [str(p) for p in (output / "theme").glob("*.css")]
    cmd = ["java", "-jar", str(jar), "--errors-only", "--also-check-css", "--format", "json",
           "--stdout", *pages, *css]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    messages = json.loads(done.stdout or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    for m in errors:
        where = m.get("url", "").replace(f"file:{output.resolve()}/", "")
        print(f"  vnu: {where}:{m.get('lastLine', '?')}: {m.get('message')}")
    print(f"vnu: {len(pages)} pages + {len(css)} stylesheet checked, {len(errors)} errors")
    if done.returncode not in (0, 1) or (done.returncode == 1 and not errors):
        print(f"vnu failed to run: {done.stderr.strip()[:500]}")
        return 1
    return len(errors)


def machine_loaded() -> tuple[bool, str]:
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    return load / cores > 0.5, f"load average {load:.2f} on {cores} cores"


def run_lighthouse(tools: Path, url: str, name: str, chromium: str) -> dict[str, float | None]:
    binary = tools / "node_modules" / ".bin" / "lighthouse"
    with tempfile.TemporaryDirectory(prefix="overdue-lh-") as tmp:
        report = Path(tmp) / "report.json"
        profile = Path(tmp) / "profile"
        cmd = [str(binary), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", "--throttling-method=simulate",
               "--disable-full-page-screenshot", "--max-wait-for-load=30000",
               f"--chrome-flags={CHROME_FLAGS} --user-data-dir={profile}"]  # fmt: skip
        env = {**os.environ, "CHROME_PATH": chromium}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if not report.is_file():
            print(f"  lighthouse {name}: no report ({done.stderr.strip()[-500:]})")
            return dict.fromkeys(CATEGORIES)
        result = json.loads(report.read_text("utf-8"))
    scores: dict[str, float | None] = {}
    errored = 0
    for key in CATEGORIES:
        score = result["categories"].get(key, {}).get("score")
        scores[key] = None if score is None else round(score * 100)
    for audit_id, audit in result["audits"].items():
        if audit.get("scoreDisplayMode") == "error":
            print(f"  lighthouse {name}: audit {audit_id} errored: {audit.get('errorMessage')}")
            errored += 1
        elif audit.get("score") is not None and audit["score"] < 1 and audit.get(
            "scoreDisplayMode"
        ) in ("binary", "numeric", "metricSavings"):
            print(f"  lighthouse {name} (diagnostic): {audit_id} {audit['score']}: {audit.get('title')}")
    scores["errors"] = errored
    return scores


def audit_pages(output: Path) -> dict[str, str]:
    manifest = read_manifest(output)
    case = next(p for p in sorted(manifest) if p.startswith("cases/"))
    company = next(p for p in sorted(manifest) if p.startswith("companies/"))
    return {
        "home": "/",
        "case": "/" + case.removesuffix("index.html"),
        "company": "/" + company.removesuffix("index.html"),
        "search": "/search/",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "output")
    parser.add_argument("--tools", type=Path, default=REPO / ".audit")
    parser.add_argument("--conf", type=Path, default=REPO / "pelicanconf.py")
    parser.add_argument("--xsd", type=Path, default=REPO / "tests" / "data" / "sitemaps")
    parser.add_argument("--chromium", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--skip-lighthouse", action="store_true")
    args = parser.parse_args()
    failures: list[str] = []

    settings = load_settings(args.conf)
    problems = check_site(args.output, settings.site_url, args.xsd)
    for problem in problems:
        print(f"  structure: {problem}")
    print(f"structure (sitemaps vs XSD + limits, JSON-LD vs schema.org, metadata): {len(problems)} problems")
    if problems:
        failures.append(f"{len(problems)} structural problems")

    vnu_errors = run_vnu(args.tools, args.output)
    if vnu_errors:
        failures.append(f"vnu: {vnu_errors} errors")

    if not args.skip_lighthouse:
        server, origin = serve(args.output)
        try:
            loaded, why = machine_loaded()
            floor = 95 if loaded else 100
            print(f"lighthouse: {'machine loaded' if loaded else 'machine quiet'} ({why}); "
                  f"performance must be >= {floor}, the others 100")  # fmt: skip
            for name, path in audit_pages(args.output).items():
                scores = run_lighthouse(args.tools, origin + path, name, args.chromium)
                shown = " ".join(f"{k}={scores.get(k)}" for k in CATEGORIES)
                print(f"lighthouse {name} {path}: {shown}")
                for key in CATEGORIES:
                    need = floor if key == "performance" else 100
                    score = scores.get(key)
                    if score is None or score < need:
                        failures.append(f"lighthouse {name} {key}={score} (< {need})")
                if scores.get("errors"):
                    failures.append(f"lighthouse {name}: audits errored")
        finally:
            server.shutdown()

    if failures:
        print("AUDIT FAILED: " + "; ".join(failures))
        return 1
    print("AUDIT PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
