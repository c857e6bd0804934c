"""Charts, one function per result; each returns a Plotly figure whose title carries the year.

Plotly is the ``report`` extra; it is imported when a chart is drawn.
"""

from __future__ import annotations

import pandas as pd

from tradeflux.analysis.report import declared_by

__all__ = [
    "country_report",
    "ge_destinations",
    "ge_welfare",
    "outlook_fan",
    "pe_partners",
    "pe_products",
    "tariff_timeline",
]

RED, GREEN, BLUE, ORANGE, GREY = "#c53030", "#2f855a", "#2b6cb0", "#c05621", "#4a5568"


def _go():
    import plotly.graph_objects as go

    return go


def country_report(report) -> list[tuple[str, object]]:
    """The country report's charts: balance over time, growth by partner, contributions, shares, mirror."""
    go = _go()
    tables = report.tables()
    charts = []
    s = tables.get("balance_series")
    if s is not None and not s.empty:
        fig = go.Figure()
        fig.add_bar(x=s.year, y=s.balance / 1e9, name="balance (computed)", marker_color=BLUE)
        bal = next((f for f in report.figures if f.id == "balance"), None)
        if bal and bal.status == "reported" and bal.value is not None:
            fig.add_bar(x=[report.year], y=[bal.value / 1e9], name="balance (reported)", marker_color=ORANGE)
        first, last = int(s.year.min()), int(max(s.year.max(), report.year))
        fig.update_layout(
            title=f"{report.country_name}: trade balance {first}-{last}, USD bn", barmode="overlay", height=380
        )
        charts.append(("balance", fig))
    g = tables.get("export_growth_by_partner")
    if g is not None and not g.empty:
        g = g.sort_values("growth_pct")
        fig = go.Figure(
            go.Bar(
                x=g.growth_pct,
                y=g["name"],
                orientation="h",
                marker_color=[RED if v < 0 else GREEN for v in g.growth_pct],
            )
        )
        basis = ", ".join(sorted(set(g.basis)))
        fig.update_layout(title=f"Export growth by partner, {report.year} (%, {basis} basis, as reported)", height=360)
        charts.append(("growth", fig))
    p = tables.get("partners_mirror")
    if p is not None and not p.empty:
        years = report.mirror_years or ("", "")
        top = (
            p.dropna(subset=["contribution_pp"])
            .reindex(p.contribution_pp.abs().sort_values(ascending=False).index)
            .dropna(subset=["contribution_pp"])
            .head(12)
            .sort_values("contribution_pp")
        )
        fig = go.Figure(go.Bar(x=top.contribution_pp, y=top["name"], orientation="h", marker_color=GREY))
        fig.update_layout(
            title=f"Contributions to export growth {years[0]}-{years[1]}, pp (partners with figures in both years)",
            height=420,
        )
        charts.append(("contributions", fig))
        shares = p.dropna(subset=["share_pct"]).sort_values("share_pct", ascending=False)
        top10 = shares.head(10)
        rest = max(100.0 - float(top10.share_pct.sum()), 0.0)
        labels = [*top10["name"], "all other partners"]
        values = [*top10.share_pct, rest]
        fig = go.Figure(go.Pie(labels=labels, values=values, hole=0.4, sort=False))
        whose = {
            "partners": "as partners declared their imports",
            "own": f"as {report.country_name} declared them",
        }.get(
            declared_by(shares.get("basis", pd.Series(dtype=str))),
            f"as {report.country_name} declared them, or its partners where it did not",
        )
        fig.update_layout(title=f"Shares of exports {years[1]}, % of the total ({whose})", height=420)
        charts.append(("shares", fig))
    m = tables.get("mirror_gap_usa")
    if m is not None and not m.empty:
        fig = go.Figure()
        fig.add_scatter(
            x=m.period, y=m.reported / 1e9, name=f"reported by {report.country_name} (FOB)", mode="lines+markers"
        )
        fig.add_scatter(
            x=m.period, y=m.mirror / 1e9, name=f"reported by the US ({_valuations(m)})", mode="lines+markers"
        )
        fig.update_layout(
            title=f"Exports to the United States {m.period.min()}-{m.period.max()}: the two sides' figures, USD bn",
            height=380,
        )
        charts.append(("mirror", fig))
    return charts


def ge_welfare(countries: pd.DataFrame, title: str) -> object:
    go = _go()
    countries = countries.sort_values("welfare_pct")
    fig = go.Figure(
        go.Bar(
            x=countries.welfare_pct,
            y=countries.country,
            orientation="h",
            marker_color=[RED if v < 0 else GREEN for v in countries.welfare_pct],
        )
    )
    fig.update_layout(title=f"{title}: welfare change, % (real expenditure)", height=900)
    return fig


def ge_destinations(destinations: pd.DataFrame, title: str) -> object:
    go = _go()
    dest = destinations.sort_values("change")
    fig = go.Figure(go.Bar(x=dest.change / 1e3, y=dest.destination, orientation="h", marker_color=BLUE))
    fig.update_layout(title=f"{title}: change in China's exports by destination, USD bn", height=900)
    return fig


def pe_partners(partners: pd.DataFrame, title: str) -> object:
    go = _go()
    fig = go.Figure()
    for column, colour in (("trade_creation", ORANGE), ("trade_diversion", BLUE)):
        fig.add_bar(
            y=partners.partner,
            x=partners[column] / 1e9,
            name=column.replace("_", " "),
            orientation="h",
            marker_color=colour,
        )
    fig.update_layout(barmode="relative", title=f"{title}: change in US imports by partner, USD bn", height=1000)
    return fig


def pe_products(gaining: pd.DataFrame, title: str) -> object:
    go = _go()
    fig = go.Figure()
    for partner, rows in gaining.groupby("partner", sort=False):
        top = rows.head(8).iloc[::-1]
        labels = [f"{partner} {code} {desc[:40]}" for code, desc in zip(top["product"], top.description, strict=True)]
        fig.add_bar(y=labels, x=top.total_effect / 1e6, name=partner, orientation="h")
    fig.update_layout(
        title=f"{title}: where the largest gainers gain, top HS6 lines, USD mn", height=1200, showlegend=True
    )
    return fig


def tariff_timeline(table: pd.DataFrame, title: str, applied_2024_pct: float | None = None) -> object:
    """A step chart of tariff averages over time (a timeline or a comparison with published averages)."""
    go = _go()
    series = {
        "trade_weighted_pct": "tradeflux, trade-weighted",
        "simple_pct": "tradeflux, simple average",
        "tradeflux_addon_pct": "tradeflux, additional duties",
        "tradewartracker_addon_pct": "tradewartracker, additional duties",
        "tradeflux_with_2024_duties_pct": "tradeflux + 2024 applied duties",
        "piie_pct": "PIIE, all layers",
    }
    fig = go.Figure()
    for column, label in series.items():
        if column in table:
            data = table[["date", column]].dropna()
            mode = "markers" if column in ("piie_pct", "tradewartracker_addon_pct") else "lines"
            fig.add_scatter(x=data.date, y=data[column], name=label, mode=mode, line_shape="hv")
    dates = pd.to_datetime(table["date"].astype(str))
    if applied_2024_pct is not None:
        # before the 2025 measures the level is what was collected in 2024 (duties / imports), not a statutory rate
        fig.add_scatter(
            x=["2024-07-01", "2025-02-03"],
            y=[applied_2024_pct, applied_2024_pct],
            name="2024 applied (duties collected / imports)",
            mode="lines",
            line={"dash": "dot"},
        )
        dates = pd.concat([dates, pd.Series(pd.to_datetime(["2024-07-01"]))])
    span = f"{dates.min().year}-{dates.max().year}" if dates.min().year != dates.max().year else str(dates.min().year)
    fig.update_layout(title=f"{title}, {span}", yaxis_title="percent ad valorem", height=500)
    return fig


def outlook_fan(outlook, flow: str, series: str, *, since: int = 2005) -> object:
    """One series' history and its forecast with 80% and 95% bands (USD bn), the scenario if any."""
    go = _go()
    row = outlook.row(flow, series)
    hist = outlook.history[(outlook.history.flow == flow) & (outlook.history.series == series)]
    hist = hist[hist.year >= since].sort_values("year")
    last_year, last = int(row.last_year), float(row.last_value) / 1e9
    years = [last_year, int(row.year)]
    fig = go.Figure()
    for level, alpha in ((95, 0.15), (80, 0.3)):
        lo, hi = float(row[f"lo{level}"]) / 1e9, float(row[f"hi{level}"]) / 1e9
        fig.add_scatter(x=years, y=[last, hi], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
        fig.add_scatter(
            x=years,
            y=[last, lo],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=f"rgba(43,108,176,{alpha})",
            name=f"{level}% interval",
        )
    fig.add_scatter(x=hist.year, y=hist.value / 1e9, mode="lines+markers", name="observed", line={"color": GREY})
    fig.add_scatter(
        x=years, y=[last, float(row.forecast) / 1e9], mode="lines+markers", name="forecast", line={"color": BLUE}
    )
    scen = outlook.scenario
    if not scen.empty and series in set(scen.series) and flow == "export":
        s = scen[scen.series == series].iloc[0]
        fig.add_scatter(
            x=[int(row.year)],
            y=[float(s.scenario_value) / 1e9],
            mode="markers",
            marker={"color": RED, "size": 11, "symbol": "diamond"},
            name=f"with {outlook.scenario_label}",
        )
    first = int(hist.year.min()) if len(hist) else last_year
    verb = "exports to" if flow == "export" else "imports from"
    fig.update_layout(
        title=f"{outlook.reporter_name}: {verb} {row['name']}, {first}-{int(row.year)}, USD bn "
        f"(forecast {int(row.year)}; MASE {row.mase:.2f}, 80% coverage {row.coverage80_pct:.0f}% in backtests)",
        height=340,
        margin={"t": 60},
    )
    return fig


def _valuations(table: pd.DataFrame) -> str:
    """The partner side's valuation over the years: "CIF", or "customs value 2014-2020, CIF 2021-2024"."""
    if "mirror_valuation" not in table:
        return "CIF"
    names = {"CUSTOMS": "customs value"}
    runs = (table.mirror_valuation != table.mirror_valuation.shift()).cumsum()
    parts = [
        f"{names.get(g.mirror_valuation.iloc[0], g.mirror_valuation.iloc[0])} {g.period.min()}-{g.period.max()}"
        for _, g in table.groupby(runs, sort=False)
    ]
    return parts[0].rsplit(" ", 1)[0] if len(parts) == 1 else ", ".join(parts)
