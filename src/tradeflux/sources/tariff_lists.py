"""US-China tariff series and product lists (tradewartracker, PIIE milestones, China's retaliation lists).

All go to the ``tariffs`` table. Rates are percent ad valorem. ``rate_kind`` says what a number is:
``additional`` (a duty in force on top of others), ``effective`` (a published trade-weighted
average), ``applied`` (calculated duty over imports), ``exemption`` or ``scope`` (product lists;
their rates and dates are set by the rules they belong to).
"""

from __future__ import annotations

from pathlib import Path

from tradeflux.schema import staged_select
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged

__all__ = [
    "TRADEWARTRACKER",
    "read_annex_i",
    "read_annex_ii_april",
    "read_annex_ii_november",
    "read_by_country_hs2",
    "read_china_retaliation",
    "read_daily",
    "read_effective_by_country",
    "read_electronics",
    "read_engine_rules",
    "read_milestones",
    "read_sec232",
]


_DIR = "us-tariffs-tradewartracker/"


def _names(ctx: ReadContext, raw: str, column: str) -> str:
    return ctx.country_map(ctx.distinct(raw, column))


def read_effective_by_country(ctx: ReadContext, path: Path) -> list[Staged]:
    """The 2025 add-on layer (trade-weighted, 2024 HS10 weights) by partner at each event date.

    The repeated 2024 columns (imports, applied tariff) are the same on every date: the per-HS2
    file carries them once, so they are not stored from here.
    """
    raw = ctx.load_csv(path, ["date", "census_country_name", "effective_tariff_pct"])
    lookup = _names(ctx, raw, "census_country_name")
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "r.date",
            "imposing": "'USA'",
            "target": "m.code",
            "measure": "'2025 additional tariffs, trade-weighted'",
            "authority": "'tradewartracker'",
            "rule_id": "r.census_country_name",
            "rate_raw": "r.effective_tariff_pct",
            "rate_kind": "'effective'",
            "note": "'2025 add-on layer only (MFN, Section 301 and pre-2025 232 duties excluded); weights: 2024 HS10 imports'",
            "_reason": "CASE WHEN m.code IS NULL THEN 'unknown country name ' || quote(r.census_country_name) END",
            "_field": "CASE WHEN m.code IS NULL THEN 'census_country_name' END",
        },
        line="r._line",
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw} r LEFT JOIN {lookup} m ON r.census_country_name = m.key")]


def read_daily(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["date", "import_weighted_avg_tariff"])
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "date",
            "date_to_raw": "date",
            "imposing": "'USA'",
            "target": "'WLD'",
            "measure": "'US import-weighted average tariff, all partners'",
            "authority": "'tradewartracker'",
            "rate_raw": "import_weighted_avg_tariff",
            "rate_kind": "'effective'",
            "note": "'includes a flat 2.3 for MFN duties'",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def read_by_country_hs2(ctx: ReadContext, path: Path) -> list[Staged]:
    """Per partner and HS2: 2024 imports and duty (flows), the 2024 applied rate and the 2 Apr 2025 scenario increase."""
    raw = ctx.load_csv(
        path,
        [
            "census_cty_code",
            "iso3",
            "census_country_name",
            "hs2",
            "us_imports_2024_usd",
            "calculated_duty_2024_usd",
            "applied_tariff_2024_pct",
            "tariff_increase_2025_pp",
        ],
    )
    blank = ctx.con.execute(f"SELECT DISTINCT census_country_name FROM {raw} WHERE iso3 = ''").fetchall()
    lookup = ctx.country_map([r[0] for r in blank])
    rel = f"(SELECT r.*, coalesce(nullif(r.iso3, ''), m.code) AS code FROM {raw} r LEFT JOIN {lookup} m ON r.census_country_name = m.key AND r.iso3 = '')"
    unknown = "CASE WHEN code IS NULL THEN 'unknown country ' || quote(census_country_name) END"
    unknown_field = "CASE WHEN code IS NULL THEN 'census_country_name' END"
    flows = staged_select(
        "flows",
        {
            "period_raw": "'2024'",
            "reporter": "'USA'",
            "reporter_code": "'United States'",
            "partner": "code",
            "partner_code": "census_cty_code",
            "flow": "'import'",
            "classification": "'HS2022'",
            "product": "hs2",
            "value_raw": "us_imports_2024_usd",
            "valuation": "'CUSTOMS'",
            "duty_raw": "calculated_duty_2024_usd",
            "_reason": unknown,
            "_field": unknown_field,
        },
    )
    applied = staged_select(
        "tariffs",
        {
            "date_from_raw": "'2024-01-01'",
            "date_to_raw": "'2024-12-31'",
            "imposing": "'USA'",
            "target": "code",
            "classification": "'HS'",
            "product": "hs2",
            "measure": "'applied tariff 2024 (calculated duty / imports)'",
            "authority": "'US Census'",
            "rule_id": "census_cty_code",
            "rate_raw": "applied_tariff_2024_pct",
            "rate_kind": "'applied'",
            "_reason": unknown,
            "_field": unknown_field,
        },
    )
    scenario = staged_select(
        "tariffs",
        {
            "date_from_raw": "'2025-04-09'",
            "imposing": "'USA'",
            "target": "code",
            "classification": "'HS'",
            "product": "hs2",
            "measure": "'reciprocal tariff as announced 2 Apr 2025 (Annex I rate, Annex II exemptions)'",
            "authority": "'IEEPA, EO 14257'",
            "rule_id": "census_cty_code",
            "rate_raw": "tariff_increase_2025_pp",
            "rate_kind": "'additional'",
            "note": "'a scenario, not the in-force path (China at 34)'",
            "_reason": unknown,
            "_field": unknown_field,
        },
    )
    return [
        Staged("flows", f"SELECT {flows} FROM {rel}"),
        Staged("tariffs", f"SELECT {applied} FROM {rel} WHERE applied_tariff_2024_pct <> ''"),
        Staged("tariffs", f"SELECT {scenario} FROM {rel} WHERE tariff_increase_2025_pp <> ''"),
    ]


def read_annex_i(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["census_country_name", "reciprocal_tariff_pct", "census_cty_code", "iso3"])
    lookup = _names(ctx, raw, "census_country_name")
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "'2025-04-09'",
            "imposing": "'USA'",
            "target": "coalesce(nullif(r.iso3, ''), m.code)",
            "measure": "'reciprocal tariff, Annex I country rate'",
            "authority": "'IEEPA, EO 14257'",
            "rule_id": "r.census_cty_code",
            "rate_raw": "r.reciprocal_tariff_pct",
            "rate_kind": "'additional'",
            "note": "'announced 2025-04-02; upstream set China to 104 (8 Apr escalation incl. fentanyl)'",
            "_reason": "CASE WHEN coalesce(nullif(r.iso3, ''), m.code) IS NULL THEN 'unknown country ' || quote(r.census_country_name) END",
            "_field": "CASE WHEN coalesce(nullif(r.iso3, ''), m.code) IS NULL THEN 'census_country_name' END",
        },
        line="r._line",
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw} r LEFT JOIN {lookup} m ON r.census_country_name = m.key")]


def read_china_retaliation(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["item", "hs8", "description", "china_additional_tariff_pct", "effective_date"])
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "effective_date",
            "date_to_raw": "'2025-11-09'",
            "imposing": "'CHN'",
            "target": "'USA'",
            "classification": "'HS'",
            "product": "hs8",
            "measure": "'retaliatory tariff on US farm goods'",
            "authority": "'Tariff Commission of the State Council, 2025 No. 2'",
            "rule_id": "item",
            "rate_raw": "china_additional_tariff_pct",
            "rate_kind": "'additional'",
            "note": "description",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def read_milestones(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(
        path, ["date", "imposing_country", "target_country", "measure", "rate_pct", "rate_type", "source_url"]
    )
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "date",
            "imposing": "imposing_country",
            "target": "target_country",
            "measure": "measure",
            "authority": "rate_type",
            "rule_id": "source_url",
            "rate_raw": "rate_pct",
            "rate_kind": "CASE WHEN rate_type LIKE 'trade-weighted%' THEN 'effective' ELSE 'additional' END",
            "note": "note",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def _product_list(
    ctx: ReadContext, path: Path, code_col: str, date: str, measure: str, kind: str, extra_note: str = "NULL"
) -> list[Staged]:
    raw = ctx.load_csv(path, [code_col])
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": f"'{date}'",
            "imposing": "'USA'",
            "target": "'WLD'",
            "classification": "'HTS'",
            "product": code_col,
            "measure": f"'{measure}'",
            "authority": "'IEEPA, EO 14257'",
            "rate_kind": f"'{kind}'",
            "rule_id": code_col,
            "note": extra_note,
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def read_annex_ii_april(ctx: ReadContext, path: Path) -> list[Staged]:
    return _product_list(
        ctx,
        path,
        "hts8",
        "2025-04-05",
        "reciprocal tariff exemption, Annex II (2 Apr 2025)",
        "exemption",
        "CASE in_upstream_csv WHEN '0' THEN 'not in the upstream engine list (PDF extraction loss)' END",
    )


def read_annex_ii_november(ctx: ReadContext, path: Path) -> list[Staged]:
    return _product_list(
        ctx, path, "hts8", "2025-11-14", "reciprocal tariff exemption, Annex II as revised (14 Nov 2025)", "exemption"
    )


def read_electronics(ctx: ReadContext, path: Path) -> list[Staged]:
    return _product_list(
        ctx, path, "hts10", "2025-04-11", "reciprocal tariff exemption, electronics (11 Apr 2025)", "exemption"
    )


def read_sec232(ctx: ReadContext, path: Path) -> list[Staged]:
    """Section 232 product scopes; start dates as the rules table gives them for each sector."""
    raw = ctx.load_csv(path, ["sector", "hts_code", "hts_digits"])
    starts = {"steel": "2025-03-12", "aluminum": "2025-03-12", "autos_and_parts": "2025-04-03", "copper": "2025-08-07"}
    case = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in starts.items())
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": f"CASE sector {case} END",
            "imposing": "'USA'",
            "target": "'WLD'",
            "classification": "'HTS'",
            "product": "hts_code",
            "measure": "'Section 232 ' || sector",
            "authority": "'Section 232'",
            "rule_id": "sector || ':' || hts_code",
            "rate_kind": "'scope'",
            "_reason": f"CASE WHEN CASE sector {case} END IS NULL THEN 'unknown Section 232 sector ' || quote(sector) END",
            "_field": f"CASE WHEN CASE sector {case} END IS NULL THEN 'sector' END",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def read_engine_rules(ctx: ReadContext, path: Path) -> list[Staged]:
    """The rules the tradewartracker engine applies to China, one row each, with the rate it gives China."""
    raw = ctx.load_csv(
        path,
        [
            "event_id",
            "effective_date_engine",
            "end_date_engine",
            "authority",
            "measure",
            "china_rate_engine_pct",
            "goods_covered",
            "list_file",
        ],
    )
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "effective_date_engine",
            "date_to_raw": "end_date_engine",
            "imposing": "'USA'",
            "target": "'CHN'",
            "classification": "'HTS'",
            "product": "'TOTAL'",
            "measure": "measure",
            "authority": "authority || ' (' || reference || ')'",
            "rule_id": "event_id",
            "rate_raw": "china_rate_engine_pct",
            "rate_kind": "'additional'",
            "note": "'goods: ' || goods_covered || coalesce('; list: ' || nullif(list_file, ''), '') || '; phase ' || phase || "
            "'; ' || engine_composition || coalesce('; ' || nullif(note_vs_statutory, ''), '')",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw}")]


def read_reciprocal_august(ctx: ReadContext, path: Path) -> list[Staged]:
    """The reciprocal country rates in force from 7 August 2025 (EO 14326), one row per country."""
    raw = ctx.load_csv(path, ["country_name_upstream", "reciprocal_tariff_pct", "census_cty_code", "iso3"])
    lookup = _names(ctx, raw, "country_name_upstream")
    code = "coalesce(nullif(r.iso3, ''), m.code)"
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "'2025-08-07'",
            "imposing": "'USA'",
            "target": code,
            "measure": "'reciprocal tariff, country rate from 7 August 2025'",
            "authority": "'IEEPA, EO 14326'",
            "rule_id": "r.census_cty_code",
            "rate_raw": "r.reciprocal_tariff_pct",
            "rate_kind": "'additional'",
            "note": "'rate of the reciprocal layer only; other IEEPA duties (fentanyl, Russian oil) are separate rules'",
            "_reason": f"CASE WHEN {code} IS NULL THEN 'unknown country ' || quote(r.country_name_upstream) END",
            "_field": f"CASE WHEN {code} IS NULL THEN 'country_name_upstream' END",
        },
        line="r._line",
    )
    return [Staged("tariffs", f"SELECT {select} FROM {raw} r LEFT JOIN {lookup} m ON r.country_name_upstream = m.key")]


def read_country_rules(ctx: ReadContext, path: Path) -> list[Staged]:
    """The engine's country-wide rules for every partner (phase ``base``, no product list), one row per
    country a rule names: the rate it sets for all of that country's goods from its start date."""
    raw = ctx.load_csv(
        path, ["rule_id", "phase", "start_date", "end_date", "countries", "product_list", "rate_pct", "legal_basis"]
    )
    rules = (
        f"SELECT *, unnest(string_split(countries, ';')) AS country FROM {raw} "
        "WHERE phase = 'base' AND coalesce(product_list, '') = '' AND countries <> 'ALL'"
    )
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "start_date",
            "date_to_raw": "nullif(end_date, '')",
            "imposing": "'USA'",
            "target": "trim(country)",
            "measure": "'country rate set by rule ' || rule_id || coalesce(' (' || nullif(reference, '') || ')', '')",
            "authority": "legal_basis",
            "rule_id": "rule_id",
            "rate_raw": "rate_pct",
            "rate_kind": "'additional'",
            "note": "coalesce(note, '')",
        },
    )
    return [Staged("tariffs", f"SELECT {select} FROM ({rules})")]


TRADEWARTRACKER = Source(
    id="tradewartracker",
    title="US tariffs 2024-2026 and US-China tariff milestones (tradewartracker, PIIE, official lists)",
    vintage="2026-07-23",
    vintage_note="tradewartracker snapshot of 2026-07-23",
    licence="MIT (tradewartracker); Census data public domain; PIIE figures cited to Chad P. Bown, PIIE",
    datasets=(
        Dataset("effective-by-country", _DIR + "us_effective_tariff_by_country_events.csv", read_effective_by_country),
        Dataset("daily-average", _DIR + "us_daily_trade_weighted_tariff.csv", read_daily),
        Dataset("by-country-hs2", _DIR + "us_tariff_by_country_hs2.csv", read_by_country_hs2),
        Dataset("annex-i", _DIR + "us_reciprocal_tariff_rates_annex_I_2025-04-02.csv", read_annex_i),
        Dataset("china-retaliation", _DIR + "china_retaliatory_tariff_list_2025-03_*pct.csv", read_china_retaliation),
        Dataset("milestones", _DIR + "us_china_tariff_milestones.csv", read_milestones),
        Dataset("annex-ii-april", _DIR + "us_reciprocal_annex_II_exemptions_2025-04-02_hts8.csv", read_annex_ii_april),
        Dataset(
            "annex-ii-november", _DIR + "us_reciprocal_annex_II_exemptions_2025-11-14_hts8.csv", read_annex_ii_november
        ),
        Dataset("electronics", _DIR + "us_reciprocal_exempt_electronics_2025-04-11_hts10.csv", read_electronics),
        Dataset("sec232-lists", _DIR + "us_sec232_product_lists_2025.csv", read_sec232),
        Dataset("engine-rules", _DIR + "us_china_tariff_engine_rules_2025.csv", read_engine_rules),
        Dataset("reciprocal-august", _DIR + "us_reciprocal_tariff_rates_2025-08-07.csv", read_reciprocal_august),
        Dataset("country-rules", _DIR + "us_tariff_engine_rules_2025_2026.csv", read_country_rules),
    ),
)
