"""Trade metrics as pure functions over canonical flows (frames with the columns of ``schema.FLOWS``).

Every function returns a tidy frame that states its basis: ``source``, ``currency``,
``valuation``, ``mirror`` (partner-reported or not) and ``vintage`` travel with the numbers.
Growth rates are percent; shares are percent; contributions are percentage points of the
reporter's total growth. A growth rate whose base is zero or missing is ``NaN`` with the reason in
``note``: it is undefined, never 0 or infinite.

Mixing bases is refused: a function that combines rows checks that they share currency and
declarant side (reporter-reported or mirror) and raises :class:`BasisError` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from tradeflux.errors import BasisError, NotFound
from tradeflux.reference.countries import CountryTable

__all__ = [
    "BASIS",
    "MIN_COVERAGE_PCT",
    "add_growth",
    "balance_change_words",
    "by_group",
    "by_partner",
    "diversion",
    "extremes",
    "group_growth",
    "growth_pct",
    "matched_growth",
    "matched_partners",
    "mirror_causes",
    "mirror_gap",
    "record",
    "rerouting_signal",
    "tornqvist",
    "totals",
]


BASIS = ("source", "currency", "valuation", "mirror", "vintage")


def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise NotFound(f"flows frame lacks columns {', '.join(missing)}")


def _one_basis(frame: pd.DataFrame, what: str) -> dict:
    basis = {}
    for col in ("currency", "mirror"):
        values = frame[col].dropna().unique()
        if len(values) > 1:
            raise BasisError(
                f"{what}: rows in several {col} values ({', '.join(map(str, values))}); filter to one first"
            )
        basis[col] = values[0] if len(values) else None
    for col in ("source", "valuation", "vintage"):
        values = sorted(map(str, frame[col].dropna().unique())) if col in frame.columns else []
        basis[col] = ",".join(values) if values else None
    return basis


def growth_pct(current: float | None, base: float | None) -> tuple[float, str | None]:
    """Percent change from ``base`` to ``current``, with the reason when it is undefined."""
    if base is None or current is None or pd.isna(base) or pd.isna(current):
        return float("nan"), "undefined: no value in one of the two periods"
    if base == 0:
        return float("nan"), "undefined: zero in the base period"
    return (current / base - 1.0) * 100.0, None


def totals(flows: pd.DataFrame, reporter: str) -> pd.DataFrame:
    """Exports, imports, balance and total trade of ``reporter`` with the world, by period.

    Uses the rows with partner ``WLD``; periods where one flow is missing keep the other and leave
    the balance empty. One row per period, source and dataset (two datasets of one source may
    carry the same total: they are never added together).
    """
    _require(flows, ["period", "reporter", "partner", "flow", "value", *BASIS])
    rows = flows[(flows.reporter == reporter) & (flows.partner == "WLD") & flows.flow.isin(["export", "import"])]
    if rows.empty:
        return pd.DataFrame(columns=["period", "exports", "imports", "balance", "total", *BASIS])
    out = []
    keys = ["period", "source", "dataset"] if "dataset" in rows.columns else ["period", "source"]
    for (period, source, *_), grp in rows.groupby(keys, sort=True):
        basis = _one_basis(grp, f"totals {period} {source}")
        exports = grp.loc[grp.flow == "export", "value"].sum(min_count=1)
        imports = grp.loc[grp.flow == "import", "value"].sum(min_count=1)
        out.append(
            {
                "period": period,
                "exports": exports,
                "imports": imports,
                "balance": exports - imports,
                "total": exports + imports,
                **basis,
                **({"dataset": grp.dataset.iloc[0]} if "dataset" in grp.columns else {}),
            }
        )
    return pd.DataFrame(out)


def add_growth(series: pd.DataFrame, value: str, *, order: str = "period", by: Sequence[str] = ()) -> pd.DataFrame:
    """Add ``<value>_growth_pct`` (change on the previous period of the same ``by`` group) and a note.

    The previous row counts only when it is the previous period (a numeric ``order`` one step before, such
    as the year before): no growth across a gap (1961 to 1978). A balance's growth across a change of sign
    is undefined (a deficit of 50 after a surplus of 100 is no "-150%")."""
    frame = series.sort_values([*by, order]).copy()
    group = frame.groupby(list(by)) if by else None
    prev = group[value].shift(1) if group is not None else frame[value].shift(1)
    prev_order = group[order].shift(1) if group is not None else frame[order].shift(1)
    numeric = pd.api.types.is_numeric_dtype(frame[order])
    results = []
    for c, b, at, before in zip(frame[value], prev, frame[order], prev_order, strict=True):
        if numeric and not pd.isna(before) and at - before != 1:
            results.append((float("nan"), f"undefined: no value for the period before ({at - 1:g})"))
        elif value == "balance" and not pd.isna(b) and not pd.isna(c) and b * c < 0:
            results.append((float("nan"), "undefined: the balance changed sign"))
        else:
            results.append(growth_pct(c, b))
    frame[f"{value}_growth_pct"] = [r[0] for r in results]
    frame[f"{value}_growth_note"] = [r[1] for r in results]
    return frame


def by_partner(flows: pd.DataFrame, reporter: str, flow: str, year: int, base_year: int) -> pd.DataFrame:
    """Partners' values in two years, growth, share of the reporter's total and contribution to its growth.

    Contribution (pp) = (value_year - value_base) / total_base x 100, so contributions add up to
    the total's growth over the partners listed. Shares and contributions use the sum over the
    partners present as the total (aggregates such as WLD are excluded).
    """
    _require(flows, ["year", "reporter", "partner", "flow", "value", *BASIS])
    rows = flows[(flows.reporter == reporter) & (flows.flow == flow) & flows.year.isin([year, base_year])]
    rows = rows[~rows.partner.str.startswith("AGG:") & ~rows.partner.isin(["WLD", "EUU"])]
    columns = [
        "partner",
        "value",
        "base_value",
        "growth_pct",
        "note",
        "share_pct",
        "base_share_pct",
        "contribution_pp",
        *BASIS,
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    basis = _one_basis(rows, f"{reporter} {flow} by partner")
    wide = rows.pivot_table(index="partner", columns="year", values="value", aggfunc="sum")
    cur = wide[year] if year in wide.columns else pd.Series(np.nan, index=wide.index)
    base = wide[base_year] if base_year in wide.columns else pd.Series(np.nan, index=wide.index)
    total_cur, total_base = cur.sum(min_count=1), base.sum(min_count=1)
    out = pd.DataFrame({"partner": wide.index, "value": cur.values, "base_value": base.values})
    g = [growth_pct(c, b) for c, b in zip(out.value, out.base_value, strict=True)]
    out["growth_pct"] = [x[0] for x in g]
    out["note"] = [x[1] for x in g]
    out["share_pct"] = out.value / total_cur * 100 if total_cur else np.nan
    out["base_share_pct"] = out.base_value / total_base * 100 if total_base else np.nan
    out["contribution_pp"] = (
        (out.value.fillna(0) - out.base_value.fillna(0)) / total_base * 100 if total_base else np.nan
    )
    for key, val in basis.items():
        out[key] = val
    return out.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)[columns]


def by_group(
    flows: pd.DataFrame,
    reporter: str,
    flow: str,
    year: int,
    base_year: int,
    countries: CountryTable,
    groups: Sequence[str],
) -> pd.DataFrame:
    """Group aggregates in two years, each year with that year's members, and the growth between them.

    ``missing`` lists members that have no row in a year: an aggregate missing members is
    understated, and says so.
    """
    _require(flows, ["year", "reporter", "partner", "flow", "value", *BASIS])
    rows = flows[(flows.reporter == reporter) & (flows.flow == flow) & flows.year.isin([year, base_year])]
    out = []
    for group in groups:
        gid = countries.group_id(group) or group
        values, missing = {}, {}
        for y in (year, base_year):
            members = countries.members(gid, y)
            sub = rows[(rows.year == y) & rows.partner.isin(members)]
            values[y] = sub.value.sum(min_count=1)
            missing[y] = sorted(set(members) - set(sub.partner))
        pct, note = growth_pct(values[year], values[base_year])
        basis = (
            _one_basis(
                rows[rows.partner.isin(set(countries.members(gid, year)) | set(countries.members(gid, base_year)))], gid
            )
            if not rows.empty
            else dict.fromkeys(BASIS)
        )
        out.append(
            {
                "group": gid,
                "value": values[year],
                "base_value": values[base_year],
                "growth_pct": pct,
                "note": note,
                "members": len(countries.members(gid, year)),
                "base_members": len(countries.members(gid, base_year)),
                "missing": missing[year],
                "base_missing": missing[base_year],
                **basis,
            }
        )
    return pd.DataFrame(out)


def record(series: pd.DataFrame, value: str, *, order: str = "period") -> dict:
    """The highest value of a series, when, and by how much it beats the previous record.

    ``previous_record`` is the highest value before the record period; ``margin_pct`` the
    percentage by which the record exceeds it. Empty series give ``None`` values.
    """
    frame = series.dropna(subset=[value]).sort_values(order)
    if frame.empty:
        return {
            "period": None,
            "value": None,
            "previous_record_period": None,
            "previous_record": None,
            "margin_pct": None,
            "is_latest": False,
        }
    top = frame.loc[frame[value].idxmax()]
    before = frame[frame[order] < top[order]]
    prev = before.loc[before[value].idxmax()] if not before.empty else None
    margin = growth_pct(top[value], prev[value])[0] if prev is not None else None
    return {
        "period": top[order],
        "value": float(top[value]),
        "previous_record_period": prev[order] if prev is not None else None,
        "previous_record": float(prev[value]) if prev is not None else None,
        "margin_pct": margin,
        "is_latest": top[order] == frame[order].iloc[-1],
    }


def mirror_gap(reported: pd.DataFrame, mirror: pd.DataFrame) -> pd.DataFrame:
    """A reporter's declared flows against its partners' declarations of the same flows.

    ``reported``: rows declared by the reporter (``mirror = False``); ``mirror``: the same flows
    declared by partners (``mirror = True``, e.g. partner imports from the reporter stored as the
    reporter's exports). Matched on period, reporter, partner and flow. Gap = mirror - reported.
    """
    keys = ["period", "reporter", "partner", "flow"]
    a = reported.groupby(keys, as_index=False).agg(
        reported=("value", "sum"), reported_valuation=("valuation", "first"), reported_source=("source", "first")
    )
    b = mirror.groupby(keys, as_index=False).agg(
        mirror=("value", "sum"), mirror_valuation=("valuation", "first"), mirror_source=("source", "first")
    )
    out = a.merge(b, on=keys, how="outer")
    out["gap"] = out["mirror"] - out["reported"]
    out["gap_pct"] = out["gap"] / out["reported"] * 100
    return out


def diversion(by_partner_frame: pd.DataFrame, market: str) -> dict:
    """Shift-share view: how much of the fall in one market was offset by gains elsewhere.

    From :func:`by_partner` output. ``offset_pct`` = gains in the other markets / loss in ``market``.
    """
    frame = by_partner_frame.fillna({"value": 0.0, "base_value": 0.0})
    change = frame.value - frame.base_value
    lost = -float(change[frame.partner == market].sum())
    others = frame.partner != market
    gains = float(change[others & (change > 0)].sum())
    losses = float(-change[others & (change < 0)].sum())
    return {
        "market": market,
        "market_change": -lost,
        "gains_elsewhere": gains,
        "losses_elsewhere": losses,
        "net_elsewhere": gains - losses,
        "offset_pct": (gains - losses) / lost * 100 if lost > 0 else float("nan"),
        "top_gainers": frame.assign(change=change)[others]
        .nlargest(5, "change")[["partner", "change"]]
        .to_dict("records"),
    }


def rerouting_signal(exports_to: pd.DataFrame, partner_exports_to_market: pd.DataFrame) -> pd.DataFrame:
    """Partners whose imports from the reporter rose while their own exports to a market rose too.

    Both frames: ``partner, growth_pct``. A signal of possible rerouting (or of supply chains
    moving), not a finding: it needs product-level and unit-value evidence to be more.
    """
    merged = exports_to[["partner", "growth_pct"]].merge(
        partner_exports_to_market[["partner", "growth_pct"]],
        on="partner",
        suffixes=("_imports_from_reporter", "_exports_to_market"),
    )
    merged["signal"] = (merged.growth_pct_imports_from_reporter > 0) & (merged.growth_pct_exports_to_market > 0)
    merged["label"] = np.where(merged.signal, "signal (not a finding)", "")
    return merged


def _no_split(total: int, note: str) -> dict:
    return {
        "price_index": None,
        "volume_index": None,
        "value_index": None,
        "products_used": 0,
        "products_total": total,
        "note": note,
    }


def tornqvist(flows: pd.DataFrame, year: int, base_year: int, *, trim: float = 0.05) -> dict:
    """Price and volume indices of a flow between two years from unit values (Törnqvist).

    ``flows``: one product per row per year with ``product, year, value, quantity, quantity_unit``.
    Products without quantities in both years (or in different units) are left out and counted;
    unit-value changes outside the [trim, 1 - trim] quantiles are trimmed as outliers. If no product
    has quantities, says so rather than returning a number.
    """
    need = flows[flows.year.isin([year, base_year])]
    wide = need.pivot_table(
        index=["product", "quantity_unit"], columns="year", values=["value", "quantity"], aggfunc="sum"
    )
    total = need["product"].nunique()
    if wide.empty or ("quantity", year) not in wide.columns or ("quantity", base_year) not in wide.columns:
        return _no_split(total, "no quantities: a price/volume split is not possible")
    v1, v0 = wide[("value", year)], wide[("value", base_year)]
    q1, q0 = wide[("quantity", year)], wide[("quantity", base_year)]
    ok = (q1 > 0) & (q0 > 0) & (v1 > 0) & (v0 > 0)
    v1, v0, q1, q0 = v1[ok], v0[ok], q1[ok], q0[ok]
    if v1.empty:
        return _no_split(total, "no product has quantities in both years")
    rel = np.log((v1 / q1) / (v0 / q0))
    lo, hi = rel.quantile(trim), rel.quantile(1 - trim)
    keep = (rel >= lo) & (rel <= hi)
    w = 0.5 * (v1 / v1.sum() + v0 / v0.sum())
    w = w[keep] / w[keep].sum()
    price = float(np.exp((w * rel[keep]).sum()))
    value_index = float(v1.sum() / v0.sum())
    return {
        "price_index": price,
        "volume_index": value_index / price,
        "value_index": value_index,
        "products_used": int(keep.sum()),
        "products_total": total,
        "note": f"{int((~keep).sum())} products trimmed as unit-value outliers; {total - int(ok.sum())} without usable quantities",
    }


# ---- matched partners, groups with coverage, sign-aware records, two-way mirror causes --------
MIN_COVERAGE_PCT = 90.0


def matched_partners(
    rows: pd.DataFrame, year: int, base_year: int, world: float | None = None, base_world: float | None = None
) -> pd.DataFrame:
    """Partners' values in ``year`` and ``base_year`` on one basis, growth and contributions over the matched set.

    ``rows``: one flow of one reporter, one row per partner and year (``partner, year, value`` and a
    ``basis`` column naming source and valuation). A partner is *matched* when it has a value in
    both years on the same basis; growth and ``contribution_pp`` are computed for matched partners
    only, and contributions add up to the growth of their total (``(sum value - sum base) / sum base``).
    A partner present in one year only is *missing* in the other: it keeps its value and share and
    gets no growth, never a fall to zero. Both years' shares have one denominator: the reporter's totals
    ``world`` and ``base_world`` when both are given, else the sums over partners.
    """
    _require(rows, ["partner", "year", "value", "basis"])
    columns = [
        "partner",
        "value",
        "base_value",
        "basis",
        "matched",
        "growth_pct",
        "contribution_pp",
        "share_pct",
        "base_share_pct",
        "status",
    ]
    sub = rows[rows.year.isin([year, base_year])]
    if sub.empty:
        return pd.DataFrame(columns=columns)
    cur = sub[sub.year == year].set_index("partner")
    base = sub[sub.year == base_year].set_index("partner")
    partners = sorted(set(cur.index) | set(base.index))
    out = pd.DataFrame({"partner": partners})
    out["value"] = out.partner.map(cur.value)
    out["base_value"] = out.partner.map(base.value)
    out["basis"] = out.partner.map(cur.basis).fillna(out.partner.map(base.basis))
    same = out.partner.map(cur.basis) == out.partner.map(base.basis)
    out["matched"] = out.value.notna() & out.base_value.notna() & same
    matched_base = float(out.loc[out.matched, "base_value"].sum())
    out["growth_pct"] = np.where(out.matched & (out.base_value != 0), (out.value / out.base_value - 1) * 100, np.nan)
    out["contribution_pp"] = np.where(
        out.matched & (matched_base != 0), (out.value - out.base_value) / matched_base * 100, np.nan
    )
    totals = bool(world) and bool(base_world)
    total = world if totals else float(out.value.sum())
    out["share_pct"] = out.value / total * 100 if total else np.nan
    base_total = base_world if totals else float(out.base_value.sum())
    out["base_share_pct"] = out.base_value / base_total * 100 if base_total else np.nan
    out["status"] = np.select(
        [out.matched, out.value.isna(), out.base_value.isna()],
        [
            "matched",
            f"missing in {year}",
            f"missing in {base_year}",
        ],
        default="basis changed",
    )
    return out.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)[columns]


def matched_growth(partners: pd.DataFrame) -> dict:
    """Growth of the matched partners' total, which their contributions add up to."""
    m = partners[partners.matched]
    base, cur = float(m.base_value.sum()), float(m.value.sum())
    pct = (cur / base - 1) * 100 if base else float("nan")
    return {"value": cur, "base_value": base, "growth_pct": pct, "partners": len(m)}


def group_growth(
    partners: pd.DataFrame,
    members: Sequence[str],
    base_members: Sequence[str],
    *,
    min_coverage_pct: float = MIN_COVERAGE_PCT,
) -> dict:
    """A group's value and growth on the members of both years (constant membership: the EU's growth over
    2019-2020 is that of the 27 members that stayed, the United Kingdom named as the change).

    ``value`` and ``base_value`` are over the members matched in both years; ``coverage_pct`` is their share
    of the base-year value of the members of both years; below ``min_coverage_pct`` no growth is given.
    ``missing`` lists members with no matched value, the largest first; ``left`` and ``joined`` the
    membership changes between the two years.
    """
    constant = set(members) & set(base_members)
    base_all = float(partners[partners.partner.isin(constant)].base_value.sum())
    both = partners[partners.partner.isin(constant) & partners.matched]
    value, base = float(both.value.sum()), float(both.base_value.sum())
    coverage = base / base_all * 100 if base_all else float("nan")
    growth = (value / base - 1) * 100 if base and coverage >= min_coverage_pct else float("nan")
    known = set(partners.partner)
    unmatched = [m for m in sorted(constant) if m not in set(both.partner)]
    weights = partners.set_index("partner").base_value.reindex(unmatched).astype(float).fillna(0.0)
    missing = [m for m in weights.sort_values(ascending=False).index]
    left, joined = sorted(set(base_members) - set(members)), sorted(set(members) - set(base_members))
    if math.isnan(growth):
        note = (
            f"no growth: matched members cover {coverage:.1f}% of the group's base (below {min_coverage_pct:.0f}%)"
            if base_all
            else "no member has data in the base year"
        )
    elif left or joined:
        change = "; ".join(
            part
            for part in (f"left: {', '.join(left)}" if left else "", f"joined: {', '.join(joined)}" if joined else "")
            if part
        )
        note = f"on the {len(constant)} members of both years ({change})"
    else:
        note = None
    return {
        "value": value,
        "base_value": base,
        "growth_pct": growth,
        "coverage_pct": coverage,
        "members": len(members),
        "matched": len(both),
        "missing": missing,
        "missing_without_data": sorted(set(missing) - known),
        "left": left,
        "joined": joined,
        "note": note,
    }


def extremes(series: pd.DataFrame, value: str, *, order: str = "year", up_to: int | None = None) -> dict:
    """Largest surplus (highest positive) and largest deficit (lowest negative) of a balance series,
    each with its year, counting only periods up to ``up_to``."""
    frame = series.dropna(subset=[value]).reset_index(drop=True)
    if up_to is not None:
        frame = frame[frame[order] <= up_to]
    out: dict = {"surplus": None, "surplus_period": None, "deficit": None, "deficit_period": None}
    pos, neg = frame[frame[value] > 0], frame[frame[value] < 0]
    if not pos.empty:
        top = pos.loc[pos[value].idxmax()]
        out.update(surplus=float(top[value]), surplus_period=top[order])
    if not neg.empty:
        low = neg.loc[neg[value].idxmin()]
        out.update(deficit=float(low[value]), deficit_period=low[order])
    return out


def balance_change_words(value: float, previous: float) -> str:
    """How a balance moved, in words that respect its sign: a surplus grows or shrinks, a deficit
    widens or narrows, or one turns into the other."""

    def bn(x: float) -> str:
        return f"USD {abs(x) / 1e9:,.1f} bn"

    if previous >= 0 and value >= 0:
        verb = "grew" if value >= previous else "shrank"
        return (
            f"the surplus {verb} from {bn(previous)} to {bn(value)} ({(value / previous - 1) * 100:+.1f}%)"
            if previous
            else f"a surplus of {bn(value)}"
        )
    if previous < 0 and value < 0:
        verb = "widened" if value < previous else "narrowed"
        return f"the deficit {verb} from {bn(previous)} to {bn(value)} ({(abs(value) / abs(previous) - 1) * 100:+.1f}% in size)"
    if previous < 0 <= value:
        return f"a deficit of {bn(previous)} turned into a surplus of {bn(value)}"
    return f"a surplus of {bn(previous)} turned into a deficit of {bn(value)}"


def mirror_causes(
    direction: str, gap_pct: float, reporter_valuation: str | None = None, partner_valuation: str | None = None
) -> list[str]:
    """Possible causes of a mirror gap, chosen by its direction and sign; each a possibility, not a finding.

    ``direction``: ``exports`` (the reporter's exports, FOB, against the partner's imports, CIF) or
    ``imports`` (the reporter's imports, CIF, against the partner's exports, FOB). ``gap_pct`` =
    (partner's figure / reporter's figure - 1) x 100. CIF exceeds FOB by freight and insurance, so
    partner imports are expected about 5-10% above the reporter's exports, and partner exports
    about 5-10% below the reporter's imports. Where the valuations are given and both sides are on
    the same basis (FOB against FOB or US customs value, CIF against CIF), no freight margin is
    expected and none is offered as a cause.
    """
    if math.isnan(gap_pct):
        return []
    if reporter_valuation and partner_valuation and _same_basis(reporter_valuation, partner_valuation):
        label = {"CUSTOMS": "US customs value"}
        a, b = (label.get(v, v) for v in (reporter_valuation, partner_valuation))
        basis = f"both {a}" if a == b else f"{a} against {b}"
        if abs(gap_pct) <= 3:
            return [f"within 3%: {basis}, the same valuation basis, so no freight and insurance margin between them"]
        higher = "the partner" if gap_pct > 0 else "the reporter"
        return [
            f"{basis}: the same valuation basis, so freight and insurance do not explain it",
            f"{higher} counts goods the other attributes to another country (re-exports through hubs, "
            "goods shipped through third countries)",
            "timing (goods in transit at the year's end), confidential lines or low-value shipments",
        ]
    # expected: partner CIF above reporter FOB for exports (+), partner FOB below reporter CIF for imports (-)
    excess = gap_pct if direction == "exports" else -gap_pct
    causes = []
    if 0 <= excess <= 10:
        causes.append("within the usual CIF/FOB margin (freight and insurance, about 5-10%)")
        return causes
    if excess > 10:
        if direction == "exports":
            causes += [
                "the partner records goods of this origin that the reporter shipped to a hub first "
                "(re-exports via Hong Kong, Singapore, the Netherlands ...)",
                "freight and insurance above the usual margin, or over-invoicing of imports",
            ]
        else:
            causes += [
                "the reporter records the partner as origin of goods the partner did not declare as its exports "
                "(goods shipped through third countries)",
                "under-invoicing of the partner's exports, or freight and insurance above the usual margin",
            ]
    else:
        if direction == "exports":
            causes += [
                "the partner records less than the reporter ships, although CIF should exceed FOB: goods "
                "re-exported by the first destination, or counted by the partner under another origin",
                "timing (goods in transit at the year's end), confidential lines or low-value shipments the "
                "partner does not count",
                "under-invoicing at the partner's border",
            ]
        else:
            causes += [
                "the partner declares more exports to the reporter than the reporter's imports, although CIF should "
                "exceed FOB: goods re-exported through third countries, or the reporter attributing them to another origin",
                "timing, confidential lines, or over-invoicing of the partner's exports",
            ]
    return causes


def _same_basis(a: str, b: str) -> bool:
    """Whether two valuations need no freight margin between them: US customs value is FOB-like."""
    fob_like = {"FOB", "CUSTOMS"}
    return (a in fob_like and b in fob_like) or (a == b == "CIF")
