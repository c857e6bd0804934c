"""Reference data commands: country names, groups, product baskets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from tradeflux.cli import app
from tradeflux.cli._output import DataOpt, JsonOpt, emit_json, show
from tradeflux.reference import countries as _countries
from tradeflux.reference import products as _products

__all__ = ["basket", "countries", "group"]


@app.command()
def countries(
    names: Annotated[list[str], typer.Argument(help="country names in any usual spelling")],
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Match country names to ISO3 codes (exit 1 if one does not match)."""
    table = _countries.load(data_dir)
    rows = []
    for n in names:
        code = table.match(n)
        rows.append({"name": n, "iso3": code, "matched_name": table.name(code) if code else None})
    if as_json:
        emit_json(rows)
    else:
        show(pd.DataFrame(rows), "Country matches")
    if any(r["iso3"] is None for r in rows):
        raise typer.Exit(1)


@app.command()
def group(
    name: Annotated[str, typer.Argument(help="EU27, ASEAN, AFRICA, LATAM, NORTHERN_AMERICA, or a user group")],
    year: Annotated[
        int, typer.Option("--year", min=1900, max=2100, help="members counted for this year (members on 1 July)")
    ],
    groups_file: Annotated[
        Path | None, typer.Option("--groups-file", help="CSV of user-defined groups: group, iso3[, start, end]")
    ] = None,
    data_dir: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Members of a country group in a year."""
    table = _countries.load(data_dir)
    if groups_file:
        table.add_groups_from_file(groups_file)
    members = table.members(name, year)
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
    b = _products.basket(name)
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
