"""EU-nexus signals: private details that tie an otherwise-allowed record to GDPR.

A debtor in Texas with a German VAT id, a Dutch IBAN, a +590 phone number or a `.eu`
e-mail domain may still be a business established in the EU. Each such detail is a
`Signal`; the gate fails `overdue check` on it unless a dated `gdpr_review` covers it.
The signals read private fields, and their descriptions name the field, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import urlsplit

import phonenumbers

from .jurisdictions import JurisdictionPolicy, is_iso_code, jurisdiction_of
from .records import Case, Contact
from .yamlsource import PathKey, load_package_data

PHONE_SOURCE = "ITU-T E.164 country calling codes, resolved with the phonenumbers library"
IBAN_SOURCE = "ISO 13616: the first two letters of an IBAN are the account's country"


@dataclass(frozen=True)
class Signal:
    key: PathKey
    description: str
    code: str
    policy: JurisdictionPolicy
    source: str


@dataclass(frozen=True)
class _Mapped:
    code: str
    source: str


@dataclass(frozen=True)
class NexusData:
    vat_prefixes: dict[str, _Mapped]
    tlds: dict[str, _Mapped]
    shared_calling_codes: dict[int, _Mapped]


@cache
def nexus_data() -> NexusData:
    text = resources.files("pipeline.data").joinpath("nexus.yaml").read_text("utf-8")
    raw = load_package_data(text)

    def table(name: str) -> dict[str, _Mapped]:
        rows = raw[name]
        return {str(k): _Mapped(str(v["code"]), str(v["source"])) for k, v in rows.items()}

    shared = {int(k): v for k, v in table("shared_calling_codes").items()}
    return NexusData(table("vat_prefixes"), table("tlds"), shared)


def _policy(code: str) -> JurisdictionPolicy | None:
    try:
        policy = jurisdiction_of(code)
    except ValueError:
        return None
    return policy if policy.in_scope else None


# The signal functions are pure (the key, a private value and the static data tables in,
# a frozen Signal out) and the same values recur across a registry's cases, so each is
# cached: phonenumbers parsing and IDNA encoding cost more than the rest of the rule.
@lru_cache(maxsize=8192)
def vat_signal(key: PathKey, vat_id: str) -> Signal | None:
    """A VAT id whose prefix is an in-scope jurisdiction (EL is Greece, XI Northern Ireland)."""
    compact = re.sub(r"[\s.\-]", "", vat_id).upper()
    prefixes = nexus_data().vat_prefixes
    for length in (3, 2):
        prefix, rest = compact[:length], compact[length:]
        if not re.fullmatch(r"[A-Z]+", prefix) or len(re.findall(r"\d", rest)) < 2:
            continue
        if prefix in prefixes:
            mapped = prefixes[prefix]
            code, source = mapped.code, mapped.source
        elif length == 2:
            code, source = (
                prefix,
                "VAT ids start with the member state's code (Directive 2006/112/EC Art. 215)",
            )
        else:
            continue
        policy = _policy(code)
        if policy is not None:
            where = ".".join(str(k) for k in key)
            return Signal(key, f"{where} has the prefix {prefix} ({code})", code, policy, source)
    return None


@lru_cache(maxsize=8192)
def iban_signal(key: PathKey, iban: str) -> Signal | None:
    code = iban[:2].upper()
    policy = _policy(code)
    if policy is None:
        return None
    where = ".".join(str(k) for k in key)
    return Signal(key, f"{where} is an account in {code}", code, policy, IBAN_SOURCE)


@lru_cache(maxsize=8192)
def phone_signal(key: PathKey, phone: str) -> Signal | None:
    """A calling code in scope. Shared codes (+590: GP and MF in the EU, BL outside) need review."""
    where = ".".join(str(k) for k in key)
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None  # the Phone field type already refused anything that is not +digits
    calling_code = int(number.country_code or 0)
    shared = nexus_data().shared_calling_codes.get(calling_code)
    if shared is not None:
        policy = _policy(shared.code)
        if policy is not None:
            return Signal(
                key, f"{where} has calling code +{calling_code}, shared between EU and non-EU "
                "territories", shared.code, policy, shared.source,
            )  # fmt: skip
    regions = [r for r in phonenumbers.region_codes_for_country_code(calling_code) if r != "001"]
    specific = phonenumbers.region_code_for_number(number)
    # The number's own region when its metadata says so (+1 512 is US); otherwise every
    # region that shares the calling code, so an unreadable number fails closed.
    candidates = [specific] if specific in regions else regions
    for region in candidates:
        policy = _policy(region)
        if policy is not None:
            names = ", ".join(candidates)
            return Signal(
                key, f"{where} has calling code +{calling_code} ({names})", region, policy,
                PHONE_SOURCE,
            )  # fmt: skip
    return None


@lru_cache(maxsize=8192)
def domain_signal(key: PathKey, host: str) -> Signal | None:
    """A host under .eu, an in-scope ccTLD or an EU geographic TLD."""
    host = host.strip().rstrip(".").lower()
    label = host.rsplit(".", 1)[-1]
    try:
        label = label.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    tlds = nexus_data().tlds
    if label in tlds:
        code, source = tlds[label].code, tlds[label].source
    elif len(label) == 2 and is_iso_code(label.upper()):
        code, source = label.upper(), "IANA root zone: country-code top-level domains (ISO 3166-1)"
    else:
        return None
    policy = _policy(code)
    if policy is None:
        return None
    where = ".".join(str(k) for k in key)
    return Signal(key, f"{where} is under .{label} ({code})", code, policy, source)


@lru_cache(maxsize=8192)
def _hostname(url: str) -> str:
    return urlsplit(url).hostname or ""


def _contact_signals(base: PathKey, contacts: list[Contact]) -> Iterator[Signal | None]:
    for i, contact in enumerate(contacts):
        if contact.email:
            yield domain_signal((*base, i, "email"), contact.email.rsplit("@", 1)[-1])
        if contact.phone:
            yield phone_signal((*base, i, "phone"), contact.phone)


def case_signals(case: Case) -> list[Signal]:
    """Every EU-nexus signal in a case, in file order of the fields."""
    debtor, creditor = case.debtor, case.creditor
    found: list[Signal | None] = []
    if debtor.website:
        found.append(domain_signal(("debtor", "website"), _hostname(debtor.website)))
    if debtor.vat_id:
        found.append(vat_signal(("debtor", "vat_id"), debtor.vat_id))
    found.extend(_contact_signals(("debtor", "contacts"), debtor.contacts))
    if debtor.bank_account is not None:
        found.append(iban_signal(("debtor", "bank_account", "iban"), debtor.bank_account.iban))
    if creditor.vat_id:
        found.append(vat_signal(("creditor", "vat_id"), creditor.vat_id))
    if creditor.iban:
        found.append(iban_signal(("creditor", "iban"), creditor.iban))
    found.extend(_contact_signals(("creditor", "contacts"), creditor.contacts))
    return [s for s in found if s is not None]
