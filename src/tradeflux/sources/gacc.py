"""China's General Administration of Customs (GACC): 2025 headline figures and partial monthly tables.

The headline table is kept whole in ``indicators`` (every figure as reported, with its unit, the
currency its growth rate was computed in, and its citation); the figures that are flows (exports
or imports in USD or CNY) also go to ``flows`` in currency units. A copy of the headline table is
embedded in the package and is read when the data directory does not have it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tradeflux.reference.countries import aggregate_code
from tradeflux.schema import staged_select
from tradeflux.sources.base import CHINA_TO_WORLD, Dataset, ReadContext, Source, Staged, union

__all__ = ["FLOW_METRICS", "GACC", "SCALES", "embedded_headlines", "read_headlines", "read_monthly"]


# Headline metrics that are flows (all goods, to the partner); others (high-tech exports, balances) are not.
FLOW_METRICS = ("total_exports", "total_imports", "exports", "imports")
SCALES = {"trillion": "1e12", "billion": "1e9", "million": "1e6", "thousand": "1e3"}


def embedded_headlines() -> Path:
    """The package's copy of the GACC 2025 headline table."""
    return Path(str(resources.files("tradeflux") / "data" / "gacc_2025_headlines.csv"))


def read_headlines(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(
        path,
        [
            "metric",
            "period",
            "partner_or_group",
            "flow",
            "value",
            "unit",
            "yoy_pct",
            "currency_basis_of_yoy",
            "source_url",
            "note",
        ],
    )
    partners = ctx.distinct(raw, "partner_or_group")
    mapping = {}
    for name in partners:
        code = ctx.countries.match(name)
        mapping[name] = code if code and not ctx.countries.group_id(name) else aggregate_code(name)
    lookup = ctx.register_map(mapping, "partners")
    rel = f"(SELECT r.*, m.code AS par FROM {raw} r LEFT JOIN {lookup} m ON r.partner_or_group = m.key)"
    currency = "CASE WHEN unit LIKE '% USD' THEN 'USD' WHEN unit LIKE '% CNY' THEN 'CNY' END"
    scale = (
        "CASE "
        + " ".join(f"WHEN unit LIKE '{word} %' THEN {factor}" for word, factor in SCALES.items())
        + " ELSE 1.0 END"
    )
    indicators = staged_select(
        "indicators",
        {
            "period_raw": "period",
            "reporter": "'CHN'",
            "partner": "par",
            "metric": "metric",
            "flow": "flow",
            "value_raw": "value",
            "value_scale": f"CASE WHEN {currency} IS NOT NULL THEN {scale} ELSE 1.0 END",
            "unit": f"coalesce({currency}, nullif(unit, ''))",
            "currency": currency,
            "yoy_raw": "yoy_pct",
            "yoy_basis": "nullif(currency_basis_of_yoy, '')",
            "source_url": "source_url",
            "note": "nullif(note, '')",
        },
    )
    flows = staged_select(
        "flows",
        {
            "period_raw": "period",
            "reporter": "'CHN'",
            "reporter_code": "'China'",
            "partner": "par",
            "partner_code": "partner_or_group",
            "flow": "flow",
            "value_raw": "value",
            "value_scale": scale,
            "currency": currency,
            "valuation": "CASE flow WHEN 'export' THEN 'FOB' ELSE 'CIF' END",
        },
    )
    is_flow = f"metric IN ({', '.join(repr(m) for m in FLOW_METRICS)}) AND value <> '' AND {currency} IS NOT NULL"
    return [
        Staged("indicators", f"SELECT {indicators} FROM {rel}"),
        Staged("flows", f"SELECT {flows} FROM {rel} WHERE {is_flow}"),
    ]


def read_monthly(ctx: ReadContext, path: Path) -> list[Staged]:
    """Monthly and year-to-date totals in thousand USD, with GACC's y/y changes (indicators)."""
    raw = ctx.load_csv(
        path,
        [
            "year",
            "month",
            "exports_month_usd_thousand",
            "exports_ytd_usd_thousand",
            "imports_month_usd_thousand",
            "imports_ytd_usd_thousand",
            "gacc_table",
            "source_url",
        ],
    )
    month = "year || '-' || lpad(month, 2, '0')"
    ytd = "year || '-01/' || year || '-' || lpad(month, 2, '0')"
    flows, indicators = [], []
    for flow in ("export", "import"):
        for kind, period in (("month", month), ("ytd", ytd)):
            col = f"{flow}s_{kind}_usd_thousand"
            select = staged_select(
                "flows",
                {
                    "period_raw": period,
                    **CHINA_TO_WORLD,
                    "flow": f"'{flow}'",
                    "value_raw": col,
                    "value_scale": "1e3",
                    "valuation": "'FOB'" if flow == "export" else "'CIF'",
                },
            )
            flows.append(f"SELECT {select} FROM {raw} WHERE {col} <> ''")
            yoy = f"{flow}s_{kind}_yoy_pct"
            select = staged_select(
                "indicators",
                {
                    "period_raw": period,
                    "reporter": "'CHN'",
                    "partner": "'WLD'",
                    "metric": f"'{flow}s_growth'",
                    "flow": f"'{flow}'",
                    "yoy_raw": yoy,
                    "yoy_basis": "'USD'",
                    "source_url": "source_url",
                    "note": "gacc_table",
                },
            )
            indicators.append(f"SELECT {select} FROM {raw} WHERE coalesce({yoy}, '') <> ''")
    return [Staged("flows", union(flows)), Staged("indicators", union(indicators))]


GACC = Source(
    id="gacc",
    title="China customs (GACC): 2025 headline figures and monthly tables",
    vintage_note="headlines: GACC release of 2026-01-14; monthly tables: several releases, the file's date is used",
    licence="official statistics (numeric facts); cite the General Administration of Customs of the PRC",
    datasets=(
        Dataset(
            "headlines",
            "china-2025-gacc-headlines/china_trade_2025_headlines.csv",
            read_headlines,
            "2025 headline figures as reported, one citation per row",
            vintage="2026-01-14",
        ),
        Dataset(
            "monthly",
            "china-gacc-tables-partial/gacc_monthly_totals_partial.csv",
            read_monthly,
            "monthly and year-to-date totals, thousand USD",
        ),
    ),
)
