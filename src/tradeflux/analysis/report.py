"""The country report: what happened to a country's trade in a year, every figure with its basis and source.

:func:`build` reads the store and returns a :class:`CountryReport` (figures, tables, headline
sentences, warnings); :meth:`CountryReport.write` renders it as one self-contained HTML file with
charts, plus the same numbers as JSON and CSV. Figures are of three kinds, always labelled:

* ``computed`` from flows in the store (e.g. the balance series);
* ``reported``: an official figure as published (GACC's headline surplus), with its citation;
* ``derived``: arithmetic on reported figures (China's 2024 exports to the US implied by the 2025
  value and its growth rate), with the formula.

Nothing is invented: a figure the data cannot give is absent and the report says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.analysis import metrics
from tradeflux.analysis.figures import Figure, sources_of
from tradeflux.errors import NotFound
from tradeflux.reference.countries import CountryTable

# When several sources give the same country total, the first one present wins (national customs first).
TOTALS_PRIORITY = ("gacc", "comtrade-mirror", "comtrade", "imf-dots", "imf-china")
REPORT_GROUPS = ("EU27", "ASEAN", "AFRICA", "LATAM")

# Country totals from product-level sources (BACI-like HS6 flows) that carry no TOTAL rows: summed
# over products by partner, and over partners for the world. Parameters: the country five times.
PRODUCT_TOTALS_SQL = """
WITH hs6 AS MATERIALIZED (
  SELECT period, period_kind, year, month, reporter, partner, flow, classification, product, value, currency, valuation,
         quantity, duty, declarant, mirror, source, dataset, vintage, file
  FROM flows
  WHERE (reporter = ? OR partner = ?) AND period_kind = 'year' AND currency = 'USD'
    AND classification LIKE 'HS%' AND length(product) = 6
    AND source NOT IN (SELECT DISTINCT source FROM flows WHERE classification = 'TOTAL' AND reporter = ?)
),
by_partner AS MATERIALIZED (
  SELECT period, period_kind, year, month, reporter, NULL AS reporter_code, partner, NULL AS partner_code, flow,
         'TOTAL' AS classification, 'TOTAL' AS product, sum(value) AS value, currency, min(valuation) AS valuation,
         sum(quantity) AS quantity, NULL AS quantity_unit, sum(duty) AS duty, declarant, mirror, false AS estimated,
         source, 'sum of ' || min(dataset) AS dataset, max(vintage) AS vintage, min(file) AS file, NULL::BIGINT AS line
  FROM hs6 GROUP BY period, period_kind, year, month, reporter, partner, flow, currency, declarant, mirror, source
)
SELECT * FROM by_partner
UNION ALL
-- a source with only exporter-side rows (BACI: reconciled) gives the country's imports as its partners' exports
SELECT period, period_kind, year, month, partner, NULL, reporter, NULL, 'import', classification, product, value, currency,
       valuation, quantity, quantity_unit, duty, partner, false, estimated, source, dataset || ' (partners'' exports)', vintage, file, line
FROM by_partner b WHERE partner = ? AND flow = 'export'
  AND NOT EXISTS (SELECT 1 FROM hs6 h WHERE h.source = b.source AND h.flow = 'import')
UNION ALL
SELECT period, period_kind, year, month, reporter, NULL, 'WLD', NULL, flow, classification, product, sum(value), currency,
       any_value(valuation), NULL, NULL, sum(duty), reporter, false, false, source, any_value(dataset), max(vintage), any_value(file), NULL
FROM (
  SELECT * FROM by_partner
  UNION ALL
  SELECT period, period_kind, year, month, partner, NULL, reporter, NULL, 'import', classification, product, value, currency,
         valuation, quantity, quantity_unit, duty, partner, false, estimated, source, dataset, vintage, file, line
  FROM by_partner b WHERE partner = ? AND flow = 'export'
    AND NOT EXISTS (SELECT 1 FROM hs6 h WHERE h.source = b.source AND h.flow = 'import')
) WHERE NOT mirror AND partner NOT LIKE 'AGG:%' AND partner NOT IN ('WLD', 'EUU')
GROUP BY period, period_kind, year, month, reporter, flow, classification, product, currency, source
"""


@dataclass
class CountryReport(Result):
    """What happened to a country's trade in a year: figures with provenance, tables, headline, warnings."""

    country: str
    country_name: str
    year: int
    figures: list[Figure]
    frames: dict[str, pd.DataFrame]
    headline: list[str]
    warnings: list[str]
    generated: str
    mirror_years: tuple[int, int] | None = None  # (base, last) of the partner-reported tables

    @property
    def notes(self) -> list[str]:
        return self.warnings

    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(self.frames)

    def figure(self, fid: str) -> Figure:
        for f in self.figures:
            if f.id == fid:
                return f
        raise NotFound(f"no figure {fid!r} in the report; figures: {', '.join(f.id for f in self.figures)}")

    def to_dict(self) -> dict:
        return {
            "country": self.country,
            "country_name": self.country_name,
            "year": self.year,
            "generated": self.generated,
            "headline": self.headline,
            "warnings": self.warnings,
            "figures": [jsonable(f) for f in self.figures],
            "mirror_years": jsonable(self.mirror_years),
            "tables": {k: jsonable(v) for k, v in self.frames.items()},
        }


_sources = sources_of


def _year(value) -> str:
    return "n/a" if value is None else str(int(value))


def _bn(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value / 1e9:,.1f} bn"


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:+.{digits}f}%"


def _indicator_value(row: pd.Series) -> float | None:
    """An indicator's value in currency units, when its unit is a money amount."""
    if pd.isna(row.value) or not isinstance(row.unit, str):
        return None
    scale = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3}.get(row.unit.split()[0], 1.0)
    return float(row.value) * scale


# ---- building ------------------------------------------------------------------------------------
def build(store, country: str, year: int) -> CountryReport:
    """Everything the report says about ``country`` in ``year``, from what ``store`` holds."""
    con = store.connect()
    try:
        flows = con.execute(
            "SELECT * FROM flows WHERE (reporter = ? OR partner = ?) AND period_kind = 'year' AND currency = 'USD' AND classification = 'TOTAL'",
            [country, country],
        ).df()
        summed = con.execute(PRODUCT_TOTALS_SQL, [country] * 5).df()
        if not summed.empty:
            flows = pd.concat([flows, summed[flows.columns]], ignore_index=True)
        indicators = con.execute("SELECT * FROM indicators WHERE reporter = ?", [country]).df()
        world = con.execute(
            "SELECT reporter, year, sum(CASE WHEN flow = 'export' THEN value END) - sum(CASE WHEN flow = 'import' THEN value END) AS balance, "
            "any_value(source) AS source FROM flows WHERE source = 'imf-dots' AND dataset = 'totals' AND partner = 'WLD' "
            "AND reporter NOT LIKE 'AGG:%' AND reporter NOT IN ('WLD', 'EUU') GROUP BY reporter, year"
        ).df()
        return _build(store, con, country, year, flows, indicators, world)
    finally:
        con.close()


def _build(
    store, con, country: str, year: int, flows: pd.DataFrame, indicators: pd.DataFrame, world: pd.DataFrame
) -> CountryReport:
    table: CountryTable = store.countries
    figures: list[Figure] = []
    warnings: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    name = table.name(country)

    # 1. balance series, one source per year (national customs first)
    own = flows[(flows.reporter == country) & (flows.partner == "WLD") & ~flows.mirror.astype(bool)]
    rank = {s: i for i, s in enumerate(TOTALS_PRIORITY)}
    # one source and dataset per year: a source's datasets may repeat the same total (DOTS bilateral
    # rows against the World, and DOTS reporter totals), which must not be added together
    own = own.assign(_rank=own.source.map(rank).fillna(len(rank)), _totals=own.dataset != "totals")
    best = own.sort_values(["_rank", "_totals"]).groupby("year", as_index=False).first()[["year", "source", "dataset"]]
    chosen = own.merge(best, on=["year", "source", "dataset"])
    series = metrics.totals(chosen, country)
    series["year"] = series.period.astype(int)
    series = metrics.add_growth(series, "balance", order="year")
    series = metrics.add_growth(series, "exports", order="year")
    tables["balance_series"] = series.drop(columns=["period"]).sort_values("year")

    # 2. the year's headline figures, reported where the customs release gives them
    ind = indicators[indicators.year.isin([year, year - 1])]

    def indicator(metric: str, partner: str = "WLD", period: str | None = None) -> pd.DataFrame:
        sel = ind[(ind.metric == metric) & (ind.partner == partner) & (ind.period == (period or str(year)))]
        return sel

    bal = indicator("trade_balance")
    bal_prev = indicator("trade_balance", period=str(year - 1))
    computed_year = series[series.year == year]
    computed_prev = series[series.year == year - 1]
    if not bal.empty:
        value = _indicator_value(bal.iloc[0])
        figures.append(
            Figure(
                "balance",
                f"Trade balance {year}",
                value,
                "USD",
                "reported",
                "customs (reporter), USD",
                _sources(bal),
                "as published",
            )
        )
    elif not computed_year.empty:
        value = float(computed_year.balance.iloc[0])
        figures.append(
            Figure(
                "balance",
                f"Trade balance {year}",
                value,
                "USD",
                "computed",
                f"{computed_year.source.iloc[0]}, USD",
                _sources(chosen[chosen.year == year]),
            )
        )
    else:
        value = None
        warnings.append(f"No {year} balance in the store for {country}: neither flows nor a reported figure.")
    prev_value, prev_label, prev_rows = None, "", pd.DataFrame()
    if not bal_prev.empty:
        prev_value, prev_label, prev_rows = _indicator_value(bal_prev.iloc[0]), "reported", bal_prev
    elif not computed_prev.empty:
        prev_value, prev_label, prev_rows = (
            float(computed_prev.balance.iloc[0]),
            "computed",
            chosen[chosen.year == year - 1],
        )
    if value is not None and prev_value is not None:
        pct, note = metrics.growth_pct(value, prev_value)
        figures.append(
            Figure(
                "balance_growth",
                f"Balance growth {year - 1}-{year}",
                pct,
                "percent",
                "derived",
                "USD",
                _sources(bal if not bal.empty else chosen[chosen.year == year]) + _sources(prev_rows),
                note or f"{_bn(value)} against {_bn(prev_value)} ({prev_label})",
            )
        )
    if not computed_prev.empty and value is not None:
        pct_c, _ = metrics.growth_pct(value, float(computed_prev.balance.iloc[0]))
        figures.append(
            Figure(
                "balance_growth_vs_computed",
                f"Balance growth against the {year - 1} balance computed from flows",
                pct_c,
                "percent",
                "derived",
                "USD",
                _sources(chosen[chosen.year == year - 1]),
                f"{year - 1}: {_bn(float(computed_prev.balance.iloc[0]))} from {computed_prev.source.iloc[0]}",
            )
        )

    # records: own series, and all reporters in IMF DOTS
    rec_series = tables["balance_series"][["year", "balance"]].copy()
    if value is not None and year not in set(rec_series.year):
        rec_series = pd.concat([rec_series, pd.DataFrame({"year": [year], "balance": [value]})])
    elif value is not None:
        rec_series.loc[rec_series.year == year, "balance"] = value
    rec = metrics.record(rec_series, "balance", order="year")
    figures.append(
        Figure(
            "balance_record",
            f"Largest {name} balance in the data",
            rec["value"],
            "USD",
            "computed",
            "reporter, USD",
            _sources(chosen[chosen.year.isin([rec["period"], rec["previous_record_period"]])])
            + (_sources(bal) if rec["period"] == year and not bal.empty else []),
            f"{_year(rec['period'])}; previous record {_bn(rec['previous_record'])} in {_year(rec['previous_record_period'])}; margin {_pct(rec['margin_pct'])}",
        )
    )
    others = world[world.reporter != country].dropna(subset=["balance"])
    if not others.empty:
        top = others.loc[others.balance.idxmax()]
        figures.append(
            Figure(
                "world_record_other",
                "Largest annual balance of any other economy (IMF DOTS 1960-2020)",
                float(top.balance),
                "USD",
                "computed",
                "IMF DOTS reporter totals, USD",
                _sources(
                    con.execute(
                        "SELECT source, dataset, file, vintage, line FROM flows WHERE source = 'imf-dots' AND dataset = 'totals' "
                        "AND partner = 'WLD' AND reporter = ? AND year = ?",
                        [top.reporter, int(top.year)],
                    ).df()
                ),
                f"{table.name(top.reporter)} {int(top.year)}; DOTS overstates some (e.g. Saudi Arabia 2008-2014 exports)",
            )
        )
        tables["largest_balances"] = (
            others.sort_values("balance", ascending=False).head(10).assign(name=lambda d: d.reporter.map(table.name))
        )

    # exports, imports and growth with both currency bases
    for metric, flow in (("total_exports", "export"), ("total_imports", "import")):
        rows = ind[(ind.metric == metric) & (ind.period == str(year)) & (ind.partner == "WLD")]
        for _, row in rows.iterrows():
            figures.append(
                Figure(
                    f"{flow}s_{row.currency}".lower(),
                    f"{flow.title()}s {year} ({row.currency})",
                    _indicator_value(row),
                    row.currency,
                    "reported",
                    f"customs, {row.currency}",
                    _sources(rows[rows.currency == row.currency]),
                    f"y/y {row.yoy_pct:+.1f}% ({row.yoy_basis} basis)",
                )
            )
    usd_tot = ind[(ind.metric == "total_exports") & (ind.period == str(year)) & (ind.currency == "USD")]
    cny_tot = ind[(ind.metric == "total_exports") & (ind.period == str(year)) & (ind.currency == "CNY")]
    factor = None
    if not usd_tot.empty and not cny_tot.empty:
        factor = (1 + cny_tot.yoy_pct.iloc[0] / 100) / (1 + usd_tot.yoy_pct.iloc[0] / 100)

    # exports to each partner or group reported for the year
    us_value = None
    growth_rows = []
    for _, row in ind[
        (ind.flow == "export") & (ind.period == str(year)) & (ind.partner != "WLD") & ind.yoy_pct.notna()
    ].iterrows():
        derived_cny = ((1 + row.yoy_pct / 100) * factor - 1) * 100 if factor and row.yoy_basis == "USD" else None
        growth_rows.append(
            {
                "partner": row.partner,
                "name": table.name(row.partner),
                "growth_pct": row.yoy_pct,
                "basis": row.yoy_basis,
                "growth_pct_cny_derived": derived_cny,
                "source_url": row.source_url,
                "line": row.line,
            }
        )
    growth_table = (
        pd.DataFrame(growth_rows).drop_duplicates(subset=["partner", "basis"]) if growth_rows else pd.DataFrame()
    )
    tables["export_growth_by_partner"] = growth_table
    if factor is not None and not growth_table.empty:
        gap = (growth_table.growth_pct_cny_derived - growth_table.growth_pct).dropna()
        if not gap.empty:
            figures.append(
                Figure(
                    "cny_usd_growth_gap",
                    f"Growth in yuan minus growth in dollars, {year} (average over partners)",
                    float(gap.mean()),
                    "points",
                    "derived",
                    "customs, CNY and USD",
                    _sources(usd_tot) + _sources(cny_tot),
                    f"from total exports: ({1 + cny_tot.yoy_pct.iloc[0] / 100:.3f} / {1 + usd_tot.yoy_pct.iloc[0] / 100:.3f}) applied to each USD rate",
                )
            )
    us = ind[(ind.metric == "exports") & (ind.partner == "USA") & (ind.period == str(year))]
    if not us.empty:
        us_value = _indicator_value(us.iloc[0])
        figures.append(
            Figure(
                "exports_to_usa",
                f"Exports to the United States {year}",
                us_value,
                "USD",
                "reported",
                "customs, USD",
                _sources(us),
            )
        )
        figures.append(
            Figure(
                "exports_to_usa_growth",
                f"Exports to the United States, growth {year}",
                float(us.yoy_pct.iloc[0]),
                "percent",
                "reported",
                f"{us.yoy_basis.iloc[0]} basis",
                _sources(us),
            )
        )
    for _, row in growth_table.iterrows():
        if row.partner == "USA":
            continue
        figures.append(
            Figure(
                f"exports_growth_{row.partner.split(':')[-1]}",
                f"Exports to {row['name']}, growth {year}",
                float(row.growth_pct),
                "percent",
                "reported",
                f"{row.basis} basis",
                _sources(ind[(ind.line == row.line)]),
                f"{_pct(row.growth_pct_cny_derived)} on a CNY basis (derived with the total's CNY/USD growth ratio)"
                if row.growth_pct_cny_derived is not None
                else "",
            )
        )
    # US share of exports
    exp_usd = next((f.value for f in figures if f.id == "exports_usd"), None)
    if us_value and exp_usd:
        figures.append(
            Figure(
                "us_share_of_exports",
                f"US share of {name}'s exports {year}",
                us_value / exp_usd * 100,
                "percent",
                "derived",
                "customs, USD",
                _sources(us) + _sources(usd_tot),
                f"{_bn(us_value)} / {_bn(exp_usd)}",
            )
        )

    # 3. mirror: the partner's view of the same flows, and the gap
    mirror_rows = flows[(flows.reporter == country) & flows.mirror.astype(bool) & (flows.partner != "WLD")]
    implied = None
    if not us.empty and us_value is not None:
        implied = us_value / (1 + us.yoy_pct.iloc[0] / 100)
        figures.append(
            Figure(
                "exports_to_usa_prev_implied",
                f"Exports to the United States {year - 1} (implied)",
                implied,
                "USD",
                "derived",
                "customs, USD",
                _sources(us),
                f"{_bn(us_value)} / (1 {us.yoy_pct.iloc[0]:+.1f}%)",
            )
        )
    us_mirror = mirror_rows[
        (mirror_rows.partner == "USA") & (mirror_rows.flow == "export") & (mirror_rows.year == year - 1)
    ]
    if not us_mirror.empty and implied is not None:
        mv = float(us_mirror.value.iloc[0])
        figures.append(
            Figure(
                "mirror_usa",
                f"US-reported imports from {name} {year - 1}",
                mv,
                "USD",
                "computed",
                "mirror (partner-reported), CIF",
                _sources(us_mirror),
            )
        )
        figures.append(
            Figure(
                "mirror_gap_usa",
                f"Mirror gap with the United States {year - 1}",
                mv - implied,
                "USD",
                "derived",
                "mirror CIF - reported FOB",
                _sources(us_mirror) + _sources(us),
                f"{(mv - implied) / implied * 100:+.1f}%: " + "; ".join(metrics.MIRROR_CAUSES),
            )
        )
    # mirror gap series with the US where both sides exist
    reported_us = flows[
        (flows.reporter == country) & (flows.partner == "USA") & ~flows.mirror.astype(bool) & (flows.flow == "export")
    ]
    gap = metrics.mirror_gap(
        reported_us[["period", "reporter", "partner", "flow", "value", "valuation", "source"]],
        mirror_rows[(mirror_rows.partner == "USA") & (mirror_rows.flow == "export")][
            ["period", "reporter", "partner", "flow", "value", "valuation", "source"]
        ],
    )
    tables["mirror_gap_usa"] = gap.dropna(subset=["reported", "mirror"]).sort_values("period")

    # 4. partner structure and diversion from the latest mirror year with broad coverage
    exports_mirror = mirror_rows[mirror_rows.flow == "export"]
    mirror_years = None
    counts = exports_mirror[exports_mirror.year <= year].groupby("year").partner.nunique()
    broad = counts[counts >= 100]
    if len(broad) >= 2:
        last, base = int(broad.index.max()), int(sorted(broad.index)[-2])
        mirror_years = (base, last)
        partners = metrics.by_partner(exports_mirror, country, "export", last, base)
        gone = partners[partners.value.isna() & partners.base_value.notna()].sort_values("base_value", ascending=False)
        if not gone.empty:
            top_gone = gone.head(5)
            warnings.append(
                f"The {last} mirror data lack {len(gone)} partners present in {base}, among them "
                + ", ".join(
                    f"{table.name(p)} ({_bn(v)} in {base})"
                    for p, v in zip(top_gone.partner, top_gone.base_value, strict=True)
                )
                + f": {last} totals, shares and group sums from mirror data are understated."
            )
        tables["partners_mirror"] = partners.assign(name=lambda d: d.partner.map(table.name))
        groups = metrics.by_group(exports_mirror, country, "export", last, base, table, REPORT_GROUPS)
        tables["groups_mirror"] = groups
        div = metrics.diversion(partners.dropna(subset=["value", "base_value"]), "USA")
        note = f"US change {_bn(div['market_change'])}; net change elsewhere {_bn(div['net_elsewhere'])} (partners reporting in both years)"
        if div["market_change"] >= 0:
            note = "no fall in exports to the US to offset in these years; " + note
        figures.append(
            Figure(
                "diversion_offset",
                f"Share of the {base}-{last} fall in exports to the US offset elsewhere (mirror)",
                div["offset_pct"],
                "percent",
                "computed",
                "mirror (partner-reported), CIF",
                _sources(exports_mirror[exports_mirror.year.isin([last, base])]),
                note,
            )
        )
        tables["diversion"] = pd.DataFrame(div["top_gainers"])
    if not (flows.quantity.notna().any() if "quantity" in flows.columns else False):
        warnings.append("No quantities for these flows: unit values and a price/volume split are not possible.")

    # rerouting signal: partners buying more from the country while selling more to the US
    _rerouting(con, country, mirror_rows[mirror_rows.flow == "export"], tables, warnings)

    # 5. products, where a partner reports its imports from the country by product
    _products_section(store, con, country, year, figures, tables, warnings)

    headline = _headline(name, year, figures)
    return CountryReport(
        country,
        name,
        year,
        figures,
        tables,
        headline,
        warnings,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        mirror_years,
    )


def _rerouting(con, country: str, exports_mirror: pd.DataFrame, tables: dict, warnings: list[str]) -> None:
    """The latest two years in which both partners' imports from ``country`` and their own exports
    to the US are in the store: a rerouting signal, labelled as a signal."""
    to_us = con.execute(
        "SELECT year, reporter AS partner, sum(value) AS value FROM flows WHERE partner = 'USA' AND flow = 'export' "
        "AND NOT mirror AND classification = 'TOTAL' AND reporter NOT IN (?, 'USA', 'WLD') AND reporter NOT LIKE 'AGG:%' "
        "AND period_kind = 'year' GROUP BY year, reporter",
        [country],
    ).df()
    years = sorted(set(to_us.year) & set(exports_mirror.year))
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    if not pairs:
        warnings.append(
            "Rerouting signal not computed: no two consecutive years with both partners' imports from "
            f"{country} and their own exports to the US."
        )
        return
    base, last = pairs[-1]
    imports = metrics.by_partner(exports_mirror, country, "export", last, base)[["partner", "growth_pct"]]
    us = to_us[to_us.year.isin([base, last])].pivot_table(index="partner", columns="year", values="value")
    us_growth = pd.DataFrame({"partner": us.index, "growth_pct": (us[last] / us[base] - 1).values * 100})
    signal = metrics.rerouting_signal(imports, us_growth)
    tables["rerouting_signal"] = (
        signal[signal.signal]
        .assign(years=f"{base}-{last}")
        .sort_values("growth_pct_imports_from_reporter", ascending=False)
    )
    warnings.append(
        f"Rerouting signal uses {base}-{last}, the latest years with partners' exports to the US in the store "
        f"({int(signal.signal.sum())} partners flagged): a signal, not a finding."
    )


def _products_section(
    store, con, country: str, year: int, figures: list[Figure], tables: dict, warnings: list[str]
) -> None:
    """HS chapters and the "new three" basket in partners' product-level imports from ``country``."""
    from tradeflux.reference import products

    where = (
        "((partner = ? AND flow = 'import') OR (reporter = ? AND flow = 'export')) "
        "AND (classification = 'HTS' OR classification LIKE 'HS20%') AND year <= ?"
    )
    rows = con.execute(
        f"SELECT reporter, year, classification, product, sum(value) AS value FROM flows WHERE {where} GROUP BY ALL",
        [country, country, year],
    ).df()
    provenance = con.execute(
        f"SELECT reporter, source, dataset, file, vintage, min(line) AS line FROM flows WHERE {where} GROUP BY ALL",
        [country, country, year],
    ).df()
    if rows.empty:
        warnings.append(f"No product-level data on {country}'s trade: baskets and HS chapters are not shown.")
        return
    # the most detailed classification of the latest year, per importing partner
    rows["_detail"] = rows.classification.map({"HTS": 0, "HS2022": 1}).fillna(2)
    pick = (
        rows.sort_values(["year", "_detail"], ascending=[False, True])
        .groupby("reporter")
        .first()[["year", "classification"]]
        .reset_index()
    )
    rows = rows.merge(pick, on=["reporter", "year", "classification"])
    nomenclature = products.load(store.data_dir)
    basket = products.basket("new-three")
    chapter_tables, basket_rows = [], []
    for reporter, grp in rows.groupby("reporter"):
        total = grp.value.sum()
        ch = grp.assign(chapter=grp["product"].str[:2]).groupby("chapter", as_index=False).value.sum()
        ch["share_pct"] = ch.value / total * 100
        ch["description"] = ch.chapter.map(lambda c: nomenclature.describe(c))
        ch.insert(0, "reported_by", reporter)
        ch.insert(1, "year", int(grp.year.iloc[0]))
        chapter_tables.append(ch.sort_values("value", ascending=False).head(10))
        revision = grp.classification.iloc[0] if grp.classification.iloc[0].startswith("HS20") else "HS2022"
        parts = grp.assign(part=grp["product"].map(lambda c, rev=revision: basket.part_of(c, rev)))
        in_basket = parts.dropna(subset=["part"])
        for part, sub in in_basket.groupby("part"):
            basket_rows.append(
                {
                    "reported_by": reporter,
                    "year": int(grp.year.iloc[0]),
                    "part": part,
                    "value": sub.value.sum(),
                    "share_pct": sub.value.sum() / total * 100,
                    "lines": len(sub),
                }
            )
        value = float(in_basket.value.sum())
        figures.append(
            Figure(
                f"new_three_{reporter}".lower(),
                f"'New three' goods in {reporter}'s imports from {country}, {int(grp.year.iloc[0])}"
                if reporter != country
                else f"'New three' exports of {country}, {int(grp.year.iloc[0])}",
                value,
                "USD",
                "computed",
                f"{reporter}-reported imports ({grp.classification.iloc[0]}), customs value",
                _sources(provenance[provenance.reporter == reporter]),
                f"{value / total * 100:.1f}% of {_bn(total)}; codes: {', '.join(basket.codes(revision))} ({revision})",
            )
        )
    tables["hs_chapters"] = pd.concat(chapter_tables, ignore_index=True)
    tables["new_three"] = pd.DataFrame(basket_rows)
    _price_volume(con, country, year, figures, warnings)


def _price_volume(con, country: str, year: int, figures: list[Figure], warnings: list[str]) -> None:
    """Törnqvist price and volume indices of the country's exports from product unit values, if quantities exist."""
    rows = con.execute(
        "SELECT product, year, quantity_unit, sum(value) AS value, sum(quantity) AS quantity, any_value(source) AS source FROM flows "
        "WHERE reporter = ? AND flow = 'export' AND classification LIKE 'HS%' AND year IN (?, ?) AND quantity IS NOT NULL "
        "GROUP BY product, year, quantity_unit",
        [country, year, year - 1],
    ).df()
    if rows.empty:
        return
    result = metrics.tornqvist(rows, year, year - 1)
    if result["price_index"] is None:
        warnings.append(f"Price/volume split of exports: {result['note']}.")
        return
    basis = f"{', '.join(sorted(rows.source.unique()))} unit values, Törnqvist"
    figures.append(
        Figure(
            "export_prices",
            f"Export prices {year - 1}-{year}",
            (result["price_index"] - 1) * 100,
            "percent",
            "computed",
            basis,
            [],
            f"{result['products_used']} of {result['products_total']} products; {result['note']}",
        )
    )
    figures.append(
        Figure(
            "export_volumes",
            f"Export volumes {year - 1}-{year}",
            (result["volume_index"] - 1) * 100,
            "percent",
            "computed",
            basis,
            [],
        )
    )


def _headline(name: str, year: int, figures: list[Figure]) -> list[str]:
    by = {f.id: f for f in figures}
    lines = []
    if "balance" in by and by["balance"].value is not None:
        value = by["balance"].value
        kind = "surplus" if value >= 0 else "deficit"
        s = f"{name}'s merchandise trade {kind} was USD {abs(value) / 1e9:,.0f} bn in {year} ({by['balance'].status})"
        if "balance_growth" in by and not math.isnan(by["balance_growth"].value):
            s += f", {by['balance_growth'].value:+.1f}% on {year - 1}"
        rec = by.get("balance_record")
        if rec and rec.value is not None and rec.note.startswith(str(year)):
            s += ", the largest in the data"
            other = by.get("world_record_other")
            if other and other.value and by["balance"].value > other.value:
                s += f" and {by['balance'].value / other.value:.1f} times the largest balance any other economy recorded in IMF DOTS"
        lines.append(s + ".")
    if "exports_to_usa_growth" in by:
        s = f"Exports to the United States fell {abs(by['exports_to_usa_growth'].value):.1f}% ({by['exports_to_usa_growth'].basis})"
        if "us_share_of_exports" in by:
            s += f", leaving the US with {by['us_share_of_exports'].value:.1f}% of {name}'s exports"
        lines.append(s + ".")
    rises = [f for f in figures if f.id.startswith("exports_growth_") and f.value is not None and f.value > 0]
    if rises:
        parts = ", ".join(
            f"{f.label.split('Exports to ')[1].split(',')[0]} {f.value:+.1f}%"
            for f in sorted(rises, key=lambda f: -f.value)
        )
        lines.append(
            f"Exports rose to {parts} ({rises[0].basis}"
            + (
                f"; growth in yuan is about {by['cny_usd_growth_gap'].value:.1f} points higher"
                if "cny_usd_growth_gap" in by
                else ""
            )
            + ")."
        )
    if "mirror_gap_usa" in by:
        g = by["mirror_gap_usa"]
        lines.append(
            f"The two sides disagree: US-reported imports from {name} in {year - 1} were {_bn(by['mirror_usa'].value)}, {_bn(abs(g.value))} "
            f"{'below' if g.value < 0 else 'above'} the exports {name} implies ({_bn(by['exports_to_usa_prev_implied'].value)})."
        )
    return lines
