"""OECD Inter-Country Input-Output tables 2022: intermediate flows only (no final demand, no rest of world).

Values are millions of USD at basic prices; stored in USD. Classification ``ICIO50`` codes the
selling industry (ISIC Rev.4, 50 industries); ``ICIO50-BUYER`` codes the buying industry (the
purchases file), and the country-by-country matrix is product ``ALL`` (all intermediates).
"""

from __future__ import annotations

from pathlib import Path

from tradeflux import _sql as sql
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged, union

__all__ = ["OECD_ICIO", "read_matrix", "read_purchases", "read_sales"]


def _staged(raw: str, exporter: str, importer: str, classification: str, product: str, value: str) -> Staged:
    exprs = {
        "period_raw": "'2022'",
        "reporter": exporter,
        "reporter_code": exporter,
        "partner": importer,
        "partner_code": importer,
        "flow": "'export'",
        "classification": f"'{classification}'",
        "product": product,
        "value_raw": value,
        "value_scale": "1e6",
        "valuation": "'BASIC'",
    }
    return Staged.of("flows", exprs, raw)


def read_sales(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["exporter_iso3", "exporter_sector", "importer_iso3", "value_usd_mn"])
    return [_staged(raw, "exporter_iso3", "importer_iso3", "ICIO50", "exporter_sector", "value_usd_mn")]


def read_purchases(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["exporter_iso3", "importer_sector", "importer_iso3", "value_usd_mn"])
    return [_staged(raw, "exporter_iso3", "importer_iso3", "ICIO50-BUYER", "importer_sector", "value_usd_mn")]


def read_matrix(ctx: ReadContext, path: Path) -> list[Staged]:
    """The wide country-by-country matrix: one flow per cell."""
    raw = ctx.load_csv(path, ["exporter_iso3"])
    importers = [
        c for c in ctx.con.execute(f"SELECT * FROM {raw} LIMIT 0").df().columns if c not in ("exporter_iso3", "_line")
    ]
    selects = [
        _staged(raw, "exporter_iso3", sql.literal(imp), "ICIO50", "'ALL'", sql.identifier(imp)).sql for imp in importers
    ]
    return [Staged("flows", union(selects))]


OECD_ICIO = Source(
    id="oecd-icio",
    title="OECD ICIO 2025 release, reference year 2022: intermediate-input flows (80 economies x 50 industries)",
    vintage="2025-11-01",
    vintage_note="OECD ICIO 2025 release (via sanction-simulator 0.1.4)",
    licence="OECD terms (CC BY 4.0); cite OECD (2025) Inter-Country Input-Output Database",
    datasets=(
        Dataset(
            "sales",
            "oecd-icio-2022-intermediates/icio2022_intermediate_sales_by_exporter_sector.csv*",
            read_sales,
            "intermediates by selling country-industry and buying country",
        ),
        Dataset(
            "purchases",
            "oecd-icio-2022-intermediates/icio2022_intermediate_purchases_by_importer_sector.csv*",
            read_purchases,
            "intermediates by supplying country and buying country-industry",
        ),
        Dataset(
            "matrix",
            "oecd-icio-2022-intermediates/icio2022_intermediate_matrix_country_by_country.csv",
            read_matrix,
            "country-by-country intermediates",
        ),
    ),
)
