"""Named people never reach a public page: private names, e-mails and phones in public text.

The private fields (contacts of both parties, the reviewer of a GDPR attestation) are
searched for in every text field that is or may be shown publicly. A hit names the field
and the line where the text sits, so the operator can rewrite it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from .errors import Location
from .records import Case
from .yamlsource import PathKey, SourceDocument

_PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]{4,}\d")


@dataclass(frozen=True)
class PrivateValue:
    kind: str  # "name", "e-mail" or "phone"
    owner: str  # the private field it comes from, e.g. debtor.contacts.0
    text: str


@dataclass(frozen=True)
class Leak:
    field: str
    location: Location
    value: PrivateValue


def public_text_fields(case: Case) -> Iterator[tuple[PathKey, str]]:
    """Every text field that is, or could become, visible on the public site."""
    yield ("debtor", "name"), case.debtor.name
    if case.debtor.website:
        yield ("debtor", "website"), case.debtor.website
    if case.creditor.display == "named":
        yield ("creditor", "name"), case.creditor.name
    if case.creditor.description:
        yield ("creditor", "description"), case.creditor.description
    for i, invoice in enumerate(case.claim.invoices):
        yield ("claim", "invoices", i, "number"), invoice.number
        if invoice.description:
            yield ("claim", "invoices", i, "description"), invoice.description
    contract = case.claim.contract
    if contract is not None:
        for name in ("title", "clause", "reference"):
            value = getattr(contract, name)
            if value:
                yield ("claim", "contract", name), value
    if case.summary:
        yield ("summary",), case.summary


def private_values(case: Case) -> list[PrivateValue]:
    found: list[PrivateValue] = []
    for party in ("debtor", "creditor"):
        for i, contact in enumerate(getattr(case, party).contacts):
            owner = f"{party}.contacts.{i}"
            found.append(PrivateValue("name", owner, contact.name))
            if contact.email:
                found.append(PrivateValue("e-mail", owner, contact.email))
            if contact.phone:
                found.append(PrivateValue("phone", owner, contact.phone))
    if case.gdpr_review is not None:
        found.append(PrivateValue("name", "gdpr_review", case.gdpr_review.reviewer))
    return found


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


@dataclass(frozen=True)
class _NamePattern:
    words: tuple[str, ...]
    """Each word must be a substring of the folded text for the pattern to match: a cheap
    pre-check that skips the regex search on almost every text."""
    pattern: re.Pattern[str]


# Private values repeat across a registry (the same contact in every case of a company),
# and a value's patterns depend on its text alone, so they are compiled once per text.
@lru_cache(maxsize=4096)
def _name_patterns(name: str) -> tuple[_NamePattern, ...]:
    words = _fold(name).split()
    variants = [words]
    if len(words) == 2:  # "Lee, Jordan" and "Lee Jordan"
        variants.append([words[1] + ",", words[0]])
        variants.append([words[1], words[0]])
    return tuple(
        _NamePattern(
            tuple(v),
            re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in v) + r"(?!\w)"),
        )
        for v in variants
    )


@lru_cache(maxsize=4096)
def _phone_digits(phone: str) -> str:
    try:
        return str(phonenumbers.parse(phone, None).national_number)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", phone)


class _PublicText:
    """One public text, with the derived forms every private value is searched in."""

    def __init__(self, text: str, folded: str | None = None) -> None:
        self.text = text
        self.folded = text.casefold() if folded is None else folded
        self._phone_runs: list[tuple[int, str]] | None = None

    @property
    def phone_runs(self) -> list[tuple[int, str]]:
        """(offset, digits) of every run of text that could be a phone number."""
        if self._phone_runs is None:
            self._phone_runs = [
                (run.start(), re.sub(r"\D", "", run.group()))
                for run in _PHONE_RUN.finditer(self.text)
            ]
        return self._phone_runs


def _find(public: _PublicText, value: PrivateValue) -> int | None:
    if value.kind == "name":
        if len(value.text.strip()) < 2:
            return None
        folded = public.folded
        for candidate in _name_patterns(value.text):
            if not all(word in folded for word in candidate.words):
                continue
            match = candidate.pattern.search(folded)
            if match:
                return match.start()
        return None
    if value.kind == "e-mail":
        index = public.folded.find(value.text.casefold())
        return index if index >= 0 else None
    digits = _phone_digits(value.text)
    if len(digits) < 6:
        return None
    for start, run_digits in public.phone_runs:
        if digits in run_digits:
            return start
    return None


def find_in(text: str, value: PrivateValue) -> int | None:
    """The offset in `text` where the private value appears, or None."""
    return _find(_PublicText(text), value)


def _location(doc: SourceDocument, key: PathKey, text: str, offset: int) -> Location:
    start = doc.locate(key)
    if "\n" not in text:
        return start
    # Multi-line public text is written as a block scalar (`|`, `>`), whose text starts on
    # the line after the indicator. (A quoted scalar with escaped newlines would be pointed
    # at a later line than it sits on; the field name in the message stays right.) The
    # column inside the block is not known: the indentation is gone.
    return Location(start.path, start.line + 1 + text[:offset].count("\n"), 1)


def _may_occur(folded: str, value: PrivateValue) -> bool:
    """False when `value` cannot be found in any text whose casefolds are in `folded`."""
    if value.kind == "name":
        return any(all(w in folded for w in p.words) for p in _name_patterns(value.text))
    if value.kind == "e-mail":
        return value.text.casefold() in folded
    return True  # phones are matched on digit runs, not on the text itself


def find_leaks(case: Case, doc: SourceDocument) -> list[Leak]:
    fields = list(public_text_fields(case))
    folded = [text.casefold() for _, text in fields]
    # One look at all the public text of the case rules out almost every private value;
    # a value found there is then searched for field by field.
    everything = "\x00".join(folded)
    values = [v for v in private_values(case) if _may_occur(everything, v)]
    leaks: list[Leak] = []
    if not values:
        return leaks
    for (key, text), text_folded in zip(fields, folded, strict=True):
        public = _PublicText(text, text_folded)
        for value in values:
            offset = _find(public, value)
            if offset is not None:
                field = ".".join(str(k) for k in key)
                leaks.append(Leak(field, _location(doc, key, text, offset), value))
    return leaks
