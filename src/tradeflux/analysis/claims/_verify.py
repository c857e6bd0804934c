"""Each claim beside every figure the store holds for its fact, in order of authority.

1. the figure as published by the reporter's customs (``indicators``: values and their y/y rates, with
   the currency the rate was computed in);
2. the reporter's own declarations in ``flows`` (customs tables, IMF DOTS China-reported, the
   reporter's Comtrade totals, IMF DOTS), levels, growth on the same source and balances;
3. the partner's declaration of the same flow (a mirror figure, CIF for imports);
4. the monitor's derived figures (groups over matched members, partner tables);
5. tariffs: the statutory add-on layers summed (the headline rate) and the trade-weighted rate.

The first figure the claim agrees with decides ``consistent``, with the reasons that figure carries (a
yuan basis, a partner's declaration); otherwise the most authoritative figure decides
``inconsistent``. The other figures are listed in ``also``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from tradeflux.analysis import metrics, queries
from tradeflux.analysis.claims import Check, Claim, _shown
from tradeflux.analysis.claims._text import Period

REVISED_BASE_PP = 0.5  # a growth rate this close to the store's is the same figure on a revised base
_GROUP_SLUGS = queries.GROUP_SLUGS
_OWN_SOURCES = (  # (source, dataset, what a reader calls it)
    ("gacc", None, "customs tables"),
    ("us-census", "hs6-partners", "US Census imports for consumption (HS6 lines summed)"),
    ("imf-china", "by-partner", "the reporter's figures in IMF DOTS"),
    ("comtrade-mirror", None, "the reporter's declarations in UN Comtrade"),
    ("imf-dots", None, "IMF DOTS"),
)
_PRODUCT_METRICS = {
    "high_tech": "high_tech_exports",
    "new_three": "new_three_exports_growth",
    "wind_turbines": "wind_generator_exports_growth",
}
_YUAN = "yuan versus dollar basis: the release computed this rate in yuan"
_MIRROR = "reporter versus mirror: the figure is the partner's declaration (CIF imports, FOB exports)"
_REVISED = (
    "revised base: the release compares with a revised figure for the year before; the store "
    "computes from the figures first published"
)


@dataclass
class Candidate:
    value: float
    basis: str
    reasons: list[str] = field(default_factory=list)
    near: float = 0.0  # how far off still counts as the same figure on a revised base (pp)


class Verifier:
    def __init__(self, store):
        self.store = store
        self._reports: dict[tuple[str, int], object] = {}
        self._con = None

    # ---- dispatch -------------------------------------------------------------------------------
    def verify(self, claim: Claim) -> Check:
        if claim.reporter is None or claim.year is None:
            return Check(claim, "not checkable", reasons=["no reporting economy or year in the claim or the text"])
        if claim.metric == "tariff":
            return self._tariff(claim)
        if claim.unit == "pp":
            return Check(claim, "not checkable", reasons=["changes in percentage points are not recomputed"])
        if claim.currency not in (None, "USD", "CNY"):
            return Check(
                claim,
                "not checkable",
                reasons=[f"no USD/{claim.currency} exchange rate for {claim.year} in the store to convert the figure"],
            )
        period = Period.parse(claim.period) if claim.period else Period(claim.year)
        candidates = self._published(claim, period)
        if claim.product is None and claim.metric != "share":
            candidates += self._own(claim, period) + self._mirror(claim, period)
        settled = any(_within(claim, c.value) for c in candidates if c.value is not None and not math.isnan(c.value))
        derivable = claim.kind == "share" or claim.partner in _GROUP_SLUGS  # what the report adds
        if period.annual and claim.product is None and derivable and not settled:
            # the monitor's derived figures (a report per reporter and year) only where nothing above agrees
            candidates += self._derived(claim)
        if not candidates:
            return Check(claim, "not checkable", reasons=[self._missing(claim, period)])
        return _decide(claim, candidates)

    def _missing(self, claim: Claim, period: Period) -> str:
        what = claim.metric if claim.product is None else f"{claim.product.replace('_', ' ')} {claim.metric}"
        partner = f" with {claim.partner}" if claim.partner and claim.partner != "WLD" else ""
        kind = {"change": "growth rate", "level": "value", "share": "share"}.get(claim.kind, claim.kind)
        return f"the store holds no {what} {kind} for {claim.reporter}{partner} in {period.label}"

    # ---- 1. published by customs ------------------------------------------------------------------
    def _published(self, claim: Claim, period: Period) -> list[Candidate]:
        partner = _slug(claim.partner)
        if claim.product is not None:
            metrics = [_PRODUCT_METRICS.get(claim.product, "")]
        else:
            metrics = {
                "exports": ["exports", "total_exports", "exports_growth"],
                "imports": ["imports", "total_imports", "imports_growth"],
                "balance": ["trade_balance"],
                "total_trade": ["total_trade"],
                "share": [_share_id(claim.partner)],
            }[claim.metric]
        rows = self._sql(
            "SELECT period, metric, value, currency, yoy_pct, yoy_basis, source_url FROM indicators "
            "WHERE reporter = ? AND partner = ? AND metric IN (SELECT unnest(?)) AND period IN (?, ?)",
            [claim.reporter, partner, metrics, period.label, _previous(period).label],
        )
        out: list[Candidate] = []
        now, before = rows[rows.period == period.label], rows[rows.period == _previous(period).label]
        where = "customs release"
        if claim.kind == "level" and claim.partner not in (None, "WLD") and period.annual:
            following = queries.implied_previous(
                self._connection(), claim.reporter, metrics, partner=partner, currency=claim.currency or "USD"
            )
            for r in following[following.year == period.year].itertuples():
                out.append(
                    Candidate(
                        r.implied,
                        f"implied by the {period.year + 1} customs release "
                        f"({_money(r.value, claim.currency or 'USD')}, {r.yoy_pct:+.1f}%)",
                    )
                )
        if claim.kind in ("level", "share"):
            for r in now.itertuples():
                if pd.isna(r.value):
                    continue
                if claim.kind == "share" or r.currency == (claim.currency or "USD"):
                    out.append(Candidate(float(r.value), f"{where}, {r.currency or 'percent'}"))
        elif claim.kind == "change":
            factor = self._cny_factor(claim.reporter, period)
            for r in now.itertuples():
                if not pd.isna(r.yoy_pct) and r.yoy_basis in ("USD", "CNY"):
                    reasons = [_YUAN] if r.yoy_basis == "CNY" else []
                    out.append(Candidate(float(r.yoy_pct), f"{where}, y/y on a {r.yoy_basis} basis", reasons))
                    if r.yoy_basis == "USD" and factor is not None:
                        derived = ((1 + r.yoy_pct / 100) * factor - 1) * 100
                        out.append(
                            Candidate(
                                derived,
                                f"{where}, y/y on a CNY basis (derived from the USD rate "
                                "with the total's CNY/USD growth ratio)",
                                [_YUAN],
                            )
                        )
            for cur in ("USD", "CNY"):
                a = now[(now.currency == cur) & now.value.notna()]
                b = before[(before.currency == cur) & before.value.notna()]
                if len(a) and len(b) and float(b.value.iloc[0]) != 0:
                    pct = _growth(float(a.value.iloc[0]), float(b.value.iloc[0]))
                    out.append(
                        Candidate(
                            pct,
                            f"{where}, {cur}: {_money(b.value.iloc[0], cur)} to {_money(a.value.iloc[0], cur)}",
                            [_YUAN] if cur == "CNY" else [],
                        )
                    )
        return out

    def _cny_factor(self, reporter: str, period: Period) -> float | None:
        rows = self._sql(
            "SELECT yoy_pct, yoy_basis FROM indicators WHERE reporter = ? AND partner = 'WLD' "
            "AND metric = 'total_exports' AND period = ?",
            [reporter, period.label],
        )
        usd = rows[rows.yoy_basis == "USD"].yoy_pct
        cny = rows[rows.yoy_basis == "CNY"].yoy_pct
        if len(usd) and len(cny):
            return (1 + float(cny.iloc[0]) / 100) / (1 + float(usd.iloc[0]) / 100)
        return None

    # ---- 2. the reporter's own declarations; 3. the partner's -------------------------------------
    def _flows(self, reporter: str, partner: str, flows: list[str], periods: list[str], declarant: str):
        """Totals by source; US Census's imports by partner are the sum of its HS6 lines (customs value)."""
        return self._sql(
            "SELECT source, dataset, period, flow, value, currency, valuation FROM flows "
            "WHERE reporter = ? AND partner = ? AND flow IN (SELECT unnest(?)) AND period IN (SELECT unnest(?)) "
            "AND product = 'TOTAL' AND classification = 'TOTAL' AND declarant = ? AND currency = 'USD' "
            "AND source IN ('gacc', 'imf-china', 'comtrade-mirror', 'imf-dots') "
            "UNION ALL SELECT source, dataset, period, flow, sum(value), 'USD', 'CUSTOMS' FROM flows "
            "WHERE reporter = ? AND partner = ? AND flow IN (SELECT unnest(?)) AND period IN (SELECT unnest(?)) "
            "AND source = 'us-census' AND dataset = 'hs6-partners' AND declarant = ? GROUP BY ALL",
            [reporter, partner, flows, periods, declarant] * 2,
        )

    def _own(self, claim: Claim, period: Period) -> list[Candidate]:
        if claim.currency not in (None, "USD") or claim.kind not in ("level", "change"):
            return []
        if claim.partner is not None and claim.partner in _GROUP_SLUGS:
            return []
        partner = claim.partner or "WLD"
        labels = _labels(period) + _labels(_previous(period))
        rows = self._flows(claim.reporter, partner, ["export", "import"], labels, claim.reporter)
        if partner != "WLD":
            # the reporter's declarations filed under its partner (Comtrade mirror tables: the US's imports
            # from China stored as China's exports, declared by the US)
            filed = self._flows(partner, claim.reporter, ["export", "import"], labels, claim.reporter)
            filed = filed.assign(flow=filed.flow.map({"export": "import", "import": "export"}))
            rows = pd.concat([rows, filed[~filed.source.isin(set(rows.source))]])
        out = []
        for source, dataset, name in _OWN_SOURCES:
            part = rows[(rows.source == source) & ((rows.dataset == dataset) if dataset else True)]
            value, base = _value(part, claim.metric, period), _value(part, claim.metric, _previous(period))
            cand = _candidate(claim, value, base, name)
            if cand is not None:
                out.append(cand)
        return out

    def _mirror(self, claim: Claim, period: Period) -> list[Candidate]:
        if claim.partner in (None, "WLD") or claim.partner in _GROUP_SLUGS or claim.kind not in ("level", "change"):
            return []
        if claim.currency not in (None, "USD") or claim.metric not in ("exports", "imports", "balance", "total_trade"):
            return []
        labels = _labels(period) + _labels(_previous(period))
        rows = self._flows(claim.partner, claim.reporter, ["export", "import"], labels, claim.partner)
        swap = {"export": "import", "import": "export"}
        rows = rows.assign(flow=rows.flow.map(swap))
        # sources that file the partner's declaration under the reporter (Comtrade mirror tables)
        rows = pd.concat(
            [rows, self._flows(claim.reporter, claim.partner, ["export", "import"], labels, claim.partner)]
        )
        out = []
        for source, dataset, _ in _OWN_SOURCES:
            part = rows[(rows.source == source) & ((rows.dataset == dataset) if dataset else True)]
            value, base = _value(part, claim.metric, period), _value(part, claim.metric, _previous(period))
            cand = _candidate(claim, value, base, f"declared by {claim.partner} ({source})")
            if cand is not None:
                cand.reasons.append(_MIRROR)
                out.append(cand)
        return out

    # ---- 4. the monitor's derived figures --------------------------------------------------------
    def _report(self, country: str, year: int):
        from tradeflux.analysis import report

        key = (country, year)
        if key not in self._reports:
            try:
                self._reports[key] = report.build(self.store, country, year)
            except Exception:  # the store may not hold the country or the year
                self._reports[key] = None
        return self._reports[key]

    def _derived(self, claim: Claim) -> list[Candidate]:
        rep = self._report(claim.reporter, claim.year)
        if rep is None:
            return []
        tables = rep.tables()
        figures = {f.id: f for f in rep.figures}
        out: list[Candidate] = []
        col = {"exports": "exports", "imports": "imports"}.get(claim.metric)
        if claim.kind == "share" and claim.partner and _share_id(claim.partner) in figures:
            f = figures[_share_id(claim.partner)]
            out.append(Candidate(f.value, f.basis))
        if claim.partner in _GROUP_SLUGS and col and claim.kind == "level" and claim.currency in (None, "USD"):
            groups = tables.get("groups")
            if groups is not None and "value" in groups:
                for r in groups[(groups.group == claim.partner) & (groups.flow == col[:-1])].itertuples():
                    if r.years.endswith(str(claim.year)) and r.value > 0:
                        out.append(
                            Candidate(float(r.value), f"sum over the {r.matched} members with figures ({r.years})")
                        )
        if claim.partner in _GROUP_SLUGS and col and claim.kind == "change":
            groups = tables.get("groups")
            if groups is not None:
                for r in groups[(groups.group == claim.partner) & (groups.flow == col[:-1])].itertuples():
                    if not pd.isna(r.growth_pct):
                        out.append(
                            Candidate(
                                float(r.growth_pct),
                                f"computed over matched members ({r.years}), coverage {r.coverage_pct:.0f}%",
                            )
                        )
            members_now = (
                set(self.store.countries.members(claim.partner, claim.year)) if claim.partner != "BRI" else set()
            )
            members_then = (
                set(self.store.countries.members(claim.partner, claim.year - 1)) if claim.partner != "BRI" else set()
            )
            changed = ", ".join(sorted(members_now ^ members_then))
            partners = tables.get("partners")
            if partners is not None and rep.mirror_years == (claim.year - 1, claim.year) and members_now:
                both = partners[partners.partner.isin(members_now & members_then)].dropna(subset=[col, f"base_{col}"])
                if not both.empty and both[f"base_{col}"].sum() > 0:
                    pct = _growth(both[col].sum(), both[f"base_{col}"].sum())
                    out.append(Candidate(pct, f"computed over the {len(both)} members of both years"))
            if members_now != members_then:
                for c in out:
                    c.reasons.append(f"group definitions: {claim.partner}'s membership changed ({changed})")
        if claim.kind == "share" and claim.partner and col is None:
            partners = tables.get("partners")
            if partners is not None and rep.mirror_years and rep.mirror_years[1] == claim.year:
                hit = partners[partners.partner == claim.partner]
                if not hit.empty and not pd.isna(hit.iloc[0].share_pct):
                    out.append(
                        Candidate(float(hit.iloc[0].share_pct), f"share of exports ({hit.iloc[0].exports_basis})")
                    )
        return out

    # ---- 5. tariffs --------------------------------------------------------------------------------
    def _tariff(self, claim: Claim) -> Check:
        if claim.kind != "rate":
            return Check(claim, "not checkable", reasons=["only tariff rates (percent) are checked"])
        imposing, target = claim.reporter, claim.partner
        if target is None:
            return self._average_tariff(claim)
        rows = self._sql(
            "SELECT date_from, measure, rate_pct, rate_kind, dataset FROM tariffs WHERE imposing = ? AND target IN (?, ?) "
            "AND year = ? AND dataset IN ('milestones', 'effective-by-country', 'engine-rules', 'annex-i', "
            "'reciprocal-august', 'country-rules')",
            [imposing, target, "EUU" if target == "EU27" else target, claim.year],
        )
        if rows.empty:
            return Check(
                claim, "not checkable", reasons=[f"the store holds no {imposing} tariff on {target} in {claim.year}"]
            )
        down = claim.direction == "down"
        candidates = _headline_rates(rows[(rows.dataset == "milestones") & (rows.rate_kind == "additional")], down)
        for r in rows[rows.dataset == "annex-i"].itertuples():
            candidates.append(Candidate(float(r.rate_pct), f"country rate announced on 2 April 2025 ({r.measure})"))
        for r in rows[rows.dataset == "reciprocal-august"].itertuples():
            candidates.append(Candidate(float(r.rate_pct), f"country rate in force from 7 August 2025 ({r.measure})"))
        for r in rows[rows.dataset.isin(["engine-rules", "country-rules"])].sort_values("date_from").itertuples():
            candidates.append(
                Candidate(float(r.rate_pct), f"add-on in force from {pd.Timestamp(r.date_from).date()} ({r.measure})")
            )
        effective = rows[rows.rate_kind == "effective"].sort_values("date_from")
        if not effective.empty:
            first = float(effective.rate_pct.iloc[-1]) if down else float(effective.rate_pct.max())
            values = [first, *(float(v) for v in effective.rate_pct if float(v) != first)]
            for value in values:
                candidates.append(
                    Candidate(
                        value,
                        "trade-weighted average tariff (effective)",
                        ["headline versus effective tariff: the trade-weighted rate, not the statutory one"],
                    )
                )
        check = _decide(claim, candidates)
        rules = {"engine-rules", "country-rules", "reciprocal-august", "annex-i"}
        if check.verdict == "inconsistent" and not set(rows.dataset) & rules:
            steps = ", ".join(
                f"{float(r.rate_pct):g}%"
                for r in rows[(rows.dataset == "milestones") & (rows.rate_kind == "additional")]
                .sort_values("date_from")
                .itertuples()
            )
            return Check(
                claim,
                "not checkable",
                check.found,
                check.basis,
                [
                    f"the store's {imposing} tariff steps on {target} in {claim.year} ({steps or 'none'}) come from a "
                    "hand-compiled list of milestones, which need not hold every step; no rule table covers them"
                ],
                check.also,
            )
        return check

    def _average_tariff(self, claim: Claim) -> Check:
        """A tariff on all imports ("the average effective US tariff rate is 17.8%"): the trade-weighted
        average in force at the end of the claim's period."""
        if claim.reporter != "USA" or claim.period is None:
            return Check(claim, "not checkable", reasons=["the claim names no economy the tariff applies to"])
        period = Period.parse(claim.period)
        end = pd.Timestamp(period.end_year or period.year, period.last_month, 1) + pd.offsets.MonthEnd(0)
        rows = self._sql(
            "SELECT date_from, rate_pct FROM tariffs WHERE imposing = 'USA' AND dataset = 'daily-average' "
            "AND date_from <= ? ORDER BY date_from DESC LIMIT 1",
            [end.date()],
        )
        if rows.empty or pd.Timestamp(rows.date_from.iloc[0]).year != end.year:
            return Check(claim, "not checkable", reasons=[f"the store holds no average US tariff for {claim.period}"])
        day = pd.Timestamp(rows.date_from.iloc[0]).date()
        return _decide(
            claim,
            [
                Candidate(
                    float(rows.rate_pct.iloc[0]),
                    f"trade-weighted average US tariff on all imports on {day} (tradewartracker daily series)",
                )
            ],
        )

    def _connection(self):
        if self._con is None:
            self._con = self.store.connect()  # one connection for all the claims of a text
        return self._con

    def _sql(self, sql: str, params: list) -> pd.DataFrame:
        return self._connection().execute(sql, params).df()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


# ---- helpers -------------------------------------------------------------------------------------
def _share_id(partner: str | None) -> str:
    """The metric and figure id of a partner's share of exports (``us_share_of_exports`` for the USA)."""
    return f"{'us' if partner == 'USA' else (partner or '').lower()}_share_of_exports"


def _headline_rates(statutory: pd.DataFrame, down: bool) -> list[Candidate]:
    """The headline add-on at each change of the statutory layers (fentanyl + reciprocal for the US on China;
    one retaliatory layer for China): the peak first (the last one for a claim of a cut), then the others."""
    layers: dict[str, float] = {}
    headline = []
    for r in statutory.sort_values("date_from").itertuples():
        measure = r.measure.lower()
        layer = "fentanyl" if "fentanyl" in measure else ("reciprocal" if "reciprocal" in measure else "retaliatory")
        layers[layer] = float(r.rate_pct)
        headline.append((pd.Timestamp(r.date_from).date(), sum(layers.values()), dict(layers)))
    if not headline:
        return []
    first = headline[-1] if down else max(headline, key=lambda h: h[1])
    out = []
    for day, value, parts in [first, *(h for h in headline if h is not first)]:
        shown = " + ".join(f"{k} {v:g}%" for k, v in parts.items())
        when = ("after the last change" if down else "at the peak") if (day, value) == first[:2] else "in force"
        out.append(Candidate(value, f"headline add-on rate {when} ({shown}, from {day})"))
    return out


def _slug(partner: str | None) -> str:
    if partner is None:
        return "WLD"
    return _GROUP_SLUGS.get(partner, partner)


def _previous(period: Period) -> Period:
    return period.earlier()


def _labels(period: Period) -> list[str]:
    """How the store may write a period: an annual figure is also the January-December cumulative one."""
    if period.annual:
        return [period.label, f"{period.year}-01/{period.year}-12"]
    return [period.label]


def _value(rows: pd.DataFrame, metric: str, period: Period) -> float | None:
    rows = rows[rows.period.isin(_labels(period))]
    if rows.empty:
        return None
    first = rows.period.iloc[0]
    rows = rows[rows.period == first]
    exports = rows[rows.flow == "export"].value
    imports = rows[rows.flow == "import"].value
    x = float(exports.iloc[0]) if len(exports) else None
    m = float(imports.iloc[0]) if len(imports) else None
    if metric == "exports":
        return x
    if metric == "imports":
        return m
    if x is None or m is None:
        return None
    return x - m if metric == "balance" else x + m


def _growth(now: float, before: float) -> float:
    """y/y in percent; for two deficits, the change in the deficit's size."""
    if before < 0 and now < 0:
        now, before = abs(now), abs(before)
    return metrics.growth_pct(now, before)[0]


def _money(value, currency: str) -> str:
    from tradeflux._format import money

    return money(float(value), currency)


def _candidate(claim: Claim, value: float | None, base: float | None, name: str) -> Candidate | None:
    if claim.kind == "level" and value is not None:
        return Candidate(value, f"{name}, USD")
    if claim.kind == "change" and value is not None and base:
        return Candidate(
            _growth(value, base),
            f"{name}, USD: {_money(base, 'USD')} to {_money(value, 'USD')}",
            # a rate written with decimals comes from a release whose base may since have been revised; a
            # whole number ("six percent") is already rounded
            near=REVISED_BASE_PP if claim.tolerance < 0.5 else 0.0,
        )
    return None


def _within(claim: Claim, found: float, slack: float = 0.0) -> bool:
    if claim.bound == "above":
        return found > claim.value
    if claim.bound == "below":
        return found < claim.value
    return abs(found - claim.value) <= claim.tolerance + slack + 1e-9 * max(1.0, abs(found))


def _decide(claim: Claim, candidates: list[Candidate]) -> Check:
    candidates = [c for c in candidates if c.value is not None and not math.isnan(c.value)]
    if not candidates:
        return Check(claim, "not checkable", reasons=["no figure for this claim in the store"])
    also = lambda chosen: [f"{_shown(claim, c.value)} ({c.basis})" for c in candidates if c is not chosen]  # noqa: E731
    for c in candidates:
        if _within(claim, c.value):
            return Check(claim, "consistent", c.value, c.basis, list(c.reasons), also(c))
    for c in candidates:  # the same figure on a revised base
        if c.near and _within(claim, c.value, c.near):
            return Check(claim, "consistent", c.value, c.basis, [*c.reasons, _REVISED], also(c))
    first = candidates[0]
    reasons = [f"the store's figure is {_shown(claim, first.value)} ({first.basis})"]
    if claim.metric == "balance" and claim.kind == "level" and claim.value * first.value < 0:
        reasons.append(
            "the sign differs: "
            + (
                "a surplus is claimed where the data show a deficit"
                if first.value < 0
                else "a deficit is claimed where the data show a surplus"
            )
        )
    return Check(claim, "inconsistent", first.value, first.basis, reasons, also(first))
