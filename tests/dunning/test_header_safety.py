"""C23: names and addresses that could inject mail headers are refused; headers are built safely."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.dunning import builtin_policies
from pipeline.dunning_run import prepare_step
from pipeline.messages import Sender, UnsafeHeader, header_safe
from pipeline.records import Case
from pipeline.settings import RegistrySettings
from tests.casefactory import case_dict, write_case

from .helpers import SENDER

INJECTIONS = [
    "Pat =?UTF-8?Q?=0A?=Bcc: someone@example.net",
    "Pat\nBcc: someone@example.net",
    "Pat\r\nBcc: someone@example.net",
    "Pat\u2028Bcc: someone@example.net",
    "Pat\x85Bcc: someone@example.net",
]
FIELDS = ["debtor.contacts.0.name", "debtor.name", "creditor.name"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", INJECTIONS)
def test_check_refuses_header_injection(
    field: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "content" / "debts"
    path = write_case(directory, **{field: value})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    line = next(i + 1 for i, text in enumerate(path.read_text().splitlines()) if "Pat" in text)
    assert f"{path}:{line}:" in result.output
    assert field in result.output


@pytest.mark.parametrize(
    "address", ["=?utf-8?q?x?=@example.net", "ap@example.net\nBcc: x@example.net"]
)
def test_check_refuses_such_addresses(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_case(tmp_path / "content" / "debts", **{"debtor.contacts.0.email": address})
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["check", str(path)]).exit_code == 1


@pytest.mark.parametrize("value", ["Ops =?utf-8?q?x?= <a@example.net>", "Ops <a@example.net>\r\nBcc: b@example.net",
                                   "Ops <münchen@example.net>"])  # fmt: skip
def test_sender_from_the_environment_is_checked(value: str) -> None:
    with pytest.raises(UnsafeHeader):
        Sender.parse(value)


def test_runtime_guard_even_without_the_schema() -> None:
    with pytest.raises(UnsafeHeader):
        header_safe("A =?B?= C", "name")
    # bypass validation: a record built without the loader still cannot reach a header
    case = Case.model_validate(case_dict(events=[]))
    contact = case.debtor.contacts[0].model_copy(update={"name": "Pat\nBcc: x@example.net"})
    debtor = case.debtor.model_copy(update={"contacts": [contact]})
    forged = case.model_copy(update={"debtor": debtor})
    step = builtin_policies()["standard"].step("reminder-1")
    with pytest.raises(UnsafeHeader):
        prepare_step(
            forged,
            step,
            date(2026, 4, 7),
            RegistrySettings(),
            SENDER,
            datetime(2026, 4, 7, tzinfo=UTC),
        )


def test_a_display_name_is_encoded_never_the_address() -> None:
    case = Case.model_validate(case_dict(**{"events": [], "debtor.contacts.0.name": "Zoë Müller-Łukasz",
                                            "creditor.name": "Société Générale d'Exemple"}))  # fmt: skip
    step = builtin_policies()["standard"].step("reminder-1")
    prepared = prepare_step(
        case, step, date(2026, 4, 7), RegistrySettings(), SENDER, datetime(2026, 4, 7, tzinfo=UTC)
    )
    assert prepared.email is not None
    raw = prepared.email.as_bytes()
    assert raw.isascii()
    headers = raw.split(b"\r\n\r\n", 1)[0].decode().replace("\r\n ", " ")
    to = next(h for h in headers.split("\r\n") if h.startswith("To:"))
    assert "=?utf-8?" in to and to.endswith("<casey.canary@testbed.example>")
    assert "Bcc" not in headers
    assert str(prepared.email["To"]) == "Zoë Müller-Łukasz <casey.canary@testbed.example>"
