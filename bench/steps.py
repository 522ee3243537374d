"""Bench steps that have no CLI command of their own; run as subprocesses by bench.py.

python bench/steps.py search OUTPUT BUNDLE   # Pagefind over the built case/company pages
python bench/steps.py plan OUTPUT CONF PREV  # publish plan vs a bucket holding PREV
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
    else:
        plan(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
