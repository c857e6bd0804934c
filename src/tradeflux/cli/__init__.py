"""The ``tradeflux`` command: parse, call the public API, render. Every command takes ``--json``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradeflux import schema
from tradeflux import store as _store
from tradeflux.reference import countries as _countries
from tradeflux.reference import products as _products
from tradeflux.sources import SOURCES, FormatError, find_source

app = typer.Typer(
    help="tradeflux: a country's merchandise trade, from official data to metrics and scenarios.", no_args_is_help=True
)
fetch_app = typer.Typer(help="Download data from official APIs.", no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")

console = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="store directory [env TRADEFLUX_STORE; default .tradeflux/store]")
]
DataOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="source datasets [env TRADEFLUX_DATA; default ../shared/data]")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the full result as JSON")]


# ---- rendering ---------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _fmt(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def show(frame: pd.DataFrame, title: str, *, columns: list[str] | None = None) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    cols = columns or list(frame.columns)
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in frame[cols].itertuples(index=False):
        table.add_row(
            *(str(v) if c in ("year", "line") and v is not None else _fmt(v) for c, v in zip(cols, row, strict=True))
        )
    console.print(table)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _progress(quiet: bool) -> Progress:
    """A progress bar on stderr, off when the output is JSON."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err, transient=True, disable=quiet)


def _open(store: Path | None, data_dir: Path | None) -> _store.Store:
    return _store.open(store, data_dir=data_dir)


# ---- ingest ------------------------------------------------------------------------------------
@app.command()
def ingest(
    sources: Annotated[
        list[str] | None, typer.Argument(help=f"source ids to ingest (default: all found): {', '.join(SOURCES)}")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="ingest this one file (with --source, or --mapping)")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="source id of --file")] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="dataset of --file, if its name does not tell")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="TOML column mapping for a generic CSV/Parquet/.dta --file")
    ] = None,
    vintage: Annotated[str | None, typer.Option("--vintage", help="release date of --file (YYYY-MM-DD)")] = None,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load source files into the store: every dataset found in the data directory, or one --file."""
    st = _open(store, data_dir)
    results: list[_store.IngestResult] = []
    try:
        if file is not None:
            if mapping is not None:
                from tradeflux.sources.generic import Mapping, source_for

                src = source_for(Mapping.from_file(mapping), source or file.stem, vintage=vintage)
            elif source is None:
                fail("--file needs --source (or --mapping for a generic file)", 2)
            else:
                src = find_source(source)
            results.append(st.ingest(src, file, dataset=dataset, vintage=vintage))
        else:
            planned = st.plan(sources)
            with _progress(as_json) as bar:
                task = bar.add_task("ingesting", total=max(len(planned), 1))
                results = st.ingest_all(
                    sources,
                    progress=lambda msg: bar.update(task, description=msg[:80]),
                    on_file=lambda _src, _path: bar.advance(task),
                )
    except (FormatError, FileNotFoundError, KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    if as_json:
        emit_json({"ingested": [r.to_dict() for r in results], "sources": records(st.sources())})
        return
    frame = pd.DataFrame(
        [
            {
                "source": r.source,
                "dataset": r.dataset,
                "status": r.status,
                "lines_read": r.lines_read,
                "staged": r.staged,
                "loaded": r.loaded,
                "quarantined": r.quarantined,
            }
            for r in results
        ]
    )
    if not frame.empty:
        show(frame, "Ingested (staged = loaded + quarantined)")
    _show_sources(st)


def _show_sources(st: _store.Store) -> None:
    frame = st.sources()
    if frame.empty:
        console.print("The store is empty: run `tradeflux ingest`.")
        return
    show(
        frame,
        f"Store {st.root}",
        columns=[
            "source",
            "dataset",
            "vintage",
            "lines_read",
            "loaded",
            "quarantined",
            "first_period",
            "last_period",
            "current",
        ],
    )


@app.command()
def sources(store: StoreOpt = None, data_dir: DataOpt = None, as_json: JsonOpt = False) -> None:
    """What the store holds: one row per ingested file, with its vintage and row accounting."""
    st = _open(store, data_dir)
    if as_json:
        emit_json(records(st.sources()))
    else:
        _show_sources(st)


@app.command()
def query(
    table: Annotated[str, typer.Option("--table", help=f"one of {', '.join(schema.TABLES)}")] = "flows",
    reporter: Annotated[list[str] | None, typer.Option("--reporter")] = None,
    partner: Annotated[list[str] | None, typer.Option("--partner")] = None,
    flow: Annotated[list[str] | None, typer.Option("--flow")] = None,
    year: Annotated[list[int] | None, typer.Option("--year")] = None,
    period: Annotated[list[str] | None, typer.Option("--period")] = None,
    source: Annotated[list[str] | None, typer.Option("--source")] = None,
    classification: Annotated[list[str] | None, typer.Option("--classification")] = None,
    product: Annotated[list[str] | None, typer.Option("--product")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="indicators only")] = None,
    vintage: Annotated[str, typer.Option("--vintage", help="latest, all, or an ISO date")] = "latest",
    limit: Annotated[
        int | None, typer.Option("--limit", help="rows at most (default 50 for a table on screen)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, parquet or json")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to this file (csv, parquet, json)")] = None,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows of a table, filtered; as a table, CSV, Parquet or JSON."""
    if as_json:
        fmt = "json"
    if fmt not in ("table", "csv", "parquet", "json"):
        fail(f"--format must be table, csv, parquet or json, not {fmt!r}", 2)
    if fmt == "parquet" and out is None:
        fail("--format parquet needs --out FILE", 2)
    st = _open(store, data_dir)
    filters = dict(
        reporter=reporter,
        partner=partner,
        flow=flow,
        year=year,
        period=period,
        source=source,
        classification=classification,
        product=product,
        metric=metric,
    )
    spec = schema.TABLES.get(table)
    if spec is None:
        fail(f"unknown table {table!r}; tables: {', '.join(schema.TABLES)}", 2)
    filters = {k: v for k, v in filters.items() if v}
    bad = [k for k in filters if k not in spec.column_names]
    if bad:
        fail(f"table {table} has no column {', '.join(bad)}", 2)
    if limit is None and fmt == "table" and out is None:
        limit = 50
    try:
        frame = st.query(table, vintage=vintage, limit=limit, **filters)
    except KeyError as exc:
        fail(str(exc).strip("'\""), 2)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        elif fmt == "json":
            tmp.write_text(json.dumps(records(frame), indent=1, default=str), encoding="utf-8")
        else:
            frame.to_csv(tmp, index=False)
        tmp.replace(out)
        err.print(f"wrote {len(frame):,} rows to {out}")
        return
    if fmt == "json":
        emit_json(records(frame))
    elif fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        cols = {
            "flows": [
                "period",
                "reporter",
                "partner",
                "flow",
                "classification",
                "product",
                "value",
                "currency",
                "valuation",
                "declarant",
                "source",
                "vintage",
            ],
            "indicators": [
                "period",
                "reporter",
                "partner",
                "metric",
                "flow",
                "value",
                "unit",
                "yoy_pct",
                "yoy_basis",
                "source",
            ],
            "tariffs": [
                "date_from",
                "date_to",
                "imposing",
                "target",
                "product",
                "measure",
                "rate_pct",
                "rate_kind",
                "source",
            ],
        }[table]
        show(
            frame, f"{table} ({len(frame):,} rows{', limited' if limit and len(frame) == limit else ''})", columns=cols
        )


@app.command()
def quarantine(
    source: Annotated[str | None, typer.Option("--source")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows that were not loaded, with file, line, field and reason."""
    frame = _open(store, data_dir).quarantine(source)
    if as_json:
        emit_json(records(frame))
        return
    summary = (
        frame.groupby(["source", "dataset", "field"], dropna=False).size().reset_index(name="rows")
        if not frame.empty
        else frame
    )
    if not frame.empty:
        show(summary, "Quarantine by source and field")
    show(
        frame.head(limit),
        f"Quarantined rows (first {min(limit, len(frame))} of {len(frame):,})",
        columns=["source", "dataset", "line", "field", "reason"],
    )


# ---- reference data ----------------------------------------------------------------------------
@app.command()
def countries(
    names: Annotated[list[str], typer.Argument(help="country names in any usual spelling")],
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Match country names to ISO3 codes."""
    table = _countries.load(data_dir)
    rows = [
        {"name": n, "iso3": table.match(n), "matched_name": table.name(table.match(n)) if table.match(n) else None}
        for n in names
    ]
    if as_json:
        emit_json(rows)
    else:
        show(pd.DataFrame(rows), "Country matches")
    if any(r["iso3"] is None for r in rows):
        raise typer.Exit(1)


@app.command()
def group(
    name: Annotated[str, typer.Argument(help="EU27, ASEAN, AFRICA, LATAM, NORTHERN_AMERICA, or a user group")],
    year: Annotated[int, typer.Option("--year", help="members counted for this year (members on 1 July)")],
    groups_file: Annotated[
        Path | None, typer.Option("--groups-file", help="CSV of user-defined groups: group, iso3[, start, end]")
    ] = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Members of a country group in a year."""
    table = _countries.load(data_dir)
    try:
        if groups_file:
            table.add_groups_from_file(groups_file)
        members = table.members(name, year)
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""), 2)
    if as_json:
        emit_json({"group": table.group_id(name), "year": year, "members": members})
    else:
        show(
            pd.DataFrame({"iso3": members, "name": [table.name(m) for m in members]}),
            f"{table.group_id(name)} in {year}: {len(members)} members",
        )


@app.command()
def basket(
    name: Annotated[str, typer.Argument(help=f"one of {', '.join(_products.BASKETS)}")],
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The HS codes of a named product basket in each HS revision."""
    try:
        b = _products.basket(name)
    except KeyError as exc:
        fail(str(exc).strip("'\""), 2)
    nomenclature = _products.load(data_dir)
    rows = [
        {
            "part": part.name,
            "revision": rev,
            "code": code,
            "description": nomenclature.describe(code) if rev == "HS2022" else None,
            "note": part.note,
        }
        for part in b.parts
        for rev, codes in part.codes.items()
        for code in codes
    ]
    if as_json:
        emit_json({"basket": b.name, "description": b.description, "codes": rows})
    else:
        show(pd.DataFrame(rows), f"{b.name}: {b.description}", columns=["part", "revision", "code", "description"])


# ---- report ------------------------------------------------------------------------------------
@app.command()
def report(
    country: Annotated[str, typer.Argument(help="ISO3 code of the country (CHN)")],
    year: Annotated[int, typer.Option("--year", help="the year to explain")],
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, JSON and CSV files")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What happened to a country's trade in a year: terminal summary, HTML with charts, JSON and CSV."""
    from tradeflux.analysis import report as _report

    st = _open(store, data_dir)
    if st.sources().empty:
        fail("the store is empty: run `tradeflux ingest` first", 2)
    rep = _report.build(st, country.upper(), year)
    paths = rep.write(out)
    if as_json:
        emit_json({**rep.to_dict(), "files": {k: str(v) for k, v in paths.items()}})
        return
    console.rule(f"[bold]{rep.country_name}: merchandise trade in {year}")
    for line in rep.headline:
        console.print(line)
    frame = pd.DataFrame(
        [
            {
                "figure": f.label,
                "value": f.formatted(),
                "status": f.status,
                "basis": f.basis,
                "note": f.note[:90],
            }
            for f in rep.figures
        ]
    )
    show(frame, "Figures (reported = as published; computed = from flows; derived = arithmetic on figures)")
    series = rep.tables.get("balance_series")
    if series is not None and not series.empty:
        recent = series[series.year >= year - 11][
            ["year", "exports", "imports", "balance", "balance_growth_pct", "source"]
        ].copy()
        for col in ("exports", "imports", "balance"):
            recent[col] = (recent[col] / 1e9).round(1)
        show(
            recent.rename(columns={"exports": "exports bn", "imports": "imports bn", "balance": "balance bn"}),
            "Balance series, USD bn",
        )
    for w in rep.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    console.print(f"HTML report: {paths['html']}")


# ---- gravity -----------------------------------------------------------------------------------
def _read_table(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    if name.endswith(".dta"):
        return pd.read_stata(path)
    return pd.read_csv(path)


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
    estimator: Annotated[str, typer.Option("--estimator", help="ppml or ols (with --formula)")] = "ppml",
    vcov: Annotated[str, typer.Option("--vcov", help="cluster, hetero, stata or iid (with --formula)")] = "hetero",
    cluster: Annotated[str | None, typer.Option("--cluster", help="cluster variable for --vcov cluster")] = None,
    latex: Annotated[bool, typer.Option("--latex", help="print the table as LaTeX")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write the table to this CSV file")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate structural gravity (PPML with fixed effects) and print a publication table."""
    from tradeflux._io import read_toml
    from tradeflux.models import gravity as grav

    if (formula is None) == (spec_file is None):
        fail("give exactly one of --formula or --spec", 2)
    if not data_file.exists():
        fail(f"{data_file}: no such file", 2)
    data = _read_table(data_file)
    results: dict[str, grav.GravityResult] = {}
    try:
        if formula is not None:
            results["(1)"] = grav.estimate_formula(data, formula, estimator=estimator, vcov=vcov, cluster=cluster)
        else:
            config = read_toml(spec_file, what="valid TOML")
            models = config.get("models") or {"(1)": config}
            for name, spec in models.items():
                results[name] = grav.estimate(data, grav.GravitySpec.from_dict(spec))
    except (KeyError, ValueError, TypeError) as exc:
        fail(str(exc).strip("'\""), 2)
    if as_json:
        emit_json({name: r.to_dict() for name, r in results.items()})
        return
    table = grav.compare(results, digits=4)
    if csv_out:
        table.to_csv(csv_out)
    if latex:
        sys.stdout.write(grav.to_latex(table) + "\n")
        return
    show(table.reset_index(names=""), f"Gravity: {data_file.name}")
    for name, r in results.items():
        notes = [f"{d.n:,} dropped: {d.reason}" for d in r.dropped] + [
            f"{t} omitted: {why}" for t, why in r.omitted.items()
        ]
        if notes:
            console.print(f"[bold]{name}[/]: " + "; ".join(notes))


# ---- tariffs -----------------------------------------------------------------------------------
@app.command()
def tariff(
    importer: Annotated[str, typer.Option("--importer")] = "USA",
    exporter: Annotated[str, typer.Option("--exporter")] = "CHN",
    product: Annotated[str | None, typer.Option("--product", help="an HS/HTS code: the rate in force on it")] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD (default: every date a layer changes)"
        ),
    ] = None,
    layers: Annotated[
        Path | None, typer.Option("--layers", help="a TOML file of layers (default: the shipped US-China 2025 layers)")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="beside the published averages (tradewartracker, PIIE)")
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for the timeline chart (HTML)")] = Path("reports"),
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tariffs in force from layered schedules: a product's rate, or trade-weighted averages over time, charted."""
    from tradeflux import settings
    from tradeflux.models import tariffs as _tariffs

    folder = settings.data_dir(data_dir)
    try:
        schedule = _tariffs.load(layers or _tariffs.shipped(), folder)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc), 2)
    if product is not None:
        if day is None:
            fail("--product needs --date", 2)
        rate = schedule.rate(importer, exporter, product, day)
        active = [layer.id for layer in schedule.active(importer, exporter, product, day)]
        out = {
            "importer": importer,
            "exporter": exporter,
            "product": product,
            "date": day,
            "rate_pct": rate,
            "layers": active,
        }
        if as_json:
            emit_json(out)
        else:
            show(pd.DataFrame([out]), "Rate in force (additional, percent)")
        return
    if (importer, exporter) != ("USA", "CHN"):
        fail(
            f"averages weight each line by the importer's imports; the data directory has US imports from China "
            f"only, not {importer}'s imports from {exporter}: ask for one product's rate with --product and --date",
            2,
        )
    weights = pd.read_csv(folder / "us-imports-hs-2024" / "us_imports_from_china_hts10_2024.csv", dtype={"hts10": str})
    weights = weights.rename(columns={"hts10": "product", "imports_for_consumption_usd": "value"})
    if compare:
        tracker = pd.read_csv(folder / "us-tariffs-tradewartracker" / "us_effective_tariff_by_country_events.csv")
        tracker = tracker[tracker.census_country_name == "CHINA"]
        ms = pd.read_csv(folder / "us-tariffs-tradewartracker" / "us_china_tariff_milestones.csv")
        piie = ms[
            (ms.imposing_country == importer)
            & (ms.target_country == exporter)
            & (ms.rate_type == "trade-weighted average (PIIE)")
        ]
        applied = float((weights.calculated_duty_usd.sum() / weights.value.sum()) * 100)
        table = _tariffs.compare_published(
            schedule, weights, tracker, piie, applied, importer=importer, exporter=exporter
        )
        chart = _tariff_chart(table, out, f"{importer} tariffs on {exporter}: tradeflux and published averages")
        if as_json:
            emit_json(
                {
                    "applied_2024_pct": applied,
                    "table": records(table),
                    "notes": list(_tariffs.COMPARISON_NOTES),
                    "chart": str(chart),
                }
            )
            return
        show(
            table,
            f"{importer} tariffs on {exporter}: tradeflux against published averages (percent; 2024 applied {applied:.2f}%)",
        )
        for note in _tariffs.COMPARISON_NOTES:
            console.print(f"- {note}")
        console.print(f"Chart: {chart}")
        return
    if day and ".." in day:
        start, end = day.split("..", 1)
        try:
            row = schedule.average_over(importer, exporter, start, end, weights)
        except ValueError as exc:
            fail(str(exc), 2)
        if as_json:
            emit_json(row)
        else:
            show(
                pd.DataFrame([row]),
                f"Day-weighted average additional {importer} tariff on {exporter}, {start} to {end}",
            )
        return
    days = [_tariffs.as_date(day)] if day else None
    table = schedule.timeline(importer, exporter, weights, days)
    chart = None
    if day is None:
        chart = _tariff_chart(table, out, f"Average additional {importer} tariff on {exporter} (2024 HTS10 weights)")
    if as_json:
        emit_json({"table": records(table), "chart": str(chart) if chart else None})
    else:
        show(table, f"Average additional {importer} tariff on {exporter} (2024 HTS10 import weights)")
        if chart:
            console.print(f"Chart: {chart}")


def _tariff_chart(table: pd.DataFrame, out: Path, title: str) -> Path:
    from tradeflux._io import atomic_write_text
    from tradeflux.models import tariffs as _tariffs

    out.mkdir(parents=True, exist_ok=True)
    slug = "compare" if "piie_pct" in table else "timeline"
    html = _tariffs.timeline_figure(table, title).to_html(include_plotlyjs=True, div_id="chart-tariff-timeline")
    return atomic_write_text(out / f"tariff_{slug}.html", html)


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
        str, typer.Option("--layers", help="tariff layers for --date (file or shipped name)")
    ] = "us_china_2025",
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
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, CSV and JSON files")] = Path("reports"),
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Product-level partial equilibrium (SMART; GSIM for several importers): trade creation, diversion, revenue, surplus."""
    from tradeflux import scenarios as _scenarios
    from tradeflux.models import pe

    sigma: float | str = substitution
    if substitution != "broda-weinstein":
        try:
            sigma = float(substitution)
        except ValueError:
            fail(f"--substitution must be a number or 'broda-weinstein', not {substitution!r}", 2)
    elasticities = pe.Elasticities(
        import_demand, pe.DEFAULT_SUBSTITUTION if isinstance(sigma, str) else sigma, export_supply
    )
    try:
        elasticities.check()
        if lines_file is not None:
            frame = pd.read_csv(lines_file, dtype={"product": str, "partner": str, "importer": str})
            if elasticities_file is not None:
                elasticities = elasticities.with_file(elasticities_file, frame["product"])
            several = "importer" in frame and frame["importer"].nunique() > 1
            if several and form != "linear":
                fail("GSIM (several importers) is log-linear; --form constant is for one market", 2)
            result = (
                pe.gsim(frame, elasticities, name=str(lines_file))
                if several
                else pe.smart(frame, elasticities, name=str(lines_file), form=form)
            )
            run = _scenarios.PERun(f"PE on {lines_file.name}", result, result.notes, str(lines_file))
            stem = f"pe_{lines_file.stem}"
        else:
            if scenario is not None:
                found = _scenarios.find(scenario)
                shocks, title, stem = found.shocks, found.name, f"pe_{Path(found.source).stem}"
            elif day is not None:
                shocks = [{"type": "schedule", "layers": layers, "date": day}]
                title, stem = f"US duties in force on {day}", f"pe_us_{day}"
            else:
                fail("give a scenario, --date YYYY-MM-DD, or --lines FILE", 2)
            run = _scenarios.simulate_pe(
                shocks,
                title=f"{title}: SMART on US 2024 HS6 imports",
                elasticities=elasticities,
                substitution="broda-weinstein" if sigma == "broda-weinstein" else None,
                elasticities_file=elasticities_file,
                form=form,
                data_dir=data_dir,
                source=scenario or "",
            )
    except (KeyError, ValueError, FileNotFoundError) as exc:
        fail(str(exc).strip("'\""), 2)
    paths = _scenarios.write_pe(run, out, stem, data_dir)
    if as_json:
        emit_json(
            {
                **run.result.to_dict(),
                "title": run.title,
                "notes": run.notes,
                "files": {k: str(v) for k, v in paths.items()},
            }
        )
        return
    console.rule(f"[bold]{run.title}")
    for line in [*run.notes, run.result.elasticities]:
        console.print(f"- {line}")
    money = ["imports", "trade_creation", "trade_diversion", "total_effect", "imports_after"]
    money += ["revenue_before", "revenue_after", "consumer_surplus", "welfare"]
    show(run.result.market().div(1e6), "Market totals (USD mn)")
    partners = run.result.by("partner").sort_values("total_effect")
    partners[money] = partners[money].div(1e6)
    cols = ["partner", "imports", "trade_creation", "trade_diversion", "total_effect", "change_pct"]
    show(
        pd.concat([partners[partners.total_effect < 0], partners.tail(10)]).drop_duplicates("partner")[cols],
        "Largest losers and gainers (USD mn; change in %)",
    )
    console.print(f"HTML: {paths['html']}")


# ---- general equilibrium -----------------------------------------------------------------------
@app.command("ge-check")
def ge_check(
    name: Annotated[str, typer.Argument(help="borders or nafta (Advanced Guide ch. 2), or eu (Stata ge_gravity)")],
    draws: Annotated[
        int, typer.Option("--draws", help="borders: Monte Carlo draws of the border coefficient for 95% intervals")
    ] = 0,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Solve a published GE counterfactual and print tradeflux's results beside the published ones."""
    from tradeflux import settings
    from tradeflux.scenarios import checks as ge_checks

    if name not in ge_checks.CHECKS:
        fail(f"unknown check {name!r}; checks: {', '.join(ge_checks.CHECKS)}", 2)
    if draws and name != "borders":
        fail("--draws goes with the borders check", 2)
    folder = settings.data_dir(data_dir)
    check = ge_checks.trade_without_borders(folder, draws) if draws else ge_checks.CHECKS[name](folder)
    if as_json:
        emit_json({"check": check.name, "summary": check.summary, "table": records(check.table)})
        return
    show(check.table.round(3), check.description)
    console.print_json(json.dumps(check.summary, default=str))


@app.command()
def simulate(
    scenario: Annotated[
        str, typer.Argument(help="a scenario TOML file, or the name of a shipped one (see `tradeflux scenarios`)")
    ],
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, JSON and CSV files")] = Path("reports"),
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a tariff or imbalance scenario in general equilibrium: who gains, who loses, where trade goes."""
    from tradeflux import scenarios as _scenarios

    try:
        sim = _scenarios.simulate(_scenarios.find(scenario), data_dir)
    except (KeyError, ValueError, FileNotFoundError) as exc:
        fail(str(exc).strip("'\""), 2)
    paths = _scenarios.write(sim, out)
    if as_json:
        emit_json({**_scenarios.to_dict(sim), "files": {k: str(v) for k, v in paths.items()}})
        return
    console.rule(f"[bold]{sim.scenario.name}")
    for note in sim.notes:
        console.print(f"- {note}")
    cols = ["country", "welfare_pct", "factory_price_pct", "exports_pct", "balance_before", "balance_after"]
    show(
        sim.countries.sort_values("welfare_pct")[cols], "Countries, from losers to winners (welfare = real expenditure)"
    )
    if not sim.destinations.empty:
        dest = sim.destinations.sort_values("change")
        show(
            pd.concat([dest.head(5), dest.tail(5)])[["destination", "before", "after", "change_pct"]],
            "China's exports: largest falls and rises (USD mn)",
        )
    console.print(f"HTML: {paths['html']}")


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


# ---- fetch -------------------------------------------------------------------------------------
@fetch_app.command("comtrade")
def fetch_comtrade(
    reporter: Annotated[list[str], typer.Option("--reporter", help="ISO3 or Comtrade code; repeat for several")],
    period: Annotated[list[str], typer.Option("--period", help="2024 or 202403; repeat for several")],
    partner: Annotated[str, typer.Option("--partner", help="partner code, 0 = World, all = every partner")] = "0",
    flow: Annotated[str, typer.Option("--flow", help="X, M, or X,M")] = "X,M",
    cmd: Annotated[str, typer.Option("--cmd", help="TOTAL, AG2, or HS codes")] = "TOTAL",
    freq: Annotated[str, typer.Option("--freq", help="A annual, M monthly")] = "A",
    out: Annotated[Path, typer.Option("--out", help="folder for the JSON files")] = Path("comtrade"),
    base_url: Annotated[str, typer.Option("--base-url", help="API base URL")] = "https://comtradeapi.un.org",
    max_attempts: Annotated[int, typer.Option("--max-attempts")] = 5,
    do_ingest: Annotated[bool, typer.Option("--ingest", help="load the files into the store afterwards")] = False,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download from the UN Comtrade API (key from COMTRADE_API_KEY); resumes a broken download."""
    from tradeflux.sources.comtrade_client import ComtradeClient, ComtradeError, plan

    requests = plan(reporter, period, partner=partner, flow=flow, cmd=cmd, freq=freq)
    done: list[dict] = []
    try:
        with (
            ComtradeClient(base_url=base_url, max_attempts=max_attempts) as client,
            _progress(as_json) as bar,
        ):
            task = bar.add_task("comtrade", total=len(requests))

            def on_done(req, path, fetched):
                done.append({"request": req.filename, "file": str(path), "fetched": fetched})
                bar.advance(task)

            client.download(requests, out, on_done=on_done)
    except (ComtradeError, ValueError) as exc:
        fail(f"{exc} ({len(done)} of {len(requests)} files done; run the same command again to resume)")
    ingested = []
    if do_ingest:
        st = _open(store, data_dir)
        for item in done:
            ingested.append(st.ingest("comtrade", item["file"], dataset="api-json").to_dict())
    if as_json:
        emit_json({"files": done, "ingested": ingested})
    else:
        show(
            pd.DataFrame(done),
            f"Comtrade: {sum(d['fetched'] for d in done)} fetched, {sum(not d['fetched'] for d in done)} already there",
        )


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
