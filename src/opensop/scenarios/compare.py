"""Scenario comparison: KPIs and financials side by side, deltas vs the base, what breaks, a ranked recommendation.

Scenarios are of two kinds. An *assumption* says what may happen (a demand shock, a supplier lost, a line down);
a *response* holds at least one lever the company decides (overtime, a shift, an investment, a price, a service
target: `opensop.scenarios.levers.Lever.decision`) and answers the scenario its `base` names — an assumption, or
the base plan. The recommendation ranks responses only: an assumption that "wins" because it assumes more demand
is no decision anyone can take.

Scoring (EUR, higher is better), for scenario s against its reference r — the scenario it responds to for a
response, the base for an assumption (its impact):

    margin_gain  = contribution_s - contribution_r          (gross margin after holding; opensop.finance.lines)
    investment   = investment_s - investment_r              (capacity levers paid in the horizon)
    service_loss = late_value_s - late_value_r              (value of demand not served on time, kpi.late_value)
    score        = margin_gain - investment - goodwill_rate x service_loss

The goodwill rate (default 0.5, the default lost-sales rate of the policies) prices the customers' goodwill of a
late or lost unit on top of the margin already lost with it. The base scores 0; infeasible or failed scenarios
have no score and rank last. Under each reference, the response of best positive score is recommended (ties: the
one listed first); when none beats doing nothing, the recommendation says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opensop.finance.lines import direction, unit
from opensop.scenarios.run import ScenarioResult

GOODWILL_RATE = 0.5
EPS = 1e-6
ISSUE_COLUMNS = ["scenario", "kind", "subject", "first_period", "months", "quantity", "detail"]


@dataclass(frozen=True)
class Comparison:
    """kpis: kpi, label, unit, better, one column per scenario. deltas: scenario, kpi, value, base, delta, improved.
    financials: line, unit, better, one column per scenario. issues: ISSUE_COLUMNS. ranking: rank, scenario,
    score, margin_gain, investment, service_loss, fill_rate_delta, recommended, reasons."""

    base: str
    kpis: pd.DataFrame
    deltas: pd.DataFrame
    financials: pd.DataFrame
    issues: pd.DataFrame
    ranking: pd.DataFrame
    recommendations: tuple[str, ...] = ()

    @property
    def recommended(self) -> str:
        chosen = self.ranking[self.ranking["recommended"]]
        return str(chosen["scenario"].iloc[0]) if len(chosen) else ""

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "ranking": self.ranking,
            "kpis": self.kpis,
            "deltas": self.deltas,
            "financials": self.financials,
            "issues": self.issues,
        }


def _kpis(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    first = results[0].kpis[["kpi", "label", "unit", "better"]]
    wide = first.copy()
    for r in results:
        wide[r.name] = wide["kpi"].map(r.kpis.set_index("kpi")["value"]).astype(float)
    return wide


def _deltas(kpis: pd.DataFrame, names: list[str], base: str) -> pd.DataFrame:
    long = kpis.melt(id_vars=["kpi", "better"], value_vars=names, var_name="scenario", value_name="value")
    long["base"] = long["kpi"].map(kpis.set_index("kpi")[base])
    long["delta"] = long["value"] - long["base"]
    higher = long["better"] == "higher"
    long["improved"] = np.where(higher, long["delta"] > EPS, long["delta"] < -EPS)
    return long[long["scenario"] != base][["scenario", "kpi", "value", "base", "delta", "improved"]].reset_index(
        drop=True
    )


def _financials(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    totals = {r.name: r.finance.summary().iloc[0] for r in results if r.is_ok}
    lines = list(next(iter(totals.values())).index) if totals else []
    out = pd.DataFrame({"line": lines})
    out["unit"] = out["line"].map(unit)
    out["better"] = out["line"].map(lambda name: str(direction(name)))
    for r in results:
        out[r.name] = out["line"].map(totals[r.name]).astype(float) if r.name in totals else np.nan
    return out


def _issues(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    parts = []
    for r in results:
        if not r.is_ok:
            parts.append(
                pd.DataFrame(
                    [
                        {
                            "scenario": r.name,
                            # a time-out is a time-out, not a proof that no plan exists
                            "kind": "infeasible"
                            if r.supply.solve.status == "infeasible"
                            else str(r.supply.solve.status),
                            "subject": str(r.supply.solve.status),
                            "first_period": pd.NaT,
                            "months": 0,
                            "quantity": np.nan,
                            "detail": "; ".join(r.supply.solve.conflicts) or r.supply.solve.termination,
                        }
                    ]
                )
            )
            continue
        short = r.supply.shortfalls
        if len(short):
            by = short.groupby("binding", as_index=False).agg(
                first_period=("period", "min"),
                months=("period", "nunique"),
                quantity=("quantity", "sum"),
                lost=("lost", "sum"),
                items=("item_id", "nunique"),
                relief=("relief", lambda s: s.mode().iloc[0]),
            )
            by["detail"] = (
                by["items"].astype(str)
                + " item(s), "
                + by["lost"].round(0).astype(str)
                + " units lost; relief: "
                + by["relief"]
            )
            parts.append(by.rename(columns={"binding": "subject"}).assign(scenario=r.name, kind="shortfall"))
        cap = r.supply.capacity
        over = cap[cap["load"] > cap["regular"] * (1 + EPS) + EPS]
        if len(over):
            over = over.assign(
                above=over["load"] - over["regular"], util=over["load"] / over["regular"].where(over["regular"] > 0)
            )
            by = over.groupby("resource_id", as_index=False).agg(
                first_period=("period", "min"),
                months=("period", "nunique"),
                quantity=("above", "sum"),
                peak=("util", "max"),
            )
            by["detail"] = (
                "hours above regular capacity; peak utilisation " + (100 * by["peak"]).round(0).astype(str) + " %"
            )
            parts.append(by.rename(columns={"resource_id": "subject"}).assign(scenario=r.name, kind="overload"))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[ISSUE_COLUMNS]


def decision_score(
    kpis: Mapping[str, float], reference: Mapping[str, float], goodwill_rate: float = GOODWILL_RATE
) -> float:
    """The score of the module docstring from two KPI catalogues (kpi -> value): the one rule every door ranks by."""
    margin = float(kpis["contribution"]) - float(reference["contribution"])
    invest = float(kpis["investment"]) - float(reference["investment"])
    loss = float(kpis["late_value"]) - float(reference["late_value"])
    return margin - invest - goodwill_rate * loss


def _catalogue(column: pd.Series) -> dict[str, float]:
    return {str(kpi): float(v) for kpi, v in column.items()}


def _references(results: Sequence[ScenarioResult], base: str) -> dict[str, tuple[str, str]]:
    """scenario -> (role, reference): what each scenario is measured against (module docstring)."""
    names = {r.name for r in results}
    out: dict[str, tuple[str, str]] = {}
    for r in results:
        if r.name == base:
            out[r.name] = ("base", base)
        elif r.scenario.is_response:
            reference = r.scenario.base if r.scenario.base in names and r.scenario.base != r.name else base
            out[r.name] = ("response", reference)
        else:
            out[r.name] = ("assumption", base)
    return out


def _ranking(
    kpis: pd.DataFrame,
    results: Sequence[ScenarioResult],
    base: str,
    goodwill_rate: float,
    failures: Mapping[str, str],
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    value = kpis.set_index("kpi")
    references = _references(results, base)
    ok = {r.name for r in results if r.is_ok}
    rows = []
    for r in results:
        role, reference = references[r.name]
        usable = r.is_ok and reference in ok
        change = (value[r.name].astype(float) - value[reference].astype(float)).to_dict() if usable else {}

        def delta(name: str, change: dict[object, float] = change) -> float:
            return float(change.get(name, np.nan))

        margin, invest, loss = delta("contribution"), delta("investment"), delta("late_value")
        fill = delta("fill_rate")
        score = (
            decision_score(_catalogue(value[r.name]), _catalogue(value[reference]), goodwill_rate) if usable else np.nan
        )
        against = "" if reference == r.name else f" vs {reference}"
        if usable:
            reasons = (
                f"{role}{against}: contribution {margin:+,.0f} EUR; investment {invest:+,.0f} EUR; value not served "
                f"on time {loss:+,.0f} EUR; fill rate {100 * fill:+.1f} pts"
            )
        elif not r.is_ok:
            reasons = f"{role}: no feasible plan ({r.supply.solve.status})"
        else:
            reasons = f"{role}: its reference {reference!r} has no feasible plan"
        rows.append(
            {
                "scenario": r.name,
                "role": role,
                "reference": reference,
                "score": score,
                "margin_gain": margin,
                "investment": invest,
                "service_loss": loss,
                "fill_rate_delta": fill,
                "reasons": reasons,
            }
        )
    for name, why in failures.items():
        rows.append(
            {"scenario": name, "role": "failed", "reference": base, "score": np.nan, "margin_gain": np.nan,
             "investment": np.nan, "service_loss": np.nan, "fill_rate_delta": np.nan, "reasons": f"failed: {why}"}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out["order"] = np.arange(len(out))
    out = out.sort_values(["score", "order"], ascending=[False, True], na_position="last", kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["recommended"] = False
    sentences = []
    responses = out[out["role"] == "response"]
    for reference in dict.fromkeys(responses["reference"]):
        mine = responses[responses["reference"] == reference]
        best = mine[mine["score"] > EPS].head(1)
        if len(best):
            row = best.iloc[0]
            out.loc[best.index, "recommended"] = True
            sentences.append(
                f"Under {reference!r}: decide {row['scenario']!r} (score {row['score']:+,.0f} EUR: contribution "
                f"{row['margin_gain']:+,.0f} EUR, investment {row['investment']:+,.0f} EUR, value not served on time "
                f"{row['service_loss']:+,.0f} EUR)."
            )
        else:
            sentences.append(f"Under {reference!r}: no response beats keeping the plan as it is.")
    columns = ["rank", "scenario", "role", "reference", "score", "margin_gain", "investment", "service_loss"]
    ranking = out[[*columns, "fill_rate_delta", "recommended", "reasons"]].reset_index(drop=True)
    return ranking, tuple(sentences)


def compare(
    results: Sequence[ScenarioResult],
    *,
    base: str | None = None,
    goodwill_rate: float = GOODWILL_RATE,
    failures: Mapping[str, str] | None = None,
) -> Comparison:
    """Compare scenario results against `base` (a scenario name; default the first result). `failures`: scenarios
    that could not be planned at all (name -> why), listed last in the ranking rather than aborting the rest."""
    if not results:
        raise ValueError("nothing to compare")
    names = [r.name for r in results]
    chosen = base if base is not None else names[0]
    if chosen not in names:
        raise ValueError(f"base {chosen!r} is not among the results {names}")
    if not next(r for r in results if r.name == chosen).is_ok:
        raise ValueError(f"the base scenario {chosen!r} has no feasible plan to compare against")
    kpis = _kpis(results)
    ranking, recommendations = _ranking(kpis, results, chosen, goodwill_rate, failures or {})
    return Comparison(
        base=chosen,
        kpis=kpis,
        deltas=_deltas(kpis, names, chosen),
        financials=_financials(results),
        issues=_issues(results),
        ranking=ranking,
        recommendations=recommendations,
    )
