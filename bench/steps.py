"""Bench steps that have no CLI command of their own; run as subprocesses by bench.py.

python bench/steps.py search OUTPUT          # Pagefind over the built case/company pages
python bench/steps.py plan OUTPUT CONF PREV  # publish plan vs a bucket holding PREV
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.publish import RemoteState, plan_publish, scan_output, stale_cases  # noqa: E402
from pipeline.publishrun import check_registry  # noqa: E402
from pipeline.render import Page  # noqa: E402
from pipeline.search import search_index_pages  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402


def search(output: Path) -> None:
    pages = [
        Page(p.relative_to(output).as_posix(), p.read_bytes())
        for p in sorted(output.rglob("*.html"))
        if not p.relative_to(output).as_posix().startswith("pagefind/")
    ]
    bundle = search_index_pages(pages)
    print(f"{len(bundle)} index files from {len(pages)} html pages")


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
        search(Path(sys.argv[2]))
    else:
        plan(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
