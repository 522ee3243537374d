"""The registry: every case file in a directory, loaded, judged and cross-checked.

One bad file never hides the problems in another: every file is loaded, and the
problems of all of them are returned together.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import CaseNotFound, Problem, RecordInvalid
from .records import Case, load_case
from .rules import Assessment, assess
from .settings import RegistrySettings
from .yamlsource import SourceDocument

CASE_SUFFIXES = (".yaml", ".yml")


@dataclass
class Registry:
    assessments: list[Assessment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def public(self) -> list[Assessment]:
        return [a for a in self.assessments if a.public and not a.check_failures]


def case_files(paths: Iterable[Path]) -> list[Path]:
    """Case files under each directory, in path order (the order of `sorted(rglob)`)."""
    return [Path(name) for name in case_file_names(paths)]


def case_file_names(paths: Iterable[Path]) -> list[str]:
    """`case_files` as strings, without a stat per file (a directory entry knows whether
    it is a regular file); symbolic links to files and directories are followed."""
    found: list[str] = []
    for path in paths:
        if not path.is_dir():
            found.append(str(path))
            continue
        here: list[tuple[tuple[str, ...], str]] = []
        _scan_case_dir(str(path), (), here, set())
        found.extend(full for _, full in sorted(here))
    return found


def _scan_case_dir(
    folder: str, parts: tuple[str, ...], here: list[Any], seen: set[tuple[int, int]]
) -> None:
    try:
        info = os.stat(folder)
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return
    if (info.st_dev, info.st_ino) in seen:  # a link back up the tree: already listed
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.is_dir():
            _scan_case_dir(entry.path, (*parts, entry.name), here, seen)
        elif os.path.splitext(entry.name)[1] in CASE_SUFFIXES and entry.is_file():
            here.append(((*parts, entry.name), entry.path))


def check_problems(assessment: Assessment) -> list[Problem]:
    """Rule failures that make a record invalid, as problems at the offending line."""
    return [
        Problem(r.location or assessment.doc.locate(()), f"{r.rule}: {r.reason}", rule=r.rule)
        for r in assessment.check_failures
    ]


def load_one(
    path: Path, settings: RegistrySettings, as_of: date
) -> tuple[Assessment | None, list[Problem]]:
    try:
        case, doc = load_case(path)
    except RecordInvalid as exc:
        return None, invalid_record_problems(path, exc)
    except OSError as exc:
        from .errors import Location

        return None, [Problem(Location(path), f"cannot read the file: {exc.strerror}")]
    assessment = assess(case, doc, settings, as_of)
    return assessment, check_problems(assessment)


def invalid_record_problems(
    path: Path, exc: RecordInvalid, raw: bytes | None = None
) -> list[Problem]:
    """An invalid record's problems plus the jurisdiction gate on its raw values."""
    found = exc.problems + _raw_gate_problems(path, exc.problems, raw)
    return sorted(found, key=lambda p: p.location)


def _raw_gate_problems(path: Path, known: list[Problem], raw: bytes | None) -> list[Problem]:
    """The jurisdiction gate on an invalid record's raw values (see raw_blocked_places)."""
    from .jurisdictions import raw_blocked_places
    from .yamlsource import load_source

    try:
        doc = load_source(path, raw)
    except (RecordInvalid, OSError):
        return []
    found = []
    for key, what, policy in raw_blocked_places(doc.value):
        location = doc.locate(key)
        message = f"jurisdiction: {what} is under {policy.regime}; parties there are never listed"
        if not any(p.location == location and p.rule == "jurisdiction" for p in known):
            found.append(Problem(location, message, rule="jurisdiction"))
    return found


def load_registry(paths: Iterable[Path], settings: RegistrySettings, as_of: date) -> Registry:
    return assemble_registry(load_one(path, settings, as_of) for path in case_files(paths))


def assemble_registry(loaded: Iterable[tuple[Assessment | None, list[Problem]]]) -> Registry:
    """Per-file results, in file order, into one registry; repeated case ids are problems.

    Split from `load_registry` so that a faster loader (worker processes, the build cache)
    can produce the per-file results and still share these cross-file checks.
    """
    registry = Registry()
    first_seen: dict[str, SourceDocument] = {}
    for assessment, problems in loaded:
        registry.problems.extend(problems)
        if assessment is None:
            continue
        case_id = assessment.case.case
        if case_id in first_seen:
            other = first_seen[case_id]
            registry.problems.append(
                Problem(
                    assessment.doc.locate(("case",)),
                    f"case id {case_id} is already used by {other.path}:{other.locate(('case',)).line}",
                )
            )
            continue
        first_seen[case_id] = assessment.doc
        registry.assessments.append(assessment)
    return registry


def find_case_file(case_id: str, content_dir: Path) -> Path:
    """The file of a case id, as typed, in URL form (`nwa-2025-001`) or as its file path."""
    as_path = Path(case_id)
    if as_path.suffix in CASE_SUFFIXES and as_path.is_file():
        return as_path
    case_id = case_id.strip().upper()
    for suffix in CASE_SUFFIXES:
        candidate = content_dir / f"{case_id}{suffix}"
        if candidate.is_file():
            return candidate
    for candidate in case_files([content_dir]):
        if candidate.stem == case_id:
            return candidate
    raise CaseNotFound(case_id, content_dir)


def load_single(case_id: str, settings: RegistrySettings, as_of: date) -> tuple[Case, Assessment]:
    path = find_case_file(case_id, settings.content_dir)
    case, doc = load_case(path)
    return case, assess(case, doc, settings, as_of)
