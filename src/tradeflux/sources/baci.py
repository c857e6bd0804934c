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

from tradeflux.schema import staged_select
from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source, Staged

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
    match = re.search(r"BACI_(HS\d\d)_", path.name)
    if not match or match.group(1) not in REVISIONS:
        raise FormatError(f"{path}: expected a BACI file name like BACI_HS22_Y2022_V202501.csv")
    revision = REVISIONS[match.group(1)]
    codes = country_file(path)
    cmap = ctx.load_csv(codes, ["country_code", "country_iso3"], stem="codes", count_lines=False)
    raw = ctx.load_csv(path, ["t", "i", "j", "k", "v", "q"])
    lookup = ctx.name("isomap")
    ctx.con.execute(
        f"CREATE TEMP TABLE {lookup} AS SELECT DISTINCT trim(country_code) AS code, trim(country_iso3) AS iso3 FROM {cmap}"
    )
    select = staged_select(
        "flows",
        {
            "period_raw": "trim(r.t)",
            "reporter": "ri.iso3",
            "reporter_code": "trim(r.i)",
            "partner": "pi.iso3",
            "partner_code": "trim(r.j)",
            "flow": "'export'",
            "classification": f"'{revision}'",
            "product": "lpad(trim(r.k), 6, '0')",
            "value_raw": "r.v",
            "value_scale": "1e3",
            "valuation": "'FOB'",
            "quantity_raw": "r.q",
            "quantity_unit": "'t'",
            "_reason": "CASE WHEN trim(r.i) = '' OR trim(r.j) = '' THEN 'missing country code' "
            "WHEN ri.iso3 IS NULL THEN 'unknown BACI country code ' || quote(r.i) "
            "WHEN pi.iso3 IS NULL THEN 'unknown BACI country code ' || quote(r.j) END",
            "_field": "CASE WHEN trim(r.i) = '' OR ri.iso3 IS NULL THEN 'i' WHEN trim(r.j) = '' OR pi.iso3 IS NULL THEN 'j' END",
        },
        line="r._line",
    )
    sql = (
        f"SELECT {select} FROM {raw} r LEFT JOIN {lookup} ri ON trim(r.i) = ri.code "
        f"LEFT JOIN {lookup} pi ON trim(r.j) = pi.code"
    )
    return [Staged("flows", sql)]


BACI = Source(
    id="baci",
    title="CEPII BACI: bilateral trade flows at HS6, reconciled",
    licence="Etalab 2.0 (CEPII)",
    datasets=(Dataset("hs6", "baci/BACI_HS*_Y*_V*.csv", read_baci, "one file per year and HS revision"),),
)
