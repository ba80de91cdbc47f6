"""The data contract: every input table and column declared once.

Validation (`opensop.ingest.checks`), the canonical frames (`opensop.schema.frames`), the storage tables and
`docs/data-dictionary.md` are all derived from this one declaration, as PyPSA derives its components from one
attribute table: a column added here is validated, stored and documented without touching anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types; `period` is a month, stored as its first day."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    PERIOD = "period"
    DATE = "date"


class TableKind(StrEnum):
    MASTER = "master data"
    TRANSACTION = "transactions"
    FINANCE = "finance & policy"


@dataclass(frozen=True)
class Reference:
    """A foreign key: the value must exist in one of the target columns (empty values are allowed)."""

    targets: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        return " or ".join(f"{table}.{column}" for table, column in self.targets)


TEXT_MAX_LENGTH = 200
"""Longest text cell: the width of every text column in storage (`store.tables`), checked on import before
anything is written, so SQLite (which would store more) and PostgreSQL (which would crash) refuse alike."""

PLAUSIBLE_MAGNITUDE = 1e12
"""Default plausibility bound: |value| above it is refused (`implausible_value`). A number like 1e308 is finite but
turns into infinity as soon as the plan multiplies it; no planning quantity, price or capacity comes near 1e12."""


@dataclass(frozen=True)
class Column:
    """One column of the contract; `plausible` bounds |value| of numbers (rule `implausible_value`)."""

    name: str
    dtype: ColumnType
    description: str
    unit: str = ""
    required: bool = True
    default: str | float | int | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: Reference | None = None
    plausible: float = PLAUSIBLE_MAGNITUDE


@dataclass(frozen=True)
class Table:
    name: str
    kind: TableKind
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    outlier_columns: tuple[str, ...] = field(default=())
    notes: str = ""  # Markdown printed under the table in docs/data-dictionary.md (conventions, worked examples)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name}")


def ref(*targets: str) -> Reference:
    return Reference(tuple((t.split(".")[0], t.split(".")[1]) for t in targets))


S, INT, F, P = ColumnType.STRING, ColumnType.INTEGER, ColumnType.FLOAT, ColumnType.PERIOD
ITEM = ref("items.item_id")
PART = ref("items.item_id", "components.component_id")
REGION = ref("regions.region_id")
SITE = ref("sites.site_id")
RESOURCE = ref("resources.resource_id")
FAMILY = ref("families.family_id")
NON_NEGATIVE = 0.0

COST_CONVENTION = """\
**Cost convention.** `material` + `conversion` is the FULL standard cost of one unit made at the site: what stock
is valued at and what the ERP's standard cost holds. `material` includes the critical components of `components`
(at their cheapest supplier's `unit_cost`), `conversion` the labour and machine time of the routing (labour-pool
hours at their workers' `wage_per_worker` / `hours_per_worker` when the pool has a `workforce` row). A site without
a costs row for an item takes the mean of the item's costs rows, else `items.unit_cost`. The same figures are read
by every part of OpenSOP:

* **stock** (inventory value, holding cost, obsolescence and excess risk) is valued at the standard;
* the **supply plan** pays what it models on its own lines — components on the purchase line (`suppliers`), labour
  pools with a `workforce` row in wages, per head, whether used or not — and per unit made only the rest, the
  *make cost* = max(0, standard - components x cheapest supplier price - labour-pool hours x wage per hour), so
  nothing is paid twice;
* the **P&L** charges the standard cost of the units sold plus the plan's variances (labour idle or on overtime,
  a dearer supplier than the cheapest, the subcontract premium, freight): COGS is what the plan pays, with stock
  at standard.

Worked example. Item A (price 100) uses one component C (cheapest supplier: 30 EUR), 10 EUR of other material,
0.5 h on machine M (20 EUR/h of machine cost) and 0.5 h of labour pool L (workers paid 2,000 a month for 100 h:
20 EUR/h). Its costs row is `material` = 30 + 10 = **40**, `conversion` = 0.5 x 20 + 0.5 x 20 = **20**: standard
**60**, the value of a unit in stock. Making 400 units a month with L's 2 workers fully busy, the plan pays
400 x make cost (60 - 30 - 10 = 20) = 8,000 + purchases 400 x 30 = 12,000 + wages 2 x 2,000 = 4,000 = 24,000 =
400 x 60: the standard, once. Selling them at 100 gives a gross margin of 40 a unit (40 %). In a month making 300
units, L is idle a quarter of the time: the plan pays 300 x 20 + 300 x 30 + 4,000 = 19,000, the P&L shows the
standard cost of sales 300 x 60 = 18,000 plus a conversion variance of 1,000 (the wages of the idle hours).
Read the other way (`material` 10 without C, `conversion` 10 without L's labour: a standard of 20), stock would
be valued at a third of its cost and the P&L would show a margin of 80 (80 %) instead of 40: the
`costs_below_modelled` validation rule refuses a `material` below the components it includes, and warns on a
`conversion` below its labour-pool wages.
"""

TABLES: tuple[Table, ...] = (
    Table(
        "families",
        TableKind.MASTER,
        "Product families: the level at which S&OP decisions are taken.",
        (
            Column("family_id", S, "Family code."),
            Column("category_id", S, "Category the family belongs to (the level above)."),
            Column("description", S, "Family name shown to planners.", required=False, default=""),
        ),
        key=("family_id",),
        required=True,
    ),
    Table(
        "items",
        TableKind.MASTER,
        "Sellable items (finished goods and spare parts).",
        (
            Column("item_id", S, "Item code (SKU)."),
            Column("description", S, "Item name.", required=False, default=""),
            Column("family_id", S, "Family of the item.", references=FAMILY),
            Column("unit", S, "Unit of measure of quantities.", required=False, default="unit"),
            Column(
                "lifecycle",
                S,
                "Life-cycle stage: drives the forecast method (like-item profile, run-out to zero).",
                required=False,
                default="active",
                allowed=("active", "new", "phase_out"),
            ),
            Column("launch_period", P, "First month of sales of a new item.", required=False),
            Column("end_period", P, "Last month of sales of a phase-out item.", required=False),
            Column("unit_price", F, "List price when no `prices` row applies.", "EUR/unit", minimum=NON_NEGATIVE),
            Column(
                "unit_cost",
                F,
                "Full standard cost (as `costs` material + conversion) when no `costs` row applies.",
                "EUR/unit",
                minimum=NON_NEGATIVE,
            ),
            Column(
                "abc_class",
                S,
                "ABC class: picks the service-level policy.",
                required=False,
                default="B",
                allowed=("A", "B", "C"),
            ),
            Column("max_stock", F, "Maximum stock of the item per site.", "unit", required=False, minimum=NON_NEGATIVE),
            Column(
                "like_item_id",
                S,
                "Existing item whose history profiles a new launch.",
                required=False,
                references=ITEM,
            ),
        ),
        key=("item_id",),
        required=True,
    ),
    Table(
        "regions",
        TableKind.MASTER,
        "Sales regions or channels (demand is planned per item x region).",
        (
            Column("region_id", S, "Region or channel code."),
            Column("channel", S, "Channel (retail, industry, export...).", required=False, default=""),
            Column("description", S, "Region name.", required=False, default=""),
            Column(
                "priority",
                INT,
                "Service priority when supply is short (1 = served first).",
                required=False,
                default=1,
                minimum=1,
            ),
        ),
        key=("region_id",),
        required=True,
    ),
    Table(
        "sites",
        TableKind.MASTER,
        "Plants and warehouses.",
        (
            Column("site_id", S, "Site code."),
            Column("kind", S, "Plant (makes) or warehouse (stores).", allowed=("plant", "warehouse")),
            Column("description", S, "Site name.", required=False, default=""),
            Column(
                "storage_capacity",
                F,
                "Maximum units in stock at the site (empty: unlimited).",
                "unit",
                required=False,
                minimum=NON_NEGATIVE,
            ),
        ),
        key=("site_id",),
        required=True,
    ),
    Table(
        "sourcing",
        TableKind.MASTER,
        "Which site serves which share of an item's demand in a region.",
        (
            Column("item_id", S, "Item.", references=ITEM),
            Column("region_id", S, "Region served.", references=REGION),
            Column("site_id", S, "Serving site.", references=SITE),
            Column("share", F, "Share of the demand served by the site.", "fraction", minimum=0.0, maximum=1.0),
        ),
        key=("item_id", "region_id", "site_id"),
    ),
    Table(
        "resources",
        TableKind.MASTER,
        "Capacity-constrained resources: machines, labour pools, storage.",
        (
            Column("resource_id", S, "Resource code."),
            Column("site_id", S, "Site of the resource.", references=SITE),
            Column("kind", S, "Machine, labour or storage.", allowed=("machine", "labour", "storage")),
            Column("description", S, "Resource name.", required=False, default=""),
            Column("unit", S, "Capacity unit.", required=False, default="hour"),
            Column("regular_capacity", F, "Regular capacity per month.", "unit/month", minimum=NON_NEGATIVE),
            Column(
                "overtime_capacity",
                F,
                "Extra capacity per month on overtime.",
                "unit/month",
                required=False,
                default=0.0,
                minimum=NON_NEGATIVE,
            ),
            Column(
                "overtime_cost",
                F,
                "Cost of one unit of overtime capacity.",
                "EUR/unit",
                required=False,
                default=0.0,
                minimum=NON_NEGATIVE,
            ),
        ),
        key=("resource_id",),
    ),
    Table(
        "resource_calendar",
        TableKind.MASTER,
        "Month-specific capacity (maintenance, holidays) overriding the resource's standard capacity.",
        (
            Column("resource_id", S, "Resource.", references=RESOURCE),
            Column("period", P, "Month."),
            Column("regular", F, "Regular capacity in that month.", "unit/month", minimum=NON_NEGATIVE),
            Column(
                "overtime",
                F,
                "Overtime capacity in that month.",
                "unit/month",
                required=False,
                minimum=NON_NEGATIVE,
            ),
        ),
        key=("resource_id", "period"),
    ),
    Table(
        "routings",
        TableKind.MASTER,
        "Resource usage per unit made (rough-cut routing).",
        (
            Column("item_id", S, "Item made.", references=ITEM),
            Column("site_id", S, "Plant making it.", references=SITE),
            Column("resource_id", S, "Resource used.", references=RESOURCE),
            Column(
                "usage_per_unit", F, "Capacity used per unit made.", "unit/unit", minimum=NON_NEGATIVE, plausible=1e6
            ),
        ),
        key=("item_id", "site_id", "resource_id"),
    ),
    Table(
        "components",
        TableKind.MASTER,
        "Critical purchased components (one-level bill of materials).",
        (
            Column("item_id", S, "Item made.", references=ITEM),
            Column("component_id", S, "Component consumed."),
            Column("quantity_per", F, "Components per unit made.", "unit/unit", minimum=NON_NEGATIVE, plausible=1e6),
        ),
        key=("item_id", "component_id"),
    ),
    Table(
        "suppliers",
        TableKind.MASTER,
        "Supply sources of components: lead time, capacity, price.",
        (
            Column("supplier_id", S, "Supplier code."),
            Column("part_id", S, "Component supplied.", references=ref("components.component_id")),
            Column("lead_time_months", INT, "Months from order to receipt.", "month", minimum=0, maximum=24),
            Column(
                "monthly_capacity",
                F,
                "Most the supplier can deliver per month (empty: unlimited).",
                "unit/month",
                required=False,
                minimum=NON_NEGATIVE,
            ),
            Column("unit_cost", F, "Purchase price.", "EUR/unit", minimum=NON_NEGATIVE),
        ),
        key=("supplier_id", "part_id"),
    ),
    Table(
        "workforce",
        TableKind.MASTER,
        "Labour pools: capacity is headcount x hours, paid whether used or not.",
        (
            Column("site_id", S, "Site.", references=SITE),
            Column("resource_id", S, "Labour resource.", references=RESOURCE),
            Column("headcount", F, "Current headcount.", "person", minimum=NON_NEGATIVE),
            Column("hours_per_worker", F, "Regular hours per worker per month.", "hour/month", minimum=NON_NEGATIVE),
            Column(
                "max_overtime_per_worker",
                F,
                "Most overtime hours per worker per month.",
                "hour/month",
                required=False,
                default=0.0,
                minimum=NON_NEGATIVE,
            ),
            Column(
                "wage_per_worker",
                F,
                "Monthly loaded cost of one worker (its hourly rate is the labour in `costs.conversion`).",
                "EUR/month",
                required=False,
                default=0.0,
            ),
            Column("hire_cost", F, "Cost of one hire.", "EUR/person", required=False, default=0.0, minimum=0.0),
            Column("layoff_cost", F, "Cost of one layoff.", "EUR/person", required=False, default=0.0, minimum=0.0),
            Column("min_headcount", F, "Lowest allowed headcount.", "person", required=False, minimum=0.0),
            Column("max_headcount", F, "Highest allowed headcount.", "person", required=False, minimum=0.0),
        ),
        key=("site_id", "resource_id"),
    ),
    Table(
        "lanes",
        TableKind.MASTER,
        "Transport lanes between sites.",
        (
            Column("from_site", S, "Shipping site.", references=SITE),
            Column("to_site", S, "Receiving site.", references=SITE),
            Column("cost_per_unit", F, "Transport cost.", "EUR/unit", minimum=NON_NEGATIVE),
            Column("lead_time_months", INT, "Transit time.", "month", required=False, default=0, minimum=0, maximum=6),
        ),
        key=("from_site", "to_site"),
    ),
    Table(
        "sales_history",
        TableKind.TRANSACTION,
        "Shipped or ordered quantities; daily or weekly rows are bucketed to months on import.",
        (
            Column("period", P, "Month of the sale (a `date` column is accepted and bucketed)."),
            Column("item_id", S, "Item sold.", references=ITEM),
            Column("region_id", S, "Region of the sale.", references=REGION),
            Column("quantity", F, "Quantity sold (returns as negative rows are netted).", "unit"),
            Column("revenue", F, "Revenue of the sale.", "EUR", required=False),
        ),
        key=("period", "item_id", "region_id"),
        required=True,
        outlier_columns=("quantity",),
    ),
    Table(
        "inventory",
        TableKind.TRANSACTION,
        "Stock on hand at the start of the horizon.",
        (
            Column("item_id", S, "Item or component.", references=PART),
            Column("site_id", S, "Site holding it.", references=SITE),
            Column("on_hand", F, "Quantity on hand.", "unit", minimum=NON_NEGATIVE),
        ),
        key=("item_id", "site_id"),
    ),
    Table(
        "open_supply",
        TableKind.TRANSACTION,
        "Supply already committed: production orders, purchase orders, transfers in transit.",
        (
            Column("part_id", S, "Item or component.", references=PART),
            Column("site_id", S, "Receiving site.", references=SITE),
            Column("period", P, "Month of receipt."),
            Column("quantity", F, "Quantity.", "unit", minimum=NON_NEGATIVE),
            Column("kind", S, "Order type.", allowed=("production", "purchase", "transfer")),
        ),
        key=("part_id", "site_id", "period", "kind"),
    ),
    Table(
        "backorders",
        TableKind.TRANSACTION,
        "Demand already late at the start of the horizon.",
        (
            Column("item_id", S, "Item.", references=ITEM),
            Column("region_id", S, "Region.", references=REGION),
            Column("quantity", F, "Quantity late.", "unit", minimum=NON_NEGATIVE),
        ),
        key=("item_id", "region_id"),
    ),
    Table(
        "events",
        TableKind.TRANSACTION,
        "Promotions and known events: removed from the baseline and added back as explicit uplifts.",
        (
            Column("item_id", S, "Item (or give family_id).", required=False, references=ITEM),
            Column("family_id", S, "Family (or give item_id).", required=False, references=FAMILY),
            Column("region_id", S, "Region (empty: all).", required=False, references=REGION),
            Column("period", P, "Month of the event."),
            Column(
                "uplift_pct",
                F,
                "Uplift in percent of the baseline.",
                "%",
                required=False,
                minimum=-100.0,
                plausible=1e4,
            ),
            Column("uplift_qty", F, "Uplift in units.", "unit", required=False),
            Column("label", S, "Event name.", required=False, default=""),
        ),
        key=("item_id", "family_id", "region_id", "period", "label"),
    ),
    Table(
        "prices",
        TableKind.FINANCE,
        "Net selling prices by region, valid from a month on.",
        (
            Column("item_id", S, "Item.", references=ITEM),
            Column("region_id", S, "Region.", references=REGION),
            Column("period_from", P, "First month the price applies."),
            Column("price", F, "Net price.", "EUR/unit", minimum=NON_NEGATIVE),
        ),
        key=("item_id", "region_id", "period_from"),
    ),
    Table(
        "costs",
        TableKind.FINANCE,
        "Standard costs by item and site.",
        (
            Column("item_id", S, "Item.", references=ITEM),
            Column("site_id", S, "Plant.", references=SITE),
            Column(
                "material",
                F,
                "Standard material cost per unit, the components of `components` included.",
                "EUR/unit",
                minimum=NON_NEGATIVE,
            ),
            Column(
                "conversion",
                F,
                "Standard conversion cost per unit: labour (workforce pools included) and machine time.",
                "EUR/unit",
                minimum=NON_NEGATIVE,
            ),
            Column(
                "subcontract_cost",
                F,
                "Cost per unit bought from a subcontractor (empty: no subcontracting).",
                "EUR/unit",
                required=False,
                minimum=NON_NEGATIVE,
            ),
            Column(
                "subcontract_capacity",
                F,
                "Most units a subcontractor can deliver per month.",
                "unit/month",
                required=False,
                minimum=NON_NEGATIVE,
            ),
        ),
        key=("item_id", "site_id"),
        notes=COST_CONVENTION,
    ),
    Table(
        "budget",
        TableKind.FINANCE,
        "Annual budget by family, region and month.",
        (
            Column("family_id", S, "Family.", references=FAMILY),
            Column("region_id", S, "Region.", references=REGION),
            Column("period", P, "Month."),
            Column("quantity", F, "Budgeted volume.", "unit", minimum=NON_NEGATIVE),
            Column("revenue", F, "Budgeted revenue.", "EUR", minimum=NON_NEGATIVE),
        ),
        key=("family_id", "region_id", "period"),
    ),
    Table(
        "policies",
        TableKind.FINANCE,
        "Planning policies per ABC class: service target and the costs the supply plan trades off.",
        (
            Column("abc_class", S, "ABC class.", allowed=("A", "B", "C")),
            Column("service_level", F, "Target cycle service level.", "fraction", minimum=0.5, maximum=0.9999),
            Column(
                "holding_cost_rate",
                F,
                "Yearly holding cost as a share of unit cost.",
                "1/year",
                minimum=0.0,
                plausible=100.0,
            ),
            Column(
                "backlog_cost_rate",
                F,
                "Cost of one unit late one month, as a share of price.",
                "1/month",
                minimum=0.0,
                plausible=100.0,
            ),
            Column(
                "lost_sales_rate",
                F,
                "Penalty of one lost unit, as a share of price.",
                "fraction",
                minimum=0.0,
                plausible=100.0,
            ),
            Column(
                "max_backlog_months",
                INT,
                "Months an order may stay late before it is lost.",
                "month",
                minimum=0,
                maximum=120,
            ),
        ),
        key=("abc_class",),
    ),
)

DICTIONARY: dict[str, Table] = {table.name: table for table in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(table.name for table in TABLES if table.required)


def table(name: str) -> Table:
    return DICTIONARY[name]
