"""Fixtures of the dunning tests: a real aiosmtpd server on 127.0.0.1, a copy of the sample cases."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pipeline.settings import RegistrySettings

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RecordingHandler:
    """Stores every message it accepts. `drop_after_storing` lists 1-based message numbers
    for which the server keeps the message and then drops the connection before replying."""

    drop_after_storing: set[int] = field(default_factory=set)
    refuse_recipients: set[str] = field(default_factory=set)
    received: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(message_from_bytes(envelope.original_content))
            number = len(self.received)
        if number in self.drop_after_storing:
            server.transport.abort()  # accepted and stored, but the reply never comes
        return "250 Message accepted for delivery"

    @property
    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received]


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    def env(self) -> dict[str, str]:
        return {
            "OVERDUE_SMTP_HOST": self.host,
            "OVERDUE_SMTP_PORT": str(self.port),
            "OVERDUE_SMTP_STARTTLS": "false",
            "OVERDUE_SMTP_FROM": "Overdue Collections <dunning@overdue.example>",
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A copy of content/debts: the run writes to it."""
    target = tmp_path / "content" / "debts"
    shutil.copytree(REPO / "content" / "debts", target)
    return target


@pytest.fixture
def dunning_settings(sample_dir: Path) -> RegistrySettings:
    return RegistrySettings(content_dir=sample_dir, site_url="https://overdue.example")
