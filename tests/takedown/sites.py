"""Building the sample site and reading its manifest, for the takedown tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.build import MANIFEST_NAME
from pipeline.records import Case
from pipeline.registry import find_case_file, load_registry
from pipeline.settings import RegistrySettings
from pipeline.slugs import slugify

from .conftest import REPO, sample_settings
from .leakscan import Canary, find_hits, name_forms

Manifest = dict[str, dict[str, object]]


def read_files(output_dir: Path) -> Manifest:
    files: Manifest = json.loads((output_dir / MANIFEST_NAME).read_text("utf-8"))["files"]
    return files


def cases_of(entry: dict[str, object]) -> list[str]:
    cases = entry["cases"]
    assert isinstance(cases, list)
    return [str(c) for c in cases]


def public_sample_cases(as_of: object) -> list[str]:
    settings = sample_settings(REPO)
    registry = load_registry([settings.content_dir], settings, settings.today())
    return sorted(a.case.case for a in registry.public)


def case_of(settings: RegistrySettings, case_id: str) -> Case:
    registry = load_registry(
        [find_case_file(case_id, settings.content_dir)], settings, settings.today()
    )
    return registry.assessments[0].case


@dataclass(frozen=True)
class CanarySet:
    canaries: list[Canary]
    dropped: list[tuple[Canary, str]]


def canaries_for(case: Case, output_dir: Path, files: Manifest) -> CanarySet:
    """What would betray `case`, minus anything another part of the site also contains.

    A canary is kept only if no file that does not show this case contains it, so a hit
    after the takedown can only be a trace of this case. Each kind must keep at least one.
    """
    debtor = case.debtor
    candidates = [Canary("id", case.case, fold_case=True)]
    candidates += [Canary("name", form) for form in sorted(name_forms(debtor.name))]
    candidates.append(Canary("slug", debtor.slug or slugify(debtor.name)))
    candidates += [Canary("invoice", i.number) for i in case.claim.invoices]
    if debtor.website:
        candidates.append(Canary("website", debtor.website.split("://", 1)[-1].rstrip("/")))
    unrelated = [p for p, entry in files.items() if case.case not in cases_of(entry)]
    kept, dropped = [], []
    for canary in candidates:
        elsewhere = [
            hit.path for hit in find_hits(output_dir, [canary])
            if hit.path in unrelated and not hit.context.startswith("(in the path)")
        ]  # fmt: skip
        (dropped.append((canary, elsewhere[0])) if elsewhere else kept.append(canary))
    for kind in ("id", "name", "slug", "invoice"):
        assert any(c.kind == kind for c in kept), f"no unique {kind} canary for {case.case}"
    return CanarySet(kept, dropped)
