"""The catalogue of validation checks: small named rules, each returning issues into one report.

Every check is vectorized over a polars frame (10M history rows are checked in seconds); a rule that fires on
many rows lists the first `ROW_LIMIT` and one summary line, so a wrong column never floods the report. Rule names
are stable: tests, the API and the documentation refer to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import polars as pl

from opensop.ingest.readers import RawTable
from opensop.ingest.report import Issue, Severity
from opensop.schema.dictionary import DICTIONARY, REQUIRED_TABLES, Column, ColumnType, Table

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
            message.format(value=record.get(column), **record),
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


def _typed(column: Column, text: pl.Expr) -> pl.Expr:
    if column.dtype is ColumnType.STRING:
        return text
    if column.dtype in (ColumnType.PERIOD, ColumnType.DATE):
        return text.map_batches(parse_dates, return_dtype=pl.Date)
    number = text.str.replace_all(r"[\s\u00a0]", "").cast(pl.Float64, strict=False)
    number = pl.when(number.is_finite()).then(number)
    if column.dtype is ColumnType.INTEGER:
        return pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)
    return number


def type_columns(view: TableView) -> list[Issue]:
    """Parse every known column; cells that do not parse become `wrong_type` issues and nulls."""
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
    typed = stripped.with_columns(_typed(c, pl.col(c.name)).alias(c.name) for c in names)
    issues: list[Issue] = []
    for column in names:
        if column.dtype is ColumnType.STRING:
            continue
        bad = stripped.filter(pl.col(column.name).is_not_null() & typed[column.name].is_null())
        expected = {
            ColumnType.FLOAT: "a number",
            ColumnType.INTEGER: "a whole number",
            ColumnType.PERIOD: "a month (2025-03 or 2025-03-01)",
            ColumnType.DATE: "a date (2025-03-14)",
        }[column.dtype]
        issues += _row_issues(
            view,
            bad.select(ROW, column.name),
            "wrong_type",
            column.name,
            "{value!r} is not " + expected,
            f"write {expected} in {column.name}",
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


def check_ranges(view: TableView) -> list[Issue]:
    """Negative quantities where forbidden get their own rule: it is the most common data mistake."""
    issues: list[Issue] = []
    for column in view.table.columns:
        if column.name not in view.frame.columns or column.dtype not in (ColumnType.FLOAT, ColumnType.INTEGER):
            continue
        value = pl.col(column.name)
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


def check_duplicate_keys(view: TableView) -> list[Issue]:
    key = [c for c in view.table.key if c in view.frame.columns]
    if not key:
        return []
    duplicated = view.frame.filter(pl.struct(key).is_duplicated())
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
