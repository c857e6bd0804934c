"""CEPII BACI: reconciled bilateral trade at HS6 (``t, i, j, k, v, q``).

``v`` is thousands of USD (FOB) and ``q`` metric tonnes. ``i`` (exporter) and ``j`` (importer) are
BACI's numeric country codes, translated with the country code file of the same release
(``country_codes_V*.csv`` next to the data). The file name gives the HS revision and the release
(``BACI_HS22_Y2022_V202501.csv``: HS2022, vintage 2025-01). BACI reconciles the exporter's and
importer's declarations; a flow is stored from the exporter's side with the exporter as declarant.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source, Staged

__all__ = ["BACI", "REVISIONS", "country_file", "read_baci"]


REVISIONS = {
    "HS92": "HS1992",
    "HS96": "HS1996",
    "HS02": "HS2002",
    "HS07": "HS2007",
    "HS12": "HS2012",
    "HS17": "HS2017",
    "HS22": "HS2022",
}


def country_file(path: Path) -> Path:
    found = sorted(path.parent.glob("country_codes_V*.csv"))
    if not found:
        raise FormatError(f"{path}: BACI needs its country code file (country_codes_V*.csv) in the same folder")
    return found[-1]


def read_baci(ctx: ReadContext, path: Path) -> list[Staged]:
    match = re.search(r"BACI_(HS\d\d)_Y(\d{4})_", path.name)
    if not match or match.group(1) not in REVISIONS:
        raise FormatError(f"{path}: expected a BACI file name like BACI_HS22_Y2022_V202501.csv")
    revision, file_year = REVISIONS[match.group(1)], match.group(2)
    codes = country_file(path)
    cmap = ctx.load_csv(codes, ["country_code", "country_iso3"], stem="codes", count_lines=False)
    numbers = {"t": pa.int32(), "i": pa.int64(), "j": pa.int64(), "v": pa.float64(), "q": pa.float64()}
    raw = ctx.load_csv(path, ["t", "i", "j", "k", "v", "q"], types=numbers)
    typed = dict(ctx.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
    if typed["i"] != "VARCHAR":  # fast path: the numbers came typed; codes join as integers
        i, j, ck = "r.i", "r.j", "TRY_CAST(trim(country_code) AS BIGINT)"
        t, year = "r.t", file_year  # compared as integers: no text per row
        blank_i, blank_j = "r.i IS NULL", "r.j IS NULL"
    else:
        i, j, ck = "trim(r.i)", "trim(r.j)", "trim(country_code)"
        t, year = "trim(r.t)", f"'{file_year}'"
        blank_i, blank_j = "trim(r.i) = ''", "trim(r.j) = ''"
    lookup = ctx.name("isomap")
    # the code's text comes from the lookup (one string per country), not from a cast on every row
    ctx.con.execute(
        f"CREATE TEMP TABLE {lookup} AS SELECT DISTINCT {ck} AS code, CAST({ck} AS VARCHAR) AS code_text, "
        f"trim(country_iso3) AS iso3 FROM {cmap}"
    )
    exprs = {
        "period_raw": f"'{file_year}'",  # one year per file: checked against t below
        "reporter": "ri.iso3",
        "reporter_code": f"coalesce(ri.code_text, CAST({i} AS VARCHAR))",
        "partner": "pi.iso3",
        "partner_code": f"coalesce(pi.code_text, CAST({j} AS VARCHAR))",
        "flow": "'export'",
        "classification": f"'{revision}'",
        "product": "CASE WHEN length(r.k) = 6 AND r.k[1] <> ' ' AND r.k[6] <> ' ' THEN r.k ELSE lpad(trim(r.k), 6, '0') END",
        "value_raw": "r.v",
        "value_scale": "1e3",
        "valuation": "'FOB'",
        "quantity_raw": "r.q",
        "quantity_unit": "'t'",
        "_reason": f"CASE WHEN {t} IS DISTINCT FROM {year} THEN 'year ' || quote({t}) || ' is not the file''s year {file_year}' "
        f"WHEN {blank_i} OR {blank_j} THEN 'missing country code' "
        f"WHEN ri.iso3 IS NULL THEN 'unknown BACI country code ' || quote({i}) "
        f"WHEN pi.iso3 IS NULL THEN 'unknown BACI country code ' || quote({j}) END",
        "_field": f"CASE WHEN {t} IS DISTINCT FROM {year} THEN 't' "
        f"WHEN {blank_i} OR ri.iso3 IS NULL THEN 'i' WHEN {blank_j} OR pi.iso3 IS NULL THEN 'j' END",
    }
    frm = f"{raw} r LEFT JOIN {lookup} ri ON {i} = ri.code LEFT JOIN {lookup} pi ON {j} = pi.code"
    return [Staged.of("flows", exprs, frm, line="r._line")]


BACI = Source(
    id="baci",
    title="CEPII BACI: bilateral trade flows at HS6, reconciled",
    licence="Etalab 2.0 (CEPII)",
    datasets=(Dataset("hs6", "baci/BACI_HS*_Y*_V*.csv", read_baci, "one file per year and HS revision"),),
)
