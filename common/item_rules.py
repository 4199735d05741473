"""The rules of an item's writable fields, for the API's validation and its OpenAPI document.

Each field's JSON schema admits exactly what its check accepts, so that generated clients
and fuzzers can trust the document:

- `name`: a string of 1 to 200 characters once its surrounding whitespace is trimmed,
  stored trimmed;
- `description`: a string of at most 2000 characters;
- neither holds the NUL character, which PostgreSQL's text cannot store, nor half of a
  UTF-16 surrogate pair alone (JSON's `\\ud800`), which no database driver can encode;
- `price`: 0 to 99999999.99 with at most two decimals, as a JSON number or as a string of
  digits (`"19.9"`, `"19.90"`);
- `in_stock`: a JSON boolean (never `"true"` or `1`).
"""

import re
from decimal import Decimal
from typing import Any

MAX_PRICE = Decimal("99999999.99")
CENT = Decimal("0.01")
# The same pattern for the docs (ECMA-262, where `$` is the end) and the check (fullmatch).
PRICE_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
# Whitespace as JSON Schema's patterns (ECMA-262's \s) know it, and so as the API trims it:
# Python's str.strip() would also trim \x1c-\x1f and \x85, which the pattern calls text.
SPACES = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# PostgreSQL's text cannot hold NUL (U+0000), so no field accepts it, whatever the database.
NO_NUL_PATTERN = r"^[^\x00]*$"
# No NUL anywhere; between the surrounding whitespace, 1 to 200 characters that start and
# end with one that is not whitespace.
# (Concatenated: Jinja renders the project's files, and two braces are its own.)
NAME_PATTERN = (
    rf"^[{SPACES}]*[^{SPACES}\x00]([^\x00]" + "{0,198}" + rf"[^{SPACES}\x00])?[{SPACES}]*$"
)
# A JSON string may escape half of a surrogate pair alone; it is not text (Python keeps it).
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRIPPED = SPACES.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200B))))

NAME_SCHEMA: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": NAME_PATTERN}
DESCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "maxLength": 2000,
    "pattern": NO_NUL_PATTERN,
}
PRICE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999.99, "multipleOf": 0.01},
        {"type": "string", "pattern": PRICE_PATTERN},
    ]
}


def check_name(value: Any) -> str:
    """1 to 200 characters once trimmed; returned with surrounding whitespace trimmed."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    _check_text(value)
    name = value.strip(_STRIPPED)
    if not name:
        raise ValueError("must have a character that is not whitespace")
    if len(name) > 200:
        raise ValueError("must be at most 200 characters once trimmed")
    return name


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    if _SURROGATE.search(value):
        raise ValueError("must not contain half of a UTF-16 surrogate pair")


def parse_price(value: Any) -> Decimal:
    """A price from a JSON number or a string of digits; ValueError for anything else."""
    if isinstance(value, str):
        if re.fullmatch(PRICE_PATTERN[1:-1], value) is None:
            raise ValueError("must be digits with at most 8 before and 2 after the point")
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number or a string of digits")
    price = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not price.is_finite() or not 0 <= price <= MAX_PRICE:
        raise ValueError("must be from 0 to 99999999.99")
    if price != price.quantize(CENT):
        raise ValueError("must have at most 2 decimal places")
    return price if price else Decimal(0)


def check_description(value: Any) -> str:
    """A description of at most 2000 characters."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > 2000:
        raise ValueError("must be at most 2000 characters")
    _check_text(value)
    return value
