"""The outlook: next year's exports and imports, with intervals, their track record and a scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from tradeflux.cli import app
from tradeflux.cli._output import (
    DataOpt,
    EngineOpt,
    JsonOpt,
    SparkMasterOpt,
    StoreOpt,
    console,
    emit_json,
    err,
    open_store,
    say,
    show,
)
from tradeflux.errors import InputError
from tradeflux.render.writers import OUTLOOK_COLUMNS, write_outlook

__all__ = ["outlook"]


@app.command()
def outlook(
    country: Annotated[
        str | None, typer.Argument(help="ISO3 code or name of the reporter (CHN); omit with --track-record")
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=5, help="years past the latest total")] = 1,
    flow: Annotated[str, typer.Option("--flow", help="export, import or both")] = "both",
    method: Annotated[
        str, typer.Option("--method", help="combination (default), selected, naive, drift, ets or theta")
    ] = "combination",
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="overlay a GE scenario (shipped name or TOML file)")
    ] = None,
    pe_date: Annotated[
        str | None, typer.Option("--pe-date", help="overlay the US duties in force on YYYY-MM-DD (PE, SMART)")
    ] = None,
    track_record: Annotated[
        bool,
        typer.Option("--track-record", help="the method's record on every IMF DOTS reporter's exports, and the WTO's"),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, CSV and JSON files")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast a reporter's trade by partner and group with intervals and their backtest record."""
    from tradeflux.analysis import outlook as _outlook

    if pe_date is not None:  # checked before a minute of forecasting, not after
        try:
            dt.date.fromisoformat(pe_date)
        except ValueError:
            raise InputError(f"--pe-date {pe_date!r}: not a date (YYYY-MM-DD)") from None
    st = open_store(store, data_dir, engine, spark_master)
    quiet = as_json or not err.is_terminal
    note = (lambda _m: None) if quiet else (lambda m: err.print(m, highlight=False, markup=False))
    if track_record:
        record = _outlook.track_record(st.connect(), progress=note)
        if as_json:
            emit_json(record.to_dict())
            return
        console.rule("The default method's track record: IMF DOTS reporters' total exports", style="bold")
        for line in record.notes:
            say(f"- {line}")
        show(record.backtest.overall, "MASE one year ahead by method (mean over reporters; vs_naive < 1 beats naive)")
        show(
            record.backtest.coverage, "Pooled interval coverage on held-out years (target: 80% -> 70-90, 95% -> 88-98)"
        )
        show(
            record.world,
            "Mean absolute error on world trade growth, percentage points: tradeflux (value) beside the WTO (volume)",
        )
        return
    if country is None:
        raise InputError("name a reporter (tradeflux outlook CHN) or ask for --track-record")
    flows = {"both": ("export", "import"), "export": ("export",), "import": ("import",)}.get(flow)
    if flows is None:
        raise InputError(f"--flow must be export, import or both, not {flow!r}")
    code = st.countries.code(country)
    result = _outlook.build(
        st.connect(), code, st.countries, horizon=horizon, flows=flows, method=method, progress=note
    )
    if scenario is not None or pe_date is not None:
        from tradeflux.scenarios.overlay import changes

        found = changes(code, scenario=scenario, pe_date=pe_date, data_dir=data_dir)
        result = _outlook.overlay(result, found.frame, found.label)
    paths = write_outlook(result, out)
    if as_json:
        emit_json({**result.to_dict(), "files": paths})
        return
    console.rule(f"{result.reporter_name}: outlook for {result.target_year}", style="bold")
    for line in result.notes:
        say(f"- {line}")
    t = result.table
    shown = t[t.kind.isin(["total", "group"]) | t.series.isin(t[t.kind == "partner"].groupby("flow").head(8).series)]
    show(
        shown[OUTLOOK_COLUMNS],
        f"Forecast for {result.target_year} (USD; total, groups and the largest partners; all rows in the CSV)",
    )
    if not result.scenario.empty:
        cols = ["name", "baseline", "baseline_lo80", "baseline_hi80", "model_effect", "model_pct", "scenario_value"]
        s = result.scenario
        show(s[s.kind.isin(["total", "group"]) | (s.model_effect != 0)][cols], f"Scenario: {result.scenario_label}")
    for flow_name, bt in result.track.items():
        show(bt.overall[bt.overall.h == 1], f"Backtest of {code}'s {flow_name} series, one year ahead (MASE)")
    say(f"HTML with fan charts: {paths['html']}")
