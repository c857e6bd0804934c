"""Writers: each result as one HTML page with charts, its tables as CSV and the whole as JSON.

Every file is written atomically (a temporary file, then a rename). Each function returns the
paths it wrote, by kind.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from tradeflux._io import atomic_write_text
from tradeflux.render import charts
from tradeflux.render.csv import csv_text
from tradeflux.render.html import esc, page, table
from tradeflux.render.json import dumps

__all__ = [
    "claims_html",
    "write_claims",
    "write_outlook",
    "write_pe",
    "write_report",
    "write_simulation",
    "write_tariff_chart",
]

PathLike = str | os.PathLike[str]


def _folder(out_dir: PathLike) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _chart_div(name: str, fig) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}")


def _lines(lines: list[int]) -> str:
    if not lines:
        return "-"
    lines = sorted({int(x) for x in lines})
    return ", ".join(map(str, lines[:8])) + (f" and {len(lines) - 8} more" if len(lines) > 8 else "")


# ---- the country report --------------------------------------------------------------------------
def report_html(report) -> str:
    """The country report as one self-contained page: headline, figures linked to their source rows,
    charts, tables."""
    rows, sources = [], []
    for i, f in enumerate(report.figures):
        links = []
        for j, s in enumerate(f.sources):
            anchor = f"src-{i}-{j}"
            links.append(f'<a href="#{anchor}">{esc(s.source)}/{esc(s.dataset)}</a>')
            url = f' <a href="{esc(s.url)}">{esc(s.url)}</a>' if s.url else ""
            kind = f" ({esc(s.kind)})" if getattr(s, "kind", "") else ""
            sources.append(
                f'<li id="{anchor}"><b>{esc(f.label)}</b>: {esc(s.file)}, lines {esc(_lines(s.lines))}, '
                f"vintage {esc(s.vintage)}{kind}{url}</li>"
            )
        rows.append(
            f"<tr><td>{esc(f.label)}</td><td class='num'>{esc(f.formatted())}</td>"
            f"<td><span class='tag {esc(f.status)}'>{esc(f.status)}</span></td>"
            f"<td>{esc(f.basis)}</td><td>{' '.join(links) or '-'}</td><td>{esc(f.note)}</td></tr>"
        )
    chart_parts = "".join(
        f'<section class="chart" id="section-{name}">{_chart_div(name, fig)}</section>'
        for name, fig in charts.country_report(report)
    )
    tables = "".join(
        f"<h3>{esc(name.replace('_', ' '))}</h3>"
        + table(t, limit=25, whole=f"{report.country}_{report.year}_{name}.csv")
        for name, t in report.tables().items()
        if not t.empty
    )
    warn = "".join(f"<li>{esc(w)}</li>" for w in report.warnings)
    head = "".join(f"<p>{esc(h)}</p>" for h in report.headline)
    body = [
        f"<h1>{esc(report.country_name)}: merchandise trade in {report.year}</h1>",
        f'<section class="headline">{head}</section>',
        '<h2>Figures</h2><table id="figures"><thead><tr><th>figure</th><th>value</th><th>status</th><th>basis</th>'
        f"<th>source rows</th><th>note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>",
        f'<h2>Warnings</h2><ul class="warnings">{warn or "<li>none</li>"}</ul>',
        f"<h2>Charts</h2>{chart_parts}",
        f"<h2>Tables</h2>{tables}",
        f'<h2>Source rows</h2><ol class="sources">{"".join(sources)}</ol>',
        f"<p>Generated {esc(report.generated)} by tradeflux. Reported figures are as published; computed figures "
        "come from the flows named; derived figures are arithmetic on the figures named.</p>",
    ]
    return page(f"{report.country_name} {report.year}: trade report", body)


def write_report(report, out_dir: PathLike) -> dict[str, Path]:
    """``<CC>_<year>_report.html`` and ``.json``, ``_figures.csv`` and one CSV per table."""
    out = _folder(out_dir)
    stem = f"{report.country}_{report.year}"
    paths = {
        "html": atomic_write_text(out / f"{stem}_report.html", report_html(report)),
        "json": atomic_write_text(out / f"{stem}_report.json", dumps(report.to_dict(), indent=1)),
    }
    figures = pd.DataFrame(
        [
            {
                **{k: v for k, v in asdict(f).items() if k != "sources"},
                "sources": "; ".join(f"{s.source}/{s.dataset} lines {_lines(s.lines)}" for s in f.sources),
            }
            for f in report.figures
        ]
    )
    paths["figures_csv"] = atomic_write_text(out / f"{stem}_figures.csv", csv_text(figures))
    for name, frame in report.tables().items():
        paths[f"{name}_csv"] = atomic_write_text(out / f"{stem}_{name}.csv", csv_text(frame))
    return paths


# ---- scenarios -----------------------------------------------------------------------------------
def write_simulation(sim, out_dir: PathLike) -> dict[str, Path]:
    """A GE scenario: HTML (winners and losers, where China's exports go), JSON, and CSV per table."""
    out = _folder(out_dir)
    stem = Path(sim.scenario.source).stem or "scenario"
    title = sim.scenario.name
    parts = [_chart_div("welfare", charts.ge_welfare(sim.countries, title))]
    if not sim.destinations.empty:
        parts.append(_chart_div("destinations", charts.ge_destinations(sim.destinations, title)))
    notes = "".join(f"<li>{esc(n)}</li>" for n in sim.notes)
    body = [
        f"<h1>{esc(title)}</h1><p>{esc(sim.scenario.description)}</p><ul>{notes}</ul>",
        *parts,
        f"<h2>Countries</h2>{table(sim.countries)}",
        f"<p>Solver: {sim.result.iterations} iterations, market-clearing residual {sim.result.residual:.2g}.</p>",
    ]
    paths = {"html": atomic_write_text(out / f"{stem}.html", page(title, body))}
    for name, frame in sim.tables().items():
        paths[f"{name}_csv"] = atomic_write_text(out / f"{stem}_{name}.csv", csv_text(frame))
    paths["json"] = atomic_write_text(out / f"{stem}.json", dumps(sim.to_dict(), indent=1))
    return paths


def write_pe(run, tables: dict[str, pd.DataFrame], out_dir: PathLike, stem: str) -> dict[str, Path]:
    """A PE run: HTML (who gains, who loses, in which products), CSV and JSON.

    ``tables`` is :func:`tradeflux.scenarios.pe_tables` of the run (partners with names, gaining products).
    """
    out = _folder(out_dir)
    partners, gaining = tables["partners"], tables["gaining_products"]
    parts = [_chart_div("partners", charts.pe_partners(partners, run.title))]
    if not gaining.empty:
        parts.append(_chart_div("products", charts.pe_products(gaining, run.title)))
    notes = "".join(f"<li>{esc(n)}</li>" for n in [*run.notes, run.result.elasticities])
    body = [
        f"<h1>{esc(run.title)}</h1><ul>{notes}</ul>",
        f"<h2>Market totals</h2>{table(run.result.market())}",
        *parts,
        f"<h2>Partners</h2>{table(partners)}",
        f"<h2>Where the largest gainers gain: top products</h2>{table(gaining)}",
    ]
    return {
        "html": atomic_write_text(out / f"{stem}.html", page(run.title, body)),
        "partners_csv": atomic_write_text(out / f"{stem}_partners.csv", csv_text(partners)),
        "products_csv": atomic_write_text(out / f"{stem}_gaining_products.csv", csv_text(gaining)),
        "json": atomic_write_text(out / f"{stem}.json", dumps(run.to_dict(), indent=1)),
    }


def write_tariff_chart(
    frame: pd.DataFrame, out_dir: PathLike, title: str, applied_2024_pct: float | None = None
) -> Path:
    """A tariff timeline (or comparison with published averages) as ``tariff_timeline.html``/``tariff_compare.html``."""
    out = _folder(out_dir)
    slug = "compare" if "piie_pct" in frame else "timeline"
    fig = charts.tariff_timeline(frame, title, applied_2024_pct)
    return atomic_write_text(out / f"tariff_{slug}.html", page(title, [_chart_div("tariff-timeline", fig)]))


# ---- checked claims ------------------------------------------------------------------------------
_VERDICT_COLOURS = {"consistent": "#c6f6d5", "inconsistent": "#fed7d7", "not checkable": "#e2e8f0"}


def claims_html(report) -> str:
    """The text with each claim marked by its verdict (hover: the value found and why), and the table."""
    text, parts, at = report.text, [], 0
    for n, check in enumerate(sorted(report.checks, key=lambda c: c.claim.start)):
        claim = check.claim
        if claim.start < at:
            continue
        found = "n/a" if check.found is None else f"{check.found:,.6g}"
        tip = f"{check.verdict}: found {found} ({check.basis}); " + "; ".join(check.reasons)
        parts.append(esc(text[at : claim.start]))
        parts.append(
            f'<mark id="claim-{n}" class="claim" data-verdict="{esc(check.verdict)}" title="{esc(tip)}" '
            f'style="background:{_VERDICT_COLOURS[check.verdict]}">{esc(text[claim.start : claim.end])}</mark>'
        )
        at = claim.end
    parts.append(esc(text[at:]))
    body = [
        "<h1>Claims checked against the data</h1>",
        '<p>Marked: <span style="background:#c6f6d5">consistent</span>, <span style="background:#fed7d7">'
        'inconsistent</span>, <span style="background:#e2e8f0">not checkable</span>; hover for the figure found.</p>',
        f'<article id="text" style="white-space: pre-wrap; line-height: 1.6">{"".join(parts)}</article>',
        f"<h2>Claims</h2>{table(report.tables()['claims'])}",
    ]
    return page("Claims checked", body, plotly=False)


def write_claims(report, out_dir: PathLike, stem: str = "claims") -> dict[str, Path]:
    """``claims.html`` (the text annotated), ``claims.csv`` and ``claims.json``."""
    out = _folder(out_dir)
    return {
        "html": atomic_write_text(out / f"{stem}.html", claims_html(report)),
        "csv": atomic_write_text(out / f"{stem}.csv", csv_text(report.tables()["claims"])),
        "json": atomic_write_text(out / f"{stem}.json", dumps(report.to_dict(), indent=1)),
    }


# ---- the outlook -------------------------------------------------------------------------------
OUTLOOK_COLUMNS = [
    "flow",
    "name",
    "last_year",
    "last_value",
    "forecast",
    "growth_pct",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "method",
    "mase",
    "coverage80_pct",
    "coverage95_pct",
]


def write_outlook(outlook, out_dir: PathLike) -> dict[str, Path]:
    """The outlook: a fan chart per flow for the total and each group, the table with each
    interval's track record beside it, the backtests, the scenario overlay; CSV and JSON."""
    out = _folder(out_dir)
    stem = f"{outlook.reporter}_{outlook.target_year}_outlook"
    title = f"{outlook.reporter_name}: trade outlook for {outlook.target_year}"
    t = outlook.table
    parts = []
    for flow in t.flow.unique():
        for series in t[(t.flow == flow) & t.kind.isin(["total", "group"])].series:
            fig = charts.outlook_fan(outlook, flow, series)
            parts.append(_chart_div(f"{flow}-{series.replace(':', '-')}", fig))
    notes = "".join(f"<li>{esc(n)}</li>" for n in outlook.notes)
    body = [f"<h1>{esc(title)}</h1><ul>{notes}</ul>", *parts]
    if not outlook.scenario.empty:
        body.append(
            f"<h2>Scenario: {esc(outlook.scenario_label)}</h2><p>Baseline (statistical) and the model's effect, "
            f"shown apart; the interval is the baseline's.</p>{table(outlook.scenario)}"
        )
    body.append(
        "<h2>Forecasts</h2><p>Each interval with its record: the series' MASE and the pool's coverage in "
        f"backtests.</p>{table(t[OUTLOOK_COLUMNS], table_id='outlook')}"
    )
    for flow, bt in outlook.track.items():
        body.append(f"<h2>Backtest, {esc(flow)}s</h2>{table(bt.overall)}{table(bt.coverage)}")
    paths = {"html": atomic_write_text(out / f"{stem}.html", page(title, body))}
    for name, frame in outlook.tables().items():
        paths[f"{name}_csv"] = atomic_write_text(out / f"{stem}_{name}.csv", csv_text(frame))
    paths["json"] = atomic_write_text(out / f"{stem}.json", dumps(outlook.to_dict(), indent=1))
    return paths
