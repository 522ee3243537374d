"""Show point: `git diff` after `overdue pay` on a case file full of comments is only the new event."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

from .conftest import REPO, write_conf

BLOCK_STYLE = """\
# yaml-language-server: $schema=../../schema/case.schema.json
# Case opened by collections; see ticket 4411.
schema: 1
case: "CMT-2026-050"   # stable id
debtor:
  name: 'Comment Heavy Industries, Inc.'   # single-quoted on purpose
  entity: corporation
  country: US
  region: US-TX        # Texas
  personal_guarantee: false
creditor: {name: "Example Software Pte. Ltd.", country: SG, display: named}
claim:
  currency: USD
  invoices:
    # the only invoice
    - number: "CH-001"
      issued: 2026-04-01
      due: 2026-04-30
      amount: "4200.00"
  contract:
    title: "MSA"       # signed copy in the drive
events:
  # dunning history
  - date: 2026-05-07
    kind: reminder     # by email
    level: 1

  - date: 2026-06-10
    kind: demand_letter
  - date: 2026-08-03
    kind: final_notice
    warns_publication: true   # the warning
  - date: 2026-09-08
    kind: listed
  # keep this comment at the end of the events
# and this one at the end of the file
"""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def _repo(tmp_path: Path, name: str, text: str | None) -> Path:
    debts = tmp_path / "content" / "debts"
    debts.mkdir(parents=True)
    (tmp_path / "content" / "pages").mkdir()
    target = debts / name
    if text is None:
        shutil.copyfile(REPO / "content" / "debts" / name, target)
    else:
        target.write_text(text, "utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    return target


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("NWA-2025-001.yaml", None,
         ['+  - {date: 2026-12-03, kind: payment, amount: "2500.00", reference: "wire 8812"}']),
        ("CMT-2026-050.yaml", BLOCK_STYLE,
         ["+  - date: 2026-12-03", "+    kind: payment", '+    amount: "2500.00"',
          '+    reference: "wire 8812"']),
    ],
)  # fmt: skip
def test_git_diff_after_pay_is_only_the_event(
    tmp_path: Path, name: str, text: str | None, expected: list[str]
) -> None:
    _repo(tmp_path, name, text)
    conf = write_conf(tmp_path)
    case_id = name.removesuffix(".yaml")
    args = ["pay", case_id, "2500", "--reference", "wire 8812", "--conf", str(conf)]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    assert "balance USD" in run.output
    diff = _git(tmp_path, "diff", "--unified=0", "--no-color").splitlines()
    changes = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changes == expected
    # a second identical call is a no-op that says so, and the diff does not grow
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "already recorded" in again.output
    assert _git(tmp_path, "diff", "--unified=0", "--no-color").splitlines() == diff
