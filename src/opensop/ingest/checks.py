"""The catalogue of validation checks: small named rules, each returning issues into one report.

Every check is vectorized over a polars frame (10M history rows are checked in seconds); a rule that fires on
many rows lists the first `ROW_LIMIT` and one summary line, so a wrong column never floods the report. Rule names
are stable: tests, the API and the documentation refer to them.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from opensop.ingest import numbers
from opensop.ingest.readers import RawTable
from opensop.ingest.report import Issue, Severity
from opensop.schema.dictionary import DICTIONARY, REQUIRED_TABLES, TEXT_MAX_LENGTH, Column, ColumnType, Table

ROW = "__row"
ROW_LIMIT = 20
PERIOD_FLOOR = date(1990, 1, 1)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f")
OUTLIER_Z = 6.0
OUTLIER_RATIO = 2.5
INTERMITTENT_ZERO_SHARE = 0.3


@dataclass
class TableView:
    """A table on its way through the checks: raw text, then typed values (bad cells set to null)."""

    raw: RawTable
    table: Table
    frame: pl.DataFrame
    text: pl.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def file(self) -> str:
        return self.raw.file


class _Lenient(string.Formatter):
    """Formats an issue message even when a field is empty or of an unexpected type (a cell that failed to parse
    is null): the user gets the message with the raw value, never a TypeError from the report itself."""

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return str(super().format_field(value, format_spec))
        except (TypeError, ValueError):
            return "(empty)" if value is None else str(value)


_FORMAT = _Lenient()


def _row_issues(
    view: TableView,
    bad: pl.DataFrame,
    rule: str,
    column: str,
    message: str,
    hint: str,
    severity: Severity = Severity.ERROR,
) -> list[Issue]:
    """Issues for the first rows of `bad` (which keeps the ROW column), plus one line counting the rest.

    `message` is a format string over the row's fields, with `value` standing for the checked column.
    """
    issues = [
        Issue(
            severity,
            rule,
            view.name,
            _FORMAT.format(message, value=record.get(column), **record),
            file=view.file,
            row=int(record[ROW]) if record.get(ROW) is not None else None,
            column=column,
            value="" if record.get(column) is None else str(record.get(column)),
            hint=hint,
        )
        for record in bad.head(ROW_LIMIT).to_dicts()
    ]
    if bad.height > ROW_LIMIT:
        issues.append(
            Issue(
                severity,
                rule,
                view.name,
                f"{bad.height - ROW_LIMIT} more rows break this rule",
                file=view.file,
                column=column,
                hint=hint,
            )
        )
    return issues


# ---- structure -------------------------------------------------------------------------------------------------


def check_missing_tables(raw: dict[str, RawTable], unreadable: set[str]) -> list[Issue]:
    return [
        Issue(
            Severity.ERROR,
            "missing_table",
            name,
            f"required table {name} is missing",
            hint=f"add a file or sheet named {name}",
        )
        for name in REQUIRED_TABLES
        if name not in raw and name not in unreadable
    ]


def check_unknown_tables(raw: dict[str, RawTable]) -> list[Issue]:
    return [
        Issue(
            Severity.WARNING,
            "unknown_table",
            name,
            f"{name} is not a table OpenSOP knows; it was ignored",
            file=table.file,
            hint="rename it after a table of the data dictionary if it should be imported",
        )
        for name, table in raw.items()
        if name not in DICTIONARY
    ]


def check_columns(view: TableView) -> list[Issue]:
    """Required columns present (sales history may give `date` instead of `period`); unknown ones are warned."""
    present = set(view.frame.columns)
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.name in present or not column.required:
            continue
        if view.name == "sales_history" and column.name == "period" and "date" in present:
            continue
        issues.append(
            Issue(
                Severity.ERROR,
                "missing_column",
                view.name,
                f"required column {column.name} is missing",
                file=view.file,
                row=1,
                column=column.name,
                hint=f"add a column {column.name}: {column.description}",
            )
        )
    known = set(view.table.column_names) | ({"date"} if view.name == "sales_history" else set())
    issues.extend(
        Issue(
            Severity.WARNING,
            "unknown_column",
            view.name,
            f"column {name} is not in the data dictionary; it was ignored",
            file=view.file,
            row=1,
            column=name,
        )
        for name in sorted(present - known)
    )
    return issues


def check_empty_table(view: TableView) -> list[Issue]:
    if view.frame.height:
        return []
    severity = Severity.ERROR if view.table.required else Severity.WARNING
    return [Issue(severity, "empty_table", view.name, "the table has no rows", file=view.file, hint="export it again")]


# ---- cells -------------------------------------------------------------------------------------------------------


def _normalise_dates(text: pl.Expr) -> pl.Expr:
    """Year-month (2025-03) and month/year (03/2025) become full dates on the first of the month."""
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}$"))
        .then(text + "-01")
        .when(text.str.contains(r"^\d{1,2}/\d{4}$"))
        .then("01/" + text)
        .otherwise(text)
    )


def parse_dates(text: pl.Series) -> pl.Series:
    """Dates as written by ERPs and Excel: ISO, French dd/mm/yyyy, year-month, month/year, with or without time.

    Each format is tried only on the cells that no earlier format could read, so a 10M-row column written in
    one format is parsed once, not once per format.
    """
    parsed = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    pending = parsed.is_null() & text.is_not_null()
    if pending.any():
        index = pending.arg_true()
        cleaned = text.gather(index).to_frame("t").select(_normalise_dates(pl.col("t"))).to_series()
        found = pl.Series(text.name, [None] * len(index), dtype=pl.Date)
        for fmt in DATE_FORMATS:
            still = found.is_null() & cleaned.is_not_null()
            if not still.any():
                break
            where = still.arg_true()
            attempt = cleaned.gather(where).str.strptime(pl.Datetime("us"), fmt, strict=False).dt.date()
            found = found.scatter(where, attempt)
        parsed = parsed.scatter(index, found)
    return parsed


def _typed(column: Column, text: pl.Expr, raw: RawTable) -> pl.Expr:
    if column.dtype is ColumnType.STRING:
        return numbers.unescape(text) if raw.escaped else text
    if column.dtype in (ColumnType.PERIOD, ColumnType.DATE):
        return text.map_batches(parse_dates, return_dtype=pl.Date)
    number = numbers.number(text, raw.decimal)
    if column.dtype is ColumnType.INTEGER:
        return pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)
    return number


NUMBER_RULES = {
    "ambiguous_number": (
        "{value!r} reads two ways: a thousands separator or a decimal mark?",
        "write the number without grouping marks (1234 or 1.234); see 'How cells are read' in the data dictionary",
    ),
    "implausible_value": (
        "{value!r} is beyond any finite number",
        "check the unit and the decimal mark of {column_name}",
    ),
    "number_locale": (
        "{value!r} has a decimal comma but this file uses the decimal point",
        "write {column_name} with a decimal point, or save the file as Excel's ';'-separated CSV (decimal comma)",
    ),
}


def _cell_problems(view: TableView, column: Column, bad: pl.DataFrame) -> list[Issue]:
    """Cells of one column that did not parse, each under the rule it breaks."""
    expected = {
        ColumnType.FLOAT: "a number",
        ColumnType.INTEGER: "a whole number",
        ColumnType.PERIOD: "a month (2025-03 or 2025-03-01)",
        ColumnType.DATE: "a date (2025-03-14)",
    }[column.dtype]
    text = pl.col(column.name)
    if column.dtype in (ColumnType.FLOAT, ColumnType.INTEGER):
        rule = numbers.number_problem(text, view.raw.decimal)
    else:
        rule = pl.when(text.str.contains(numbers.US_DATE)).then(pl.lit("us_date")).otherwise(pl.lit("wrong_type"))
    bad = bad.with_columns(rule.alias("__rule"))
    messages = {
        **{name: (message, hint.format(column_name=column.name)) for name, (message, hint) in NUMBER_RULES.items()},
        "us_date": (
            "{value!r} looks like a US date (month/day/year); dates are read day first",
            f"write {expected} in {column.name}, e.g. 2025-03-15 for 15 March 2025",
        ),
        "wrong_type": ("{value!r} is not " + expected, f"write {expected} in {column.name}"),
    }
    issues: list[Issue] = []
    for name, (message, hint) in messages.items():
        rows = bad.filter(pl.col("__rule") == name)
        if rows.height:
            issues += _row_issues(view, rows.select(ROW, column.name), name, column.name, message, hint)
    return issues


def type_columns(view: TableView) -> list[Issue]:
    """Parse every known column; cells that do not parse become issues (`wrong_type`, `ambiguous_number`,
    `number_locale`, `us_date`) and nulls."""
    frame = view.frame.with_row_index(ROW, offset=view.raw.first_row)
    if view.name == "sales_history" and "period" not in frame.columns and "date" in frame.columns:
        frame = frame.rename({"date": "period"})
    absent = [c for c in view.table.columns if c.name not in frame.columns]
    frame = frame.with_columns(
        pl.lit(None if c.default is None else str(c.default), dtype=pl.String).alias(c.name) for c in absent
    )
    names = list(view.table.columns)
    stripped = frame.with_columns(
        pl.col(c.name).cast(pl.String).str.strip_chars().replace("", None).alias(c.name) for c in names
    )
    typed = stripped.with_columns(_typed(c, pl.col(c.name), view.raw).alias(c.name) for c in names)
    issues: list[Issue] = []
    numeric = [c.name for c in names if c.dtype in (ColumnType.FLOAT, ColumnType.INTEGER)]
    for column in names:
        if column.dtype is ColumnType.STRING:
            continue
        bad = stripped.filter(pl.col(column.name).is_not_null() & typed[column.name].is_null())
        issues += _cell_problems(view, column, bad)
    if view.raw.decimal == numbers.DECIMAL_COMMA and numeric:
        read = stripped.select(pl.any_horizontal(numbers.uses_decimal_comma(pl.col(c)) for c in numeric).any())
        if read.item():
            issues.append(
                Issue(
                    Severity.WARNING,
                    "decimal_comma",
                    view.name,
                    "numbers were read with a decimal comma (a ';'-separated file, as Excel writes it in French): "
                    "'1 234,5' and '1.234,5' are 1234.5",
                    file=view.file,
                    hint="codes and texts are kept exactly as written; see 'How cells are read' in the data dictionary",
                )
            )
    view.frame = typed.select(ROW, *[c.name for c in names])
    view.text = stripped.select(ROW, *[c.name for c in names])
    return issues


def check_missing_values(view: TableView) -> list[Issue]:
    """Empty required cells (cells that were filled but unreadable are already `wrong_type`)."""
    issues: list[Issue] = []
    text = view.text if view.text is not None else view.frame
    for column in view.table.columns:
        if not column.required or column.name not in text.columns:
            continue
        bad = text.filter(pl.col(column.name).is_null())
        issues += _row_issues(
            view,
            bad.select(ROW, column.name),
            "missing_value",
            column.name,
            f"{column.name} is empty",
            f"fill {column.name}: {column.description}",
        )
    return issues


def check_allowed_values(view: TableView) -> list[Issue]:
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.allowed is None or column.name not in view.frame.columns:
            continue
        bad = view.frame.filter(pl.col(column.name).is_not_null() & ~pl.col(column.name).is_in(column.allowed))
        issues += _row_issues(
            view,
            bad.select(ROW, column.name),
            "not_allowed",
            column.name,
            "{value!r} is not an allowed value of " + column.name,
            f"use one of: {', '.join(column.allowed)}",
        )
    return issues


def check_text(view: TableView) -> list[Issue]:
    """Texts fit their storage column (`text_too_long`) and hold no control character such as NUL
    (`control_character`): checked here, before any write, so SQLite and PostgreSQL refuse the same files."""
    text = view.text if view.text is not None else view.frame
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.dtype is not ColumnType.STRING or column.name not in text.columns:
            continue
        value = pl.col(column.name)
        issues += _row_issues(
            view,
            text.filter(value.str.len_chars() > TEXT_MAX_LENGTH).select(
                ROW, value.str.len_chars().alias("__length"), value.str.slice(0, 40).alias(column.name)
            ),
            "text_too_long",
            column.name,
            f"the text has {{__length}} characters; at most {TEXT_MAX_LENGTH} fit ({{value!r}}...)",
            f"shorten {column.name} to {TEXT_MAX_LENGTH} characters",
        )
        issues += _row_issues(
            view,
            text.filter(value.str.contains(numbers.CONTROL)).select(ROW, column.name),
            "control_character",
            column.name,
            "the text holds a control character (such as NUL): {value!r}",
            "remove the invisible character (it often comes from a broken export)",
        )
    return issues


def check_ranges(view: TableView) -> list[Issue]:
    """Negative quantities where forbidden get their own rule: it is the most common data mistake. Every number
    is bounded by its plausibility bound (`implausible_value`): 1e308 is finite, but not a planning figure."""
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.name not in view.frame.columns or column.dtype not in (ColumnType.FLOAT, ColumnType.INTEGER):
            continue
        value = pl.col(column.name)
        issues += _row_issues(
            view,
            view.frame.filter(value.abs() > column.plausible).select(ROW, column.name),
            "implausible_value",
            column.name,
            f"{column.name} = {{value}} is beyond the plausible {column.plausible:g}",
            f"check the unit and the decimal mark of {column.name}; the data dictionary bounds it by "
            f"{column.plausible:g}",
        )
        if column.minimum is not None:
            rule = "negative_value" if column.minimum == 0 else "out_of_range"
            bad = view.frame.filter(value < column.minimum)
            issues += _row_issues(
                view,
                bad.select(ROW, column.name),
                rule,
                column.name,
                f"{column.name} = {{value}} is below its minimum {column.minimum:g}",
                f"{column.name} must be at least {column.minimum:g} {column.unit}".strip(),
            )
        if column.maximum is not None:
            bad = view.frame.filter(value > column.maximum)
            issues += _row_issues(
                view,
                bad.select(ROW, column.name),
                "out_of_range",
                column.name,
                f"{column.name} = {{value}} is above its maximum {column.maximum:g}",
                f"{column.name} must be at most {column.maximum:g} {column.unit}".strip(),
            )
    return issues


def check_periods(view: TableView, as_of: date) -> list[Issue]:
    """History cannot be in the future; other months must be on a plausible calendar (1990 to as-of + 10 years)."""
    issues: list[Issue] = []
    current_month = as_of.replace(day=1)
    for column in view.table.columns:
        if column.dtype is not ColumnType.PERIOD or column.name not in view.frame.columns:
            continue
        latest = current_month if view.name == "sales_history" else current_month.replace(year=as_of.year + 10)
        value = pl.col(column.name)
        bad = view.frame.filter((value < PERIOD_FLOOR) | (value > latest))
        issues += _row_issues(
            view,
            bad.select(ROW, column.name),
            "period_outside_calendar",
            column.name,
            "month {value:%Y-%m} is outside the planning calendar",
            f"months run from {PERIOD_FLOOR:%Y-%m} to {latest:%Y-%m}"
            + (" (history cannot be in the future)" if view.name == "sales_history" else ""),
        )
    return issues


# ---- across rows and tables ---------------------------------------------------------------------------------------


def check_references(view: TableView, views: dict[str, TableView], broken: set[str]) -> list[Issue]:
    """Codes must exist in the table they refer to; a target table that could not be read is skipped (its own
    issue already says why), so one unreadable file does not bury the report under follow-on errors."""
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.references is None or column.name not in view.frame.columns:
            continue
        if any(table in broken for table, _ in column.references.targets):
            continue
        known = [
            views[table].frame.get_column(target).drop_nulls()
            for table, target in column.references.targets
            if table in views and target in views[table].frame.columns
        ]
        valid = pl.concat(known).unique() if known else pl.Series(column.name, [], dtype=pl.String)
        bad = view.frame.filter(pl.col(column.name).is_not_null() & ~pl.col(column.name).is_in(valid.implode()))
        target = column.references.describe()
        issues += _row_issues(
            view,
            bad.select(ROW, column.name),
            "unknown_reference",
            column.name,
            "{value!r} is not a known " + target,
            f"add it to {target.split('.')[0]} or correct the code",
        )
    return issues


def bucket_history(view: TableView) -> None:
    """Daily or weekly history (any day other than the 1st) is summed into months; monthly rows stay as given."""
    frame = view.frame
    if frame.height == 0 or "period" not in frame.columns:
        return
    days = frame.get_column("period").drop_nulls().dt.day()
    if days.len() == 0 or days.max() == 1:
        return
    sums = [pl.col(c).sum() for c in ("quantity", "revenue") if c in frame.columns]
    view.frame = (
        frame.with_columns(pl.col("period").dt.month_start())
        .group_by(["period", "item_id", "region_id"])
        .agg(pl.col(ROW).min(), *sums)
        .sort(ROW)
    )


def _readable(view: TableView, columns: list[str]) -> pl.DataFrame:
    """The rows whose `columns` were all readable: a cell written but unreadable (already reported, e.g. a US
    date) must not come back as a second, misleading issue such as a duplicate key."""
    text = view.text
    present = [c for c in columns if text is not None and c in text.columns and c in view.frame.columns]
    if text is None or not present:
        return view.frame
    paired = view.frame.select(ROW, *present).join(
        text.select(ROW, *[pl.col(c).alias(f"__text_{c}") for c in present]), on=ROW, how="left"
    )
    broken = paired.filter(
        pl.any_horizontal(pl.col(c).is_null() & pl.col(f"__text_{c}").is_not_null() for c in present)
    ).get_column(ROW)
    return view.frame.filter(~pl.col(ROW).is_in(broken.implode()))


def check_duplicate_keys(view: TableView) -> list[Issue]:
    key = [c for c in view.table.key if c in view.frame.columns]
    if not key:
        return []
    duplicated = _readable(view, key).filter(pl.struct(key).is_duplicated())
    if duplicated.height == 0:
        return []
    first = duplicated.group_by(key, maintain_order=True).agg(pl.col(ROW).min().alias("__first"))
    later = duplicated.join(first, on=key, nulls_equal=True).filter(pl.col(ROW) != pl.col("__first"))
    label = ", ".join(key)
    return _row_issues(
        view,
        later.with_columns(pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" / ").alias(label)),
        "duplicate_key",
        label,
        "({value}) appears again; first at row {__first}",
        "keep one row per key (or sum the rows before importing)",
    )


def check_case_duplicates(view: TableView) -> list[Issue]:
    """A one-column code key (item, family, region, site, resource) given twice in different case: `POE-001` and
    `poe-001` would be two items to the plan but one to every person and most ERPs (`case_duplicate`)."""
    if len(view.table.key) != 1 or view.table.key[0] not in view.frame.columns or view.frame.height == 0:
        return []
    key = view.table.key[0]
    folded = pl.col(key).str.to_lowercase()
    frame = view.frame.filter(pl.col(key).is_not_null()).with_columns(folded.alias("__folded"))
    first = frame.group_by("__folded", maintain_order=True).agg(
        pl.col(ROW).min().alias("__first"), pl.col(key).first().alias("__code"), pl.col(key).n_unique().alias("__n")
    )
    later = frame.join(first.filter(pl.col("__n") > 1), on="__folded").filter(pl.col(key) != pl.col("__code"))
    return _row_issues(
        view,
        later,
        "case_duplicate",
        key,
        "{value!r} differs from {__code!r} (row {__first}) only by upper/lower case",
        "codes are compared as written: use one spelling of the code everywhere",
    )


def check_history_gaps(view: TableView) -> list[Issue]:
    """A month missing for every item at once is an extraction mistake, not a month without sales."""
    if view.frame.height == 0:
        return []
    months: list[date] = view.frame.get_column("period").drop_nulls().unique().sort().to_list()
    if len(months) < 2:
        return []
    first, last = months[0], months[-1]
    expected = pl.date_range(first, last, interval="1mo", eager=True).to_list()
    missing = sorted(set(expected) - set(months))
    return [
        Issue(
            Severity.ERROR,
            "period_gap",
            view.name,
            f"no sales at all in {month:%Y-%m}, between {first:%Y-%m} and {last:%Y-%m}",
            file=view.file,
            column="period",
            value=f"{month:%Y-%m}",
            hint="the extract probably missed that month; export it again (a month without sales is written as 0)",
        )
        for month in missing[:ROW_LIMIT]
    ]


def _explained_by_events(views: dict[str, TableView]) -> pl.DataFrame:
    """(item_id, region_id, period) rows that a promotion or event explains; region null means every region."""
    if "events" not in views or "items" not in views:
        return pl.DataFrame(schema={"item_id": pl.String, "region_id": pl.String, "period": pl.Date})
    events = views["events"].frame
    items = views["items"].frame.select("item_id", "family_id")
    by_item = events.filter(pl.col("item_id").is_not_null()).select("item_id", "region_id", "period")
    by_family = events.filter(pl.col("family_id").is_not_null()).join(items, on="family_id", suffix="_of_family")
    by_family = by_family.select(pl.col("item_id_of_family").alias("item_id"), "region_id", "period")
    return pl.concat([by_item, by_family]).unique()


def check_outliers(view: TableView, views: dict[str, TableView] | None = None) -> list[Issue]:
    """Flag (never remove) values far from what the series does in the same month of other years.

    ratio = q / centred 13-month mean (removes level and trend); residual = ratio - median(ratio of the series
    in the same calendar month) (removes seasonality); scale = 1.4826 * MAD(residuals of the series); flagged
    when |residual| / scale > OUTLIER_Z and the value is more than OUTLIER_RATIO times off what the series usually
    does that month (level x seasonal ratio), so noisy peaks of ordinary size are not flagged. Intermittent series
    (30 % or more zero months) are skipped: for them a lone order is the normal pattern. So Christmas or spring
    peaks are not flagged, a one-off spike is; months explained by a row of `events` (a promotion) are expected.
    """
    if view.frame.height == 0:
        return []
    series = ["item_id", "region_id"]
    frame = view.frame.sort([*series, "period"])
    level = pl.col("quantity").rolling_mean(window_size=13, center=True, min_samples=7).over(series)
    frame = frame.with_columns(
        (pl.col("quantity") / level).alias("__ratio"),
        pl.col("period").dt.month().alias("__month"),
        level.alias("__level"),
    )
    seasonal = pl.col("__ratio").median().over([*series, "__month"])
    frame = frame.with_columns(
        (pl.col("__ratio") - seasonal).alias("__residual"), (pl.col("__level") * seasonal).alias("__expected")
    )
    scale = pl.col("__residual").abs().median().over(series) * 1.4826
    flagged = frame.with_columns((pl.col("__residual").abs() / scale).alias("__z")).filter(
        (pl.col("__z") > OUTLIER_Z)
        & pl.col("__z").is_finite()
        & (pl.col("__level") > 0)
        & ((pl.col("quantity") == 0).mean().over(series) < INTERMITTENT_ZERO_SHARE)
        & (((pl.col("quantity") + 1) / (pl.col("__expected") + 1)).log().abs() > math.log(OUTLIER_RATIO))
    )
    explained = _explained_by_events(views or {})
    flagged = flagged.join(
        explained.filter(pl.col("region_id").is_not_null()), on=["item_id", "region_id", "period"], how="anti"
    ).join(explained.filter(pl.col("region_id").is_null()).drop("region_id"), on=["item_id", "period"], how="anti")
    return _row_issues(
        view,
        flagged,
        "outlier",
        "quantity",
        "{quantity:g} for {item_id} / {region_id} in {period:%Y-%m} is {__z:.0f} robust deviations from the same "
        "month in other years",
        "check the value; the demand review can cleanse it from the baseline",
        Severity.WARNING,
    )


def check_sourcing_shares(view: TableView) -> list[Issue]:
    if view.frame.height == 0:
        return []
    totals = view.frame.group_by(["item_id", "region_id"], maintain_order=True).agg(
        pl.col("share").sum(), pl.col(ROW).min()
    )
    bad = totals.filter((pl.col("share") - 1.0).abs() > 1e-6)
    return _row_issues(
        view,
        bad,
        "share_sum",
        "share",
        "the shares of {item_id} in {region_id} add up to {share:g}, not 1",
        "make the sourcing shares of each item and region add up to 1",
    )


def check_event_targets(view: TableView) -> list[Issue]:
    frame = view.frame
    if frame.height == 0:
        return []
    both = pl.col("item_id").is_not_null() == pl.col("family_id").is_not_null()
    neither = pl.col("uplift_pct").is_null() & pl.col("uplift_qty").is_null()
    issues = _row_issues(
        view,
        frame.filter(both),
        "event_target",
        "item_id",
        "an event names either an item or a family, not both or neither",
        "fill exactly one of item_id and family_id",
    )
    issues += _row_issues(
        view,
        frame.filter(neither),
        "event_target",
        "uplift_pct",
        "the event has no uplift",
        "fill uplift_pct or uplift_qty",
    )
    return issues


def check_lifecycle_dates(view: TableView) -> list[Issue]:
    frame = view.frame
    if frame.height == 0:
        return []
    issues = _row_issues(
        view,
        frame.filter((pl.col("lifecycle") == "phase_out") & pl.col("end_period").is_null()),
        "lifecycle_dates",
        "end_period",
        "{item_id} is phase-out without an end period; its forecast will not run out",
        "give the last month of sales in end_period",
        Severity.WARNING,
    )
    issues += _row_issues(
        view,
        frame.filter((pl.col("lifecycle") == "new") & pl.col("launch_period").is_null()),
        "lifecycle_dates",
        "launch_period",
        "{item_id} is new without a launch period; it is forecast from its first sale",
        "give the first month of sales in launch_period",
        Severity.WARNING,
    )
    return issues


def _frame(views: dict[str, TableView], name: str, columns: list[str]) -> pl.DataFrame:
    if name in views and set(columns) <= set(views[name].frame.columns):
        return views[name].frame.select(columns)
    return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


def check_costs_cover_modelled_parts(view: TableView, views: dict[str, TableView]) -> list[Issue]:
    """The cost convention (data dictionary, `costs`): material + conversion is the FULL standard cost.

    Error when material < sum_c quantity_per_ic x cheapest supplier unit_cost of c: a standard cannot be cheaper
    than the components it includes (a material without them reads the convention the other way, and the P&L
    would show their cost as margin). Warning when conversion < sum_k usage_isk x wage_per_worker_k /
    hours_per_worker_k over labour pools with a `workforce` row: the standard labour rate may lag a pay rise, so
    the plan goes on (its make cost is floored at 0 and the gap shows as `standard_shortfall`), but it is shown.
    """
    frame = view.frame
    if frame.height == 0:
        return []
    parts = _frame(views, "components", ["item_id", "component_id", "quantity_per"])
    prices = _frame(views, "suppliers", ["part_id", "unit_cost"]).group_by("part_id").agg(pl.col("unit_cost").min())
    bought = (
        parts.join(prices, left_on="component_id", right_on="part_id")
        .group_by("item_id")
        .agg((pl.col("quantity_per") * pl.col("unit_cost")).sum().alias("__components"))
    )
    staff = _frame(views, "workforce", ["resource_id", "hours_per_worker", "wage_per_worker"])
    staff = staff.filter(pl.col("hours_per_worker") > 0).unique("resource_id")
    rate = (pl.col("wage_per_worker").fill_null(0.0) / pl.col("hours_per_worker")).alias("__rate")
    routing = _frame(views, "routings", ["item_id", "site_id", "resource_id", "usage_per_unit"])
    paid = (
        routing.join(staff.select("resource_id", rate), on="resource_id")
        .group_by(["item_id", "site_id"])
        .agg((pl.col("usage_per_unit") * pl.col("__rate")).sum().alias("__labour"))
    )
    costed = frame.join(bought, on="item_id", how="left").join(paid, on=["item_id", "site_id"], how="left")
    costed = costed.with_columns(pl.col("__components", "__labour").fill_null(0.0)).sort(ROW)
    issues = _row_issues(
        view,
        costed.filter(pl.col("material") < pl.col("__components") - 1e-9),
        "costs_below_modelled",
        "material",
        "material {value:g} of {item_id} at {site_id} is below the {__components:g} of its components bought from "
        "suppliers (quantity_per x cheapest unit_cost)",
        "costs.material is the full standard material cost, the components included (data dictionary, cost "
        "convention): add the components' cost",
    )
    return issues + _row_issues(
        view,
        costed.filter(pl.col("conversion") < pl.col("__labour") - 1e-9),
        "costs_below_modelled",
        "conversion",
        "conversion {value:g} of {item_id} at {site_id} is below the {__labour:.2f} its labour-pool hours cost in "
        "wages (usage_per_unit x wage_per_worker / hours_per_worker)",
        "costs.conversion is the full standard conversion cost, labour included: check the standard labour rate",
        Severity.WARNING,
    )


# ---- impossible data (each would otherwise be planned in silence) ------------------------------------------------


def check_bom_cycles(view: TableView) -> list[Issue]:
    """An item cannot consume itself, directly (`item_id` = `component_id`) or through other items (A uses B, B
    uses A): no quantity of either could ever be made (`bom_cycle`). Depth-first search over the few BOM rows."""
    frame = view.frame.filter(pl.col("item_id").is_not_null() & pl.col("component_id").is_not_null())
    uses: dict[str, list[str]] = {}
    for item, component in frame.select("item_id", "component_id").iter_rows():
        uses.setdefault(item, []).append(component)
    on_cycle: set[str] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in uses:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = uses.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    on_cycle.update(path[path.index(child) :])
                elif not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    bad = frame.filter(pl.col("item_id").is_in(list(on_cycle)) & pl.col("component_id").is_in(list(on_cycle)))
    return _row_issues(
        view,
        bad,
        "bom_cycle",
        "component_id",
        "{item_id} consumes {value}, which (directly or through other items) consumes {item_id}",
        "a bill of materials cannot loop: remove the row that makes an item its own component",
    )


def check_launch_before_end(view: TableView) -> list[Issue]:
    """An item launched after its end month would never sell (`launch_after_end`)."""
    if view.frame.height == 0:
        return []
    bad = view.frame.filter(pl.col("launch_period") > pl.col("end_period"))
    return _row_issues(
        view,
        bad,
        "launch_after_end",
        "launch_period",
        "{item_id} is launched in {value:%Y-%m}, after its end period {end_period:%Y-%m}",
        "the launch month must come before (or be) the end month",
    )


def check_headcount_bounds(view: TableView) -> list[Issue]:
    """min_headcount above max_headcount leaves the labour plan no possible headcount (`headcount_bounds`)."""
    if view.frame.height == 0:
        return []
    bad = view.frame.filter(pl.col("min_headcount") > pl.col("max_headcount"))
    return _row_issues(
        view,
        bad,
        "headcount_bounds",
        "min_headcount",
        "min_headcount {value:g} of {resource_id} at {site_id} is above max_headcount {max_headcount:g}",
        "the lowest allowed headcount must not exceed the highest",
    )


def check_past_due_supply(view: TableView, as_of: date) -> list[Issue]:
    """Open orders due before the current month are not in any plan month: the plan ignores them. Shown, so the
    planner reschedules them in the ERP instead of losing them unseen (`past_due_open_supply`, a warning)."""
    if view.frame.height == 0:
        return []
    bad = view.frame.filter(pl.col("period") < as_of.replace(day=1))
    return _row_issues(
        view,
        bad,
        "past_due_open_supply",
        "period",
        "{kind} order of {quantity:g} {part_id} at {site_id} was due in {value:%Y-%m}, before "
        f"{as_of:%Y-%m}: the plan leaves it out",
        "reschedule the order in the ERP (or delete it if it was received) and export again",
        Severity.WARNING,
    )


def check_no_routing(views: dict[str, TableView]) -> list[Issue]:
    """An item made at a plant with capacity-constrained resources needs a routing there; without one the plan
    cannot make it at that plant (it does not invent capacity) and serves it from stock and open orders only
    (`no_routing`, a warning). "Made" means: sourced from the plant, or costed there."""
    if "routings" not in views and "resources" not in views:
        return []
    constrained = _frame(views, "resources", ["site_id"]).get_column("site_id").drop_nulls().unique()
    plants = _frame(views, "sites", ["site_id", "kind"]).filter(pl.col("kind") == "plant")
    plants = plants.filter(pl.col("site_id").is_in(constrained.implode()))
    routed = _frame(views, "routings", ["item_id", "site_id"]).unique()
    issues: list[Issue] = []
    for name in ("sourcing", "costs"):
        if name not in views:
            continue
        view = views[name]
        pairs = view.frame.filter(pl.col("item_id").is_not_null() & pl.col("site_id").is_not_null())
        pairs = pairs.join(plants.select("site_id"), on="site_id").join(routed, on=["item_id", "site_id"], how="anti")
        pairs = pairs.unique(["item_id", "site_id"], keep="first", maintain_order=True)
        issues += _row_issues(
            view,
            pairs,
            "no_routing",
            "item_id",
            "{value} has no routing at plant {site_id}: the plan cannot make it there",
            "add the item's routing rows at the plant (resources and hours per unit)",
            Severity.WARNING,
        )
    return issues
