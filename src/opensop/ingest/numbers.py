"""Reading numbers, dates and texts written by people and by spreadsheets, without ever guessing.

A number cell is read by the *locale rule* of its file (see "How cells are read" in docs/data-dictionary.md):
a `;`-separated CSV uses the decimal comma (Excel on a French computer: `1 234,5`, `1.234,5`), every other source
the decimal point (`1,234.5`, `1 234.5`). A cell that reads two ways (`1,234` in a decimal-point file: 1234 or
1.234?) is refused by name (`ambiguous_number`), and a decimal comma where the file uses the decimal point is
refused too (`number_locale`) — a misread number is worse than a refused one. Everything is a polars expression,
so a 10M-row column is read in one pass.
"""

from __future__ import annotations

import math
import re

import polars as pl

DECIMAL_POINT = "."
DECIMAL_COMMA = ","
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (Excel's French thousands separator)
_EXPONENT = r"([eE][+-]?\d+)?"
POINT_PLAIN = r"^[+-]?(\d+\.?\d*|\.\d+)" + _EXPONENT + "$"
POINT_GROUPED = r"^[+-]?\d{1,3}([," + _SPACES + r"]\d{3})+(\.\d+)?$"
COMMA_PLAIN = r"^[+-]?(\d+,?\d*|,\d+)" + _EXPONENT + "$"
COMMA_GROUPED = r"^[+-]?\d{1,3}([." + _SPACES + r"]\d{3})+(,\d+)?$"
AMBIGUOUS = {
    DECIMAL_POINT: r"^[+-]?[1-9]\d{0,2},\d{3}$",  # 1,234: a thousands comma, or a French decimal comma?
    DECIMAL_COMMA: r"^[+-]?[1-9]\d{0,2}\.\d{3}$",  # 1.234: a thousands dot, or a decimal point?
}
US_DATE = r"^\d{1,2}/(1[3-9]|2\d|3[01])/\d{4}"  # month/day/year with a day above 12: cannot be day/month
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # tab, line feed and carriage return are allowed in texts
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_ESCAPE = "'"
_ESCAPED = r"^'['=+\-@\t\r]"


def number(text: pl.Expr, decimal: str) -> pl.Expr:
    """The value of a trimmed number cell under the file's decimal mark; null when it is not a number."""
    ambiguous = text.str.contains(AMBIGUOUS[decimal])
    if decimal == DECIMAL_COMMA:
        comma = text.str.contains(COMMA_PLAIN) | text.str.contains(COMMA_GROUPED)
        read = (
            pl.when(ambiguous)
            .then(pl.lit(None, dtype=pl.String))
            .when(comma)
            .then(text.str.replace_all(r"[.\s]", "").str.replace(",", ".", literal=True))
            .when(text.str.contains(POINT_PLAIN))
            .then(text)
        )
    else:
        read = (
            pl.when(ambiguous)
            .then(pl.lit(None, dtype=pl.String))
            .when(text.str.contains(POINT_PLAIN))
            .then(text)
            .when(text.str.contains(POINT_GROUPED))
            .then(text.str.replace_all(r"[,\s]", ""))
        )
    value = read.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def number_problem(text: pl.Expr, decimal: str) -> pl.Expr:
    """The rule a number cell that could not be read breaks: `ambiguous_number`, `implausible_value` (a number
    beyond what a float holds, such as 1e400), `number_locale` or `wrong_type`."""
    has_comma = text.str.contains(DECIMAL_COMMA, literal=True)
    mismatch = (
        has_comma & (text.str.contains(COMMA_PLAIN) | text.str.contains(COMMA_GROUPED))
        if decimal == DECIMAL_POINT
        else pl.lit(value=False)
    )
    shaped = text.str.contains(POINT_PLAIN)
    if decimal == DECIMAL_COMMA:
        shaped = shaped | text.str.contains(COMMA_PLAIN)
    overflow = shaped & number(text, decimal).is_null()  # a number's shape, but no finite value (1e400)
    return (
        pl.when(text.str.contains(AMBIGUOUS[decimal]))
        .then(pl.lit("ambiguous_number"))
        .when(overflow)
        .then(pl.lit("implausible_value"))
        .when(mismatch)
        .then(pl.lit("number_locale"))
        .otherwise(pl.lit("wrong_type"))
    )


def uses_decimal_comma(text: pl.Expr) -> pl.Expr:
    """Cells that were read thanks to the decimal-comma rule (reported once per file, `decimal_comma`)."""
    return text.str.contains(DECIMAL_COMMA, literal=True)


def escape_text(text: str) -> str:
    """A text as OpenSOP writes it to CSV: one leading `'` when a spreadsheet would evaluate it (or when it starts
    with `'` itself, so the escape can always be undone); `unescape` gives the text back exactly."""
    return TEXT_ESCAPE + text if text.startswith((*FORMULA_PREFIXES, TEXT_ESCAPE)) else text


def unescape(text: pl.Expr) -> pl.Expr:
    """The inverse of `escape_text` on a CSV text column."""
    return pl.when(text.str.contains(_ESCAPED)).then(text.str.slice(1)).otherwise(text)


class NumberProblem(ValueError):
    """A typed number refused by name (`rule`: ambiguous_number, number_locale, implausible_value, wrong_type)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _matches(pattern: str, text: str) -> bool:
    return re.match(pattern, text, flags=re.ASCII) is not None


def read_number(raw: str, decimal: str, *, thousands_known: bool = False) -> float:
    """One number typed by a person, read by the same locale rule as the files (`number`). `thousands_known`: the
    context says which mark groups thousands (a web page in English: `1,234` is 1234), so a lone group is not
    ambiguous there."""
    text = raw.strip()
    ambiguous = _matches(AMBIGUOUS[decimal], text) and not (thousands_known and decimal == DECIMAL_POINT)
    if ambiguous:
        raise NumberProblem(
            "ambiguous_number", f"{raw!r} reads two ways (thousands or decimals): write it without grouping"
        )
    if decimal == DECIMAL_COMMA and (_matches(COMMA_PLAIN, text) or _matches(COMMA_GROUPED, text)):
        cleaned = re.sub(r"[.\s]", "", text).replace(",", ".")
    elif _matches(POINT_PLAIN, text):
        cleaned = text
    elif decimal == DECIMAL_POINT and _matches(POINT_GROUPED, text):
        cleaned = re.sub(r"[,\s]", "", text)
    elif decimal == DECIMAL_POINT and "," in text and (_matches(COMMA_PLAIN, text) or _matches(COMMA_GROUPED, text)):
        raise NumberProblem("number_locale", f"{raw!r} has a decimal comma; this page uses the decimal point")
    else:
        raise NumberProblem("wrong_type", f"{raw!r} is not a number")
    value = float(cleaned)
    if not math.isfinite(value):
        raise NumberProblem("implausible_value", f"{raw!r} is beyond any finite number")
    return value
