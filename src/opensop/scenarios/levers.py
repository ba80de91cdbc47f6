"""Scenario levers: each a frozen dataclass whose `apply` is a pure function of the scenario inputs.

`apply(inputs) -> inputs` returns modified copies of the data, the demand frame, the config and the investments
(label, resource_id, period, amount); nothing is changed in place. Periods are ISO months ("2027-07").
Scopes (family_ids, region_ids, item_ids, ...) are tuples; empty means "all".

Demand value columns: `quantity` and, when present, the forecast's `forecast, lo_80, hi_80, lo_95, hi_95, sigma`
columns; a demand lever changes all of them alike, so intervals stay ordered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from opensop.config import Objective, PlanningConfig
from opensop.errors import InvalidRequest
from opensop.periods import month_start
from opensop.schema import DICTIONARY, PlanningData, conform
from opensop.supply.coefficients import DEFAULT_POLICY, component_prices, prices

VALUE_COLUMNS: tuple[str, ...] = ("quantity", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "sigma")
WEEKS_PER_MONTH = 52.0 / 12.0
INVESTMENT_COLUMNS: list[str] = ["label", "resource_id", "period", "amount"]


@dataclass(frozen=True)
class ScenarioInputs:
    """What a scenario plans from: data, demand (item_id, region_id, period, quantity, ...), config, investments."""

    data: PlanningData
    demand: pd.DataFrame
    config: PlanningConfig
    investments: pd.DataFrame


def no_investments() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "period" else object) for c in INVESTMENT_COLUMNS})


def _table(data: PlanningData, name: str, frame: pd.DataFrame) -> PlanningData:
    return replace(data, **{name: conform(DICTIONARY[name], frame)})


def _values(demand: pd.DataFrame) -> list[str]:
    return [c for c in VALUE_COLUMNS if c in demand.columns]


def _in(series: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    return series.astype(str).isin(set(allowed)) if allowed else pd.Series(True, index=series.index)


def _period_mask(periods: pd.Series, start: str | None, end: str | None) -> pd.Series:
    when = pd.to_datetime(periods)
    mask = pd.Series(True, index=periods.index)
    if start is not None:
        mask &= when >= month_start(start)
    if end is not None:
        mask &= when <= month_start(end)
    return mask


def _horizon_end(inputs: ScenarioInputs) -> pd.Timestamp:
    return month_start(str(pd.to_datetime(inputs.demand["period"]).max().date()))


class Lever:
    """Base of the levers: `kind` names the lever in JSON; subclasses are frozen dataclasses.

    `decision`: whether the lever is something the company decides (overtime, a shift, an investment, a price, a
    service target, a launch) rather than something it assumes will happen (a demand shock, a supplier lost, a
    line down). The recommendation ranks decisions under each assumption, never an assumption itself."""

    kind: ClassVar[str] = ""
    decision: ClassVar[bool] = False

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raw = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}  # type: ignore[call-overload]
        return {"kind": self.kind, **raw}


@dataclass(frozen=True)
class DemandChange(Lever):
    """d' = d x (1 + pct/100) + quantity x w_c in the scope's months, w_c = d_c / sum of the scope's d in that month
    (equal shares when that sum is 0); then clipped at 0."""

    kind: ClassVar[str] = "demand_change"
    pct: float = 0.0
    quantity: float = 0.0
    family_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    item_ids: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        demand = inputs.demand.copy()
        family = demand["item_id"].astype(str).map(inputs.data.items.set_index("item_id")["family_id"].astype(str))
        scope = (
            _in(family, self.family_ids)
            & _in(demand["region_id"], self.region_ids)
            & _in(demand["item_id"], self.item_ids)
            & _period_mask(demand["period"], self.period_from, self.period_to)
        )
        base = demand.loc[scope, "quantity"].astype(float)
        total = base.groupby(demand.loc[scope, "period"]).transform("sum")
        count = base.groupby(demand.loc[scope, "period"]).transform("size")
        share = np.where(total > 0, base / total.where(total > 0, 1.0), 1.0 / count)
        for column in _values(demand):
            changed = demand.loc[scope, column].astype(float) * (1.0 + self.pct / 100.0) + self.quantity * share
            demand.loc[scope, column] = changed.clip(lower=0.0)
        return replace(inputs, demand=demand)


@dataclass(frozen=True)
class LaunchProduct(Lever):
    """A new item like an existing one from `launch_period`: master data rows copied from the like item (routings,
    components, costs, sourcing, prices x price_factor), demand = like item's demand x volume_factor from launch."""

    kind: ClassVar[str] = "launch_product"
    decision: ClassVar[bool] = True
    item_id: str = ""
    like_item_id: str = ""
    launch_period: str = ""
    volume_factor: float = 1.0
    price_factor: float = 1.0
    description: str = ""

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        data = inputs.data
        items = data.items.astype({"item_id": str})
        if self.item_id in set(items["item_id"]):
            raise InvalidRequest(f"cannot launch {self.item_id}: the item already exists")
        like = items[items["item_id"] == self.like_item_id]
        if like.empty:
            raise InvalidRequest(f"cannot launch {self.item_id}: like item {self.like_item_id} does not exist")
        new = like.assign(
            item_id=self.item_id,
            description=self.description or f"{like['description'].iloc[0]} (new)",
            lifecycle="new",
            launch_period=month_start(self.launch_period),
            end_period=pd.Series(pd.NaT, index=like.index, dtype="datetime64[ns]"),
            like_item_id=self.like_item_id,
            unit_price=like["unit_price"] * self.price_factor,
        )
        data = _table(data, "items", pd.concat([items, new], ignore_index=True))
        for name in ("routings", "components", "costs", "sourcing", "prices"):
            frame = getattr(data, name)
            copied = frame[frame["item_id"].astype(str) == self.like_item_id].assign(item_id=self.item_id)
            if name == "prices":
                copied = copied.assign(price=copied["price"] * self.price_factor)
            data = _table(data, name, pd.concat([frame, copied], ignore_index=True))
        demand = inputs.demand
        rows = demand[
            (demand["item_id"].astype(str) == self.like_item_id)
            & _period_mask(demand["period"], self.launch_period, None)
        ].copy()
        for column in _values(rows):
            rows[column] = rows[column].astype(float) * self.volume_factor
        demand = pd.concat([demand, rows.assign(item_id=self.item_id)], ignore_index=True)
        return replace(inputs, data=data, demand=demand)


@dataclass(frozen=True)
class EndOfLife(Lever):
    """The item is phased out: lifecycle phase_out, end_period set, demand after end_period set to 0."""

    kind: ClassVar[str] = "end_of_life"
    decision: ClassVar[bool] = True
    item_id: str = ""
    end_period: str = ""

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        items = inputs.data.items.copy()
        mine = items["item_id"].astype(str) == self.item_id
        if not mine.any():
            raise InvalidRequest(f"cannot end {self.item_id}: the item does not exist")
        items.loc[mine, "lifecycle"] = "phase_out"
        items.loc[mine, "end_period"] = month_start(self.end_period)
        demand = inputs.demand.copy()
        after = (demand["item_id"].astype(str) == self.item_id) & (
            pd.to_datetime(demand["period"]) > month_start(self.end_period)
        )
        demand.loc[after, _values(demand)] = 0.0
        return replace(inputs, data=_table(inputs.data, "items", items), demand=demand)


def _current_capacity(data: PlanningData, resource_id: str, periods: pd.DatetimeIndex) -> pd.DataFrame:
    """period, regular, overtime of the resource: calendar rows where given, else the resource's standard."""
    resources = data.resources.astype({"resource_id": str}).set_index("resource_id")
    if resource_id not in resources.index:
        raise InvalidRequest(f"resource {resource_id} does not exist")
    standard = resources.loc[resource_id]
    calendar = data.resource_calendar[data.resource_calendar["resource_id"].astype(str) == resource_id]
    out = pd.DataFrame({"period": periods}).merge(calendar[["period", "regular", "overtime"]], on="period", how="left")
    out["regular"] = out["regular"].astype(float).fillna(float(standard["regular_capacity"]))
    out["overtime"] = out["overtime"].astype(float).fillna(float(standard["overtime_capacity"]))
    return out


def _set_capacity(data: PlanningData, resource_id: str, months: pd.DataFrame) -> PlanningData:
    """Replace the resource's calendar rows of `months` (period, regular, overtime)."""
    calendar = data.resource_calendar
    keep = ~((calendar["resource_id"].astype(str) == resource_id) & calendar["period"].isin(set(months["period"])))
    rows = months[["period", "regular", "overtime"]].assign(resource_id=resource_id)
    return _table(data, "resource_calendar", pd.concat([calendar[keep], rows], ignore_index=True))


def _add_investments(inputs: ScenarioInputs, rows: pd.DataFrame) -> pd.DataFrame:
    parts = [f for f in (inputs.investments, rows[INVESTMENT_COLUMNS]) if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else no_investments()


@dataclass(frozen=True)
class CapacityChange(Lever):
    """From period_from to period_to (default: the last demand month) the resource's regular capacity is x factor
    and its overtime x overtime_factor (default: factor): 0 = line down, 1.33 = an extra shift on a 3-shift base.
    `cost_per_month` (e.g. the extra shift's premium) is paid each month, as an investment line labelled `label`."""

    kind: ClassVar[str] = "capacity_change"
    decision: ClassVar[bool] = True
    resource_id: str = ""
    period_from: str = ""
    period_to: str | None = None
    factor: float = 1.0
    overtime_factor: float | None = None
    cost_per_month: float = 0.0
    label: str = ""

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        end = month_start(self.period_to) if self.period_to else _horizon_end(inputs)
        periods = pd.date_range(month_start(self.period_from), end, freq="MS")
        months = _current_capacity(inputs.data, self.resource_id, periods)
        months["regular"] *= self.factor
        months["overtime"] *= self.factor if self.overtime_factor is None else self.overtime_factor
        paid = pd.DataFrame(
            {
                "label": self.label or f"capacity change {self.resource_id}",
                "resource_id": self.resource_id,
                "period": periods,
                "amount": self.cost_per_month,
            }
        )
        investments = _add_investments(inputs, paid[paid["amount"] != 0])
        return replace(inputs, data=_set_capacity(inputs.data, self.resource_id, months), investments=investments)


@dataclass(frozen=True)
class CapacityScale(Lever):
    """Every resource in `resource_ids` (all when empty) keeps (1 + pct/100) of its regular and overtime capacity
    from period_from to period_to (default: the whole horizon). Written as calendar rows, so labour pools scale too:
    their hours follow the calendar (`opensop.supply.capacity`), where scaling the resource's standard capacity
    alone would leave them untouched. A cut (pct < 0) is an assumption; added capacity is a decision."""

    kind: ClassVar[str] = "capacity_scale"
    pct: float = 0.0
    resource_ids: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None

    @property
    def is_decision(self) -> bool:
        return self.pct > 0

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        start = (
            month_start(self.period_from)
            if self.period_from
            else month_start(str(pd.to_datetime(inputs.demand["period"]).min().date()))
        )
        end = month_start(self.period_to) if self.period_to else _horizon_end(inputs)
        periods = pd.date_range(start, end, freq="MS")
        known = sorted(set(inputs.data.resources["resource_id"].astype(str)))
        missing = sorted(set(self.resource_ids) - set(known))
        if missing:
            raise InvalidRequest(f"capacity_scale: resource(s) {', '.join(missing)} do not exist")
        data = inputs.data
        factor = max(0.0, 1.0 + self.pct / 100.0)
        for resource_id in self.resource_ids or tuple(known):
            months = _current_capacity(data, resource_id, periods)
            months["regular"] *= factor
            months["overtime"] *= factor
            data = _set_capacity(data, resource_id, months)
        return replace(inputs, data=data)


@dataclass(frozen=True)
class ResourceOutage(Lever):
    """The resource is down `weeks` weeks from the start of `start_period`: month k of the outage keeps
    1 - min(1, max(0, weeks - k x 52/12) / (52/12)) of its regular and overtime capacity."""

    kind: ClassVar[str] = "resource_outage"
    resource_id: str = ""
    start_period: str = ""
    weeks: float = 0.0

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        n = int(np.ceil(self.weeks / WEEKS_PER_MONTH))
        periods = pd.date_range(month_start(self.start_period), periods=n, freq="MS")
        down = np.clip(self.weeks - np.arange(n) * WEEKS_PER_MONTH, 0.0, WEEKS_PER_MONTH) / WEEKS_PER_MONTH
        months = _current_capacity(inputs.data, self.resource_id, periods)
        months["regular"] *= 1.0 - down
        months["overtime"] *= 1.0 - down
        return replace(inputs, data=_set_capacity(inputs.data, self.resource_id, months))


@dataclass(frozen=True)
class CapacityInvestment(Lever):
    """`added_capacity` more regular capacity per month on the resource from `start_period` to the last demand
    month; `cost` is paid in `start_period` (an investment line)."""

    kind: ClassVar[str] = "capacity_investment"
    decision: ClassVar[bool] = True
    resource_id: str = ""
    start_period: str = ""
    added_capacity: float = 0.0
    cost: float = 0.0
    label: str = ""

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        periods = pd.date_range(month_start(self.start_period), _horizon_end(inputs), freq="MS")
        months = _current_capacity(inputs.data, self.resource_id, periods)
        months["regular"] += self.added_capacity
        paid = pd.DataFrame(
            {
                "label": [self.label or f"investment {self.resource_id}"],
                "resource_id": [self.resource_id],
                "period": [month_start(self.start_period)],
                "amount": [self.cost],
            }
        )
        investments = _add_investments(inputs, paid)
        return replace(inputs, data=_set_capacity(inputs.data, self.resource_id, months), investments=investments)


@dataclass(frozen=True)
class SupplierLoss(Lever):
    """The supplier's rows (for `part_ids`, or all its parts) are removed: other sources must cover."""

    kind: ClassVar[str] = "supplier_loss"
    supplier_id: str = ""
    part_ids: tuple[str, ...] = ()

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        suppliers = inputs.data.suppliers
        lost = (suppliers["supplier_id"].astype(str) == self.supplier_id) & _in(suppliers["part_id"], self.part_ids)
        if not lost.any():
            raise InvalidRequest(f"supplier {self.supplier_id} supplies none of the parts named")
        return replace(inputs, data=_table(inputs.data, "suppliers", suppliers[~lost]))


@dataclass(frozen=True)
class LeadTimeChange(Lever):
    """The supplier's lead time becomes max(0, lead time + delta_months) months (for `part_ids`, or all)."""

    kind: ClassVar[str] = "lead_time_change"
    supplier_id: str = ""
    delta_months: int = 0
    part_ids: tuple[str, ...] = ()

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        suppliers = inputs.data.suppliers.copy()
        mine = (suppliers["supplier_id"].astype(str) == self.supplier_id) & _in(suppliers["part_id"], self.part_ids)
        suppliers.loc[mine, "lead_time_months"] = (suppliers.loc[mine, "lead_time_months"] + self.delta_months).clip(
            lower=0
        )
        return replace(inputs, data=_table(inputs.data, "suppliers", suppliers))


def _restandardise(data: PlanningData, before: PlanningData) -> PlanningData:
    """`data` with each item's standard (costs.material, items.unit_cost) moved by its components' price change
    from `before` (quantity_per x change of the cheapest supplier price)."""
    change = component_prices(data).merge(component_prices(before), on="component", suffixes=("", "_before"))
    change = change.assign(delta=change["price"] - change["price_before"])
    bom = data.components[["item_id", "component_id", "quantity_per"]].dropna().astype({"item_id": str})
    bom = bom.merge(change, left_on="component_id", right_on="component")
    delta = (bom["quantity_per"] * bom["delta"]).groupby(bom["item_id"]).sum()
    costs, items = data.costs.copy(), data.items.copy()
    costs["material"] = costs["material"] + costs["item_id"].astype(str).map(delta).fillna(0.0)
    items["unit_cost"] = items["unit_cost"] + items["item_id"].astype(str).map(delta).fillna(0.0)
    return _table(_table(data, "costs", costs), "items", items)


@dataclass(frozen=True)
class CostChange(Lever):
    """Costs x (1 + pct/100). target `material`: costs.material of the scope's items (items.unit_cost moves by the
    same amount, or x (1 + pct/100) for items without a costs row); `conversion`: costs.conversion likewise;
    `purchases`: suppliers.unit_cost of `part_ids` (all parts when empty), and the standard of every item using
    them moves by quantity_per x the change of the part's cheapest price (costs.material and items.unit_cost: the
    standard includes its components, see the data dictionary's cost convention), so the plan pays the rise once
    and the P&L shows it in the standard cost of sales."""

    kind: ClassVar[str] = "cost_change"
    pct: float = 0.0
    target: str = "material"
    family_ids: tuple[str, ...] = ()
    item_ids: tuple[str, ...] = ()
    part_ids: tuple[str, ...] = ()

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        data, rate = inputs.data, self.pct / 100.0
        if self.target == "purchases":
            suppliers = data.suppliers.copy()
            mine = _in(suppliers["part_id"], self.part_ids)
            suppliers.loc[mine, "unit_cost"] = suppliers.loc[mine, "unit_cost"] * (1.0 + rate)
            changed = _table(data, "suppliers", suppliers)
            return replace(inputs, data=_restandardise(changed, data))
        if self.target not in ("material", "conversion"):
            raise InvalidRequest(f"unknown cost target {self.target!r}", hint="material, conversion or purchases")
        items = data.items.copy()
        scope = _in(items["family_id"], self.family_ids) & _in(items["item_id"], self.item_ids)
        chosen = set(items.loc[scope, "item_id"].astype(str))
        costs = data.costs.copy()
        rows = costs["item_id"].astype(str).isin(chosen)
        delta = (costs.loc[rows, self.target] * rate).groupby(costs.loc[rows, "item_id"].astype(str)).mean()
        costs.loc[rows, self.target] = costs.loc[rows, self.target] * (1.0 + rate)
        ids = items["item_id"].astype(str)
        bump = ids.map(delta)
        costed = scope & bump.notna()
        items.loc[costed, "unit_cost"] = items.loc[costed, "unit_cost"] + bump[costed]
        if self.target == "material":
            bare = scope & bump.isna()
            items.loc[bare, "unit_cost"] = items.loc[bare, "unit_cost"] * (1.0 + rate)
        data = _table(_table(data, "costs", costs), "items", items)
        return replace(inputs, data=data)


@dataclass(frozen=True)
class PriceChange(Lever):
    """Prices of the scope x (1 + pct/100) from `period_from`. With no period_from and no region scope, every price
    row and items.unit_price of the scope are scaled. Otherwise (start = period_from, else the first demand month)
    rows valid after the start are scaled and each item x region of the scope gets a row at the start worth its
    price then x (1 + pct/100)."""

    kind: ClassVar[str] = "price_change"
    decision: ClassVar[bool] = True
    pct: float = 0.0
    family_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    item_ids: tuple[str, ...] = ()
    period_from: str | None = None

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        data, factor = inputs.data, 1.0 + self.pct / 100.0
        items = data.items.copy()
        scope = _in(items["family_id"], self.family_ids) & _in(items["item_id"], self.item_ids)
        chosen = items.loc[scope, "item_id"].astype(str)
        regions = data.regions["region_id"].astype(str)
        regions = regions[_in(regions, self.region_ids)]
        table = data.prices.copy()
        rows = table["item_id"].astype(str).isin(set(chosen)) & _in(table["region_id"], self.region_ids)
        if self.period_from is None and not self.region_ids:
            table.loc[rows, "price"] = table.loc[rows, "price"] * factor
            items.loc[scope, "unit_price"] = items.loc[scope, "unit_price"] * factor
            return replace(inputs, data=_table(_table(data, "prices", table), "items", items))
        start = month_start(self.period_from) if self.period_from else pd.to_datetime(inputs.demand["period"]).min()
        later = rows & (pd.to_datetime(table["period_from"]) > start)
        table.loc[later, "price"] = table.loc[later, "price"] * factor
        lattice = pd.DataFrame({"item_id": chosen}).merge(pd.DataFrame({"region_id": regions}), how="cross")
        lattice = lattice.assign(period=start)
        new = lattice.assign(period_from=start, price=prices(data, lattice).to_numpy() * factor)
        table = table[~(rows & (pd.to_datetime(table["period_from"]) == start))]
        table = pd.concat([table, new.drop(columns="period")], ignore_index=True)
        return replace(inputs, data=_table(data, "prices", table))


@dataclass(frozen=True)
class ServiceLevelTarget(Lever):
    """policies.service_level = service_level for `abc_classes` (all when empty); drives the safety stock."""

    kind: ClassVar[str] = "service_level_target"
    decision: ClassVar[bool] = True
    service_level: float = 0.95
    abc_classes: tuple[str, ...] = ()

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        policies = inputs.data.policies.copy()
        present = set(policies["abc_class"].astype(str))
        missing = [c for c in ("A", "B", "C") if c not in present]
        if missing:
            defaults = pd.DataFrame([{"abc_class": c, **DEFAULT_POLICY} for c in missing])
            policies = pd.concat([policies, defaults], ignore_index=True)
        mine = _in(policies["abc_class"], self.abc_classes)
        policies.loc[mine, "service_level"] = self.service_level
        return replace(inputs, data=_table(inputs.data, "policies", policies))


@dataclass(frozen=True)
class SetObjective(Lever):
    """The supply LP's objective: min_cost or max_margin."""

    kind: ClassVar[str] = "objective"
    decision: ClassVar[bool] = True
    objective: str = str(Objective.MIN_COST)

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        supply = replace(inputs.config.supply, objective=Objective(self.objective))
        return replace(inputs, config=replace(inputs.config, supply=supply))


@dataclass(frozen=True)
class DemandRisk(Lever):
    """Plan on a forecast bound: quantity = `column` (e.g. hi_80: about P90 of demand, lo_80: P10)."""

    kind: ClassVar[str] = "demand_risk"
    column: str = "hi_80"

    def apply(self, inputs: ScenarioInputs) -> ScenarioInputs:
        if self.column not in inputs.demand.columns:
            raise InvalidRequest(
                f"the demand has no {self.column} column",
                hint="give the forecast frame with its intervals (lo_80, hi_80, lo_95, hi_95)",
            )
        demand = inputs.demand.assign(quantity=inputs.demand[self.column].astype(float).clip(lower=0.0))
        return replace(inputs, demand=demand)


LEVERS: dict[str, type[Lever]] = {
    cls.kind: cls
    for cls in (
        DemandChange,
        LaunchProduct,
        EndOfLife,
        CapacityChange,
        CapacityScale,
        ResourceOutage,
        CapacityInvestment,
        SupplierLoss,
        LeadTimeChange,
        CostChange,
        PriceChange,
        ServiceLevelTarget,
        SetObjective,
        DemandRisk,
    )
}


def is_decision(lever: Lever) -> bool:
    """Whether the lever is decided by the company (see `Lever`); a lever may decide by its value."""
    return bool(getattr(lever, "is_decision", type(lever).decision))


def lever_from_dict(raw: dict[str, Any], *, position: int | None = None) -> Lever:
    """A lever from its JSON (`Lever.to_dict`), every field checked against the lever's types (pydantic), so a
    bad lever is refused where it enters — naming its position, kind and field — not when a plan runs."""
    where = f"lever {position}" if position is not None else "lever"
    if not isinstance(raw, dict):
        raise InvalidRequest(f"{where} is not an object", hint='write e.g. {"kind": "demand_change", "pct": 10}')
    body = dict(raw)
    kind = body.pop("kind", None)
    if kind not in LEVERS:
        raise InvalidRequest(f"{where}: unknown lever kind {kind!r}", hint=f"one of {', '.join(sorted(LEVERS))}")
    cls = LEVERS[kind]
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(body) - names)
    if unknown:
        raise InvalidRequest(
            f"{where} ({kind}): unknown setting(s) {', '.join(unknown)}", hint=f"settings: {', '.join(sorted(names))}"
        )
    try:
        lever: Lever = TypeAdapter(cls).validate_python(body, strict=False)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or kind
        raise InvalidRequest(f"{where} ({kind}): {field}: {problem['msg']}") from error
    for name in names:
        value = getattr(lever, name)
        if isinstance(value, float) and not np.isfinite(value):
            raise InvalidRequest(f"{where} ({kind}): {name} must be a finite number")
    return lever
