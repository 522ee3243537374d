"""Bench steps that have no CLI command of their own; run as subprocesses by bench.py.

python bench/steps.py search OUTPUT BUNDLE   # Pagefind over the built case/company pages
python bench/steps.py plan OUTPUT CONF PREV  # publish plan vs a bucket holding PREV
python bench/steps.py floor CONF THEME       # CPU per case no build can skip
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.outputs import write_if_changed  # noqa: E402
from pipeline.publish import RemoteState, plan_publish, scan_output, stale_cases  # noqa: E402
from pipeline.publishrun import check_registry  # noqa: E402
from pipeline.search import ShardedSearch, is_searchable  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402


def search(output: Path, bundle_dir: Path) -> None:
    """As a cold build indexes: pages read from disk when their shard is indexed, the
    bundle written out a shard at a time (into `bundle_dir`, fresh)."""
    search = ShardedSearch(None)
    pages = 0
    for path in sorted(output.rglob("*.html")):
        rel = path.relative_to(output).as_posix()
        if is_searchable(rel):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            search.add(rel, digest, (), lambda path=path: path.read_bytes())
            pages += 1
    files = 0
    for file in search.iter_files():
        assert file.body is not None
        write_if_changed(str(bundle_dir), file.path, file.body)
        files += 1
    print(f"{files} index files from {pages} case and company pages")


FLOOR_SAMPLE = 5000


def floor(conf: Path, theme: Path) -> None:
    """CPU per case of what no build of this site can skip: PyYAML's libyaml composing the
    file (with the positions file:line errors need), pydantic validating its values, and
    Jinja making the case page and the company page (whose bytes the golden files fix) of
    each public case. Inputs, models and the pages' values are prepared untimed, and the
    templates compiled; nothing else is timed (no rule, listing page, sitemap, feed, open
    data, index or write)."""
    import time

    import yaml

    from pipeline.build import site_renderer
    from pipeline.public import project
    from pipeline.records import Case, load_case
    from pipeline.render import case_title
    from pipeline.rules import assess
    from pipeline.siteplan import _case_page, _Company, _company_page, make_ref
    from pipeline.slugs import slugify

    settings = load_settings(conf)
    renderer, _ = site_renderer(settings, theme)
    paths = sorted(settings.content_dir.glob("*.yaml"))[:FLOOR_SAMPLE]
    texts = [path.read_text("utf-8") for path in paths]
    values, pages = [], []
    for path, text in zip(paths, texts, strict=True):
        case, loaded = load_case(path, text.encode("utf-8"))
        values.append(loaded.value)  # as the loader hands them to the model
        assessment = assess(case, loaded, settings, settings.today())
        if assessment.public and not assessment.check_failures:
            ref = make_ref(project(assessment, slugify(case.debtor.name)), settings.site_url)
            company = _Company(
                ref.company_slug, ref.debtor_name, ref.country_name, ref.region_name, [ref]
            )
            pages.append((ref, case_title(ref), company, f"{ref.debtor_name} — unpaid invoices"))
    site_url = settings.site_url
    for ref, title, company, heading in pages[:1]:  # compiles the templates
        _case_page(renderer, site_url, ref, title, ())
        _company_page(renderer, site_url, company, heading)
    started = time.process_time()
    for text in texts:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    composed = time.process_time()
    for value in values:
        Case.model_validate(value)
    validated = time.process_time()
    for ref, title, company, heading in pages:
        _case_page(renderer, site_url, ref, title, ())
        _company_page(renderer, site_url, company, heading)
    rendered = time.process_time()
    count = len(paths)
    yaml_ms = (composed - started) / count * 1000
    pydantic_ms = (validated - composed) / count * 1000
    page_ms = (rendered - validated) / count * 1000  # per case: public ones have a page
    print(f"FLOOR {count} {yaml_ms:.4f} {pydantic_ms:.4f} {page_ms:.4f}")


def plan(output: Path, conf: Path, previous: Path) -> None:
    settings = load_settings(conf)
    public = check_registry(settings)
    local = scan_output(output)
    assert not stale_cases(local, public)
    files = json.loads(previous.read_text())["files"]
    remote = RemoteState({path: meta["sha256"] for path, meta in files.items()})
    result = plan_publish(
        local, remote, max_delete_share=0.5, allow_mass_delete=False, max_invalidation_paths=15
    )
    print(
        f"{len(result.uploads)} uploads ({result.upload_bytes} bytes), {len(result.deletes)} "
        f"deletes, {len(result.invalidation_paths)} invalidations, {result.unchanged} unchanged"
    )


if __name__ == "__main__":
    if sys.argv[1] == "search":
        search(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "floor":
        floor(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        plan(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
