"""What every command shares: the consoles, one table printer, JSON output, progress, common options.

Tables are sized to their content: when the output is a pipe or a log, the console is as wide as
the widest table, so nothing wraps mid-word; numbers are formatted by unit (:mod:`tradeflux._format`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradeflux._format import cell
from tradeflux.render.json import dumps

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="store directory [env TRADEFLUX_STORE; default .tradeflux/store]")
]
DataOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="source datasets [env TRADEFLUX_DATA; default ../shared/data]")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the full result as JSON")]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="query engine: duckdb or spark [env TRADEFLUX_ENGINE; default duckdb]")
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL with --engine spark [env TRADEFLUX_SPARK_MASTER; local[2]]"),
]


def show(frame: pd.DataFrame, title: str, *, columns: list[str] | tuple[str, ...] | None = None) -> None:
    """Print ``frame`` as one table; numbers right-aligned and formatted by their column's unit."""
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    table = Table(title=title, header_style="bold", title_justify="left")
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left", no_wrap=True)
    for row in frame[cols].itertuples(index=False):
        table.add_row(*(cell(str(c), v) for c, v in zip(cols, row, strict=True)))
    needed = Measurement.get(console, console.options.update(width=100_000, max_width=100_000), table).maximum
    if console.is_terminal:
        needed = min(needed, max(console.width, 80))
    sized = Console(file=console.file, width=max(needed, 40), force_terminal=console.is_terminal, soft_wrap=True)
    sized.print(table, crop=False)


def open_store(
    store: Path | None,
    data_dir: Path | None,
    engine: str | None = None,
    spark_master: str | None = None,
    *,
    require_data: bool = True,
    create: bool = False,
):
    """The store a command works on; for a command that reads it (``require_data``), an empty store
    is an input error, said once. Only a command that writes (``create``) makes a store folder that
    is not there: a mistyped ``--store`` is an error, not an empty answer."""
    from tradeflux import store as _store
    from tradeflux.errors import InputError

    if store is not None and not create and not Path(store).exists():
        raise InputError(f"--store {store}: no such folder (`tradeflux ingest --store {store}` creates a store)")
    st = _store.open(store, data_dir=data_dir, engine=engine, spark_master=spark_master)
    if require_data and st.sources().empty:
        raise InputError("the store is empty: run `tradeflux ingest` first")
    return st


def say(text: str) -> None:
    console.print(text, highlight=False, markup=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")


def progress(quiet: bool) -> Progress:
    """A progress bar on stderr, off when the output is JSON."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err, transient=True, disable=quiet)
