"""`outputs.read_file` reads what `Path.read_bytes` reads, and fails the same way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.outputs import read_file


@pytest.mark.parametrize("size", [0, 1, 4095, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 300_001])
def test_read_file_gives_every_byte_of_files_of_any_size(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(size))
    assert read_file(path) == path.read_bytes()
    assert read_file(str(path)) == path.read_bytes()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: None, FileNotFoundError),
        (lambda p: p.mkdir(), IsADirectoryError),
    ],
)
def test_read_file_raises_what_read_bytes_raises(tmp_path: Path, make, error) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x"
    make(path)
    with pytest.raises(error):
        path.read_bytes()
    with pytest.raises(error):
        read_file(path)
