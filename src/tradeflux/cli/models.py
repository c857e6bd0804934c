"""Model commands: gravity, tariffs, partial and general equilibrium, scenarios."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from tradeflux import settings
from tradeflux._io import atomic_write_text
from tradeflux.cli import app
from tradeflux.cli._output import DataOpt, JsonOpt, StoreOpt, console, emit_json, open_store, say, show
from tradeflux.errors import InputError, NotFound
from tradeflux.render import writers
from tradeflux.render.csv import csv_text

__all__ = ["ge_check", "gravity", "list_scenarios", "pe_command", "serve", "simulate", "tariff"]


# ---- gravity -----------------------------------------------------------------------------------
@app.command()
def gravity(
    data_file: Annotated[
        Path, typer.Argument(help="CSV, Parquet or Stata file with one row per exporter, importer (and year)")
    ],
    formula: Annotated[
        str | None, typer.Option("--formula", help="fixest-style: 'trade ~ x1 + x2 | fe1 + fe2'")
    ] = None,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="TOML file: one [models.NAME] table per specification")
    ] = None,
    estimator: Annotated[str | None, typer.Option("--estimator", help="ppml (default) or ols (with --formula)")] = None,
    vcov: Annotated[
        str | None, typer.Option("--vcov", help="hetero (default), cluster, stata or iid (with --formula)")
    ] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="cluster variable for --vcov cluster")] = None,
    join: Annotated[
        list[Path] | None,
        typer.Option("--join", help="join another table's columns on exporter, importer, year (repeatable)"),
    ] = None,
    latex: Annotated[bool, typer.Option("--latex", help="print the table as LaTeX")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write the table to this CSV file")] = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate structural gravity (PPML with fixed effects) and print a publication table."""
    from tradeflux.models import gravity as grav
    from tradeflux.scenarios import inputs

    if (formula is None) == (spec_file is None):
        raise InputError("give exactly one of --formula or --spec")
    given = [name for name, v in (("--estimator", estimator), ("--vcov", vcov), ("--cluster", cluster)) if v]
    if spec_file is not None and given:  # they were dropped without a word
        raise InputError(
            f"{', '.join(given)} go with --formula; with --spec each model sets them in its [models.NAME] table"
        )
    if cluster is not None and vcov != "cluster":
        raise InputError(f"--cluster {cluster} needs --vcov cluster")
    estimator, vcov = estimator or "ppml", vcov or "hetero"
    data = inputs.estimation_table(data_file)
    joins = [*(join or [])]
    if spec_file is not None:
        joins += inputs.gravity_config(spec_file).get("join", [])
    if joins:
        data = inputs.join_columns(data, joins, relative_to=spec_file.parent if spec_file else None, data_dir=data_dir)
    if formula is not None:
        results = {"(1)": grav.estimate_formula(data, formula, estimator=estimator, vcov=vcov, cluster=cluster)}
    else:
        results = {name: grav.estimate(data, spec) for name, spec in inputs.gravity_specs(spec_file).items()}
    if as_json:
        emit_json({name: r.to_dict() for name, r in results.items()})
        return
    table = grav.compare(results, digits=4)
    if csv_out:
        atomic_write_text(csv_out, csv_text(table, index=True))
    if latex:
        sys.stdout.write(grav.to_latex(table) + "\n")
        return
    show(table.reset_index(names=""), f"Gravity: {data_file.name}")
    for name, r in results.items():
        if r.notes:
            say(f"{name}: " + "; ".join(r.notes))


# ---- tariffs -----------------------------------------------------------------------------------
@app.command()
def tariff(
    importer: Annotated[str, typer.Option("--importer")] = "USA",
    exporter: Annotated[str, typer.Option("--exporter")] = "CHN",
    partner: Annotated[
        str | None,
        typer.Option(
            "--partner",
            help="any of the tracker's 51 partners (ISO3, EUU) or a group, from the 2025-2026 rules table; 'all' with --compare",
        ),
    ] = None,
    product: Annotated[str | None, typer.Option("--product", help="an HS/HTS code: the rate in force on it")] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD (default: every date a layer changes)"
        ),
    ] = None,
    layers: Annotated[
        str,
        typer.Option(
            "--layers",
            help="us_all_2025_2026 (the tracker's rules for every partner, through 2026), or a TOML/CSV layers file or shipped name",
        ),
    ] = "us_all_2025_2026",
    compare: Annotated[
        bool, typer.Option("--compare", help="beside the published averages (tradewartracker, PIIE)")
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for the timeline chart (HTML)")] = Path("reports"),
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tariffs in force from layered schedules: a product's rate, or trade-weighted averages over time, charted."""
    from tradeflux.scenarios import inputs, tariff_run

    folder = settings.data_dir(data_dir)
    chart = None
    rules_default = layers == "us_all_2025_2026"
    if rules_default and importer != "USA":
        layers, rules_default = "us_china_2025", False  # the rules are the US's; China's retaliation is in these layers
    china_compare = compare and (partner or exporter).upper() == "CHN"
    if partner is None and rules_default and not compare:
        partner = exporter  # the rules table covers every partner of the US
    if partner is not None and not china_compare:
        if compare:
            result = tariff_run.partner_compare(partner, folder)
        elif product is not None:
            if day is None:
                raise InputError("--product needs --date")
            result = tariff_run.partner_rate(partner, product, day, folder)
        else:
            result = tariff_run.partner_timeline(partner, day, folder)
            if day is None:
                chart = writers.write_tariff_chart(result.table, out, f"US add-on tariff on {partner}")
        _render_tariffs(result, chart, as_json)
        return
    schedule = None if rules_default else inputs.load_layers(layers, folder)
    if product is not None:
        if day is None:
            raise InputError("--product needs --date")
        result = tariff_run.rate(schedule, importer, exporter, product, day)
    elif compare:
        result = tariff_run.compare(schedule, importer, exporter, folder)
        chart = writers.write_tariff_chart(
            result.table,
            out,
            f"{importer} tariffs on {exporter}: tradeflux and published averages",
            result.applied_2024_pct,
        )
    else:
        result = tariff_run.timeline(schedule, importer, exporter, day, folder)
        if day is None:
            chart = writers.write_tariff_chart(
                result.table, out, f"Average additional {importer} tariff on {exporter} (2024 HTS10 weights)"
            )
    _render_tariffs(result, chart, as_json)


def _render_tariffs(result, chart, as_json: bool) -> None:
    if as_json:
        emit_json({**result.to_dict(), "chart": chart})
        return
    show(result.table, result.title)
    for note in result.notes:
        say(f"- {note}")
    if chart:
        say(f"Chart: {chart}")


# ---- partial equilibrium ---------------------------------------------------------------------
@app.command("pe")
def pe_command(
    scenario: Annotated[
        str | None, typer.Argument(help="a scenario TOML file or shipped name; its US tariff shocks drive the model")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="apply the US additional duties in force on YYYY-MM-DD (--layers)")
    ] = None,
    layers: Annotated[
        str,
        typer.Option(
            "--layers",
            help="for --date: us_all_2025_2026 (every partner, the tracker's rules) or a layers file / shipped name",
        ),
    ] = "us_all_2025_2026",
    lines_file: Annotated[
        Path | None,
        typer.Option(
            "--lines",
            help="your own lines: CSV with product, partner, imports, tariff_pct, new_tariff_pct (+ importer for GSIM)",
        ),
    ] = None,
    import_demand: Annotated[float, typer.Option("--import-demand", help="import demand elasticity (< 0)")] = -1.0,
    substitution: Annotated[
        str, typer.Option("--substitution", help="elasticity between partners, or 'broda-weinstein' (US, HS 3-digit)")
    ] = "1.5",
    export_supply: Annotated[
        float, typer.Option("--export-supply", help="export supply elasticity (inf = fixed world prices)")
    ] = math.inf,
    elasticities_file: Annotated[
        Path | None,
        typer.Option(
            "--elasticities",
            help="CSV: product (HS prefix) and any of import_demand, substitution, export_supply; the longest prefix wins",
        ),
    ] = None,
    form: Annotated[
        str,
        typer.Option("--form", help="linear (SMART's closed forms) or constant (elasticities as powers: large shocks)"),
    ] = "linear",
    importer: Annotated[
        str | None,
        typer.Option(
            "--importer",
            help="another importer than the US: its HS6 imports and applied tariffs (TRAINS) from the store",
        ),
    ] = None,
    year: Annotated[int, typer.Option("--year", help="with --importer: the year of its imports")] = 2024,
    tariff: Annotated[
        list[str] | None,
        typer.Option("--tariff", help="PARTNER:HS=PCT, an additional tariff of the importer (repeatable)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, CSV and JSON files")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Product-level partial equilibrium (SMART; GSIM for several importers): trade creation, diversion, revenue, surplus."""
    from tradeflux import scenarios as _scenarios
    from tradeflux.models import pe
    from tradeflux.scenarios import inputs

    sigma: float | str = substitution
    if substitution != "broda-weinstein":
        try:
            sigma = float(substitution)
        except ValueError:
            raise InputError(f"--substitution must be a number or 'broda-weinstein', not {substitution!r}") from None
        if not math.isfinite(sigma) or sigma < 0:
            raise InputError(f"--substitution must be a finite number >= 0 or 'broda-weinstein', not {substitution!r}")
    elasticities = pe.Elasticities(
        import_demand, pe.DEFAULT_SUBSTITUTION if isinstance(sigma, str) else sigma, export_supply
    )
    elasticities.check()
    if lines_file is not None:
        frame = inputs.pe_lines(lines_file)
        run = _scenarios.run_lines(
            frame, elasticities, name=str(lines_file), form=form, elasticities_file=elasticities_file
        )
        stem = f"pe_{lines_file.stem}"
    else:
        from tradeflux.scenarios import pe_run

        baseline = None
        if importer is not None:
            st = open_store(store, data_dir)
            baseline = pe_run.store_baseline(st, importer, year)
        who = baseline.importer if baseline else "USA"
        added = [_tariff_shock(text, who) for text in tariff or []]
        if scenario is not None:
            found = _scenarios.find(scenario)
            shocks, title, stem = found.shocks + added, found.name, f"pe_{Path(found.source).stem}"
        elif day is not None:
            shocks = [{"type": "schedule", "layers": layers, "date": day}, *added]
            title, stem = f"US duties in force on {day}", f"pe_us_{day}"
        elif added:
            shocks, title = added, "; ".join(tariff or [])
            stem = f"pe_{who.lower()}_" + "_".join(t.replace(":", "-").replace("=", "-") for t in tariff or [])
        else:
            raise InputError("give a scenario, --date YYYY-MM-DD, --tariff PARTNER:HS=PCT, or --lines FILE")
        market = f"{who} {baseline.year if baseline else 2024} HS6 imports"
        run = _scenarios.simulate_pe(
            shocks,
            baseline=baseline,
            title=f"{title}: SMART on {'US 2024 HS6 imports' if baseline is None else market}",
            elasticities=elasticities,
            substitution="broda-weinstein" if sigma == "broda-weinstein" else None,
            elasticities_file=elasticities_file,
            form=form,
            data_dir=data_dir,
            source=scenario or "",
        )
    paths = writers.write_pe(run, _scenarios.pe_tables(run, data_dir), out, stem)
    if as_json:
        emit_json({**run.to_dict(), "files": paths})
        return
    console.rule(run.title, style="bold")
    for line in [*run.notes, run.result.elasticities]:
        say(f"- {line}")
    if run.rates is not None:
        changed = run.rates[run.rates.new_tariff_pct != run.rates.tariff_pct]
        shown = (changed if not changed.empty else run.rates).head(10)
        show(
            shown[["product", "partner", "imports", "tariff_pct", "new_tariff_pct", "rate_source"]],
            f"Tariffs of {importer}: baseline and new (%), largest lines "
            f"{'changed' if not changed.empty else 'by imports'}; the baseline rate's source",
        )
    partners = run.result.by("partner").sort_values("total_effect")
    cols = ["partner", "imports", "trade_creation", "trade_diversion", "floor_adjustment", "total_effect", "change_pct"]
    cols = [c for c in cols if c in partners]  # GSIM has no diversion column
    shown_rows = pd.concat([partners.head(10), partners.tail(10)]).drop_duplicates("partner")[cols]
    money = [c for c in cols if c not in ("partner", "change_pct")]
    shown_rows[money] = shown_rows[money].round(0)  # whole dollars: no -0.0000229 left by floating arithmetic
    show(
        shown_rows,
        "The 10 largest losers and gainers (USD; creation + diversion + floor adjustment = total; change in %)",
    )
    market = run.result.market()
    shown = [
        c for c in ("imports", "trade_creation", "imports_after", "revenue_before", "revenue_after") if c in market
    ]
    say("Market totals: " + ", ".join(f"{c.replace('_', ' ')} {_money(market[c].sum())}" for c in shown))
    say(f"HTML: {paths['html']}")


def _tariff_shock(text: str, importer: str) -> dict:
    """``CHN:870380=20.7`` -> an additional 20.7% tariff of ``importer`` on HS 870380 from China."""
    import re

    match = re.fullmatch(r"\s*([A-Za-z0-9 ]+):([0-9]{2,6})=(-?[0-9]+(?:\.[0-9]+)?)\s*", text)
    if not match:
        raise InputError(f"--tariff {text!r}: give PARTNER:HS=PCT, for example CHN:870380=20.7")
    return {
        "type": "tariff",
        "imposing": importer,
        "target": match[1].strip(),
        "products": [match[2]],
        "rate_pct": float(match[3]),
    }


def _money(value: float) -> str:
    from tradeflux._format import money

    return money(float(value), "USD")


# ---- general equilibrium -----------------------------------------------------------------------
@app.command("ge-check")
def ge_check(
    name: Annotated[str, typer.Argument(help="borders or nafta (Advanced Guide ch. 2), or eu (Stata ge_gravity)")],
    draws: Annotated[
        int,
        typer.Option(
            "--draws", min=0, max=100_000, help="borders: Monte Carlo draws of the border coefficient for 95% intervals"
        ),
    ] = 0,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Solve a published GE counterfactual and print tradeflux's results beside the published ones."""
    from tradeflux.scenarios import checks

    if name not in checks.CHECKS:
        raise NotFound(f"unknown check {name!r}; checks: {', '.join(checks.CHECKS)}")
    if draws and name != "borders":
        raise InputError("--draws goes with the borders check")
    folder = settings.data_dir(data_dir)
    check = checks.trade_without_borders(folder, draws) if draws else checks.CHECKS[name](folder)
    if as_json:
        emit_json(check.to_dict())
        return
    show(check.table, check.description)
    say("Summary: " + "; ".join(f"{k} {v}" for k, v in check.summary.items() if not isinstance(v, (dict, list))))


@app.command()
def simulate(
    scenario: Annotated[
        str, typer.Argument(help="a scenario TOML file, or the name of a shipped one (see `tradeflux scenarios`)")
    ],
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, JSON and CSV files")] = Path("reports"),
    other_tariffs: Annotated[
        str,
        typer.Option(
            "--other-tariffs",
            help="zero (default) or store: other importers' applied tariffs (TRAINS) from the store, goods baseline",
        ),
    ] = "zero",
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a tariff or imbalance scenario in general equilibrium: who gains, who loses, where trade goes."""
    from tradeflux import scenarios as _scenarios

    if other_tariffs not in ("zero", "store"):
        raise InputError(f"--other-tariffs {other_tariffs!r}: give zero or store")
    st = open_store(store, data_dir, require_data=False) if other_tariffs == "store" else None
    sim = _scenarios.simulate(_scenarios.find(scenario), data_dir, store=st)
    paths = writers.write_simulation(sim, out)
    if as_json:
        emit_json({**sim.to_dict(), "files": paths})
        return
    console.rule(sim.scenario.name, style="bold")
    for note in sim.notes:
        say(f"- {note}")
    cols = ["country", "welfare_pct", "factory_price_pct", "exports_pct", "balance_before", "balance_after"]
    ranked = sim.countries.sort_values("welfare_pct")
    key = ranked[ranked.country.isin(["USA", "CHN", "VNM", "MEX", "DEU"])]
    shown = pd.concat([ranked.head(10), key, ranked.tail(10)]).drop_duplicates("country").sort_values("welfare_pct")
    show(
        shown[cols],
        "The 10 largest losers and winners, and the US, China, Viet Nam, Mexico, Germany (welfare = real expenditure; balances USD mn; all countries in the CSV)",
    )
    say(f"HTML: {paths['html']} (China's exports by destination and all pairs as CSV beside it)")


@app.command("scenarios")
def list_scenarios(as_json: JsonOpt = False) -> None:
    """The scenarios shipped with tradeflux."""
    from tradeflux import scenarios as _scenarios

    rows = [
        {"name": name, "title": _scenarios.Scenario.load(path).name}
        for name, path in sorted(_scenarios.shipped().items())
    ]
    if as_json:
        emit_json(rows)
    else:
        show(pd.DataFrame(rows), "Shipped scenarios (tradeflux simulate NAME)")


# ---- web ------------------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="address to bind (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    max_jobs: Annotated[int, typer.Option("--max-jobs", min=1, max=16, help="scenario runs at once")] = 2,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="a host name requests may use besides loopback (repeatable)"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, max=32, help="server processes (one per core serves the most pages)"),
    ] = 1,
) -> None:
    """Start the web dashboard and HTTP API (docs at /docs, schema at /openapi.json)."""
    import json
    import os
    import tempfile

    import uvicorn

    from tradeflux import settings
    from tradeflux.web import create_app

    hosts = [*(allow_host or []), *([host] if host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0") else [])]
    if workers == 1:
        app = create_app(store, data_dir, max_jobs=max_jobs, allowed_hosts=hosts)
        say(f"tradeflux on http://{host}:{port} (API docs at /docs); Ctrl-C to stop")
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    create_app(store, data_dir, max_jobs=max_jobs, allowed_hosts=hosts)  # the settings fail here, not in a worker
    with tempfile.TemporaryDirectory(prefix="tradeflux-serve-shared-") as shared:  # private (mode 0700)
        config = {
            "store_dir": str(settings.store_dir(store)),
            "data_dir": str(settings.data_dir(data_dir)),
            "max_jobs": max_jobs,
            "allowed_hosts": hosts,
            "shared_dir": shared,
        }
        os.environ["TRADEFLUX_SERVE"] = json.dumps(config)
        say(f"tradeflux on http://{host}:{port} with {workers} processes (API docs at /docs); Ctrl-C to stop")
        uvicorn.run(
            "tradeflux.web.app:from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
