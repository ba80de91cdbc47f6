"""The demo company looks like the brief: a mid-size manufacturer whose data give every S&OP step something to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

LAST = pd.Timestamp("2026-10-01")


def months_after(n: int) -> pd.Timestamp:
    return LAST + pd.DateOffset(months=n)


@pytest.fixture(scope="module")
def history(demo: dict[str, pd.DataFrame]) -> pd.DataFrame:
    hierarchy = demo["items"][["item_id", "family_id"]].merge(demo["families"][["family_id", "category_id"]])
    return demo["sales_history"].merge(hierarchy, on="item_id")


@pytest.fixture(scope="module")
def naive_demand(demo: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Seasonal naive estimate of next year: last year's units per item and calendar month, all regions."""
    sales = demo["sales_history"]
    last_year = sales[sales["period"] > LAST - pd.DateOffset(months=12)]
    return last_year.groupby(["item_id", last_year["period"].dt.month])["quantity"].sum().unstack(fill_value=0.0)


def test_counts(demo: dict[str, pd.DataFrame]) -> None:
    assert demo["families"]["category_id"].nunique() >= 3
    assert len(demo["families"]) >= 12
    assert len(demo["items"]) == 250
    assert len(demo["regions"]) == 4
    assert sorted(demo["sites"]["kind"]) == ["plant", "plant", "warehouse"]
    assert len(demo["resources"]) >= 8
    assert set(demo["resources"]["kind"]) == {"machine", "labour"}
    assert demo["suppliers"]["supplier_id"].nunique() >= 6
    assert demo["sales_history"]["period"].nunique() == 48


def test_launches_and_phase_outs(demo: dict[str, pd.DataFrame]) -> None:
    items = demo["items"]
    new = items[items["lifecycle"] == "new"]
    assert 8 <= len(new) <= 12
    assert new["launch_period"].between(LAST - pd.DateOffset(months=3), months_after(6)).all()
    assert new["like_item_id"].notna().sum() >= len(new) // 2
    assert (items.loc[items["lifecycle"] != "new", "launch_period"]).isna().all()
    like = items.set_index("item_id").loc[new["like_item_id"].dropna()]
    assert (like["family_id"].to_numpy() == new.dropna(subset=["like_item_id"])["family_id"].to_numpy()).all()

    sales = demo["sales_history"].merge(new[["item_id", "launch_period"]])
    assert (sales["period"] >= sales["launch_period"]).all()

    phase_out = items[items["lifecycle"] == "phase_out"]
    assert 8 <= len(phase_out) <= 12
    assert phase_out["end_period"].between(months_after(1), months_after(12)).all()


def test_spare_parts_are_intermittent(demo: dict[str, pd.DataFrame], history: pd.DataFrame) -> None:
    spares = history[history["family_id"].isin(["PDC", "PDJ"])]
    zero_share = spares.groupby(["item_id", "region_id"])["quantity"].apply(lambda q: (q == 0).mean())
    intermittent_items = zero_share[zero_share >= 0.4].index.get_level_values("item_id").unique()
    assert len(intermittent_items) >= 25
    monthly = history.groupby("item_id")["quantity"].mean()
    assert monthly.min() < 10
    assert monthly.max() > 1000


def test_history_has_seasonality_and_trend(history: pd.DataFrame) -> None:
    by_month = history.groupby(["category_id", history["period"].dt.month])["quantity"].mean().unstack()
    garden, kitchen = by_month.loc["JARDIN"], by_month.loc["CUISINE"]
    assert garden[[4, 5]].mean() > 1.8 * garden[[11, 12, 1]].mean()
    assert kitchen[[11, 12]].mean() > 1.4 * kitchen[[2, 3]].mean()
    yearly = history.groupby(history["period"] > LAST - pd.DateOffset(months=12))["revenue"].sum()
    first_year = history[history["period"] <= LAST - pd.DateOffset(months=36)]["revenue"].sum()
    assert yearly[True] > 1.1 * first_year


def same_month_other_years(sales: pd.DataFrame) -> pd.Series:
    """Mean quantity of the same item x region in the same calendar month of the other years (ramp-up excluded)."""
    first = sales.groupby(["item_id", "region_id"])["period"].transform("min")
    mature = sales["quantity"].where(sales["period"] >= first + pd.DateOffset(months=3))
    keys = [sales["item_id"], sales["region_id"], sales["period"].dt.month]
    total = mature.groupby(keys).transform("sum")
    count = mature.groupby(keys).transform("count")
    others = (total - mature.fillna(0.0)) / (count - mature.notna()).where(lambda c: c > 0)
    return others.rename("same_month_other_years")


def test_promotions_are_visible_in_history(demo: dict[str, pd.DataFrame]) -> None:
    events = demo["events"]
    past = events[events["item_id"].notna() & (events["period"] <= LAST)]
    assert len(past) >= 15
    assert (events["period"] > LAST).any(), "upcoming events for the demand review"
    assert events["family_id"].notna().any()
    sales = demo["sales_history"].assign(reference=same_month_other_years)
    promoted = past.merge(sales, on=["item_id", "region_id", "period"]).dropna(subset=["reference"])
    assert len(promoted) >= 10
    ratio = promoted["quantity"] / promoted["reference"]
    assert ratio.median() > 1.0 + 0.5 * promoted["uplift_pct"].median() / 100.0


def test_a_few_unexplained_spikes(demo: dict[str, pd.DataFrame]) -> None:
    sales = demo["sales_history"].assign(reference=same_month_other_years)
    lumpy = sales.groupby(["item_id", "region_id"])["quantity"].transform(lambda q: (q == 0).any())
    regular = sales[~lumpy]
    spikes = regular[(regular["reference"] >= 20) & (regular["quantity"] > 3.5 * regular["reference"])]
    assert 5 <= len(spikes) <= 10


def test_network_is_complete(demo: dict[str, pd.DataFrame]) -> None:
    sold = demo["sales_history"][["item_id", "region_id"]].drop_duplicates()
    shares = demo["sourcing"].groupby(["item_id", "region_id"])["share"].sum()
    assert np.allclose(shares, 1.0)
    assert sold.set_index(["item_id", "region_id"]).index.isin(shares.index).all()
    routed = demo["routings"][["item_id", "site_id"]].drop_duplicates()
    assert set(routed["item_id"]) == set(demo["items"]["item_id"])
    costed = demo["costs"].merge(routed, on=["item_id", "site_id"])
    assert len(costed) == len(demo["items"])
    assert set(demo["components"]["component_id"]) == set(demo["suppliers"]["part_id"])
    assert demo["suppliers"]["lead_time_months"].between(1, 3).all()
    lanes = set(zip(demo["lanes"]["from_site"], demo["lanes"]["to_site"], strict=True))
    plants = demo["sites"].loc[demo["sites"]["kind"] == "plant", "site_id"]
    assert all((plant, "WH-ORLEANS") in lanes for plant in plants)


def test_labour_and_calendar(demo: dict[str, pd.DataFrame]) -> None:
    resources = demo["resources"].set_index("resource_id")
    workforce = demo["workforce"].set_index("resource_id")
    assert set(workforce.index) == set(resources.index[resources["kind"] == "labour"])
    assert np.allclose(
        workforce["headcount"] * workforce["hours_per_worker"], resources.loc[workforce.index, "regular_capacity"]
    )
    assert workforce["hours_per_worker"].between(130, 150).all()
    calendar = demo["resource_calendar"].merge(demo["resources"][["resource_id", "regular_capacity"]])
    august = calendar[calendar["period"].dt.month == 8]
    assert set(august["resource_id"]) == set(resources.index)
    assert (august["regular"] < august["regular_capacity"]).all()
    assert (calendar["period"] > LAST).all()
    assert (calendar["period"].dt.month != 8).any(), "a maintenance month besides the shutdowns"


def test_rough_cut_capacity_is_tight_in_peak_only(demo: dict[str, pd.DataFrame], naive_demand: pd.DataFrame) -> None:
    routings = demo["routings"].set_index(["resource_id", "item_id"])["usage_per_unit"].unstack(fill_value=0.0)
    load = routings.reindex(columns=naive_demand.index, fill_value=0.0) @ naive_demand
    capacity = demo["resources"].set_index("resource_id")["regular_capacity"]
    utilisation = load.div(capacity, axis=0)
    assert (utilisation.mean(axis=1) < 0.9).all()
    tight = utilisation[utilisation.max(axis=1) > 1.05]
    assert len(tight) >= 1
    assert tight.mean(axis=1).between(0.65, 0.9).all()
    assert ((tight > 1.0).sum(axis=1) <= 4).all(), "overload is a peak-season problem, not a chronic one"

    bom = demo["components"].set_index(["component_id", "item_id"])["quantity_per"].unstack(fill_value=0.0)
    requirement = bom.reindex(columns=naive_demand.index, fill_value=0.0) @ naive_demand
    supply = demo["suppliers"].groupby("part_id")["monthly_capacity"].sum()
    cover = requirement.div(supply.reindex(requirement.index), axis=0)
    binding = cover[(cover.max(axis=1) > 1.0) & (cover.mean(axis=1) < 1.0)]
    assert 1 <= len(binding) <= 2


def test_prices_costs_and_margins(demo: dict[str, pd.DataFrame]) -> None:
    prices = demo["prices"].pivot_table(index=["item_id", "period_from"], columns="region_id", values="price")
    both = prices.dropna(subset=["EXPORT", "FR-NORD"])
    assert (both["EXPORT"] < both["FR-NORD"]).all()
    yearly = demo["prices"].pivot_table(index=["item_id", "region_id"], columns="period_from", values="price")
    assert list(yearly.columns) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2027-01-01")]
    assert (yearly.iloc[:, 1] > yearly.iloc[:, 0]).all()
    items = demo["items"].set_index("item_id")
    costs = demo["costs"].set_index("item_id")
    assert np.allclose(costs["material"] + costs["conversion"], items.loc[costs.index, "unit_cost"])
    assert (items["unit_cost"] < 0.7 * items["unit_price"]).all()
    subcontracted = costs.dropna(subset=["subcontract_cost"])
    assert len(subcontracted) > 10
    assert (subcontracted["subcontract_cost"] > subcontracted["material"] + subcontracted["conversion"]).all()


def test_abc_follows_revenue(demo: dict[str, pd.DataFrame]) -> None:
    sales = demo["sales_history"]
    revenue = sales[sales["period"] > LAST - pd.DateOffset(months=12)].groupby("item_id")["revenue"].sum()
    classes = demo["items"].set_index("item_id")["abc_class"]
    share = revenue.groupby(classes).sum() / revenue.sum()
    assert 0.78 <= share["A"] <= 0.86
    assert (classes == "A").mean() < 0.4
    assert revenue.groupby(classes).mean()["A"] > revenue.groupby(classes).mean()["C"] * 5


def test_budget_covers_the_horizon_and_stretches_the_trend(demo: dict[str, pd.DataFrame]) -> None:
    budget = demo["budget"]
    horizon = pd.date_range(months_after(1), periods=18, freq="MS")
    assert set(horizon) <= set(budget["period"])
    cells = budget.groupby("period")[["family_id", "region_id"]].size()
    assert cells.nunique() == 1
    assert cells.iloc[0] >= 12 * 4 - 4
    sales = demo["sales_history"]
    last_year = sales[sales["period"] > LAST - pd.DateOffset(months=12)]["quantity"].sum()
    next_year = budget[budget["period"].dt.year == 2027]["quantity"].sum()
    assert 1.03 < next_year / last_year < 1.25


def test_positions(demo: dict[str, pd.DataFrame]) -> None:
    inventory = demo["inventory"]
    components = set(demo["components"]["component_id"])
    assert inventory["item_id"].isin(components).any()
    assert (~inventory["item_id"].isin(components)).sum() > 200
    assert set(inventory["site_id"]) == set(demo["sites"]["site_id"])
    held = inventory.groupby("site_id")["on_hand"].sum()
    storage = demo["sites"].set_index("site_id")["storage_capacity"]
    assert (held <= storage.loc[held.index]).all()

    open_supply = demo["open_supply"]
    assert open_supply["period"].between(months_after(1), months_after(3)).all()
    assert set(open_supply["kind"]) == {"production", "purchase", "transfer"}
    assert open_supply.loc[open_supply["kind"] == "purchase", "part_id"].isin(components).all()
    assert 5 <= len(demo["backorders"]) <= 20


def test_policies(demo: dict[str, pd.DataFrame]) -> None:
    policies = demo["policies"].set_index("abc_class")
    assert policies["service_level"].to_dict() == {"A": 0.98, "B": 0.95, "C": 0.90}
    assert (policies["holding_cost_rate"] == 0.25).all()
    assert (policies["max_backlog_months"] == 2).all()
