"""UN Comtrade: the public data API's JSON, its bulk CSV, and the partner-reported (mirror) China extract.

API and bulk records carry ``reporterISO``/``partnerISO`` (Comtrade's own ISO-like codes: ``W00``
is the World, ``S19`` Taiwan as "Other Asia, nes") with numeric ``reporterCode``/``partnerCode``
kept as the source codes. ``primaryValue`` is the value Comtrade publishes (imports CIF, exports
FOB). Records that break a total down by second partner, customs procedure or mode of transport are
not stored (the store keeps totals) and go to quarantine saying so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tradeflux.schema import staged_select
from tradeflux.sources.base import CHINA_TO_WORLD, Dataset, FormatError, ReadContext, Source, Staged, union

__all__ = [
    "CHINA_MIRROR",
    "CLASSIFICATIONS",
    "COMTRADE",
    "FLOWS",
    "REQUIRED",
    "SPECIAL_ISO",
    "TEXT_FIELDS",
    "read_api_json",
    "read_bulk_csv",
    "read_mirror",
    "read_mirror_totals",
]


# Comtrade classification codes -> HS revision.
CLASSIFICATIONS = {
    "H0": "HS1992",
    "H1": "HS1996",
    "H2": "HS2002",
    "H3": "HS2007",
    "H4": "HS2012",
    "H5": "HS2017",
    "H6": "HS2022",
    "HS": "HS",
}
FLOWS = {"X": "export", "M": "import", "RX": "re-export", "RM": "re-import", "DX": "export", "FM": "import"}
# Comtrade ISO-like codes that are not ISO 3166 alpha-3.
# partners that declare their imports FOB in Comtrade: the IMF's DOTS figures for them are exactly 1.06 x these
# (its CIF conversion), against 0.95-1.01 for partners that declare CIF (measured on imports from China, 2016-2020)
_FOB_IMPORTERS = "'AUS', 'CAN', 'MEX', 'ZAF'"

SPECIAL_ISO = {"W00": "WLD", "S19": "TWN", "EUR": "EUU", "E19": "EUU"}

REQUIRED = ["period", "reporterCode", "reporterISO", "flowCode", "partnerCode", "partnerISO", "cmdCode", "primaryValue"]
TEXT_FIELDS = [
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "classificationCode",
    "classificationSearchCode",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "mosCode",
    "motCode",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "isQtyEstimated",
    "altQtyUnitCode",
    "altQtyUnitAbbr",
    "altQty",
    "netWgt",
    "grossWgt",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "legacyEstimationFlag",
    "isReported",
    "isAggregate",
]


def _iso(col: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SPECIAL_ISO.items())
    return f"CASE {col} {cases} ELSE nullif({col}, '') END"


def _records_select(ctx: ReadContext, raw: str) -> list[Staged]:
    classes = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CLASSIFICATIONS.items())
    flows = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FLOWS.items())
    breakdown = (
        "(coalesce(nullif(partner2Code, ''), '0') <> '0' OR coalesce(nullif(motCode, ''), '0') <> '0' "
        "OR coalesce(nullif(customsCode, ''), 'C00') <> 'C00')"
    )
    exprs = {
        "period_raw": "period",
        "reporter": _iso("reporterISO"),
        "reporter_code": "reporterCode",
        "partner": _iso("partnerISO"),
        "partner_code": "partnerCode",
        "flow": f"CASE flowCode {flows} END",
        "classification": f"CASE WHEN cmdCode = 'TOTAL' THEN 'TOTAL' ELSE coalesce(CASE classificationCode {classes} END, classificationCode) END",
        "product": "cmdCode",
        "value_raw": "primaryValue",
        "currency": "'USD'",
        "valuation": "CASE WHEN flowCode IN ('M', 'RM', 'FM') THEN 'CIF' WHEN flowCode IN ('X', 'RX', 'DX') THEN 'FOB' ELSE 'UNKNOWN' END",
        "quantity_raw": "CASE WHEN nullif(qty, '') IS NOT NULL AND coalesce(qtyUnitAbbr, '') NOT IN ('', 'N/A') THEN qty "
        "WHEN nullif(netWgt, '') IS NOT NULL THEN netWgt END",
        "quantity_unit": "CASE WHEN nullif(qty, '') IS NOT NULL AND coalesce(qtyUnitAbbr, '') NOT IN ('', 'N/A') THEN qtyUnitAbbr "
        "WHEN nullif(netWgt, '') IS NOT NULL THEN 'kg' END",
        "estimated": "lower(coalesce(isQtyEstimated, '')) IN ('true', '1') OR lower(coalesce(legacyEstimationFlag, '0')) NOT IN ('0', '', 'false')",
        "_reason": f"CASE WHEN {breakdown} THEN 'breakdown by second partner, customs procedure or mode of transport (the store keeps totals)' "
        f"WHEN CASE flowCode {flows} END IS NULL THEN 'unknown flowCode ' || quote(flowCode) END",
        "_field": f"CASE WHEN {breakdown} THEN 'partner2Code/customsCode/motCode' WHEN CASE flowCode {flows} END IS NULL THEN 'flowCode' END",
    }
    return [Staged.of("flows", exprs, raw)]


def _as_text_table(records: list[dict]) -> pa.Table:
    fields = list(dict.fromkeys([*TEXT_FIELDS, *(k for r in records[:1] for k in r)]))
    columns = {f: [None if r.get(f) is None else str(r.get(f)) for r in records] for f in fields}
    # Comtrade sends booleans as JSON true/false; str() gives 'True'/'False'
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def read_api_json(ctx: ReadContext, path: Path) -> list[Staged]:
    """A response of the Comtrade data API (``{"count": n, "data": [...]}``), or a list of records."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: expected a UN Comtrade API JSON response ({exc})") from None
    except RecursionError:
        raise FormatError(f"{path}: expected a UN Comtrade API JSON response (nested too deeply)") from None
    records = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        raise FormatError(f"{path}: expected a UN Comtrade API JSON response with a 'data' list of records")
    if isinstance(payload, dict) and payload.get("error"):
        raise FormatError(f"{path}: the API response reports an error: {payload['error']}")
    if records and not all(isinstance(r, dict) for r in records):
        raise FormatError(f"{path}: 'data' must be a list of JSON objects")
    if not records:
        empty = pd.DataFrame({f: pd.Series(dtype="string") for f in TEXT_FIELDS})
        raw = ctx.register(empty, path, REQUIRED)
        return _records_select(ctx, raw)
    table = _as_text_table(records)
    # JSON has no lines: _line is the record's position in 'data' (1-based), so first_line=1
    raw = ctx.register(table, path, REQUIRED, first_line=1)
    return _records_select(ctx, raw)


def read_bulk_csv(ctx: ReadContext, path: Path) -> list[Staged]:
    """Comtrade bulk or API CSV download: the same field names as the JSON records."""
    delimiter = "\t" if path.suffix in (".tsv", ".txt") or path.name.endswith((".tsv.gz", ".txt.gz")) else ","
    raw = ctx.load_csv(path, REQUIRED, delimiter=delimiter)
    present = set(ctx.con.execute(f"SELECT * FROM {raw} LIMIT 0").df().columns)
    missing = [f for f in TEXT_FIELDS if f not in present]
    if missing:
        fill = ", ".join(f"NULL::VARCHAR AS {f}" for f in missing)
        view = ctx.name("bulk")
        ctx.con.execute(f"CREATE TEMP VIEW {view} AS SELECT *, {fill} FROM {raw}")
        raw = view
    return _records_select(ctx, raw)


def read_mirror(ctx: ReadContext, path: Path) -> list[Staged]:
    """Partner-reported trade with China: imports from China (the exports file) or exports to it.

    Stored from China's side with the partner as declarant: China's exports to the US, as the US
    reports its imports from China (CIF). The partner "China" (China's own re-imports or
    re-exports) keeps China as declarant and the flow China reported.
    """
    raw = ctx.load_csv(path, ["year", "partner_name_comtrade", "partner_iso3", "value_usd"])
    exports_file = "export" in path.name
    own_flow = "import" if exports_file else "export"  # what the partner reported
    china_flow = "export" if exports_file else "import"
    exprs = {
        "period_raw": "year",
        "reporter": "'CHN'",
        "reporter_code": "'China'",
        "partner": "nullif(partner_iso3, '')",
        "partner_code": "partner_name_comtrade",
        "flow": f"CASE WHEN partner_iso3 = 'CHN' THEN '{own_flow}' ELSE '{china_flow}' END",
        "value_raw": "value_usd",
        "valuation": f"CASE WHEN partner_iso3 IN ({_FOB_IMPORTERS}) THEN 'FOB' ELSE 'CIF' END"
        if exports_file
        else "'FOB'",
        "declarant": "nullif(partner_iso3, '')",
    }
    return [Staged.of("flows", exprs, raw)]


def read_mirror_totals(ctx: ReadContext, path: Path) -> list[Staged]:
    """China-reported world totals and the sums of partner reports; the balance column is X - M."""
    raw = ctx.load_csv(
        path,
        [
            "year",
            "exports_reported_by_china_usd",
            "imports_reported_by_china_usd",
            "exports_mirror_partner_imports_usd",
            "imports_mirror_partner_exports_usd",
            "n_partners_reporting_mirror_exports",
            "n_partners_reporting_mirror_imports",
        ],
    )
    flows = []
    for col, flow, valuation, declarant in (
        ("exports_reported_by_china_usd", "export", "FOB", "NULL"),
        ("imports_reported_by_china_usd", "import", "CIF", "NULL"),
        ("exports_mirror_partner_imports_usd", "export", "CIF", "'AGG:reporting-partners'"),
        ("imports_mirror_partner_exports_usd", "import", "FOB", "'AGG:reporting-partners'"),
    ):
        select = staged_select(
            "flows",
            {
                "period_raw": "year",
                **CHINA_TO_WORLD,
                "flow": f"'{flow}'",
                "value_raw": col,
                "valuation": f"'{valuation}'",
                "declarant": declarant,
            },
        )
        flows.append(f"SELECT {select} FROM {raw} WHERE {col} <> ''")
    counts = []
    for col, flow in (
        ("n_partners_reporting_mirror_exports", "export"),
        ("n_partners_reporting_mirror_imports", "import"),
    ):
        select = staged_select(
            "indicators",
            {
                "period_raw": "year",
                "reporter": "'CHN'",
                "partner": "'WLD'",
                "metric": f"'{col}'",
                "flow": f"'{flow}'",
                "value_raw": col,
                "unit": "'partners'",
                "note": "'partners whose reports make up the mirror sum'",
            },
        )
        counts.append(f"SELECT {select} FROM {raw} WHERE {col} <> ''")
    return [Staged("flows", union(flows)), Staged("indicators", union(counts))]


COMTRADE = Source(
    id="comtrade",
    title="UN Comtrade data API (JSON) and bulk CSV downloads",
    licence="UN Comtrade terms of use: attribution 'Source: UN Comtrade'; no bulk redistribution",
    datasets=(
        Dataset("api-json", "comtrade/*.json", read_api_json, "data API responses"),
        Dataset(
            "api-fetched",
            "comtrade-fetched/*.json",
            read_api_json,
            "data API answers kept by `tradeflux update` (raw/comtrade/ under the store)",
            supersedes="request",
        ),
        Dataset("bulk-csv", "comtrade/*.csv*", read_bulk_csv, "bulk or API CSV files"),
    ),
)

CHINA_MIRROR = Source(
    id="comtrade-mirror",
    title="China's trade by partner as reported by the partners (UN Comtrade extract, 2014-2025)",
    vintage=None,
    vintage_note="no release date is known for the extract: the file's date is used",
    licence="UN Comtrade data; small attributed extract for research and validation",
    datasets=(
        Dataset(
            "exports",
            "china-trade-mirror-comtrade/china_exports_by_partner_mirror.csv",
            read_mirror,
            "partners' imports from China (China's exports by destination, CIF)",
        ),
        Dataset(
            "imports",
            "china-trade-mirror-comtrade/china_imports_by_partner_mirror.csv",
            read_mirror,
            "partners' exports to China (China's imports by origin, FOB)",
        ),
        Dataset(
            "totals",
            "china-trade-mirror-comtrade/china_totals_reported_vs_mirror.csv",
            read_mirror_totals,
            "China-reported totals and mirror sums",
        ),
    ),
)
