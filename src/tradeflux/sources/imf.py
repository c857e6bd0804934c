"""IMF Direction of Trade Statistics (DOTS), and China's own trade by partner as the IMF publishes it.

Values are millions of current USD in the files; they are stored in USD. Exports are FOB and
imports CIF, each as reported by the reporter, except the United States' imports: the IMF files the US
customs value (FOB-like) under "Imports, CIF" (DOTS USA-from-China 2019 is 452.2 bn, Census's customs
value; the US CIF figure in Comtrade is 472.5 bn; the ratio is 0.953-0.962 in 2016-2020), so they are
stored as ``CUSTOMS``. Rows the IMF marks ``e`` (an estimate, often from
partner data) keep ``estimated = true``. Aggregates (``Advanced Economies``, ``Euro Area``, ...)
are kept with ``AGG:`` codes; the World is ``WLD``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tradeflux.schema import staged_select
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged, union

__all__ = ["CHINA_REPORTED", "IMF_DOTS", "read_bilateral", "read_china_by_partner", "read_totals"]

# reporters whose "Imports, CIF" in DOTS are their customs value (see the module's docstring)
_IMPORTS_AT_CUSTOMS_VALUE = ("USA",)
_CUSTOMS_REPORTERS = ", ".join(f"'{c}'" for c in _IMPORTS_AT_CUSTOMS_VALUE)


def _aggregate_names(folder: Path) -> set[str]:
    names_file = folder / "imf_dots_country_names.csv"
    if not names_file.exists():
        # the China extract sits in another folder; it flags aggregates itself
        names_file = folder.parent / "imf-dots-1960-2020" / "imf_dots_country_names.csv"
    if not names_file.exists():
        return {"World"}
    with names_file.open(newline="", encoding="utf-8") as handle:
        return {r["imf_name"] for r in csv.DictReader(handle) if r["is_aggregate"] == "1"} | {"World"}


def _exports_and_imports(rel: str, columns: dict[str, str], estimated: str) -> str:
    """The exports (FOB) and imports (CIF) columns of a wide IMF table as flows; empty cells are not flows.

    ``estimated`` is a SQL template with ``{est}``, the name of the flow's estimate-flag column.
    """
    selects = []
    for flow, col, est, valuation in (
        ("export", "exports_fob_usd_mn", "exports_estimated", "FOB"),
        ("import", "imports_cif_usd_mn", "imports_estimated", "CIF"),
    ):
        exprs = {
            **columns,
            "period_raw": "year",
            "flow": f"'{flow}'",
            "valuation": f"CASE WHEN '{valuation}' = 'CIF' AND {columns['reporter']} IN ({_CUSTOMS_REPORTERS}) "
            f"THEN 'CUSTOMS' ELSE '{valuation}' END",
            "value_raw": col,
            "value_scale": "1e6",
            "estimated": estimated.format(est=est),
        }
        selects.append(f"SELECT {staged_select('flows', exprs)} FROM {rel} WHERE {col} <> ''")
    return union(selects)


def read_bilateral(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(
        path,
        ["reporter_imf", "reporter_iso3", "partner_imf", "partner_iso3", "flow", "year", "value_usd_mn", "estimated"],
    )
    blank = ctx.con.execute(
        f"SELECT DISTINCT reporter_imf FROM {raw} WHERE reporter_iso3 = '' UNION SELECT DISTINCT partner_imf FROM {raw} WHERE partner_iso3 = ''"
    ).fetchall()
    lookup = ctx.country_map([r[0] for r in blank], aggregates=_aggregate_names(path.parent))
    rel = f"(SELECT r.*, rm.code AS rep, pm.code AS par FROM {raw} r LEFT JOIN {lookup} rm ON r.reporter_imf = rm.key AND r.reporter_iso3 = '' LEFT JOIN {lookup} pm ON r.partner_imf = pm.key AND r.partner_iso3 = '')"
    exprs = {
        "period_raw": "year",
        "reporter": "coalesce(nullif(reporter_iso3, ''), rep)",
        "reporter_code": "reporter_imf",
        "partner": "coalesce(nullif(partner_iso3, ''), par)",
        "partner_code": "partner_imf",
        "flow": "CASE flow WHEN 'X_FOB' THEN 'export' WHEN 'M_CIF' THEN 'import' END",
        "valuation": "CASE WHEN flow = 'X_FOB' THEN 'FOB' "
        f"WHEN flow = 'M_CIF' AND coalesce(nullif(reporter_iso3, ''), rep) IN ({_CUSTOMS_REPORTERS}) THEN 'CUSTOMS' "
        "WHEN flow = 'M_CIF' THEN 'CIF' END",
        "value_raw": "value_usd_mn",
        "value_scale": "1e6",
        "estimated": "estimated = '1'",
        "_reason": "CASE WHEN flow NOT IN ('X_FOB', 'M_CIF') THEN 'unknown flow ' || quote(flow) END",
        "_field": "CASE WHEN flow NOT IN ('X_FOB', 'M_CIF') THEN 'flow' END",
    }
    return [Staged.of("flows", exprs, rel)]


def read_totals(ctx: ReadContext, path: Path) -> list[Staged]:
    """Reporter totals against the World; the file's balance column is X - M and is not stored."""
    raw = ctx.load_csv(
        path,
        [
            "reporter_imf",
            "reporter_iso3",
            "year",
            "exports_fob_usd_mn",
            "imports_cif_usd_mn",
            "exports_estimated",
            "imports_estimated",
        ],
    )
    blank = [n for n in ctx.distinct(raw, "reporter_imf")]
    lookup = ctx.country_map(blank, aggregates=_aggregate_names(path.parent))
    rel = f"(SELECT r.*, m.code AS rep FROM {raw} r LEFT JOIN {lookup} m ON r.reporter_imf = m.key)"
    columns = {
        "reporter": "coalesce(nullif(reporter_iso3, ''), rep)",
        "reporter_code": "reporter_imf",
        "partner": "'WLD'",
        "partner_code": "'World'",
    }
    return [Staged("flows", _exports_and_imports(rel, columns, "TRY_CAST({est} AS DOUBLE) > 0"))]


def read_china_by_partner(ctx: ReadContext, path: Path) -> list[Staged]:
    """China-reported exports (FOB) and imports (CIF) by partner; empty cells are not flows."""
    raw = ctx.load_csv(
        path,
        [
            "year",
            "partner_imf",
            "partner_iso3",
            "partner_is_aggregate",
            "exports_fob_usd_mn",
            "imports_cif_usd_mn",
            "exports_estimated",
            "imports_estimated",
            "source",
        ],
    )
    aggs = [
        r[0]
        for r in ctx.con.execute(f"SELECT DISTINCT partner_imf FROM {raw} WHERE partner_is_aggregate = '1'").fetchall()
    ]
    lookup = ctx.country_map(ctx.distinct(raw, "partner_imf"), aggregates=aggs)
    rel = f"(SELECT r.*, m.code AS par FROM {raw} r LEFT JOIN {lookup} m ON r.partner_imf = m.key)"
    columns = {
        "reporter": "'CHN'",
        "reporter_code": "'China, P.R.: Mainland'",
        "partner": "coalesce(nullif(partner_iso3, ''), par)",
        "partner_code": "partner_imf",
    }
    return [Staged("flows", _exports_and_imports(rel, columns, "{est} = '1'"))]


IMF_DOTS = Source(
    id="imf-dots",
    title="IMF Direction of Trade Statistics, 1960-2020 (as of early 2022)",
    vintage="2022-02-02",
    vintage_note="data as exported from the IMF in early 2022 (snapshot commit 2022-02-02)",
    licence="IMF terms: reuse with attribution 'Source: IMF, Direction of Trade Statistics'",
    datasets=(
        Dataset(
            "bilateral",
            "imf-dots-1960-2020/imf_dots_bilateral_1960_2020.csv*",
            read_bilateral,
            "bilateral exports FOB / imports CIF by reporter and partner, millions USD",
        ),
        Dataset(
            "totals",
            "imf-dots-1960-2020/imf_dots_country_totals_1960_2020.csv*",
            read_totals,
            "reporter totals against the World",
        ),
    ),
)

CHINA_REPORTED = Source(
    id="imf-china",
    title="China's customs-based trade by partner as published by the IMF (DOTS 2000-2020, IMTS 2021-2022)",
    vintage="2022-02-02",
    vintage_note="DOTS snapshot of early 2022; the 2021-2022 IMTS imports come from a later export",
    licence="IMF terms: reuse with attribution",
    datasets=(
        Dataset(
            "by-partner",
            "china-reported-by-partner/china_reported_trade_by_partner_*.csv",
            read_china_by_partner,
            "China-reported exports FOB and imports CIF by partner, millions USD",
        ),
    ),
)
