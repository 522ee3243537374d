"""Field types of the case record: how each kind of YAML scalar becomes a Python value.

Each type says what it accepts from the strict loader. A `PlainScalar` (an unquoted value
YAML would retype) is accepted only where its meaning is unambiguous for that field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from .yamlsource import PlainScalar

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY = re.compile(r"^\d+(?:\.\d+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")
# Any character _CONTROL or _LINE_BREAK would find: without one, both checks pass.
_SUSPECT_IN_LINE = re.compile(r"[\x00-\x08\n-\x1f\x7f\x85\u2028\u2029]")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")

# ISO 4217 minor units for currencies that do not use two decimals.
CURRENCY_EXPONENT: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip
# EU usage and old codes that people still type; normalised before lookup.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}


@lru_cache(maxsize=1024)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=1024)
def _is_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


@lru_cache(maxsize=8192)
def is_subdivision(code: str) -> bool:
    """An ISO 3166-2 code that pycountry knows (cached: the same few recur in every file)."""
    return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]


def currency_exponent(code: str) -> int:
    return CURRENCY_EXPONENT.get(code, 2)


def _quote_hint(value: PlainScalar) -> str:
    return f'quote this value: "{value}" (unquoted, YAML reads it as {value.yaml_type})'


def _text(value: Any) -> Any:
    if isinstance(value, PlainScalar):
        raise ValueError(_quote_hint(value))
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("control characters are not allowed here")
    return value


def _single_line(value: Any) -> Any:
    if type(value) is str and not _SUSPECT_IN_LINE.search(value):  # the common case, one scan
        if value != value.strip():
            raise ValueError("remove the leading or trailing spaces")
        return value
    value = _text(value)
    if isinstance(value, str):
        if _LINE_BREAK.search(value):
            raise ValueError("must be a single line")
        if value != value.strip():
            raise ValueError("remove the leading or trailing spaces")
    return value


def _multiline(value: Any) -> Any:
    if isinstance(value, PlainScalar):
        raise ValueError(_quote_hint(value))
    if isinstance(value, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise ValueError("control characters are not allowed here")
    return value


def _person_name(value: Any) -> Any:
    value = _single_line(value)
    if isinstance(value, str) and "=?" in value:
        raise ValueError("'=?' is not allowed here (it starts an encoded e-mail header word)")
    return value


# Organisation names and addresses reach e-mail headers (From/To display names) too.
_header_safe = _person_name


def _code(value: Any) -> Any:
    """Codes (countries, enums) are taken as written, even unquoted: `NO` is Norway."""
    if isinstance(value, PlainScalar):
        return str(value)
    return value


def _integer(value: Any) -> Any:
    if (
        isinstance(value, PlainScalar)
        and value.yaml_type == "int"
        and re.fullmatch(r"[0-9]+", value)
    ):
        if len(value) > 1 and value.startswith("0"):
            raise ValueError("write the number without a leading zero")
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("must be a whole number, unquoted (e.g. 3)")


def _boolean(value: Any) -> Any:
    if isinstance(value, PlainScalar) and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false (unquoted, lowercase)")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {str(value)!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a real calendar date") from None


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, PlainScalar):
        raise ValueError(f'money must be a quoted decimal string: "{value}"')
    if not isinstance(value, str):
        raise ValueError('money must be a quoted decimal string such as "8000.00"')
    if "," in value:
        raise ValueError("no thousands separators in money; write 1234.56")
    if not _MONEY.match(value):
        raise ValueError(f'{value!r} is not a plain positive decimal such as "8000.00"')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if amount <= 0:
        raise ValueError("money must be greater than zero")
    return amount


def _rate(value: Any) -> Any:
    if isinstance(value, PlainScalar):
        raise ValueError(f'quote the rate: "{value}"')
    if not isinstance(value, str) or not re.fullmatch(r"0(\.\d+)?|1(\.0+)?", value):
        raise ValueError('a rate is a quoted decimal between 0 and 1, e.g. "0.10" for 10%')
    return Decimal(value)


def normalise_country(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as US")
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    if not _COUNTRY_CODE.fullmatch(code) or not _is_country(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _region(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 3166-2 code such as US-TX")
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}|[A-Z0-9]{1,3}", code):
        raise ValueError(f"{value!r} is not an ISO 3166-2 subdivision code such as US-TX")
    return code  # membership in the country is checked with the country (records.py)


def _currency(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 4217 currency code such as USD")
    code = value.strip().upper()
    if not _CURRENCY_CODE.fullmatch(code) or not _is_currency(code):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


def _url(value: Any) -> Any:
    value = _single_line(value)
    if isinstance(value, str) and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        raise ValueError("must be an http:// or https:// address")
    return value


def _email(value: Any) -> Any:
    value = _header_safe(value)
    if isinstance(value, str) and not re.fullmatch(
        r"[^@\s<>\",;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", value
    ):
        raise ValueError("must be a plain e-mail address such as ap@example.com")
    return value


def _iban(value: Any) -> Any:
    """ISO 13616: country, check digits, account; spaces allowed; mod-97 must hold."""
    value = _single_line(value)
    if not isinstance(value, str):
        raise ValueError('an IBAN is a quoted string such as "DE89 3704 0044 0532 0130 00"')
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", compact):
        raise ValueError(f"{value!r} is not an IBAN (country, two check digits, account)")
    if not _is_country(compact[:2]):
        raise ValueError(f"{compact[:2]!r} is not an ISO 3166-1 country, so {value!r} is no IBAN")
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    if int(digits) % 97 != 1:
        raise ValueError(f"{value!r} fails the IBAN check digits; look for a typo")
    return compact


Text = Annotated[str, BeforeValidator(_single_line), Field(min_length=1, max_length=300)]
Identifier = Annotated[str, BeforeValidator(_single_line), Field(min_length=1, max_length=64)]
LongText = Annotated[str, BeforeValidator(_multiline), Field(max_length=20_000)]
PersonName = Annotated[str, BeforeValidator(_person_name), Field(min_length=1, max_length=120)]
OrgName = Annotated[str, BeforeValidator(_header_safe), Field(min_length=2, max_length=200)]
Code = Annotated[str, BeforeValidator(_code)]
CaseId = Annotated[
    str,
    BeforeValidator(_single_line),
    Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,62}[A-Z0-9]$", description="Stable id: A-Z, 0-9 and -"),
]
Count = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=10_000)]
Flag = Annotated[bool, BeforeValidator(_boolean)]
IsoDate = Annotated[date, BeforeValidator(_iso_date), Field(json_schema_extra={"format": "date"})]
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "Quoted decimal"}
    ),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    WithJsonSchema({"type": "string", "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"}),
]
Country = Annotated[str, BeforeValidator(_code), AfterValidator(normalise_country)]
Region = Annotated[str, BeforeValidator(_code), AfterValidator(_region)]
Currency = Annotated[str, BeforeValidator(_code), AfterValidator(_currency)]
Url = Annotated[str, BeforeValidator(_url)]
Email = Annotated[str, BeforeValidator(_email)]
Iban = Annotated[str, BeforeValidator(_iban)]
Phone = Annotated[str, BeforeValidator(_single_line), Field(pattern=r"^\+[0-9 ()-]{6,24}$")]
