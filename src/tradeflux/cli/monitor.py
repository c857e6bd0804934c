"""The trade monitor: a country's year, explained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
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
    open_store,
    say,
    show,
)
from tradeflux.errors import InputError
from tradeflux.render.writers import write_report

__all__ = ["check", "reconcile", "report"]


@app.command()
def report(
    country: Annotated[str, typer.Argument(help="ISO3 code of the country (CHN)")],
    year: Annotated[int, typer.Option("--year", min=1900, max=2100, help="the year to explain")],
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML, JSON and CSV files")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What happened to a country's trade in a year: terminal summary, HTML with charts, JSON and CSV."""
    from tradeflux.analysis import report as _report

    st = open_store(store, data_dir, engine, spark_master)
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
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every source's figure for one pair's trade in a year, both directions, with the gaps and their likely causes."""
    from tradeflux.analysis.reconcile import reconcile as _reconcile

    st = open_store(store, data_dir, engine, spark_master, require_data=False)
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


@app.command()
def check(
    file: Annotated[
        Path | None, typer.Argument(help="a text file of trade news (or - or nothing: standard input)")
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="the text's date (YYYY-MM-DD) for 'last year', months and 'year-on-year' (default: a dateline in the text, else today)",
        ),
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--reporter", help="the country the text is about, where a sentence names none")
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate", help="scores on the shipped corpus of real sentences: development and held-out parts"
        ),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="folder for the annotated HTML, CSV and JSON")] = Path("reports"),
    store: StoreOpt = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the quantitative trade claims in a text and check each against the data."""
    import datetime as dt
    import sys

    import pandas as pd

    from tradeflux.analysis import claims
    from tradeflux.render.writers import write_claims

    st = open_store(store, data_dir, require_data=False)
    if evaluate:
        from tradeflux.analysis.claims import _corpus

        result = claims.evaluate(st.countries, st)
        if as_json:
            emit_json(result)
            return
        show(
            _corpus.table(result),
            "Claims in real sentences from published pages: development part (rules tuned on it) and held-out part",
        )
        for part, scores in result["parts"].items():
            if part == "held-out":
                say(
                    f"held-out: {len(scores['misses'])} misses, {len(scores['extra'])} claims not labelled, "
                    f"{len(scores['wrong_verdicts'])} wrong verdicts (listed only with --json: rules are not "
                    "tuned on this part)"
                )
                continue
            for miss in scores["misses"]:
                say(f"{part}, missed: {miss}")
            for extra in scores["extra"]:
                say(f"{part}, not labelled: {extra}")
            for wrong in scores["wrong_verdicts"]:
                say(f"{part}, verdict: {wrong}")
        return
    if file is None or str(file) == "-":
        raw = sys.stdin.buffer.read(claims.MAX_CHARS + 1)
        name = "standard input"
    else:
        if not file.is_file():
            raise InputError(f"{file}: no such file")
        if file.stat().st_size > claims.MAX_CHARS:
            raise InputError(f"{file}: {file.stat().st_size:,} bytes; at most {claims.MAX_CHARS:,} are read")
        raw = file.read_bytes()
        name = str(file)
    if len(raw) > claims.MAX_CHARS:
        raise InputError(f"{name}: more than {claims.MAX_CHARS:,} bytes; at most that many are read")
    if b"\x00" in raw:
        raise InputError(f"{name}: binary data, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    today = None
    if day:
        try:
            today = pd.Timestamp(dt.date.fromisoformat(day))
        except ValueError:
            raise InputError(f"--date {day!r}: not a date (YYYY-MM-DD)") from None
    code = st.countries.code(subject) if subject else None
    result = claims.check(text, st, today=today, subject=code)
    paths = write_claims(result, out)
    if as_json:
        emit_json({**result.to_dict(), "files": paths})
        return
    show(
        result.tables()["claims"],
        f"Claims in {name}: {sum(c.verdict == 'consistent' for c in result.checks)} consistent, "
        f"{sum(c.verdict == 'inconsistent' for c in result.checks)} inconsistent, "
        f"{sum(c.verdict == 'not checkable' for c in result.checks)} not checkable",
        columns=["claim", "metric", "reporter", "partner", "year", "stated", "recomputed", "verdict", "reasons"],
    )
    say(f"Annotated text: {paths['html']}")
