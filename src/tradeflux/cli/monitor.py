"""The trade monitor: a country's year, explained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from tradeflux import store as _store
from tradeflux.cli import app
from tradeflux.cli._output import DataOpt, JsonOpt, StoreOpt, console, emit_json, say, show
from tradeflux.errors import InputError
from tradeflux.render.writers import write_report

__all__ = ["reconcile", "report"]


@app.command()
def report(
    country: Annotated[str, typer.Argument(help="ISO3 code of the country (CHN)")],
    year: Annotated[int, typer.Option("--year", min=1900, max=2100, help="the year to explain")],
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, JSON and CSV files")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What happened to a country's trade in a year: terminal summary, HTML with charts, JSON and CSV."""
    from tradeflux.analysis import report as _report

    st = _store.open(store, data_dir=data_dir)
    if st.sources().empty:
        raise InputError("the store is empty: run `tradeflux ingest` first")
    rep = _report.build(st, st.countries.code(country), year)
    paths = write_report(rep, out)
    if as_json:
        emit_json({**rep.to_dict(), "files": paths})
        return
    console.rule(f"{rep.country_name}: merchandise trade in {year}", style="bold")
    for line in rep.headline:
        say(line)
    frame = pd.DataFrame(
        [{"figure": f.label, "value": f.formatted(), "status": f.status, "basis": f.basis} for f in rep.figures]
    )
    show(frame, "Figures (reported = as published; computed = from flows; derived = arithmetic on figures)")
    for w in rep.warnings:
        say(f"warning: {w}")
    say(f"HTML report: {paths['html']} (tables as CSV beside it)")


@app.command()
def reconcile(
    reporter: Annotated[str, typer.Argument(help="ISO3 code or name of the reporting country")],
    partner: Annotated[str, typer.Argument(help="ISO3 code or name of the partner")],
    year: Annotated[int, typer.Option("--year", min=1900, max=2100, help="the year to reconcile")],
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every source's figure for one pair's trade in a year, both directions, with the gaps and their likely causes."""
    from tradeflux.analysis.reconcile import reconcile as _reconcile

    st = _store.open(store, data_dir=data_dir)
    a, b = st.countries.code(reporter), st.countries.code(partner)
    con = st.connect()
    try:
        result = _reconcile(con, a, b, year)
    finally:
        con.close()
    if as_json:
        emit_json(result.to_dict())
        return
    show(
        result.figures,
        f"{st.countries.name(a)} and {st.countries.name(b)}, {year}: every source's figure (USD)",
        columns=["direction", "side", "source", "dataset", "value", "valuation", "canonical", "why"],
    )
    for row in result.gaps.itertuples(index=False):
        say(
            f"{row.direction}: {row.partner_source} {row.partner_figure / 1e9:,.1f} bn against "
            f"{row.reporter_source} {row.reporter_figure / 1e9:,.1f} bn ({row.gap_pct:+.1f}%); possible causes: "
            f"{row.possible_causes}"
        )
    for note in result.notes:
        say(f"note: {note}")
