"""Dimension tables beside the facts: countries, dated group memberships, HS products and baskets,
written as Parquet under ``dimensions/`` so that any engine reading the store can join them
(``dim_countries``, ``dim_groups``, ``dim_products``, ``dim_baskets``).

They are derived from the reference data (the country-codes and HS nomenclature datasets of the data
directory, and the baskets tradeflux defines), rewritten atomically after each ingest.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tradeflux._io import atomic_write_bytes
from tradeflux.reference import products as _products
from tradeflux.reference.countries import CountryTable

__all__ = ["DIMENSIONS", "tables", "write"]

DIMENSIONS = ("dim_countries", "dim_groups", "dim_products", "dim_baskets")


def tables(countries: CountryTable, data_dir: Path) -> dict[str, pa.Table]:
    """The dimension tables as Arrow tables."""
    rows = list(countries.countries.values())
    out = {
        "dim_countries": pa.table(
            {
                "iso3": [c.iso3 for c in rows],
                "name": [c.name for c in rows],
                "iso2": [c.iso2 for c in rows],
                "numeric": [c.numeric for c in rows],
                "historical": [bool(c.historical) for c in rows],
            }
        ),
        "dim_groups": pa.table(
            {
                "group_id": [m.group for m in countries.memberships],
                "iso3": [m.iso3 for m in countries.memberships],
                "start_date": pa.array([m.start for m in countries.memberships], pa.date32()),
                "end_date": pa.array([m.end for m in countries.memberships], pa.date32()),
            }
        ),
    }
    hs = _products.load(data_dir)
    codes = sorted(hs.descriptions)
    hs2017 = sorted(hs.hs2017)
    out["dim_products"] = pa.table(
        {
            "revision": ["HS2022"] * len(codes) + ["HS2017"] * len(hs2017),
            "code": codes + hs2017,
            "description": [hs.descriptions[c] for c in codes] + [hs.descriptions.get(c) for c in hs2017],
            "parent": [hs.parents.get(c) for c in codes] + [None] * len(hs2017),
        }
    )
    basket_rows = [
        (basket.name, part.name, revision, code)
        for basket in _products.BASKETS.values()
        for part in basket.parts
        for revision, part_codes in part.codes.items()
        for code in part_codes
    ]
    out["dim_baskets"] = pa.table(
        {name: [r[i] for r in basket_rows] for i, name in enumerate(("basket", "part", "revision", "code"))}
    )
    return out


def write(root: Path, countries: CountryTable, data_dir: Path) -> dict[str, Path]:
    """Write every dimension table under ``root/dimensions`` (each atomically); return their paths."""
    folder = root / "dimensions"
    folder.mkdir(exist_ok=True)
    paths = {}
    for name, table in tables(countries, data_dir).items():
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        paths[name] = atomic_write_bytes(folder / f"{name}.parquet", sink.getvalue())
    return paths
