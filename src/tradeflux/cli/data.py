"""Data commands: ingest, what the store holds, queries, the quarantine, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from tradeflux import schema
from tradeflux import store as _store
from tradeflux._io import atomic_write_bytes
from tradeflux.cli import app, fetch_app
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
    progress,
    say,
    show,
)
from tradeflux.errors import InputError
from tradeflux.render.csv import csv_text
from tradeflux.render.json import dumps
from tradeflux.sources import SOURCES, find_source

__all__ = ["fetch_comtrade", "fetch_wits_trains", "ingest", "quarantine", "query", "sources"]


SOURCE_COLUMNS = [
    "source",
    "dataset",
    "vintage",
    "lines_read",
    "loaded",
    "quarantined",
    "first_period",
    "last_period",
    "current",
]


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
    st = open_store(store, data_dir, require_data=False, create=True)
    results: list[_store.IngestResult] = []
    if file is not None:
        if mapping is not None:
            from tradeflux.sources.generic import Mapping, source_for

            src = source_for(Mapping.from_file(mapping), source or file.stem, vintage=vintage)
        elif source is None:
            raise InputError("--file needs --source (or --mapping for a generic file)")
        else:
            src = find_source(source)
        results.append(st.ingest(src, file, dataset=dataset, vintage=vintage))
    else:
        planned = st.plan(sources)
        with progress(as_json) as bar:
            task = bar.add_task("ingesting", total=max(len(planned), 1))
            results = st.ingest_all(
                sources,
                progress=lambda msg: bar.update(task, description=msg[:80]),
                on_file=lambda _src, _path: bar.advance(task),
            )
    written = st.derive()
    derived = {"file": str(st.canonical_file()), "rows_written": written}  # None: written before, same state
    if as_json:
        emit_json({"ingested": [r.to_dict() for r in results], "sources": st.sources(), "canonical_rows": derived})
        return
    frame = pd.DataFrame(
        [
            {
                "source": r.source,
                "dataset": r.dataset,
                "file": Path(r.file).name,
                "status": r.status,
                "lines_read": r.lines_read,
                "staged": r.staged,
                "loaded": r.loaded,
                "quarantined": r.quarantined,
            }
            for r in results
        ]
    )
    if frame.empty:
        console.print("Nothing to ingest: no dataset of these sources in the data directory.")
        return
    changed = int((frame.status != "unchanged").sum())
    show(
        frame,
        f"Ingested into {st.root}: {changed} of {len(frame)} files new or replaced (staged = loaded + quarantined)",
    )
    if written is not None:
        console.print(f"canonical rows: {written:,} facts written to {derived['file']}")


@app.command()
def sources(store: StoreOpt = None, data_dir: DataOpt = None, as_json: JsonOpt = False) -> None:
    """What the store holds: one row per ingested file, with its vintage and row accounting."""
    st = open_store(store, data_dir, require_data=False)
    frame = st.sources()
    if as_json:
        emit_json(frame)
    elif frame.empty:
        console.print("The store is empty: run `tradeflux ingest`.")
    else:
        show(frame, f"Store {st.root}", columns=SOURCE_COLUMNS)


@app.command()
def query(
    table: Annotated[str, typer.Option("--table", help=f"one of {', '.join(schema.TABLES)}")] = "flows",
    reporter: Annotated[list[str] | None, typer.Option("--reporter")] = None,
    partner: Annotated[list[str] | None, typer.Option("--partner")] = None,
    flow: Annotated[list[str] | None, typer.Option("--flow")] = None,
    year: Annotated[list[int] | None, typer.Option("--year", min=1900, max=2100)] = None,
    period: Annotated[list[str] | None, typer.Option("--period")] = None,
    source: Annotated[list[str] | None, typer.Option("--source")] = None,
    classification: Annotated[list[str] | None, typer.Option("--classification")] = None,
    product: Annotated[list[str] | None, typer.Option("--product")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="indicators only")] = None,
    vintage: Annotated[str, typer.Option("--vintage", help="latest, all, or an ISO date")] = "latest",
    all_sources: Annotated[
        bool,
        typer.Option(
            "--all-sources",
            help="flows: every source's row, with which one won and why (default: one canonical row per fact)",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=0, max=100_000_000, help="rows at most (default 50 for a table on screen)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, parquet or json")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to this file (csv, parquet, json)")] = None,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows of a table, filtered; as a table, CSV, Parquet or JSON."""
    if as_json:
        fmt = "json"
    if fmt not in ("table", "csv", "parquet", "json"):
        raise InputError(f"--format must be table, csv, parquet or json, not {fmt!r}")
    if fmt == "parquet" and out is None:
        raise InputError("--format parquet needs --out FILE")
    if out is not None and out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name")
    spec = schema.TABLES.get(table)
    if spec is None:
        raise InputError(f"unknown table {table!r}; tables: {', '.join(schema.TABLES)}")
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
    filters = {k: v for k, v in filters.items() if v}
    bad = [k for k in filters if k not in spec.column_names]
    if bad:
        raise InputError(f"table {table} has no column {', '.join(bad)}")
    if limit is None and fmt == "table" and out is None:
        limit = 50
    st = open_store(store, data_dir, engine, spark_master, require_data=False)
    if table == "flows":
        from tradeflux.analysis.canonical import canonical

        con = st.connect(vintage)
        try:
            frame = canonical(con, all_sources=all_sources, limit=limit, **filters)
        finally:
            con.close()
    else:
        frame = st.query(table, vintage=vintage, limit=limit, **filters)
    if table == "flows" and "product_level" in frame and frame.product_level.nunique() > 1:
        levels = ", ".join(sorted(frame.product_level.unique()))
        say(
            f"rows at {frame.product_level.nunique()} product levels ({levels}): each level adds up to the total "
            "on its own; do not add across levels (filter with --classification or --product TOTAL)"
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            import io

            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            atomic_write_bytes(out, buffer.getvalue())
        elif fmt == "json":
            atomic_write_bytes(out, dumps(frame, indent=1).encode("utf-8"))
        else:
            atomic_write_bytes(out, csv_text(frame).encode("utf-8"))
        err.print(f"wrote {len(frame):,} rows to {out}")
        return
    if fmt == "json":
        emit_json(frame)
    elif fmt == "csv":
        import sys

        sys.stdout.write(csv_text(frame))
    else:
        limited = ", limited" if limit and len(frame) == limit else ""
        columns = list(schema.DISPLAY_COLUMNS[table])
        if table == "flows":
            columns += ["canonical", "why"] if all_sources else ["tier"]
            title = "every source's row, the canonical one marked" if all_sources else "one canonical row per fact"
        else:
            title = ""
        show(frame, f"{table} ({len(frame):,} rows{limited}{'; ' + title if title else ''})", columns=columns)


@app.command()
def quarantine(
    source: Annotated[str | None, typer.Option("--source")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, max=100_000_000)] = 50,
    vintage: Annotated[str, typer.Option("--vintage", help="latest (default), all, or an ISO date")] = "latest",
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows that were not loaded, with file, line, field and reason (of the current vintages by default)."""
    frame = open_store(store, data_dir, require_data=False).quarantine(source, vintage)
    if as_json:
        emit_json(frame)
        return
    show(
        frame.head(limit),
        f"Quarantined rows (first {min(limit, len(frame))} of {len(frame):,})",
        columns=["source", "dataset", "line", "field", "reason"],
    )


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
    max_attempts: Annotated[int, typer.Option("--max-attempts", min=1)] = 5,
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
        with ComtradeClient(base_url=base_url, max_attempts=max_attempts) as client, progress(as_json) as bar:
            task = bar.add_task("comtrade", total=len(requests))

            def on_done(req, path, fetched):
                done.append({"request": req.filename, "file": str(path), "fetched": fetched})
                bar.advance(task)

            client.download(requests, out, on_done=on_done)
    except ComtradeError as exc:
        raise ComtradeError(
            f"{exc} ({len(done)} of {len(requests)} files done; run the same command again to resume)"
        ) from None
    ingested = []
    if do_ingest:
        st = open_store(store, data_dir, require_data=False, create=True)
        for item in done:
            ingested.append(st.ingest("comtrade", item["file"], dataset="api-json").to_dict())
    if as_json:
        emit_json({"files": done, "ingested": ingested})
    else:
        show(
            pd.DataFrame(done, columns=["request", "file", "fetched"]),
            f"Comtrade: {sum(d['fetched'] for d in done)} fetched, {sum(not d['fetched'] for d in done)} already there",
        )


@fetch_app.command("wits-trains")
def fetch_wits_trains(
    importer: Annotated[str, typer.Option("--importer", help="the importer: ISO3 or ISO numeric")],
    year: Annotated[int, typer.Option("--year", help="the year of the tariffs")],
    products: Annotated[str, typer.Option("--products", help="HS6 codes separated by ';', or all")] = "all",
    partner: Annotated[str, typer.Option("--partner", help="partner; 000 = every partner (MFN)")] = "000",
    base_url: Annotated[str, typer.Option("--base-url", help="API base URL (a mirror or local server)")] = (
        "https://wits.worldbank.org/API/V1/SDMX/V21"
    ),
    refresh: Annotated[bool, typer.Option("--refresh", help="fetch again even if the answer is kept")] = False,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch tariffs from UNCTAD TRAINS through World Bank WITS (no key; one request a second) and load them
    as a new vintage; the answer is kept under the store's raw/wits-trains/ with its URL, time and hash."""
    from tradeflux.sources import wits

    request = wits.TrainsRequest(importer, year, products, partner).service_request()
    st = open_store(store, data_dir, require_data=False, create=True)
    _update(st, [request], refresh, {wits.SERVICE: base_url}, as_json, f"WITS TRAINS tariffs, {year} (rates in %)")


@fetch_app.command("baci")
def fetch_baci(
    year: Annotated[list[str], typer.Option("--year", help="2023, or a range 2021-2023; repeat for several")],
    revision: Annotated[str, typer.Option("--revision", help="HS revision of the file: HS92 ... HS22")] = "HS22",
    release: Annotated[str, typer.Option("--release", help="BACI release, YYYYMM (202501)")] = "202501",
    base_url: Annotated[str, typer.Option("--base-url", help="CEPII's site, a mirror or a local server")] = (
        "https://www.cepii.fr"
    ),
    refresh: Annotated[bool, typer.Option("--refresh", help="download again even if the archive is kept")] = False,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download CEPII BACI's bulk archive of one HS revision (about 2 GB, no key), keep it under the store's
    raw/baci/ with its URL, time and hash, and load the years asked for as the release's vintage."""
    from tradeflux.store.update import fetch_baci as run

    years = sorted({y for text in year for y in _years(text)})
    st = open_store(store, data_dir, require_data=False, create=True)
    with progress(as_json) as bar:
        task = bar.add_task("baci", total=None)
        result = run(st, revision, release, years, base_url=base_url, refresh=refresh,
                     progress=lambda m: bar.update(task, description=m))  # fmt: skip
    if as_json:
        emit_json(result.to_dict())
        return
    answer = result.answers[0]
    say(
        f"{'downloaded' if answer.fetched else 'already kept'}: {answer.url} (sha256 {answer.sha256[:16]}), "
        f"{answer.file}"
    )
    loaded = pd.DataFrame(result.loaded)
    if loaded.empty:
        say("every year asked for is already loaded; nothing to do. --refresh downloads again.")
        return
    loaded["file"] = loaded.file.map(lambda f: Path(f).name)
    columns = ["source", "dataset", "file", "vintage", "status", "lines_read", "staged", "loaded", "quarantined"]
    show(loaded, f"BACI {revision} release {release}: {len(loaded)} files loaded", columns=columns)


@app.command()
def update(
    reporter: Annotated[list[str], typer.Option("--reporter", help="ISO3 code or name; repeat for several")],
    year: Annotated[list[str], typer.Option("--year", help="2024, or a range 2021-2025; repeat for several")],
    service: Annotated[
        list[str] | None,
        typer.Option("--service", help="imf-imts (default), comtrade, wits-trains; repeat for several"),
    ] = None,
    detail: Annotated[str, typer.Option("--detail", help="Comtrade: totals, hs2, hs4 or hs6")] = "totals",
    frequency: Annotated[str, typer.Option("--frequency", help="A annual, M monthly")] = "A",
    base_url: Annotated[
        list[str] | None,
        typer.Option("--base-url", help="SERVICE=URL: another address for a service (a mirror, a local server)"),
    ] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="fetch again the answers already kept")] = False,
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch from the official services what the store lacks for these reporters and years, keep each answer
    under the store's raw/ with its URL, time and hash, load it as a new vintage and list what changed.
    Running it again fetches nothing; --refresh asks again and reports revised figures."""
    from tradeflux.store.update import SERVICES, plan

    years = sorted({y for text in year for y in _years(text)})
    urls = {}
    for item in base_url or []:
        name, sep, url = item.partition("=")
        if not sep or name not in SERVICES or not url:
            raise InputError(f"--base-url {item!r}: give SERVICE=URL with SERVICE one of {', '.join(SERVICES)}")
        urls[name] = url
    requests = plan(reporter, years, service or ["imf-imts"], detail=detail, frequency=frequency)
    st = open_store(store, data_dir, require_data=False, create=True)
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    _update(st, requests, refresh, urls, as_json, f"Update of {', '.join(reporter)}, {span}")


def _years(text: str) -> list[int]:
    first, sep, last = text.partition("-")
    if not first.strip().isdigit() or (sep and not last.strip().isdigit()):
        raise InputError(f"--year {text!r}: give a year (2024) or a range (2021-2025)")
    start, end = int(first), int(last) if sep else int(first)
    if not 1900 <= start <= end <= 2100:
        raise InputError(f"--year {text!r}: years from 1900 to 2100, the first before the last")
    return list(range(start, end + 1))


def _update(st, requests, refresh: bool, base_urls: dict[str, str], as_json: bool, title: str) -> None:
    """Run an update and show it: the answers (fetched or kept before), then the rows new, revised or gone."""
    from tradeflux.store.update import update

    with progress(as_json) as bar:
        task = bar.add_task("fetching", total=None)
        result = update(
            st, requests, refresh=refresh, base_urls=base_urls, progress=lambda m: bar.update(task, description=m)
        )
    if as_json:
        emit_json(result.to_dict())
        return
    for answer in result.answers:
        if answer.fetched:
            say(f"fetched {answer.url} at {answer.fetched_at} (sha256 {answer.sha256[:16]}), kept as {answer.file}")
    if not result.fetched and not result.loaded:
        say(f"{len(result.answers)} answers already held and loaded; nothing fetched. --refresh asks again.")
        return
    changes = result.changes_frame()
    show(changes, f"{title}: {len(changes)} rows new, revised or gone")
