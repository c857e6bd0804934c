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
import pyarrow.compute as pc

from tradeflux import schema
from tradeflux.sources.base import AREA_TYPE, Dataset, FormatError, ReadContext, Source, Staged

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
    lookup = _code_lookup(ctx, raw, cmap, i, j, ck, codes)
    products = _product_lookup(ctx, raw, {"classification": f"'{revision}'"})
    exprs = {
        "period_raw": f"'{file_year}'",  # one year per file: checked against t below
        "reporter": "ri.iso3",
        "reporter_code": "ri.code_text",
        "partner": "pi.iso3",
        "partner_code": "pi.code_text",
        "flow": "'export'",
        "classification": f"'{revision}'",
        "product": "p.product",
        "value_raw": "r.v",
        "value_scale": "1e3",
        "valuation": "'FOB'",
        "quantity_raw": "r.q",
        "quantity_unit": "'t'",
        "_reason": f"CASE WHEN {t} IS DISTINCT FROM {year} THEN 'year ' || quote({t}) || ' is not the file''s year {file_year}' "
        f"WHEN {blank_i} OR {blank_j} THEN 'missing country code' "
        f"WHEN ri.iso3_text IS NULL THEN 'unknown BACI country code ' || quote({i}) "
        f"WHEN pi.iso3_text IS NULL THEN 'unknown BACI country code ' || quote({j}) "
        "WHEN ri.iso3 IS NULL THEN 'unknown country code ' || quote(ri.iso3_text) "
        "WHEN pi.iso3 IS NULL THEN 'unknown country code ' || quote(pi.iso3_text) "
        "ELSE p.problem END",
        "_field": f"CASE WHEN {t} IS DISTINCT FROM {year} THEN 't' "
        f"WHEN {blank_i} OR ri.iso3_text IS NULL THEN 'i' WHEN {blank_j} OR pi.iso3_text IS NULL THEN 'j' "
        "WHEN ri.iso3 IS NULL THEN 'reporter' WHEN pi.iso3 IS NULL THEN 'partner' "
        "WHEN p.problem IS NOT NULL THEN 'product' END",
    }
    frm = (
        f"{raw} r LEFT JOIN {lookup} ri ON {i} = ri.code LEFT JOIN {lookup} pi ON {j} = pi.code "
        f"LEFT JOIN {products} p ON r.k IS NOT DISTINCT FROM p.k"
    )
    unique = False
    if typed["i"] != "VARCHAR" and _one_to_one(ctx, lookup):
        unique = ctx.in_background(_keys_increase, ctx.arrow(raw))  # checked while the store writes
    return [Staged.of("flows", exprs, frm, line="r._line", unique_keys=unique, checked=("product",))]


def _code_lookup(ctx: ReadContext, raw: str, cmap: str, i: str, j: str, ck: str, codes_file: Path) -> str:
    """One row per country code of the file: ``code`` (as the file has it), ``code_text`` (an ENUM of
    the file's codes), ``iso3_text`` from the code file (NULL when the code is not there) and
    ``iso3``, typed as a known area (NULL when unknown). Both ENUMs keep the text per row cheap."""
    twice = ctx.con.execute(
        f"SELECT {ck} AS code, string_agg(DISTINCT trim(country_iso3), ', ' ORDER BY trim(country_iso3)), "
        f"string_agg(CAST(_line AS VARCHAR), ', ' ORDER BY _line) FROM {cmap} GROUP BY code "
        "HAVING count(DISTINCT trim(country_iso3)) > 1 ORDER BY min(_line) LIMIT 1"
    ).fetchone()
    if twice:
        raise FormatError(f"{codes_file}: lines {twice[2]}: country_code {twice[0]} has two ISO3 codes ({twice[1]})")
    found, lookup, kind = ctx.name("found"), ctx.name("isomap"), ctx.name("baci_code")
    ctx.con.execute(
        f"CREATE TEMP TABLE {found} AS SELECT code FROM (SELECT {i} AS code FROM {raw} r UNION "
        f"SELECT {j} FROM {raw} r) WHERE code IS NOT NULL"
    )
    ctx.con.execute(f"CREATE TYPE {kind} AS ENUM (SELECT DISTINCT CAST(code AS VARCHAR) FROM {found})")
    ctx.con.execute(
        f"CREATE TEMP TABLE {lookup} AS SELECT f.code, CAST(CAST(f.code AS VARCHAR) AS {kind}) AS code_text, "
        f"m.iso3_text, TRY_CAST(m.iso3_text AS {AREA_TYPE}) AS iso3 FROM {found} f "
        f"LEFT JOIN (SELECT DISTINCT {ck} AS code, trim(country_iso3) AS iso3_text FROM {cmap}) m ON f.code = m.code"
    )
    return lookup


def _product_lookup(ctx: ReadContext, raw: str, literals: dict[str, str]) -> str:
    """One row per product code ``k`` of the file: ``product`` (six digits, leading zeros restored; an
    ENUM) and ``problem``, why it breaks the canonical product rules (NULL when it does not)."""
    found, lookup, kind = ctx.name("k"), ctx.name("products"), ctx.name("hs_code")
    ctx.con.execute(
        f"CREATE TEMP TABLE {found} AS SELECT k, CASE WHEN trim(k) = '' THEN NULL "
        "WHEN length(k) = 6 AND k[1] <> ' ' AND k[6] <> ' ' THEN k ELSE lpad(trim(k), 6, '0') END AS product "
        f"FROM (SELECT DISTINCT k FROM {raw})"
    )
    ctx.con.execute(f"CREATE TYPE {kind} AS ENUM (SELECT DISTINCT product FROM {found} WHERE product IS NOT NULL)")
    ctx.con.execute(
        f"CREATE TEMP TABLE {lookup} AS SELECT k, CAST(product AS {kind}) AS product, "
        f"{schema.field_check_sql('flows', 'product', literals)} AS problem FROM {found}"
    )
    return lookup


def _keys_increase(table: pa.Table) -> bool:
    """True when ``(i, j, k)`` increase strictly from line to line, as BACI writes its files, with
    codes of at most three digits and products of at most six: then no two rows share a key (a
    product's number and its six-digit code, leading zeros restored, go one to one)."""
    i, j, k = table["i"], table["j"], table["k"]
    if table.num_rows < 2:
        return True
    if i.null_count or j.null_count or k.null_count:
        return False
    bounds = [tuple(pc.min_max(c).as_py().values()) for c in (i, j, pc.binary_length(k))]
    if any(low < 0 or high > 999 for low, high in bounds[:2]) or bounds[2][0] < 1 or bounds[2][1] > 6:
        return False
    last = -1
    for batch in table.select(["i", "j", "k"]).to_batches():
        try:
            product = pc.cast(batch["k"], pa.int32()).to_numpy()
        except pa.ArrowInvalid:
            return False
        key = batch["i"].to_numpy() * 1000  # (i, j, k) as one integer, iiijjjkkkkkk
        key += batch["j"].to_numpy()
        key *= 1_000_000
        key += product
        if len(key) and (key[0] <= last or not (key[1:] > key[:-1]).all()):
            return False
        last = key[-1] if len(key) else last
    return True


def _one_to_one(ctx: ReadContext, lookup: str) -> bool:
    """True when no two of the file's codes name the same country (their keys cannot merge)."""
    return ctx.con.execute(f"SELECT count(iso3) = count(DISTINCT iso3) FROM {lookup}").fetchone()[0]


BACI = Source(
    id="baci",
    title="CEPII BACI: bilateral trade flows at HS6, reconciled",
    licence="Etalab 2.0 (CEPII)",
    datasets=(Dataset("hs6", "baci/BACI_HS*_Y*_V*.csv", read_baci, "one file per year and HS revision"),),
)
