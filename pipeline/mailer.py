"""Where messages go: the outbox directory (default) or an SMTP server (`--send`).

Every delivery ends in one of three ways, and the run records each differently:
- it went out (the server answered 250, or the file was written);
- `NotSent`: it certainly did not go out (no connection, or the server refused with a
  reply before or after reading the body);
- `MaybeSent`: the body was transmitted but no reply came (the connection dropped).
  Only this case is ambiguous; the run leaves its intent open and never resends it
  blindly.
SMTP settings come from the environment: OVERDUE_SMTP_HOST, OVERDUE_SMTP_PORT (25),
OVERDUE_SMTP_STARTTLS (true|false, default false), OVERDUE_SMTP_USER,
OVERDUE_SMTP_PASSWORD, OVERDUE_SMTP_FROM ("Name <address>").
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from .casefile import write_atomic
from .errors import OverdueError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")


class DeliveryError(OverdueError):
    """A message could not be delivered."""


class NotSent(DeliveryError):
    """Certainly not delivered; the step may be tried again."""


class MaybeSent(DeliveryError):
    """The body went out but no reply came: the message may have been delivered."""


class SmtpSettingsInvalid(OverdueError):
    """The OVERDUE_SMTP_* environment is incomplete or wrong."""


def _outbox_path(directory: Path, name: str, suffix: str) -> Path:
    if not _SAFE_NAME.match(name):
        raise DeliveryError(f"unsafe outbox file name {name!r}")
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}{suffix}"


class Outbox:
    """Writes .eml files (and printable .html letters) into a directory, atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.usable = True

    def deliver_email(self, msg: EmailMessage, name: str) -> str:
        path = _outbox_path(self.directory, name, ".eml")
        try:
            write_atomic(path, msg.as_bytes(policy=SMTP))
        except OSError as exc:
            raise NotSent(f"cannot write {path}: {exc.strerror}") from None
        return str(path)

    def deliver_letter(self, html: str, name: str) -> str:
        path = _outbox_path(self.directory, name, ".html")
        try:
            write_atomic(path, html.encode("utf-8"))
        except OSError as exc:
            raise NotSent(f"cannot write {path}: {exc.strerror}") from None
        return str(path)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str | None
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        host = env.get("OVERDUE_SMTP_HOST", "").strip()
        if not host:
            raise SmtpSettingsInvalid("--send needs OVERDUE_SMTP_HOST (and usually _PORT, _FROM)")
        port_text = env.get("OVERDUE_SMTP_PORT", "25").strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SmtpSettingsInvalid(f"OVERDUE_SMTP_PORT {port_text!r} is not a port number")
        starttls_text = env.get("OVERDUE_SMTP_STARTTLS", "false").strip().lower()
        if starttls_text not in ("true", "false", "1", "0", "yes", "no"):
            raise SmtpSettingsInvalid("OVERDUE_SMTP_STARTTLS must be true or false")
        user = env.get("OVERDUE_SMTP_USER") or None
        password = env.get("OVERDUE_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise SmtpSettingsInvalid(
                "set both OVERDUE_SMTP_USER and OVERDUE_SMTP_PASSWORD, or neither"
            )
        return cls(
            host=host,
            port=int(port_text),
            starttls=starttls_text in ("true", "1", "yes"),
            user=user,
            password=password,
            sender=env.get("OVERDUE_SMTP_FROM") or None,
        )


def _quote_body(body: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2) and the end-of-data marker."""
    quoted = re.sub(rb"(?m)^\.", b"..", body)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


class SmtpMailer:
    """Sends e-mail over one SMTP connection, telling a refusal from an ambiguous drop.

    The transaction is run step by step (MAIL, RCPT, DATA, body, reply) so that a failure
    before the body left is `NotSent`, and a lost reply after it is `MaybeSent`. After a
    lost connection the mailer stops (`usable` False): the rest of the batch waits for the
    next run rather than being sent on a connection we no longer trust.
    """

    def __init__(self, settings: SmtpSettings, letters: Outbox) -> None:
        self.settings = settings
        self.letters = letters
        self.usable = True
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user is not None and s.password is not None:
                smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as exc:
            self.usable = False
            raise NotSent(f"cannot connect to {s.host}:{s.port}: {exc}") from None
        self._smtp = smtp
        return smtp

    def _lost(self) -> None:
        self.usable = False
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def deliver_email(self, msg: EmailMessage, name: str) -> str:
        smtp = self._connect()
        sender = msg["From"].addresses[0].addr_spec
        to = [a.addr_spec for a in msg["To"].addresses]
        body = msg.as_bytes(policy=SMTP)
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                raise NotSent(f"sender refused: {code} {reply!r}")
            for rcpt in to:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    smtp.rset()
                    raise NotSent(f"recipient {rcpt} refused: {code} {reply!r}")
            code, reply = smtp.docmd("DATA")
            if code != 354:
                smtp.rset()
                raise NotSent(f"DATA refused: {code} {reply!r}")
        except (smtplib.SMTPException, OSError) as exc:
            self._lost()
            raise NotSent(f"connection lost before the message was transmitted: {exc}") from None
        try:
            smtp.send(_quote_body(body))
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._lost()
            raise MaybeSent(f"connection lost after the message was transmitted: {exc}") from None
        if code != 250:
            raise NotSent(f"message refused: {code} {reply!r}")
        return f"smtp {self.settings.host}:{self.settings.port}"

    def deliver_letter(self, html: str, name: str) -> str:
        return self.letters.deliver_letter(html, name)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._lost()
