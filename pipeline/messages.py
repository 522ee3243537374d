"""Dunning messages: Jinja2 rendering and `EmailMessage` building.

Templates live in `pipeline/templates/dunning/` as NAME.txt (plain text) and NAME.html
(HTML, autoescaped). E-mail carries both as multipart/alternative; a letter is the HTML
alone, laid out to print to PDF. Headers are only ever set through
`email.message.EmailMessage` with `email.policy.SMTP`; every value that reaches a header
is refused if it holds CR, LF or `=?` (the header-injection class of CVE-2024-6923),
even though the record types refuse them already. A display name may be encoded by the
policy; an address never is (a non-ASCII address is refused).
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import jinja2

from .dunning import PolicyStep
from .errors import OverdueError
from .money import Statement, format_money
from .records import Case
from .settings import RegistrySettings

_UNSAFE_HEADER = re.compile(r"[\r\n\x00\u2028\u2029\x85]|=\?")


class UnsafeHeader(OverdueError):
    """A value bound for a mail header holds CR, LF or an encoded-word opener."""


class NoRecipient(OverdueError):
    """The case has no private contact with an e-mail address."""


def header_safe(value: str, what: str) -> str:
    if _UNSAFE_HEADER.search(value):
        raise UnsafeHeader(f"{what} {value!r} holds a line break or '=?'; refused for mail headers")
    return value


def _ascii_address(addr_spec: str, what: str) -> str:
    header_safe(addr_spec, what)
    if not addr_spec.isascii() or addr_spec.count("@") != 1:
        raise UnsafeHeader(f"{what} {addr_spec!r} must be a plain ASCII address")
    return addr_spec


@dataclass(frozen=True)
class Sender:
    display_name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    @classmethod
    def parse(cls, value: str) -> Sender:
        """'Name <addr@domain>' or 'addr@domain', refusing anything a header could misread."""
        header_safe(value, "sender")
        name, addr = parseaddr(value)
        if not addr or "@" not in addr:
            raise UnsafeHeader(f"sender {value!r} is not 'Name <address@domain>'")
        return cls(header_safe(name, "sender name"), _ascii_address(addr, "sender address"))


def message_id_for(case_id: str, step_name: str, domain: str) -> str:
    """Deterministic: the same case and step always get the same Message-ID."""
    return f"<{case_id}.{step_name}@{domain}>"


@dataclass(frozen=True)
class RenderedMessage:
    case_id: str
    step: str
    channel: str
    message_id: str
    subject: str
    text: str
    html: str


def _money_filter(amount: Any, currency: str) -> str:
    return format_money(amount, currency)


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


_environments: dict[bool, jinja2.Environment] = {}


def template_environment(html: bool) -> jinja2.Environment:
    if html not in _environments:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("pipeline", "templates/dunning"),
            autoescape=html,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["money"] = _money_filter
        env.filters["long_date"] = _long_date
        _environments[html] = env
    return _environments[html]


def message_context(
    case: Case,
    statement: Statement,
    step: PolicyStep,
    settings: RegistrySettings,
    today: date,
    message_id: str,
    publish_on: date | None,
    fee: Any,
) -> dict[str, Any]:
    site = settings.site_url.rstrip("/")
    contacts = [c for c in case.debtor.contacts]
    return {
        "case": case,
        "case_id": case.case,
        "debtor": case.debtor,
        "creditor": case.creditor,
        "greeting_name": contacts[0].name if contacts else case.debtor.name,
        "invoices": case.claim.invoices,
        "currency": case.claim.currency,
        "statement": statement,
        "step": step,
        "today": today,
        "first_due": case.first_due,
        "days_overdue": max((today - case.first_due).days, 0),
        "message_id": message_id,
        "publish_on": publish_on,
        "fee": fee,
        "pay_instructions": settings.dunning_pay_instructions,
        "pay_url": f"{site}/how-to-resolve/",
        "dispute_url": f"{site}/disputes/",
        "dispute_email": settings.company_contact_email,
        "site_name": settings.site_name,
    }


def render_message(context: dict[str, Any]) -> RenderedMessage:
    step: PolicyStep = context["step"]
    text = template_environment(False).get_template(f"{step.template}.txt").render(context)
    html = template_environment(True).get_template(f"{step.template}.html").render(context)
    return RenderedMessage(
        case_id=context["case_id"],
        step=step.name,
        channel=step.channel,
        message_id=context["message_id"],
        subject=step.subject_for(context["case_id"]),
        text=text,
        html=html,
    )


def recipients(case: Case) -> list[Address]:
    """Only the case's private debtor contacts with an e-mail address; names never unchecked."""
    found = []
    for contact in case.debtor.contacts:
        if contact.email is None:
            continue
        found.append(
            Address(
                display_name=header_safe(contact.name, "contact name"),
                addr_spec=_ascii_address(contact.email, "contact e-mail"),
            )
        )
    if not found:
        raise NoRecipient(f"{case.case}: no debtor contact has an e-mail address")
    return found


def build_email(
    rendered: RenderedMessage, case: Case, sender: Sender, sent_at: datetime
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    creditor = header_safe(case.creditor.name, "creditor name")
    display = f"{creditor} via {sender.display_name}" if sender.display_name else creditor
    msg["From"] = Address(
        display_name=header_safe(display, "sender name"), addr_spec=sender.address
    )
    msg["To"] = recipients(case)
    msg["Subject"] = header_safe(rendered.subject, "subject")
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = header_safe(rendered.message_id, "Message-ID")
    msg["X-Overdue-Case"] = header_safe(case.case, "case id")
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    # A boundary derived from the content keeps the bytes reproducible (golden files).
    digest = hashlib.sha256((rendered.text + rendered.html).encode("utf-8")).hexdigest()[:32]
    msg.set_boundary(f"overdue-{digest}")
    return msg
