"""Small helpers shared by the dunning tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.dunning_run import RunReport, Transport, run_dunning
from pipeline.messages import Sender
from pipeline.records import Case, load_case
from pipeline.settings import RegistrySettings

SENDER = Sender("Overdue Collections", "dunning@overdue.example")
NOW = datetime(2026, 12, 20, 14, 0, tzinfo=UTC)


def run(
    settings: RegistrySettings, today: date, transport: Transport, only: str | None = None
) -> RunReport:
    return run_dunning([settings.content_dir], settings, today, transport, SENDER, NOW, only)


def case_at(directory: Path, case_id: str) -> Case:
    return load_case(directory / f"{case_id}.yaml")[0]


def message_events(case: Case) -> list[tuple[str, date]]:
    """The events the pipeline writes, except intents: (kind or step, date)."""
    found = []
    for event in case.events:
        if event.kind in ("reminder",):
            found.append((f"reminder-{event.level}", event.date))  # type: ignore[union-attr]
        elif event.kind in ("demand_letter", "final_notice", "listed", "payment", "send_cancelled"):
            found.append((event.kind, event.date))
    return found
