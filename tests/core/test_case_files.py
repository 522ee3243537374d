"""Which files are case files, and in what order: the same as a walk of the tree."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.registry import CASE_SUFFIXES, case_file_names, case_files


def walked(root: Path) -> list[str]:
    """The reference: os.walk following links, a stat per file, sorted by path parts."""
    here: list[tuple[tuple[str, ...], str]] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        parts = Path(folder).relative_to(root).parts
        for name in filenames:
            full = os.path.join(folder, name)
            if os.path.splitext(name)[1] in CASE_SUFFIXES and os.path.isfile(full):
                here.append(((*parts, name), full))
    return [full for _, full in sorted(here)]


def test_case_files_are_the_walked_tree_in_order(tmp_path: Path) -> None:
    root = tmp_path / "debts"
    for rel in ("B-1.yaml", "a/Z-1.yml", "a/b/C-1.yaml", "A-1.yaml", "a-/x.yaml", "notes.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("schema: 1\n")
    (root / "dir.yaml").mkdir()  # a directory named like a case file is not one
    (root / "linked.yaml").symlink_to(root / "B-1.yaml")
    (root / "broken.yaml").symlink_to(root / "missing.yaml")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "E-1.yaml").write_text("schema: 1\n")
    (root / "other").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    expected = walked(root)
    assert case_file_names([root]) == expected
    assert case_files([root]) == [Path(p) for p in expected]
    assert len(expected) == 7


def test_a_link_back_up_the_tree_is_listed_once(tmp_path: Path) -> None:
    root = tmp_path / "debts"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "S-1.yaml").write_text("schema: 1\n")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    assert case_file_names([root]) == [str(root / "sub" / "S-1.yaml")]


def test_a_file_path_is_taken_as_given(tmp_path: Path) -> None:
    missing = tmp_path / "GONE-1.yaml"
    assert case_file_names([missing]) == [str(missing)]
