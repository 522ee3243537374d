"""Typed errors. Library code raises these; only the CLI formats them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A position in a source file. Lines and columns are 1-based."""

    path: Path
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record, pinned to where the operator can fix it."""

    location: Location
    message: str
    field: str = ""
    rule: str = ""

    def __str__(self) -> str:
        """`path:line:col: message`, as every command prints a problem."""
        return f"{self.location}: {self.message}"


class OverdueError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass
class RecordInvalid(OverdueError):
    """A case file that cannot be turned into a valid record. Carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(map(str, self.problems))


class CaseNotFound(OverdueError):
    def __init__(self, case_id: str, searched: Path) -> None:
        super().__init__(f"no case {case_id!r} under {searched}")
        self.case_id = case_id
        self.searched = searched


class SettingsInvalid(OverdueError):
    """The OVERDUE settings in pelicanconf.py are wrong."""


class BuildRefused(OverdueError):
    """The site build found something that must stop it (a slug collision, an unsafe record)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class CacheUnusable(OverdueError):
    """The build cache directory cannot be made or opened (a file is in its place...)."""
