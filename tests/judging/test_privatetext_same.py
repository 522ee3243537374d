"""find_leaks after the speed-up finds exactly what the straightforward search found.

`reference_leaks` is the implementation before the speed-up, kept here verbatim in logic:
every public text searched for every private value, patterns compiled per call.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.errors import RecordInvalid
from pipeline.privatetext import (
    Leak,
    PrivateValue,
    _location,
    find_in,
    find_leaks,
    private_values,
    public_text_fields,
)
from pipeline.records import Case, load_case
from pipeline.yamlsource import SourceDocument

from ..casefactory import case_dict, write_case

_PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]{4,}\d")


def _reference_find_in(text: str, value: PrivateValue) -> int | None:
    folded = text.casefold()
    if value.kind == "name":
        if len(value.text.strip()) < 2:
            return None
        words = re.sub(r"\s+", " ", value.text).casefold().split()
        variants = [words]
        if len(words) == 2:
            variants.append([words[1] + ",", words[0]])
            variants.append([words[1], words[0]])
        for v in variants:
            pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in v) + r"(?!\w)")
            match = pattern.search(folded)
            if match:
                return match.start()
        return None
    if value.kind == "e-mail":
        index = folded.find(value.text.casefold())
        return index if index >= 0 else None
    try:
        digits = str(phonenumbers.parse(value.text, None).national_number)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", value.text)
    if len(digits) < 6:
        return None
    for run in _PHONE_RUN.finditer(text):
        if digits in re.sub(r"\D", "", run.group()):
            return run.start()
    return None


def reference_leaks(case: Case, doc: SourceDocument) -> list[Leak]:
    leaks = []
    for key, text in public_text_fields(case):
        for value in private_values(case):
            offset = _reference_find_in(text, value)
            if offset is not None:
                field = ".".join(str(k) for k in key)
                leaks.append(Leak(field, _location(doc, key, text, offset), value))
    return leaks


_NAME_WORDS = ["Casey", "Canary", "Lee", "Jordan", "Straße", "STRASSE", "Ødegård", "O'Neil",
               "Jo", "Ann-Marie", "İpek", "Ng", "X"]  # fmt: skip
_names = st.lists(st.sampled_from(_NAME_WORDS), min_size=1, max_size=3).map(" ".join)
_emails = st.sampled_from(["ap@testbed.example", "Casey.Canary@Testbed.example", "x@y.example"])
_phones = st.sampled_from(["+1 512 555 0100", "+44 20 7946 0958", "+65 6123 4567"])
_glue = st.sampled_from([" ", ", ", "\n", "  ", " and ", "\t", " (", "-", "_", "é"])


def _public_text(names: list[str], emails: list[str], phones: list[str]) -> st.SearchStrategy[str]:
    mentions = []
    for name in names:
        words = name.split()
        mentions += [name, name.upper(), name.lower(), "\n".join(words)]
        if len(words) == 2:
            mentions += [
                f"{words[1]}, {words[0]}",
                f"{words[1]} {words[0]}",
                f"{words[1]},{words[0]}",
            ]
    mentions += emails + [e.upper() for e in emails]
    for phone in phones:
        digits = re.sub(r"\D", "", phone)
        mentions += [phone, digits, f"({digits[:3]}) {digits[3:]}", digits[2:], digits[-6:]]
    pieces = st.one_of(
        st.sampled_from([*mentions, "widgets", "paid", "2026-03-31", "Call 555 0100"]), _glue
    )
    return st.lists(pieces, min_size=1, max_size=10).map("".join)


@st.composite
def _cases(draw: st.DrawFn) -> dict[str, object]:
    names = draw(st.lists(_names, min_size=1, max_size=2))
    emails = draw(st.lists(_emails, min_size=len(names), max_size=len(names)))
    phones = draw(st.lists(_phones, min_size=len(names), max_size=len(names)))
    contacts = [
        {"name": n, "role": "AP", "email": e, "phone": p}
        for n, e, p in zip(names, emails, phones, strict=True)
    ]
    text = _public_text(names, emails, phones)
    line = text.map(lambda t: re.sub(r"\s+", " ", t).strip() or "widgets")  # one-line fields
    return case_dict(
        **{
            "debtor.contacts": contacts,
            "summary": draw(text),
            "claim.invoices.0.description": draw(line),
            "claim.contract.clause": draw(line),
            "creditor.description": draw(st.one_of(st.none(), line)),
        }
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_find_leaks_equals_the_reference_search(data: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_case(Path(tmp), data)
        try:
            case, doc = load_case(path)
        except RecordInvalid:
            assume(False)
            return
    assert find_leaks(case, doc) == reference_leaks(case, doc)
    for _, text in public_text_fields(case):
        for value in private_values(case):
            assert find_in(text, value) == _reference_find_in(text, value)


def test_reversed_name_with_comma_only_in_one_field_is_found() -> None:
    # The whole-case pre-check must accept a value when any one spelling could match
    # (here the reversed one without the comma).
    with tempfile.TemporaryDirectory() as tmp:
        case, doc = load_case(
            write_case(Path(tmp), **{"claim.invoices.0.description": "For Canary Casey"})
        )
    leaks = find_leaks(case, doc)
    assert [(leak.field, leak.value.kind) for leak in leaks] == [
        ("claim.invoices.0.description", "name")
    ]
    assert leaks == reference_leaks(case, doc)
