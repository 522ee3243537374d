"""`overdue build` does not import the publishing and dunning commands (boto3, rich)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click

from pipeline import cli


def test_lazy_command_table_matches_the_modules() -> None:
    for module in sorted(set(cli.LAZY_COMMANDS.values())):
        group = click.Group()
        importlib.import_module(f"pipeline.{module}").register(group)  # type: ignore[attr-defined]
        listed = {name for name, owner in cli.LAZY_COMMANDS.items() if owner == module}
        assert set(group.commands) == listed, module


def test_every_lazy_command_resolves() -> None:
    context = click.Context(cli.main)
    for name in cli.LAZY_COMMANDS:
        command = cli.main.get_command(context, name)
        assert command is not None and command.name == name


def test_importing_the_cli_leaves_boto3_and_rich_alone() -> None:
    code = (
        "import sys, pipeline.cli; print(sorted(m for m in ('boto3', 'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
