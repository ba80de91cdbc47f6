"""Plotly figures for the pages, as JSON that the page draws with the Plotly.js we serve ourselves.

The JSON goes inside `<script type="application/json">`; `<`, `>` and `&` are written as \\u escapes so no user
string (a family description, a scenario name) can close the script element.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from opensop.demand.consensus import SOURCES

LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "height": 340,
    # Above the plot: below it, Plotly puts a horizontal legend at 10 % of the plot's height under the axis, which
    # lands on the axis labels once a resize has changed the legend's rows.
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    "font": {"family": "system-ui, sans-serif", "size": 12},
}


def as_json(figure: go.Figure) -> Markup:
    text = figure.to_json() or "{}"
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - escaped above for a script element, never HTML-parsed


def demand_chart(history: pd.DataFrame, forecast: pd.DataFrame, consensus: pd.DataFrame, t: Any) -> Markup:
    """history: period, quantity; forecast: period, forecast, lo_95, hi_95; consensus: period, sources, consensus."""
    figure = go.Figure(layout=LAYOUT)
    figure.add_scatter(x=history["period"], y=history["quantity"], name=t("history"), line={"color": "#333"})
    figure.add_scatter(
        x=list(forecast["period"]) + list(forecast["period"][::-1]),
        y=list(forecast["hi_95"]) + list(forecast["lo_95"][::-1]),
        fill="toself",
        fillcolor="rgba(31,78,121,0.15)",
        line={"width": 0},
        name=t("interval"),
        hoverinfo="skip",
    )
    figure.add_scatter(x=forecast["period"], y=forecast["forecast"], name=t("statistical"), line={"dash": "dot"})
    for source in SOURCES:
        column = str(source)
        if column in consensus.columns and (consensus[column] - consensus["statistical"]).abs().sum() > 1e-6:
            figure.add_scatter(x=consensus["period"], y=consensus[column], name=column, line={"width": 1})
    figure.add_scatter(
        x=consensus["period"], y=consensus["consensus"], name=t("consensus"), line={"color": "#c0392b", "width": 3}
    )
    return as_json(figure)


def heatmap(capacity: pd.DataFrame) -> Markup:
    """capacity: resource_id, period, utilisation (load / regular)."""
    wide = capacity.pivot_table(index="resource_id", columns="period", values="utilisation", aggfunc="max")
    figure = go.Figure(layout={**LAYOUT, "height": 60 + 30 * max(1, len(wide))})
    figure.add_heatmap(
        z=(wide.to_numpy() * 100).round(0),
        x=[f"{pd.Timestamp(p):%Y-%m}" for p in wide.columns],
        y=[str(r) for r in wide.index],
        colorscale=[[0, "#e8f1f8"], [0.8, "#f5d76e"], [1, "#c0392b"]],
        zmin=0,
        zmax=120,
        colorbar={"title": "%"},
        hovertemplate="%{y} %{x}: %{z}%<extra></extra>",
    )
    return as_json(figure)


def inventory_chart(inventory: pd.DataFrame, safety: float, t: Any) -> Markup:
    figure = go.Figure(layout=LAYOUT)
    figure.add_bar(x=inventory["period"], y=inventory["quantity"], name=t("inventory"), marker={"color": "#1f4e79"})
    figure.add_scatter(
        x=inventory["period"], y=[safety] * len(inventory), name=t("safety_stock"), line={"color": "#c0392b"}
    )
    return as_json(figure)


def waterfall(labels: list[str], deltas: list[float], start: float, t: Any) -> Markup:
    figure = go.Figure(layout=LAYOUT)
    figure.add_waterfall(
        x=[t("budget"), *labels, t("plan")],
        y=[start, *deltas, 0.0],
        measure=["absolute", *["relative"] * len(deltas), "total"],
        connector={"line": {"color": "#999"}},
    )
    return as_json(figure)
