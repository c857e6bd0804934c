"""The country report: what happened to a country's trade in a year, every figure with its basis and source.

:func:`build` reads the store and returns a :class:`CountryReport` (figures, tables, headline
sentences, warnings); :func:`tradeflux.render.writers.write_report` renders it. It works for any
reporter and year the store holds. Figures are of three kinds, always labelled:

* ``computed`` from flows in the store (the balance series, partner growth);
* ``reported``: an official figure as published (GACC's headline surplus), with its citation;
* ``derived``: arithmetic on reported figures (China's 2025 balance with the US), with the formula.

One figure per fact: every flow is the canonical one (:mod:`tradeflux.analysis.canonical`), never a
sum across sources. Growth, contributions and group sums use partners present on the same basis in
both years; a missing partner is listed, never counted as a fall to zero. Balances are worded by
their sign (a deficit widens or narrows). Nothing is invented: a figure the data cannot give is
absent and the report says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from tradeflux._format import money, possessive
from tradeflux._results import Result, jsonable
from tradeflux.analysis import metrics, queries
from tradeflux.analysis.figures import Figure, Source, sources_of
from tradeflux.errors import NotFound
from tradeflux.reference.countries import CountryTable

__all__ = ["REPORT_GROUPS", "CountryReport", "build"]

REPORT_GROUPS = ("EU27", "ASEAN", "AFRICA", "LATAM")
# A year's partner detail is "broad" with at least this many partners; otherwise the partner tables
# use the latest pair of years that has it.
BROAD_PARTNERS = 100
# Press sites that reprint customs releases; a figure read there is cited as secondary.
PRIMARY_DOMAINS = ("customs.gov.cn", "english.customs.gov.cn", "stats.gov.cn", "census.gov", "destatis.de")


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
    mirror_years: tuple[int, int] | None = None  # (base, last) of the partner tables

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

    def has(self, fid: str) -> bool:
        return any(f.id == fid for f in self.figures)

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


@dataclass
class _Context:
    """What every section reads and writes."""

    store: object
    con: object
    country: str
    year: int
    countries: CountryTable
    own: pd.DataFrame
    declared: pd.DataFrame
    indicators: pd.DataFrame
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    pair: tuple[int, int] | None = None  # (base, last) of the partner tables

    @property
    def name(self) -> str:
        return self.countries.name(self.country)

    def add(self, fid: str, label: str, value, unit: str, status: str, basis: str, rows=None, note: str = "") -> Figure:
        sources = rows if isinstance(rows, list) else sources_of(rows) if rows is not None else []
        fig = Figure(fid, label, None if value is None else float(value), unit, status, basis, sources, note)
        self.figures.append(fig)
        return fig

    def get(self, fid: str) -> Figure | None:
        return next((f for f in self.figures if f.id == fid), None)


def _bn(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else money(value)


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:+.{digits}f}%"


def _source_kind(url: object) -> str:
    if not isinstance(url, str) or not url:
        return ""
    host = urlparse(url).netloc.lower()
    if any(host.endswith(d) for d in PRIMARY_DOMAINS):
        return "primary"
    return "secondary: press report of the release"


def _reported_sources(rows: pd.DataFrame) -> list[Source]:
    out = sources_of(rows)
    for s in out:
        s.kind = _source_kind(s.url)
    return out


def _countries_only(frame: pd.DataFrame, column: str = "partner") -> pd.DataFrame:
    codes = frame[column].astype(str)
    return frame[~codes.str.startswith("AGG:") & ~codes.isin(["WLD", "EUU"])]


# ---- building ------------------------------------------------------------------------------------
def build(store, country: str, year: int) -> CountryReport:
    """Everything the report says about ``country`` in ``year``, from what ``store`` holds."""
    con = store.connect()
    try:
        ctx = _Context(
            store,
            con,
            country,
            year,
            store.countries,
            queries.own_flows(con, country),
            queries.declared_by_partners(con, country),
            queries.indicators(con, country),
        )
        _balance(ctx)
        _reported_headlines(ctx)
        _partners(ctx)
        _mirror(ctx)
        _rerouting(ctx)
        _products_section(ctx)
        if not (ctx.own.quantity.notna().any() if "quantity" in ctx.own.columns else False):
            ctx.warnings.append("No quantities for these flows: unit values and a price/volume split are not possible.")
    finally:
        con.close()
    return CountryReport(
        country,
        ctx.name,
        year,
        ctx.figures,
        ctx.tables,
        _headline(ctx),
        ctx.warnings,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ctx.pair,
    )


# ---- 1. the balance: series, the year's figure, growth worded by sign, records ---------------------
def _world_series(ctx: _Context) -> pd.DataFrame:
    """Exports, imports and balance with the world by year: one source per year, the best-ranked one
    holding both flows (a balance never subtracts one source's imports from another's exports)."""
    rows = ctx.own[(ctx.own.partner == "WLD") & ~ctx.own.mirror.astype(bool)]
    candidates = queries.world_totals_all(ctx.con, ctx.country)
    candidates = candidates[~candidates.mirror.astype(bool)]
    if candidates.empty:
        candidates = rows
    out = []
    for year, grp in candidates.groupby("year"):
        both = grp.groupby(["source", "dataset"]).filter(lambda g: set(g.flow) >= {"export", "import"})
        pool = both if not both.empty else grp
        best = pool.sort_values(["precedence", "source", "dataset"]).iloc[0]
        chosen = pool[(pool.source == best.source) & (pool.dataset == best.dataset)]
        x = chosen.loc[chosen.flow == "export", "value"]
        m = chosen.loc[chosen.flow == "import", "value"]
        out.append(
            {
                "year": int(year),
                "exports": float(x.iloc[0]) if len(x) else np.nan,
                "imports": float(m.iloc[0]) if len(m) else np.nan,
                "source": best.source,
                "dataset": best.dataset,
                "_lines": chosen,
            }
        )
    if not out:
        return pd.DataFrame(columns=["year", "exports", "imports", "balance", "source", "dataset"])
    series = pd.DataFrame(out).sort_values("year").reset_index(drop=True)
    series["balance"] = series.exports - series.imports
    series = metrics.add_growth(series, "balance", order="year")
    series = metrics.add_growth(series, "exports", order="year")
    return series


def _balance(ctx: _Context) -> None:
    series = _world_series(ctx)
    lines = dict(zip(series.year, series.pop("_lines"), strict=True)) if "_lines" in series else {}
    ctx.tables["balance_series"] = series
    year, name = ctx.year, ctx.name
    ind = ctx.indicators
    reported = ind[(ind.metric == "trade_balance") & (ind.partner == "WLD") & (ind.currency == "USD")]
    this = reported[reported.period == str(year)]
    prev = reported[reported.period == str(year - 1)]
    computed = series.set_index("year")
    value = prev_value = None
    if not this.empty:
        value = float(this.value.iloc[0])
        ctx.add(
            "balance",
            f"Trade balance {year}",
            value,
            "USD",
            "reported",
            "customs release, USD",
            _reported_sources(this),
            "as published",
        )
        if year in computed.index:
            c = computed.loc[year]
            ctx.warnings.append(
                f"The {year} balance in the series ({_bn(c.balance)} = {_bn(c.exports)} - {_bn(c.imports)}, "
                f"{c.source}) differs from the reported {_bn(value)} because the reported totals are rounded "
                "(to 10 bn); the report states the reported balance."
            )
    elif year in computed.index and not math.isnan(computed.loc[year, "balance"]):
        value = float(computed.loc[year, "balance"])
        ctx.add(
            "balance",
            f"Trade balance {year}",
            value,
            "USD",
            "computed",
            f"{computed.loc[year, 'source']} ({computed.loc[year, 'dataset']}), USD",
            lines.get(year),
            f"exports {_bn(computed.loc[year, 'exports'])} - imports {_bn(computed.loc[year, 'imports'])}",
        )
    else:
        ctx.warnings.append(f"No {year} balance in the store for {name}: neither flows nor a reported figure.")
    for flow in ("exports", "imports"):
        if year in computed.index and not math.isnan(computed.loc[year, flow]) and this.empty:
            ctx.add(
                flow,
                f"{flow.title()} {year}",
                computed.loc[year, flow],
                "USD",
                "computed",
                f"{computed.loc[year, 'source']} ({computed.loc[year, 'dataset']}), USD",
                lines.get(year),
            )
    prev_label, prev_rows = "", None
    if not prev.empty:
        prev_value, prev_label, prev_rows = float(prev.value.iloc[0]), "reported", _reported_sources(prev)
    elif year - 1 in computed.index and not math.isnan(computed.loc[year - 1, "balance"]):
        prev_value, prev_label = (
            float(computed.loc[year - 1, "balance"]),
            f"computed from {computed.loc[year - 1, 'source']}",
        )
        prev_rows = sources_of(lines.get(year - 1, pd.DataFrame()))
    if value is not None and prev_value is not None:
        pct, note = metrics.growth_pct(value, prev_value)
        words = metrics.balance_change_words(value, prev_value)
        fig = ctx.add(
            "balance_growth",
            f"Balance change {year - 1}-{year}",
            pct if (value >= 0) == (prev_value >= 0) else None,
            "percent",
            "derived",
            "USD; for a deficit, the change in its size",
            (ctx.get("balance").sources if ctx.get("balance") else []) + (prev_rows or []),
            note if note else f"{words} ({prev_label} {year - 1})",
        )
        fig.note = fig.note[0].upper() + fig.note[1:]
    if value is not None and not this.empty and year - 1 in computed.index:
        base = float(computed.loc[year - 1, "balance"])
        ctx.add(
            "balance_growth_vs_computed",
            f"Balance change against the {year - 1} balance computed from flows",
            metrics.growth_pct(value, base)[0],
            "percent",
            "derived",
            "USD",
            sources_of(lines.get(year - 1, pd.DataFrame())),
            f"{year - 1}: {_bn(base)} from {computed.loc[year - 1, 'source']}",
        )
    # records, up to the report's year
    rec = series[["year", "balance"]].copy()
    if value is not None:
        rec = pd.concat([rec[rec.year != year], pd.DataFrame({"year": [year], "balance": [value]})], ignore_index=True)
    ext = metrics.extremes(rec, "balance", up_to=year)
    first = int(rec.year.min()) if not rec.empty else year
    for kind in ("surplus", "deficit"):
        if ext[kind] is None:
            continue
        period = int(ext[f"{kind}_period"])
        rows = sources_of(lines.get(period, pd.DataFrame()))
        if not rows and ctx.get("balance") and period == year:
            rows = ctx.get("balance").sources
        ctx.add(
            f"largest_{kind}",
            f"Largest {name} {kind} {first}-{year}",
            ext[kind],
            "USD",
            "computed",
            "reporter, USD",
            rows,
            f"in {period}",
        )
    _others(ctx)


_OWN_TOTALS = "((source = 'comtrade-mirror' AND dataset = 'totals') OR (source = 'gacc' AND dataset = 'headlines'))"


def _dots_quirk(reporter: str, year: int) -> str | None:
    """What the IMF DOTS provenance says is wrong with a reporter's totals in a year, or None."""
    if reporter == "SAU" and 2008 <= year <= 2014:
        return "IMF DOTS overstates Saudi Arabia's 2008-2014 exports (2012: 520 bn against about 388 bn nationally)"
    if reporter == "CHN" and year == 2015:
        return "IMF DOTS understates China's 2015 imports (1,601.8 bn against 1,679.6 bn in customs data)"
    return None


def _others(ctx: _Context) -> None:
    """The largest surplus any other economy reported: its customs totals where the store holds them (China's
    15 years of Comtrade and customs totals), else IMF DOTS, with the caveat the data carry."""
    balances = (
        "SELECT reporter, year, '{basis}' AS basis, sum(CASE WHEN flow = 'export' THEN value END) - "
        "sum(CASE WHEN flow = 'import' THEN value END) AS balance FROM flows WHERE {where} AND partner = 'WLD' "
        "AND NOT mirror AND reporter NOT LIKE 'AGG:%' AND reporter NOT IN ('WLD', 'EUU', ?) AND year <= ? "
        "GROUP BY reporter, year"
    )
    own = ctx.con.execute(balances.format(basis="customs", where=_OWN_TOTALS), [ctx.country, ctx.year]).df()
    dots = ctx.con.execute(
        balances.format(basis="imf-dots", where="source = 'imf-dots' AND dataset = 'totals'"), [ctx.country, ctx.year]
    ).df()
    own = own.dropna(subset=["balance"])
    dots = dots[~dots.set_index(["reporter", "year"]).index.isin(own.set_index(["reporter", "year"]).index)]
    world = pd.concat([own, dots.dropna(subset=["balance"])], ignore_index=True)
    if world.empty:
        return
    top = world.loc[world.balance.idxmax()]
    where = _OWN_TOTALS if top.basis == "customs" else "source = 'imf-dots' AND dataset = 'totals'"
    rows = ctx.con.execute(
        f"SELECT source, dataset, file, vintage, line FROM flows WHERE {where} AND partner = 'WLD' AND NOT mirror "
        "AND reporter = ? AND year = ?",
        [top.reporter, int(top.year)],
    ).df()
    note = f"{ctx.countries.name(top.reporter)} {int(top.year)}"
    quirk = _dots_quirk(top.reporter, int(top.year)) if top.basis == "imf-dots" else None
    if quirk:
        note += f"; {quirk}"
    ctx.add(
        "world_record_other",
        f"Largest annual surplus of any other economy, 1960-{ctx.year}",
        top.balance,
        "USD",
        "computed",
        "customs totals where the store holds them (China), else IMF DOTS reporter totals (to 2020), USD",
        rows,
        note,
    )
    ctx.tables["largest_balances"] = (
        world.sort_values("balance", ascending=False).head(10).assign(name=lambda d: d.reporter.map(ctx.countries.name))
    )


# ---- 2. the official release's own figures (reported, with their growth basis) -------------------
def _reported_headlines(ctx: _Context) -> None:
    year = ctx.year
    ind = ctx.indicators[ctx.indicators.period == str(year)]
    if ind.empty:
        return
    for metric, flow in (("total_exports", "export"), ("total_imports", "import")):
        rows = ind[(ind.metric == metric) & (ind.partner == "WLD")]
        for _, row in rows.iterrows():
            ctx.add(
                f"{flow}s_{row.currency}".lower(),
                f"{flow.title()}s {year} ({row.currency})",
                row.value,
                row.currency,
                "reported",
                f"customs release, {row.currency}",
                _reported_sources(rows[rows.currency == row.currency]),
                f"y/y {row.yoy_pct:+.1f}% ({row.yoy_basis} basis)" if not pd.isna(row.yoy_pct) else "",
            )
    usd_tot = ind[(ind.metric == "total_exports") & (ind.currency == "USD")]
    cny_tot = ind[(ind.metric == "total_exports") & (ind.currency == "CNY")]
    factor = None
    if not usd_tot.empty and not cny_tot.empty:
        factor = (1 + cny_tot.yoy_pct.iloc[0] / 100) / (1 + usd_tot.yoy_pct.iloc[0] / 100)
    growth_rows = []
    for _, row in ind[(ind.flow == "export") & (ind.partner != "WLD") & ind.yoy_pct.notna()].iterrows():
        derived_cny = ((1 + row.yoy_pct / 100) * factor - 1) * 100 if factor and row.yoy_basis == "USD" else None
        growth_rows.append(
            {
                "partner": row.partner,
                "name": ctx.countries.name(row.partner),
                "growth_pct": row.yoy_pct,
                "basis": row.yoy_basis,
                "growth_pct_cny_derived": derived_cny,
                "source_url": row.source_url,
                "line": row.line,
            }
        )
    growth = pd.DataFrame(growth_rows).drop_duplicates(subset=["partner", "basis"]) if growth_rows else pd.DataFrame()
    if not growth.empty:
        ctx.tables["export_growth_by_partner"] = growth
    if factor is not None and not growth.empty:
        gap = (growth.growth_pct_cny_derived - growth.growth_pct).dropna()
        if not gap.empty:
            ctx.add(
                "cny_usd_growth_gap",
                f"Growth in yuan minus growth in dollars, {year} (average over partners)",
                float(gap.mean()),
                "points",
                "derived",
                "customs, CNY and USD",
                _reported_sources(usd_tot) + _reported_sources(cny_tot),
                f"from total exports: ({1 + cny_tot.yoy_pct.iloc[0] / 100:.3f} / {1 + usd_tot.yoy_pct.iloc[0] / 100:.3f}) "
                "applied to each USD rate",
            )
    us_x = ind[(ind.metric == "exports") & (ind.partner == "USA") & (ind.currency == "USD")]
    us_m = ind[(ind.metric == "imports") & (ind.partner == "USA") & (ind.currency == "USD")]
    if not us_x.empty:
        ctx.add(
            "exports_to_usa",
            f"Exports to the United States {year}",
            us_x.value.iloc[0],
            "USD",
            "reported",
            "customs release, USD",
            _reported_sources(us_x),
        )
        if not pd.isna(us_x.yoy_pct.iloc[0]):
            ctx.add(
                "exports_to_usa_growth",
                f"Exports to the United States, growth {year}",
                us_x.yoy_pct.iloc[0],
                "percent",
                "reported",
                f"{us_x.yoy_basis.iloc[0]} basis",
                _reported_sources(us_x),
            )
            implied = us_x.value.iloc[0] / (1 + us_x.yoy_pct.iloc[0] / 100)
            ctx.add(
                "exports_to_usa_prev_implied",
                f"Exports to the United States {year - 1} (implied)",
                implied,
                "USD",
                "derived",
                "customs release, USD",
                _reported_sources(us_x),
                f"{_bn(us_x.value.iloc[0])} / (1 {us_x.yoy_pct.iloc[0]:+.1f}%)",
            )
    if not us_m.empty:
        ctx.add(
            "imports_from_usa",
            f"Imports from the United States {year}",
            us_m.value.iloc[0],
            "USD",
            "reported",
            "customs release, USD",
            _reported_sources(us_m),
            f"y/y {us_m.yoy_pct.iloc[0]:+.1f}% ({us_m.yoy_basis.iloc[0]} basis)"
            if not pd.isna(us_m.yoy_pct.iloc[0])
            else "",
        )
    if not us_x.empty and not us_m.empty:
        x, m = float(us_x.value.iloc[0]), float(us_m.value.iloc[0])
        ctx.add(
            "balance_with_usa",
            f"Balance with the United States {year}",
            x - m,
            "USD",
            "derived",
            "customs release, USD",
            _reported_sources(us_x) + _reported_sources(us_m),
            f"exports {_bn(x)} - imports {_bn(m)}",
        )
    for _, row in growth.iterrows() if not growth.empty else []:
        if row.partner == "USA":
            continue
        ctx.add(
            f"exports_growth_{row.partner.split(':')[-1]}",
            f"Exports to {row['name']}, growth {year}",
            row.growth_pct,
            "percent",
            "reported",
            f"{row.basis} basis",
            _reported_sources(ind[ind.line == row.line]),
            f"{_pct(row.growth_pct_cny_derived)} on a CNY basis (derived with the total's CNY/USD growth ratio)"
            if row.growth_pct_cny_derived is not None
            else "",
        )
    exp_usd = ctx.get("exports_usd")
    if ctx.get("exports_to_usa") and exp_usd:
        ctx.add(
            "us_share_of_exports",
            f"US share of {possessive(ctx.name)} exports {year}",
            ctx.get("exports_to_usa").value / exp_usd.value * 100,
            "percent",
            "derived",
            "customs release, USD",
            ctx.get("exports_to_usa").sources + exp_usd.sources,
            f"{_bn(ctx.get('exports_to_usa').value)} / {_bn(exp_usd.value)}",
        )


# ---- 3. partners and groups, on matched partners ---------------------------------------------------
def _partner_rows(ctx: _Context) -> pd.DataFrame:
    rows = _countries_only(ctx.own)
    rows = rows.assign(
        basis=rows.source + "/" + rows.dataset + np.where(rows.mirror.astype(bool), " (partner-declared)", "")
    )
    return rows


def _pick_pair(ctx: _Context, rows: pd.DataFrame, quiet: bool = False) -> tuple[int, int] | None:
    """The two years the partner tables compare: the report's year and the one before when partner detail
    is broad in both (partners add up to at least 80% of the world total, or, without a world total, as
    many partners as in the best-covered year), else the latest consecutive broad years before it."""
    exports = rows[rows.flow == "export"]
    counts = exports.groupby("year").partner.nunique()
    if counts.empty:
        return None
    sums = exports.groupby("year").value.sum()
    world = ctx.tables["balance_series"].set_index("year").exports
    threshold = min(BROAD_PARTNERS, 0.8 * float(counts.max()))

    def broad(y: int) -> bool:
        if y in world.index and world[y] > 0:
            return bool(sums.get(y, 0.0) >= 0.8 * world[y])
        return bool(counts.get(y, 0) >= threshold)

    year = ctx.year
    if broad(year) and broad(year - 1):
        return year - 1, year
    years = sorted(y for y in counts.index if y <= year and broad(y))
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    if pairs:
        base, last = pairs[-1]
        covered = sums.get(year, 0.0) / world[year] * 100 if year in world.index and world[year] > 0 else 0.0
        if not quiet:
            ctx.warnings.append(
                f"Partner detail for {year} covers {counts.get(year, 0)} partners ({covered:.0f}% of exports): "
                f"the partner tables use {base}-{last}, the latest consecutive years with broad partner coverage."
            )
        return base, last
    if counts.get(year, 0) and counts.get(year - 1, 0):
        return year - 1, year
    return None


def _declared_rows(ctx: _Context) -> pd.DataFrame:
    """The reporter's trade by partner as its partners declare it: a partner's imports from the reporter are
    the reporter's exports to it (CIF), its exports to the reporter the reporter's imports (FOB)."""
    d = ctx.declared
    d = d[~d.reporter.str.startswith("AGG:") & ~d.reporter.isin(["WLD", "EUU", ctx.country])]
    d = d.assign(
        partner=d.reporter,
        reporter=ctx.country,
        flow=d.flow.map({"import": "export", "export": "import"}),
        basis=d.source + "/" + d.dataset + " (partner-declared)",
    )
    return d[d.flow.notna()]


def _partners(ctx: _Context) -> None:
    rows = _partner_rows(ctx)
    pair = _pick_pair(ctx, rows, quiet=True)
    if pair != (ctx.year - 1, ctx.year):
        declared = _declared_rows(ctx)
        if _pick_pair(ctx, declared, quiet=True) == (ctx.year - 1, ctx.year):
            world = ctx.tables["balance_series"].set_index("year").exports
            own = rows[(rows.flow == "export") & (rows.year.isin([ctx.year - 1, ctx.year]))].groupby("year").value.sum()
            cover = ", ".join(f"{v / world[y] * 100:.0f}% in {y}" for y, v in own.items() if world.get(y, 0) > 0)
            ctx.warnings.append(
                f"{possessive(ctx.name)} own partner figures cover little of its exports ({cover or 'none'}): the partner "
                f"tables use what its partners declare (their imports from {ctx.name}, CIF, as its exports; their "
                "exports to it, FOB, as its imports), marked partner-declared."
            )
            rows, pair = declared, (ctx.year - 1, ctx.year)
    if pair is not None and pair != (ctx.year - 1, ctx.year):
        pair = _pick_pair(ctx, rows)
    if pair is None:
        ctx.warnings.append(f"No partner breakdown for {ctx.name} around {ctx.year} in the store.")
        return
    base, last = pair
    ctx.pair = pair
    series = ctx.tables["balance_series"].set_index("year")
    frames = {}
    for flow in ("export", "import"):
        col = "exports" if flow == "export" else "imports"
        world = float(series.loc[last, col]) if last in series.index and not math.isnan(series.loc[last, col]) else None
        base_world = (
            float(series.loc[base, col]) if base in series.index and not math.isnan(series.loc[base, col]) else None
        )
        frames[flow] = metrics.matched_partners(rows[rows.flow == flow], last, base, world, base_world)
    x, m = frames["export"], frames["import"]
    table = x.merge(
        m[["partner", "value", "base_value", "growth_pct", "basis"]].rename(
            columns={
                "value": "imports",
                "base_value": "base_imports",
                "growth_pct": "imports_growth_pct",
                "basis": "imports_basis",
            }
        ),
        on="partner",
        how="outer",
    ).rename(
        columns={
            "value": "exports",
            "base_value": "base_exports",
            "growth_pct": "exports_growth_pct",
            "basis": "exports_basis",
        }
    )
    table["balance"] = table.exports - table.imports
    table.insert(1, "name", table.partner.map(ctx.countries.name))
    ctx.tables["partners"] = table.sort_values("exports", ascending=False, na_position="last").reset_index(drop=True)
    # the export view the charts use: contributions only for matched partners
    ctx.tables["partners_mirror"] = x.assign(name=x.partner.map(ctx.countries.name))
    basis = ", ".join(sorted(set(x.basis.dropna())))
    total = metrics.matched_growth(x)
    whose = {
        "partners": f"as they declared their imports from {ctx.name}",
        "own": f"as {ctx.name} declared them",
    }.get(declared_by(x.basis[x.matched]), f"as {ctx.name} declared them, or its partners where it did not")
    note = (
        f"{total['partners']} partners, {_bn(total['base_value'])} to {_bn(total['value'])}, {whose}; "
        "contributions add up to this"
    )
    ex_last, ex_base = (series.exports.get(y, float("nan")) for y in (last, base))
    if ex_base > 0 and ex_last > 0:
        own = (ex_last / ex_base - 1) * 100
        cover = total["value"] / ex_last * 100
        note += f"; they take {cover:.0f}% of the {last} total, whose growth was {own:+.1f}%"
    ctx.add(
        "exports_matched_growth",
        f"Exports to the {total['partners']} partners with figures in both {base} and {last}",
        total["growth_pct"],
        "percent",
        "computed",
        basis,
        rows[(rows.flow == "export") & rows.year.isin(pair) & rows.partner.isin(x.partner[x.matched])],
        note,
    )
    gone = x[(x.status == f"missing in {last}")].sort_values("base_value", ascending=False)
    if not gone.empty:
        top = gone.head(5)
        ctx.warnings.append(
            f"{len(gone)} partners present in {base} have no {last} figure on the same basis and are left out of growth "
            "and contributions (not counted as zero), among them "
            + ", ".join(
                f"{ctx.countries.name(p)} ({_bn(v)} in {base}, {s:.1f}% of exports)"
                for p, v, s in zip(top.partner, top.base_value, top.base_share_pct, strict=True)
            )
            + "."
        )
        ctx.tables["missing_partners"] = gone[["partner", "base_value", "base_share_pct", "basis"]].assign(
            name=lambda d: d.partner.map(ctx.countries.name), last_year=base
        )
    _pro_rata(ctx, x, pair)
    _re_export_hubs(ctx, pair)
    _groups(ctx, frames, pair)
    _bilateral(ctx, table, pair, rows)
    _diversion(ctx, x, pair, basis)


def declared_by(bases: pd.Series) -> str:
    """Whose declarations a set of partner rows holds, from their basis: "partners", "own" or "mixed"."""
    kinds = {"partner-declared" in str(b) for b in bases.dropna()}
    return "partners" if kinds == {True} else "own" if kinds == {False} else "mixed"


# economies whose declared exports are mostly re-exports of goods made elsewhere
_RE_EXPORT_HUBS = ("HKG",)


def _re_export_hubs(ctx: _Context, pair: tuple[int, int]) -> None:
    """A hub's partner-declared exports to the country are mostly other economies' goods, which the country
    records as imports from their origins: the balance with the hub on that basis is not the country's own."""
    table = ctx.tables["partners"]
    _base, last = pair
    for hub in _RE_EXPORT_HUBS:
        hit = table[(table.partner == hub) & table.imports_basis.fillna("").str.contains("partner-declared")]
        if hit.empty or hub == ctx.country:
            continue
        r = hit.iloc[0]
        own = ctx.con.execute(
            "SELECT year, sum(CASE WHEN flow = 'export' THEN value END) AS x, "
            "sum(CASE WHEN flow = 'import' THEN value END) AS m FROM flows WHERE reporter = ? AND partner = ? "
            "AND NOT mirror AND classification = 'TOTAL' AND period_kind = 'year' AND year <= ? "
            "GROUP BY year, source, dataset HAVING x IS NOT NULL AND m IS NOT NULL ORDER BY year DESC, source LIMIT 1",
            [ctx.country, hub, last],
        ).df()
        hub_name = ctx.countries.name(hub)
        said = (
            f"; {possessive(ctx.name)} own figures give a balance of {_bn(own.x.iloc[0] - own.m.iloc[0])} "
            f"with it in {int(own.year.iloc[0])}, the latest year they are held"
            if not own.empty
            else ""
        )
        text = (
            f"{hub_name} re-exports: the imports from {hub_name} in the partner table ({_bn(r.imports)} in {last}) "
            f"are what {hub_name} declares as exports to {ctx.name}, mostly other economies' goods that {ctx.name} "
            f"records as imports from where they were made; the balance on this basis ({_bn(r.balance)}) is not "
            f"{possessive(ctx.name)} balance with {hub_name}" + said + "."
        )
        ctx.warnings.append(text)
        notes = table.get("note", pd.Series([None] * len(table), index=table.index))
        notes.loc[hit.index] = f"partner-declared; {hub_name} re-exports included"
        table["note"] = notes


def _pro_rata(ctx: _Context, x: pd.DataFrame, pair: tuple[int, int]) -> None:
    """Warn when most partners show one growth rate: partner figures allocated pro rata from a total (IMF
    DOTS estimates for weak reporters), so partner growth says nothing about partners."""
    base, last = pair
    m = x[x.matched & (x.base_value > 0)]
    if len(m) < 10:
        return
    growth = ((m.value / m.base_value - 1) * 100).round(1)
    rate, count = growth.value_counts().index[0], int(growth.value_counts().iloc[0])
    if count / len(m) < 0.5:
        return
    quirk = _dots_quirk(ctx.country, base) or _dots_quirk(ctx.country, last)
    ctx.warnings.append(
        f"{count} of {len(m)} partners' exports from {ctx.name} changed by the same {rate:+.1f}% in {base}-{last}: "
        "the partner figures look allocated pro rata from a total (an estimate, not declarations), so growth by "
        "partner, groups and contributions carry no information about partners" + (f". {quirk}." if quirk else ".")
    )


def _groups(ctx: _Context, frames: dict[str, pd.DataFrame], pair: tuple[int, int]) -> None:
    base, last = pair
    out = []
    unknown = []
    for group in REPORT_GROUPS:
        gid = ctx.countries.group_id(group)
        if gid is None:
            unknown.append(group)
            continue
        members, base_members = (
            [m for m in ctx.countries.members(gid, y) if m != ctx.country] for y in (last, base)
        )  # a country is not its own partner
        for flow, frame in frames.items():
            g = metrics.group_growth(frame, members, base_members)
            out.append(
                {
                    "group": gid,
                    "flow": flow,
                    "value": g["value"],
                    "base_value": g["base_value"],
                    "growth_pct": g["growth_pct"],
                    "coverage_pct": g["coverage_pct"],
                    "members": g["members"],
                    "matched": g["matched"],
                    "missing": ", ".join(g["missing"][:8]) + (" ..." if len(g["missing"]) > 8 else ""),
                    "note": g["note"],
                    "years": f"{base}-{last}",
                }
            )
    if unknown:
        ctx.warnings.append(
            f"Groups {', '.join(unknown)} are not defined without the country-codes dataset; not shown."
        )
    ctx.tables["groups"] = pd.DataFrame(out)


def _bilateral(ctx: _Context, table: pd.DataFrame, pair: tuple[int, int], rows: pd.DataFrame) -> None:
    """The country's trade with the US, the EU and China in the partner tables' last year."""
    _base, last = pair
    picture = []
    for code in ("USA", "CHN"):
        if code == ctx.country:
            continue
        hit = table[table.partner == code]
        if hit.empty:
            continue
        r = hit.iloc[0]
        picture.append(
            {
                "partner": ctx.countries.name(code),
                "exports": r.exports,
                "imports": r.imports,
                "balance": r.balance,
                "exports_growth_pct": r.exports_growth_pct,
                "imports_growth_pct": r.imports_growth_pct,
                "year": last,
                "basis": r.exports_basis,
            }
        )
        for flow, col in (("export", "exports"), ("import", "imports")):
            if not pd.isna(r[col]):
                src = rows[(rows.partner == code) & (rows.flow == flow) & (rows.year == last)]
                label = "to" if flow == "export" else "from"
                ctx.add(
                    f"{col}_{label}_{code.lower()}_{last}",
                    f"{col.title()} {label} {ctx.countries.name(code)} {last}",
                    r[col],
                    "USD",
                    "computed",
                    str(r.get(f"{col}_basis", r.exports_basis)),
                    src,
                )
    eu = [m for m in ctx.countries.members("EU27", last) if m != ctx.country]
    sub = table[table.partner.isin(eu)]
    if not sub.empty:
        # the balance is that of the two sums shown, so the row adds up; the label says whose figures they sum
        with_x, with_m = int(sub.exports.notna().sum()), int(sub.imports.notna().sum())
        held = (
            f"{with_x} of its {len(eu)} members in {last} with data"
            if with_x == with_m
            else f"of its {len(eu)} members in {last}, {with_x} with exports and {with_m} with imports"
        )
        exports, imports = sub.exports.sum(min_count=1), sub.imports.sum(min_count=1)
        picture.append(
            {
                "partner": f"EU ({held})",
                "exports": exports,
                "imports": imports,
                "balance": exports - imports,
                "exports_growth_pct": np.nan,
                "imports_growth_pct": np.nan,
                "year": last,
                "basis": ", ".join(sorted(set(sub.exports_basis.dropna()))),
            }
        )
    if picture:
        ctx.tables["bilateral"] = pd.DataFrame(picture)


def _diversion(ctx: _Context, x: pd.DataFrame, pair: tuple[int, int], basis: str) -> None:
    base, last = pair
    matched = x[x.matched]
    if "USA" not in set(matched.partner) or ctx.country == "USA":
        return
    us = matched[matched.partner == "USA"].iloc[0]
    if not us.value < us.base_value * 0.95:
        return  # no material fall (5% or more) in exports to the US to offset
    div = metrics.diversion(matched, "USA")
    if div["net_elsewhere"] <= 0:
        ctx.add(
            "exports_elsewhere_change",
            f"Net change of exports to partners other than the US, {base}-{last}",
            div["net_elsewhere"],
            "USD",
            "computed",
            basis,
            ctx.get("exports_matched_growth").sources,
            f"exports to the US fell {_bn(-div['market_change'])} and fell elsewhere too: nothing was offset",
        )
        return
    note = f"US change {_bn(div['market_change'])}; net change elsewhere {_bn(div['net_elsewhere'])} (partners in both years)"
    ctx.add(
        "diversion_offset",
        f"Share of the {base}-{last} fall in exports to the US offset elsewhere",
        div["offset_pct"],
        "percent",
        "computed",
        basis,
        ctx.get("exports_matched_growth").sources,
        note,
    )
    ctx.tables["diversion"] = pd.DataFrame(div["top_gainers"])


# ---- 4. mirror: the two sides' figures, both directions --------------------------------------------
def _partner_side(ctx: _Context) -> pd.DataFrame:
    """What each partner declares of its trade with the country, as the country's flow: a partner's
    imports from the country are the country's exports seen from the other side."""
    declared = _countries_only(ctx.declared, "reporter")
    swapped = declared.assign(
        partner=declared.reporter,
        flow=declared.flow.map({"import": "export", "export": "import"}),
        side_source=declared.source + "/" + declared.dataset,
    )[["partner", "flow", "year", "value", "valuation", "side_source", "source", "dataset", "file", "vintage", "line"]]
    mirror = ctx.own[ctx.own.mirror.astype(bool)]
    mirror = _countries_only(mirror).assign(side_source=lambda d: d.source + "/" + d.dataset)[
        ["partner", "flow", "year", "value", "valuation", "side_source", "source", "dataset", "file", "vintage", "line"]
    ]
    # the partner's own statistics first; stored mirror rows only where those are missing
    both = pd.concat([swapped, mirror], ignore_index=True)
    return both.drop_duplicates(["partner", "flow", "year"], keep="first")


def _mirror(ctx: _Context) -> None:
    reported = _countries_only(ctx.own[~ctx.own.mirror.astype(bool)])
    other = _partner_side(ctx)
    if reported.empty or other.empty:
        return
    keys = ["partner", "flow", "year"]
    merged = reported[[*keys, "value", "source", "dataset", "valuation"]].merge(
        other[[*keys, "value", "side_source", "valuation"]].rename(
            columns={"value": "partner_declared", "valuation": "partner_valuation"}
        ),
        on=keys,
    )
    merged = merged[merged.year <= ctx.year].rename(columns={"value": "reported"})
    if merged.empty:
        return
    merged["gap"] = merged.partner_declared - merged.reported
    merged["gap_pct"] = merged.gap / merged.reported * 100
    merged["direction"] = merged.flow.map({"export": "exports", "import": "imports"})
    # per partner and direction, the latest year with both sides
    latest = merged.sort_values("year").groupby(["partner", "direction"]).tail(1)
    size = latest.groupby("partner").reported.sum().sort_values(ascending=False)
    top = [p for p in size.index[:8]] + [p for p in ("USA", "CHN") if p in size.index and p not in size.index[:8]]
    table = latest[latest.partner.isin(top)].copy()
    table["name"] = table.partner.map(ctx.countries.name)
    table["possible_causes"] = [
        "; ".join(metrics.mirror_causes(*args))
        for args in zip(table.direction, table.gap_pct, table.valuation, table.partner_valuation, strict=True)
    ]
    table["reported_source"] = table.source + "/" + table.dataset
    ctx.tables["mirror"] = (
        table[
            [
                "partner",
                "name",
                "direction",
                "year",
                "reported",
                "reported_source",
                "partner_declared",
                "side_source",
                "gap",
                "gap_pct",
                "possible_causes",
            ]
        ]
        .sort_values(["partner", "direction"])
        .reset_index(drop=True)
    )
    us = merged[(merged.partner == "USA") & (merged.flow == "export")].sort_values("year")
    if not us.empty:
        ctx.tables["mirror_gap_usa"] = us.rename(
            columns={"year": "period", "partner_declared": "mirror", "partner_valuation": "mirror_valuation"}
        )[["period", "reported", "mirror", "mirror_valuation", "gap", "gap_pct", "source", "side_source"]].reset_index(
            drop=True
        )
    _mirror_usa_implied(ctx, other)


def _mirror_usa_implied(ctx: _Context, other: pd.DataFrame) -> None:
    """Where the release gives the year's exports to the US and their growth: the implied previous
    year beside what the US declared for it."""
    implied = ctx.get("exports_to_usa_prev_implied")
    if implied is None:
        return
    us = other[(other.partner == "USA") & (other.flow == "export") & (other.year == ctx.year - 1)]
    if us.empty:
        return
    mv = float(us.value.iloc[0])
    ctx.add(
        "mirror_usa",
        f"US-declared imports from {ctx.name} {ctx.year - 1}",
        mv,
        "USD",
        "computed",
        f"partner-declared ({us.side_source.iloc[0]}), {us.valuation.iloc[0]}",
        us,
    )
    gap_pct = (mv - implied.value) / implied.value * 100
    us_valuation = us.valuation.iloc[0]
    causes = metrics.mirror_causes("exports", gap_pct, "FOB", us_valuation)
    ctx.add(
        "mirror_gap_usa",
        f"Mirror gap with the United States {ctx.year - 1}",
        mv - implied.value,
        "USD",
        "derived",
        f"partner-declared {us_valuation} - reported FOB",
        sources_of(us) + implied.sources,
        f"{gap_pct:+.1f}%; possible causes: " + "; ".join(causes),
    )


# ---- 5. rerouting signal -----------------------------------------------------------------------------
def _rerouting(ctx: _Context) -> None:
    """Partners buying more from the country while selling more to the US: a signal, labelled as one."""
    if ctx.country == "USA":
        return
    imports_from = _partner_side(ctx)
    imports_from = imports_from[imports_from.flow == "export"]
    to_us = queries.declared_by_partners(ctx.con, "USA")
    to_us = _countries_only(to_us, "reporter")
    to_us = to_us[(to_us.flow == "export") & (to_us.reporter != ctx.country)].rename(columns={"reporter": "partner_"})
    years = sorted(set(to_us.year) & set(imports_from.year))
    years = [y for y in years if y <= ctx.year]
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    if not pairs:
        ctx.warnings.append(
            "Rerouting signal not computed: no two consecutive years with both partners' imports from "
            f"{ctx.country} and their own exports to the US."
        )
        return
    base, last = pairs[-1]
    a = imports_from[imports_from.year.isin([base, last])].pivot_table(index="partner", columns="year", values="value")
    b = to_us[to_us.year.isin([base, last])].pivot_table(index="partner_", columns="year", values="value")
    if base not in a or last not in a or base not in b or last not in b:
        return
    imports = pd.DataFrame({"partner": a.index, "growth_pct": (a[last] / a[base] - 1).values * 100}).dropna()
    us_growth = pd.DataFrame({"partner": b.index, "growth_pct": (b[last] / b[base] - 1).values * 100}).dropna()
    signal = metrics.rerouting_signal(imports, us_growth)
    ctx.tables["rerouting_signal"] = (
        signal[signal.signal]
        .assign(years=f"{base}-{last}")
        .sort_values("growth_pct_imports_from_reporter", ascending=False)
    )
    ctx.warnings.append(
        f"Rerouting signal uses {base}-{last}, the latest years with partners' exports to the US in the store "
        f"({int(signal.signal.sum())} partners flagged): a signal, not a finding."
    )


# ---- 6. headline sentences ---------------------------------------------------------------------------
def _headline(ctx: _Context) -> list[str]:
    by = {f.id: f for f in ctx.figures}
    name, year = ctx.name, ctx.year
    lines = []
    bal = by.get("balance")
    if bal and bal.value is not None:
        kind = "surplus" if bal.value >= 0 else "deficit"
        size = f"{abs(bal.value) / 1e9:,.0f} bn" if abs(bal.value) >= 1e9 else money(abs(bal.value))  # not "0 bn"
        s = f"{possessive(name)} merchandise trade {kind} was USD {size} in {year} ({bal.status})"
        g = by.get("balance_growth")
        if g is not None:
            if g.value is not None and bal.value >= 0:
                s += f", {g.value:+.1f}% on {year - 1}"
            elif g.value is not None:
                s += f"; the deficit {'widened' if g.value > 0 else 'narrowed'} by {abs(g.value):.1f}% on {year - 1}"
            else:
                s += f"; {g.note[0].lower() + g.note[1:]}"
        rec = by.get("largest_surplus") if bal.value >= 0 else by.get("largest_deficit")
        if rec and rec.note == f"in {year}":
            s += f", the largest {kind} in the data ({rec.label.rsplit(' ', 1)[-1]})"
        lines.append(s + ".")
    if "exports_to_usa_growth" in by:
        g = by["exports_to_usa_growth"].value
        s = f"Exports to the United States {'fell' if g < 0 else 'rose'} {abs(g):.1f}% ({by['exports_to_usa_growth'].basis})"
        if "us_share_of_exports" in by:
            s += f", leaving the US with {by['us_share_of_exports'].value:.1f}% of {possessive(name)} exports"
        lines.append(s + ".")
    rises = [f for f in ctx.figures if f.id.startswith("exports_growth_") and f.value is not None and f.value > 0]
    if rises:
        parts = ", ".join(
            f"{f.label.split('Exports to ')[1].split(',')[0]} {f.value:+.1f}%"
            for f in sorted(rises, key=lambda f: -f.value)
        )
        gap = by.get("cny_usd_growth_gap")
        lines.append(
            f"Exports rose to {parts} ({rises[0].basis}"
            + (f"; growth in yuan is about {gap.value:.1f} points higher" if gap else "")
            + ")."
        )
    if "balance_with_usa" in by:
        lines.append(
            f"With the United States: exports {_bn(by['exports_to_usa'].value)}, imports {_bn(by['imports_from_usa'].value)}, "
            f"a {'surplus' if by['balance_with_usa'].value >= 0 else 'deficit'} of {_bn(abs(by['balance_with_usa'].value))}."
        )
    if "mirror_gap_usa" in by and "mirror_usa" in by:
        g = by["mirror_gap_usa"]
        lines.append(
            f"The two sides disagree: US-declared imports from {name} in {year - 1} were {_bn(by['mirror_usa'].value)}, "
            f"{_bn(abs(g.value))} {'below' if g.value < 0 else 'above'} the exports {name} implies "
            f"({_bn(by['exports_to_usa_prev_implied'].value)})."
        )
    mg = by.get("exports_matched_growth")
    if mg and mg.value is not None and not math.isnan(mg.value) and ctx.pair:
        lines.append(f"{mg.label} changed {mg.value:+.1f}% ({mg.note.replace('; contributions add up to this', '')}).")
    return lines


# ---- 7. products: partners' product-level imports from the country, baskets, prices and volumes -----
def _products_section(ctx: _Context) -> None:
    _products(ctx.store, ctx.con, ctx.country, ctx.year, ctx.figures, ctx.tables, ctx.warnings)


def _products(store, con, country: str, year: int, figures: list[Figure], tables: dict, warnings: list[str]) -> None:
    """HS chapters and the "new three" basket in partners' product-level imports from ``country``."""
    from tradeflux.reference import products

    # partners' imports from the country, and its own exports: two conjunctive filters, so that the scan skips
    # row groups by their statistics (one OR of the two read every row of the years: 10x slower at 20M rows)
    sides = ("partner = ? AND flow = 'import'", "reporter = ? AND flow = 'export'")
    hs = "(classification = 'HTS' OR classification LIKE 'HS%')"
    # one scan: products with the source and file they come from (file and vintage are constant per ingested file)
    # a source that gives the world beside the partners (Comtrade asked for every partner) is read at its world
    # rows; one that gives partners only (BACI) at their sum; groups of partners are never added in
    select = (
        "SELECT reporter, year, classification, source, dataset, file, vintage, product, quantity_unit, currency, "
        "partner = 'WLD' AS _world, period_kind AS _kind, count(DISTINCT month) AS _months, sum(value) AS value, "
        "min(line) AS line, sum(quantity) AS quantity, sum(value) FILTER (WHERE quantity IS NOT NULL) AS value_q "
        "FROM ({rows}) WHERE partner NOT LIKE 'AGG:%' AND period_kind IN ('year', 'month') GROUP BY ALL"
    )

    def scan(years: str, params: list) -> pd.DataFrame:
        rows = " UNION ALL ".join(f"SELECT * FROM flows WHERE {side} AND {hs} AND {years}" for side in sides)
        return con.execute(select.format(rows=rows), [country, *params] * 2).df()

    # the report's year and the one before first (partitions by year: a small read), earlier years if empty
    detailed = scan("year IN (?, ?)", [year - 1, year])
    if detailed.empty:
        detailed = scan("year <= ?", [year])
    if detailed.empty:
        warnings.append(f"No product-level data on {country}'s trade: baskets and HS chapters are not shown.")
        return
    has_world = detailed.groupby(["reporter", "year", "source", "dataset"])._world.transform("any")
    detailed = detailed[detailed._world == has_world]
    # a year's rows where a source has them, else its months summed (months to date are never added in)
    has_year = detailed.groupby(["reporter", "year", "source", "dataset"])._kind.transform(
        lambda k: (k == "year").any()
    )
    detailed = detailed[(detailed._kind == "year") | ~has_year]
    months = detailed[detailed._kind == "month"].groupby(["reporter", "year", "source"])._months.max()
    for (who, when, source), count in months.items():
        if when == year and count < 12:
            warnings.append(f"{who}'s product rows from {source} for {when} sum {count} months, not a whole year.")
    # per importing partner, one source: the latest year, the most detailed classification, the finest codes
    detailed["_detail"] = detailed.classification.map({"HTS": 0, "HS2022": 1}).fillna(2)
    detailed["_digits"] = detailed["product"].str.len()
    keys = ["reporter", "year", "classification", "source", "dataset"]
    ranked = detailed.groupby(keys, as_index=False).agg(_detail=("_detail", "first"), _digits=("_digits", "max"))
    pick = (
        ranked.sort_values(["year", "_detail", "_digits"], ascending=[False, True, False])
        .groupby("reporter")
        .first()
        .reset_index()[keys]
    )
    chosen = detailed.merge(pick, on=keys)
    provenance = chosen.groupby(["reporter", "source", "dataset", "file", "vintage"], as_index=False).line.min()
    rows = chosen.groupby(["reporter", "year", "classification", "product"], as_index=False).value.sum()
    currency_of = chosen.groupby("reporter").currency.first()  # one source per reporter: one currency
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
        ch["currency"] = currency_of[reporter]
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
                currency_of[reporter],
                "computed",
                f"{reporter}-reported imports ({grp.classification.iloc[0]}), customs value"
                if reporter != country
                else f"{country}-reported exports ({grp.classification.iloc[0]}), FOB",
                sources_of(provenance[provenance.reporter == reporter]),
                f"{value / total * 100:.1f}% of {money(total, currency_of[reporter])}; codes: "
                f"{', '.join(basket.codes(revision))} ({revision})",
            )
        )
    tables["hs_chapters"] = pd.concat(chapter_tables, ignore_index=True)
    tables["new_three"] = pd.DataFrame(basket_rows)
    own = detailed[(detailed.reporter == country) & detailed.quantity.notna()]
    _price_volume(own, country, year, figures, warnings)


def _price_volume(detailed: pd.DataFrame, country: str, year: int, figures: list[Figure], warnings: list[str]) -> None:
    """Törnqvist price and volume indices of the country's exports from product unit values, if quantities
    exist (``detailed``: the products scan's rows of the country's own exports with quantities), from one source."""
    rows = detailed[detailed.year.isin([year, year - 1])]
    if not rows.empty:
        best = rows.groupby(["source", "dataset"]).size().sort_values(ascending=False).index[0]
        rows = rows[(rows.source == best[0]) & (rows.dataset == best[1])]
        rows = rows.groupby(["product", "year", "quantity_unit"], as_index=False, dropna=False).agg(
            value=("value_q", "sum"), quantity=("quantity", "sum"), source=("source", "first")
        )
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
