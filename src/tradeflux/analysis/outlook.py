"""The outlook: a reporter's exports and imports next year, by partner, group and in total, with
intervals, the method's track record, and a policy scenario's effect shown apart.

Series are the monitor's canonical annual figures in USD (:func:`tradeflux.analysis.queries.own_flows`):
one source per fact, possibly different sources in different years (for China: IMF DOTS to 1999,
China's customs via the IMF 2000-2020, its Comtrade declaration from 2021, GACC's headline for
the latest total). The hierarchy is the total (partner ``WLD``), the partners present in the *detail
year* (the latest year whose partner figures add up to at least ``MIN_COVERAGE`` of the total) and
``REST`` (the total minus those partners); groups (EU27, ASEAN, ...) are sums of their members as
of the detail year. Every series is forecast for the *target year* (the total's last year plus
the horizon), from its own last year; base forecasts are then reconciled so that partners and
``REST`` add up to the total and members to their groups, exactly.

The forecasting itself (models, backtests, intervals, reconciliation) is
:mod:`tradeflux.models.forecast`; the candidate with an exogenous driver takes each partner's own
total imports (for exports to it; its exports for imports from it) and is scored in the backtest
where the driver has figures; a scenario's percentage changes come from the PE or GE layers
and are applied by :func:`overlay`. Monthly series are not modelled: the store's monthly
figures are a few partial tables, too short for a backtest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np
import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.analysis import queries
from tradeflux.analysis.canonical import canonical
from tradeflux.analysis.report import REPORT_GROUPS
from tradeflux.errors import InputError, NotFound
from tradeflux.models import forecast as fc
from tradeflux.reference.countries import GROUP_NAMES, CountryTable

__all__ = [
    "MIN_COVERAGE",
    "WTO_MISS",
    "Outlook",
    "TrackRecord",
    "build",
    "canonical_series",
    "dots_totals",
    "hierarchy",
    "overlay",
    "track_record",
]

MIN_COVERAGE = 0.7
MAX_EXCESS = 0.02  # partners may add up to 2% more than the total (rounding, revisions), not more
FLOWS = ("export", "import")
TOTAL, REST = "WLD", "REST"
# The WTO's April forecasts of world merchandise trade volume against their first-published
# outturn, mean absolute miss in percentage points (the figures; a volume target, so
# context only): the same year, and the next year.
WTO_MISS = {"same year": 1.4, "next year": 1.7}

Progress = Callable[[str], None]


def _group_key(group: str) -> str:
    return f"G:{group}"


@dataclass
class Outlook(Result):
    """A reporter's outlook for ``target_year``.

    ``table``: one row per flow and series (``kind`` total, group, partner or rest) with the last
    observed value, the base and reconciled forecasts, 80% and 95% intervals (USD), growth against
    the last value, the method, and its track record (the series' MASE, the pool's coverage).
    ``history``: the observed series: ``value`` on the level of each series' latest source (the forecast's
    basis), ``published`` and ``source`` the figure as its source gives it (blank for groups and the rest).
    ``track``: the backtest per flow. ``scenario``: the overlay
    of a policy scenario, if one was applied.
    """

    reporter: str
    reporter_name: str
    target_year: int
    horizon: int
    table: pd.DataFrame
    history: pd.DataFrame
    track: dict[str, fc.Backtest]
    detail_year: dict[str, int]
    members: dict[str, list[str]] = field(default_factory=dict)  # group series -> its partners
    notes: list[str] = field(default_factory=list)
    scenario: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario_label: str = ""

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"outlook": self.table}
        for flow, bt in self.track.items():
            out[f"track_{flow}"] = bt.overall
            out[f"coverage_{flow}"] = bt.coverage
        if not self.scenario.empty:
            out["scenario"] = self.scenario
        return out

    def row(self, flow: str, series: str) -> pd.Series:
        hit = self.table[(self.table.flow == flow) & (self.table.series == series)]
        if hit.empty:
            raise NotFound(f"no {flow} series {series!r} in the outlook of {self.reporter}")
        return hit.iloc[0]

    def to_dict(self) -> dict:
        return {
            "reporter": self.reporter,
            "reporter_name": self.reporter_name,
            "target_year": self.target_year,
            "horizon": self.horizon,
            "detail_year": self.detail_year,
            "members": self.members,
            "table": jsonable(self.table),
            "track": {flow: bt.to_dict() for flow, bt in self.track.items()},
            "scenario_label": self.scenario_label,
            "scenario": jsonable(self.scenario),
            "history": jsonable(self.history),
            "notes": self.notes,
        }


# ---- series ------------------------------------------------------------------------------------
def _times(ratio: float) -> str:
    """ "3.2 times" or "a third of" in words a reader takes in: never "0.5-fold"."""
    if ratio >= 1:
        return f"{ratio:.1f} times"
    return f"1/{1 / ratio:.1f} of"


LINK_LIMIT = 2.0  # two sources further apart than 2-fold measure different things: the series restarts


def canonical_series(con, reporter: str, flow: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The reporter's canonical annual USD figures of ``flow`` by partner (``WLD`` the total):
    ``partner, year, value, source, mirror, published``, and a note per partner whose source changes.
    ``published`` is the source's own figure, ``value`` the same on the level of the series' latest source.

    A series never changes source without a level adjustment: where a partner's canonical figure moves from
    one source to another (the reporter's own declaration to the partner's, or one publication to the next),
    the earlier years are put on the later source's level by the ratio of the two in the year that links
    them: the year before the switch as implied by the later source's published y/y rate (China's 2024
    exports to the US: 420.05 bn / (1 - 20%) = 525.1 bn, against 462.6 bn declared by the US), else the
    latest year both sources hold. Growth within each stretch is its own source's. Where no year links two
    sources, or they are more than ``LINK_LIMIT``-fold apart (China's imports from Hong Kong are 8 bn in its own
    statistics and 378 bn in Hong Kong's), the series starts at the switch. Aggregates other than the world
    are left out."""
    rows = queries.own_flows(con, reporter)
    rows = rows[(rows.flow == flow) & (rows.reporter == reporter)]
    rows = rows[~rows.partner.str.startswith("AGG:") & (rows.partner != "EUU") & (rows.partner != reporter)]
    rows = rows.assign(mirror=rows.mirror.astype(bool))[["partner", "year", "value", "source", "mirror"]]
    rows = rows.astype({"year": int}).sort_values(["partner", "year"]).reset_index(drop=True)
    rows["published"] = rows.value
    key = rows.source + rows.mirror.map({True: "/mirror", False: ""})
    changing = key.groupby(rows.partner).nunique()
    changing = changing.index[changing > 1]
    notes: dict[str, str] = {}
    if len(changing) == 0:
        return rows, notes
    every = queries.annual_usd(canonical(con, all_sources=True, reporter=reporter, flow=flow, classification="TOTAL"))
    every = every[every.partner.isin(changing)].assign(mirror=lambda f: f.mirror.astype(bool))
    every = every.assign(key=every.source + every.mirror.map({True: "/mirror", False: ""}))
    held = every.groupby(["partner", "key", "year"]).value.first()
    implied = _implied_previous(con, reporter, flow)
    out = []
    for partner, mine in rows.groupby("partner", sort=False):
        if partner not in changing:
            out.append(mine)
            continue
        mine = mine.assign(key=key[mine.index])
        runs = (mine.key != mine.key.shift()).cumsum()
        stretches = [g for _, g in mine.groupby(runs, sort=True)]
        kept, factor, said = [stretches[-1]], 1.0, []
        for earlier, later in zip(stretches[-2::-1], stretches[:0:-1], strict=True):
            first = int(later.year.iloc[0])
            link = _link(partner, earlier, later, held, implied)
            if link is None:
                said.append(
                    f"from {first} on {_basis(later)}; no year links it to {_basis(earlier)}: modelled from {first}"
                )
                break
            ratio, how = link
            if abs(np.log(ratio)) > np.log(LINK_LIMIT):
                said.append(
                    f"from {first} on {_basis(later)}, {_times(ratio)} {_basis(earlier)} ({how}): two measures of "
                    f"different things, modelled from {first}"
                )
                break
            factor *= ratio
            kept.append(earlier.assign(value=earlier.value * factor))
            said.append(f"before {first}: {_basis(earlier)} x {factor:.3f} to continue {_basis(later)} ({how})")
        notes[partner] = "; ".join(said)
        out.append(pd.concat(kept[::-1]).drop(columns="key"))
    return pd.concat(out, ignore_index=True), notes


def _basis(stretch: pd.DataFrame) -> str:
    source = stretch.source.iloc[0]
    return f"{source} (the partner's declaration)" if stretch.mirror.iloc[0] else source


def _implied_previous(con, reporter: str, flow: str) -> dict[tuple[str, str, int], float]:
    """(partner, source, year) -> the year's USD value implied by the next year's published value and y/y rate."""
    metrics = ["exports", "total_exports"] if flow == "export" else ["imports", "total_imports"]
    rows = queries.implied_previous(con, reporter, metrics)
    return {(r.partner, r.source, int(r.year)): float(r.implied) for r in rows.itertuples()}


def _link(partner: str, earlier: pd.DataFrame, later: pd.DataFrame, held, implied) -> tuple[float, str] | None:
    """The ratio (later source / earlier source) in the year that links two stretches, and how it was found."""
    first = int(later.year.iloc[0])
    before = earlier[earlier.year == first - 1]
    source = later.source.iloc[0]
    if not before.empty and (partner, source, first - 1) in implied and not later.mirror.iloc[0]:
        value = implied[(partner, source, first - 1)]
        return value / float(before.value.iloc[0]), f"{first - 1} as implied by {source}'s y/y rate for {first}"
    old, new = earlier.key.iloc[0], later.key.iloc[0]
    try:
        a, b = held.loc[(partner, old)], held.loc[(partner, new)]
    except KeyError:
        return None
    both = sorted(set(a.index) & set(b.index) & set(range(0, first + 1)))
    both = [y for y in both if a[y] > 0 and b[y] > 0]
    if not both:
        return None
    year = both[-1]
    return float(b[year] / a[year]), f"both held in {year}"


@dataclass(frozen=True)
class _Hierarchy:
    panel: pd.DataFrame  # unique_id, year, value
    kinds: dict[str, str]
    groups: dict[str, list[str]]  # group series -> member series
    bottoms: list[str]
    detail_year: int | None
    notes: list[str]


def hierarchy(rows: pd.DataFrame, countries: CountryTable, groups: tuple[str, ...] = REPORT_GROUPS) -> _Hierarchy:
    """The series of one flow: the total, partners of the detail year, ``REST`` and groups."""
    notes: list[str] = []
    total = rows[rows.partner == TOTAL].groupby("year").value.sum()
    if total.empty:
        raise NotFound("no total (partner WLD) to forecast")
    partners = rows[rows.partner != TOTAL]
    wide = partners.pivot_table(index="year", columns="partner", values="value", aggfunc="sum")
    cover = (wide.sum(axis=1) / total).reindex(total.index)
    good = cover[(cover >= MIN_COVERAGE) & (cover <= 1 + MAX_EXCESS)]
    frames = [pd.DataFrame({"unique_id": TOTAL, "year": total.index, "value": total.to_numpy()})]
    kinds = {TOTAL: "total"}
    if good.empty:
        notes.append(
            f"no year's partner figures add up to {MIN_COVERAGE:.0%} of the total: the total alone is forecast"
        )
        return _Hierarchy(pd.concat(frames, ignore_index=True), kinds, {}, [], None, notes)
    detail = int(good.index.max())
    present = sorted(wide.columns[wide.loc[detail].notna() & (wide.loc[detail] > 0)])
    later = [p for p in present if wide[p].last_valid_index() > detail]
    notes.append(
        f"partner detail from {detail} ({cover[detail]:.1%} of the total in {len(present)} partners)"
        + (
            f"; {len(later)} of them ({', '.join(later[:6])}{' ...' if len(later) > 6 else ''}) have later figures, used"
            if later
            else ""
        )
    )
    for p in present:
        s = wide[p].dropna()
        frames.append(pd.DataFrame({"unique_id": p, "year": s.index, "value": s.to_numpy()}))
        kinds[p] = "partner"
    rest = _rest(total[total.index <= detail], wide.loc[wide.index <= detail, present])
    frames.append(pd.DataFrame({"unique_id": REST, "year": rest.index, "value": rest.to_numpy()}))
    kinds[REST] = "rest"
    group_members: dict[str, list[str]] = {}
    for label in groups:
        gid = countries.group_id(label)
        if gid is None:
            continue
        every_member = countries.members(gid, detail)
        members = [m for m in every_member if m in present]
        if not members:
            continue
        missing = sorted(set(every_member) - set(members))
        notes.append(
            f"{GROUP_NAMES.get(gid, gid)}: {len(members)} of {len(every_member)} members in {detail}"
            + (
                f" (without {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}: no partner detail)"
                if missing
                else ""
            )
        )
        key = _group_key(gid)
        g = _chained(wide.loc[wide.index <= detail, members])
        frames.append(pd.DataFrame({"unique_id": key, "year": g.index, "value": g.to_numpy()}))
        kinds[key] = "group"
        group_members[key] = members
    return _Hierarchy(pd.concat(frames, ignore_index=True), kinds, group_members, [*present, REST], detail, notes)


def _chained(members: pd.DataFrame) -> pd.Series:
    """A group's history as the monitor counts growth: each year's change over the members present
    in both years (a member without a figure is not a fall to zero), chained back from the last
    year's sum."""
    members = members.sort_index()
    last = members.index.max()
    level = {last: float(members.loc[last].sum())}
    for year in sorted(members.index[:-1], reverse=True):
        nxt = year + 1
        if nxt not in level or nxt not in members.index:
            break
        both = members.loc[[year, nxt]].dropna(axis=1)
        if both.empty or both.loc[year].sum() <= 0:
            break
        level[year] = level[nxt] * float(both.loc[year].sum() / both.loc[nxt].sum())
    return pd.Series(level).sort_index()


def _rest(total: pd.Series, partners: pd.DataFrame) -> pd.Series:
    """``all other partners``: the total minus the listed partners in the last year, chained back
    by the change of the total minus the partners present in both years (a partner whose series
    starts later stays in the remainder of both years, so its arrival is not a fall)."""
    last = int(total.index.max())
    level = {last: float(total[last] - partners.loc[last].sum())}
    for year in range(last - 1, int(total.index.min()) - 1, -1):
        if year not in total.index or year not in partners.index:
            break
        both = partners.loc[[year, year + 1]].dropna(axis=1)
        before, after = total[year] - both.loc[year].sum(), total[year + 1] - both.loc[year + 1].sum()
        if before <= 0 or after <= 0:
            break
        level[year] = level[year + 1] * before / after
    return pd.Series(level).sort_index()


# ---- the outlook -------------------------------------------------------------------------------
def build(
    con,
    reporter: str,
    countries: CountryTable,
    *,
    horizon: int = 1,
    flows: tuple[str, ...] = FLOWS,
    groups: tuple[str, ...] = REPORT_GROUPS,
    method: str = fc.DEFAULT,
    windows: int = 20,
    evaluated: int = 10,
    progress: Progress | None = None,
) -> Outlook:
    """Forecast ``reporter``'s flows ``horizon`` years past the total's last year (see the module)."""
    if horizon < 1 or horizon > 5:
        raise InputError(f"horizon must be 1 to 5 years, got {horizon}")
    code = countries.code(reporter)
    say = progress or (lambda _m: None)
    tables, history, tracks, details, members, notes = [], [], {}, {}, {}, []
    target = None
    for flow in flows:
        rows, basis = canonical_series(con, code, flow)
        if rows.empty:
            notes.append(f"no {flow}s of {code} in the store")
            continue
        h = hierarchy(rows, countries, groups)
        panel, dropped = fc.prepare(h.panel)
        if dropped:
            notes.append(
                f"{flow}s: {len(dropped)} series start after a gap, a zero or a negative value "
                "(the table's note says which)"
            )
        last_total = int(panel[panel.unique_id == TOTAL].year.max())
        target = last_total + horizon if target is None else target
        last = panel.groupby("unique_id").year.max()
        panel = panel[panel.unique_id.isin(last.index[last < target])]
        steps = int((target - panel.groupby("unique_id").year.max()).max())
        say(f"{code} {flow}s: {panel.unique_id.nunique()} series, forecast for {target}")
        drivers, links = _drivers(con, [k for k, v in h.kinds.items() if v == "partner"], flow)
        track = fc.backtest(
            panel, horizon=steps, windows=windows, evaluated=evaluated, progress=say, drivers=drivers, links=links
        )
        base = fc.forecast(panel, target, track, method=method).table.set_index("unique_id")
        table = _reconciled(h, base, track, target)
        table.insert(0, "flow", flow)
        table["name"] = table.series.map(lambda s: _label(s, countries))
        lasts = panel.sort_values("year").groupby("unique_id").tail(1).set_index("unique_id")
        table["last_year"] = table.series.map(lasts.year)
        table["last_value"] = table.series.map(lasts.value)
        table["growth_pct"] = (table.forecast / table.last_value - 1) * 100
        held = _held_group_growth(con, code, flow, countries, table, target)
        table["note"] = [
            "; ".join(x for x in (basis.get(u), dropped.get(u), "" if bt else "too short for a backtest: naive") if x)
            for u, bt in zip(table.series, table.backtested, strict=True)
        ]
        for uid, (year, value, text) in held.items():
            at = table.series == uid
            table.loc[at, ["last_year", "last_value"]] = [year, value]
            table.loc[at, "growth_pct"] = (table.loc[at, "forecast"] / value - 1) * 100
            table.loc[at, "note"] = [f"{n}; {text}" if n else text for n in table.loc[at, "note"]]
            panel = pd.concat([panel, pd.DataFrame({"unique_id": [uid], "year": [year], "value": [value]})])
        tables.append(_with_track_record(table, track))
        published = rows.rename(columns={"partner": "unique_id"})[["unique_id", "year", "published", "source"]]
        published = published.drop_duplicates(["unique_id", "year"])
        history.append(
            panel.merge(published, on=["unique_id", "year"], how="left")
            .assign(flow=flow)
            .rename(columns={"unique_id": "series"})
        )
        tracks[flow] = track
        if h.detail_year is not None:
            details[flow] = h.detail_year
        members.update(h.groups)
        notes += [f"{flow}s: {n}" for n in h.notes + track.notes]
        if len(track.overall):
            h1 = track.overall[track.overall.h == 1].set_index("method").mase
            if h1[fc.DEFAULT] > h1["naive"]:
                notes.append(
                    f"{flow}s: over the last {evaluated} origins the naive forecast (MASE {h1['naive']:.2f}) "
                    f"did better than the default ({h1[fc.DEFAULT]:.2f}) one year ahead"
                )
    if not tables:
        raise NotFound(f"no trade of {code} in the store to forecast")
    order = {"total": 0, "group": 1, "partner": 2, "rest": 3}
    table = pd.concat(tables, ignore_index=True)
    table = table.sort_values(
        ["flow", "kind", "forecast"],
        key=lambda c: c.map(order) if c.name == "kind" else c,
        ascending=[True, True, False],
    ).reset_index(drop=True)
    notes.append(
        f"default method: {fc.DEFAULT} (geometric mean of the {' and '.join(fc.COMBINED)} forecasts, fitted in logs); "
        "intervals from the backtest errors pooled over the reporter's series; reconciled with minimum trace"
    )
    return Outlook(
        code, countries.name(code), int(target), horizon, table, pd.concat(history), tracks, details, members, notes
    )


def _drivers(con, partners: list[str], flow: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each partner's own total trade in the other direction (its imports for the reporter's exports
    to it), the exogenous driver of the ``share`` candidate: a panel and the links to it."""
    if not partners:
        return pd.DataFrame(columns=["unique_id", "year", "value"]), {}
    other = "import" if flow == "export" else "export"
    rows = queries.annual_usd(canonical(con, reporter=partners, partner=TOTAL, flow=other, classification="TOTAL"))
    rows = rows[~rows.mirror.astype(bool)]
    panel = pd.DataFrame({"unique_id": "driver:" + rows.reporter, "year": rows.year.astype(int), "value": rows.value})
    return panel, {p: f"driver:{p}" for p in sorted(set(rows.reporter))}


def _with_track_record(table: pd.DataFrame, track: fc.Backtest) -> pd.DataFrame:
    """Each row's record beside its interval: the series' MASE and the pool's coverage at its horizon."""
    table["mase"] = [_series_mase(track, u, int(h)) for u, h in zip(table.series, table.h, strict=True)]
    table["mase"] = table.mase.round(3)
    for level in fc.LEVELS:
        table[f"coverage{level}_pct"] = [
            track.covered(level, int(h)) if len(track.coverage) else float("nan") for h in table.h
        ]
    return table


def _held_group_growth(con, reporter: str, flow: str, countries: CountryTable, table: pd.DataFrame, target: int):
    """Group rows whose members' figures end before the year the total ends, but whose growth in that year
    the reporter's release states (China's exports to the EU, +8.4% in 2025): the year added on the
    members' sum, so that the growth shown is one year's, from the year the data hold."""
    metric = f"{flow}s_growth"
    out: dict[str, tuple[int, float, str]] = {}
    for r in table[table.kind == "group"].itertuples():
        year = int(r.last_year) + 1
        if year >= target:
            continue
        slug = queries.GROUP_SLUGS.get(r.series[2:])
        if slug is None:
            continue
        rows = con.execute(
            "SELECT yoy_pct, source_url FROM indicators WHERE reporter = ? AND partner = ? AND metric = ? "
            "AND period = ? AND yoy_basis = 'USD'",
            [reporter, slug, metric, str(year)],
        ).fetchall()
        if rows and rows[0][0] is not None:
            pct = float(rows[0][0])
            out[r.series] = (
                year,
                float(r.last_value) * (1 + pct / 100),
                f"{year}: the {year - 1} members' sum grown by the release's {pct:+.1f}% (USD)",
            )
    return out


def _label(uid: str, countries: CountryTable) -> str:
    if uid == TOTAL:
        return "World (total)"
    if uid == REST:
        return "all other partners"
    if uid.startswith("G:"):
        return countries.name(f"AGG:{uid[2:]}") if uid[2:] not in ("EU27", "ASEAN") else uid[2:]
    return countries.name(uid)


def _series_mase(track: fc.Backtest, uid: str, h: int) -> float:
    if track.scores.empty:
        return float("nan")
    hit = track.scores[(track.scores.unique_id == uid) & (track.scores.method == fc.DEFAULT) & (track.scores.h == h)]
    return float(hit.mase.iloc[0]) if not hit.empty else float("nan")


def _reconciled(h: _Hierarchy, base: pd.DataFrame, track: fc.Backtest, target: int) -> pd.DataFrame:
    """Base forecasts made coherent: rows total, groups, bottoms; intervals keep their ratio to the point."""
    aggregates = [TOTAL, *h.groups] if h.bottoms else [TOTAL]
    bottoms = [b for b in h.bottoms if b in base.index]
    rows = [*aggregates, *bottoms]
    if bottoms:
        S = np.zeros((len(rows), len(bottoms)))
        S[0, :] = 1
        for i, g in enumerate(h.groups, start=1):
            for m in h.groups[g]:
                if m in bottoms:
                    S[i, bottoms.index(m)] = 1
        S[len(aggregates) :, :] = np.eye(len(bottoms))
        residuals = np.vstack([_residuals(track, uid, base.loc[uid]) for uid in rows])
        points = fc.reconcile(S, base.loc[rows, "point"].to_numpy(), residuals)
    else:
        points = base.loc[rows, "point"].to_numpy()
    out = base.loc[rows].reset_index().rename(columns={"unique_id": "series", "point": "base_forecast"})
    out["forecast"] = points
    ratio = out.forecast / out.base_forecast
    for level in fc.LEVELS:
        out[f"lo{level}"] *= ratio
        out[f"hi{level}"] *= ratio
    out["kind"] = out.series.map(h.kinds)
    return out


def _residuals(track: fc.Backtest, uid: str, row: pd.Series) -> np.ndarray:
    """Backtest errors (USD) of a series at its horizon; a series without a backtest takes the
    pool's naive log errors at that horizon scaled to its forecast."""
    windows = track.windows
    pts = track.points
    own = pts[(pts.unique_id == uid) & (pts.h == row.h)] if len(pts) else pts
    if len(own) == windows:
        return (own.actual - own[fc.DEFAULT]).to_numpy()
    # the interval's width stands for the spread: the 80% band over 2.56 standard deviations
    sd = (np.log(row.hi80) - np.log(row.lo80)) / 2.563 if row.hi80 > 0 and row.lo80 > 0 else 0.1
    q = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.025, 0.975, windows)])
    return row.point * (np.exp(q * sd) - 1)


# ---- scenarios ---------------------------------------------------------------------------------
def overlay(outlook: Outlook, changes: pd.DataFrame, label: str, *, flow: str = "export") -> Outlook:
    """Apply a policy scenario's percentage changes by partner (``partner``, ``change_pct``) to the
    baseline forecast of ``flow``. The model part is ``forecast x change_pct / 100`` for each
    partner the scenario covers; groups and the total add their members' effects; the statistical
    interval stays the baseline's. Returns a new outlook with ``scenario`` filled."""
    if not {"partner", "change_pct"} <= set(changes.columns):
        raise InputError("scenario changes need columns partner and change_pct")
    if not np.isfinite(changes.change_pct.to_numpy(dtype=float)).all():
        raise InputError("scenario changes must be finite percentages")
    pct = changes.set_index("partner").change_pct.astype(float)
    base = outlook.table[outlook.table.flow == flow]
    if base.empty:
        raise NotFound(f"the outlook has no {flow} forecast to apply a scenario to")
    bottoms = base[base.kind.isin(["partner", "rest"])].set_index("series")
    effect = bottoms.forecast * bottoms.index.map(lambda s: pct.get(s, 0.0)).to_numpy() / 100
    rows = []
    for r in base.itertuples():
        if r.kind == "total":
            e = float(effect.sum())
        elif r.kind == "group":
            e = float(effect.reindex(outlook.members.get(r.series, [])).fillna(0).sum())
        else:
            e = float(effect.get(r.series, 0.0))
        rows.append(
            {
                "series": r.series,
                "name": r.name,
                "kind": r.kind,
                "baseline": r.forecast,
                "baseline_lo80": r.lo80,
                "baseline_hi80": r.hi80,
                "model_effect": e,
                "model_pct": e / r.forecast * 100,
                "scenario_value": r.forecast + e,
            }
        )
    covered = sorted(set(pct.index) & set(bottoms.index))
    note = (
        f"scenario {label}: {len(covered)} of {len(bottoms) - 1} partners changed by the model; "
        "the others and 'all other partners' keep the baseline. The model's change is measured against its own "
        "baseline year (PE: 2024 US imports; GE: 2019 trade): where the forecast's last figure already carries "
        "part of the policy, the overlay counts that part again"
    )
    return replace(outlook, scenario=pd.DataFrame(rows), scenario_label=label, notes=[*outlook.notes, note])


# ---- track record ------------------------------------------------------------------------------
@dataclass
class TrackRecord(Result):
    """The default method's record on every IMF DOTS reporter's total exports, and its error on
    world export value growth beside the WTO's on volume."""

    backtest: fc.Backtest
    world: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"methods": self.backtest.overall, "coverage": self.backtest.coverage, "world": self.world}

    def to_dict(self) -> dict:
        return {"backtest": self.backtest.to_dict(), "world": jsonable(self.world), "notes": self.notes}


def dots_totals(con, flow: str = "export") -> pd.DataFrame:
    """IMF DOTS totals of every reporting economy (aggregates left out): ``unique_id, year, value`` (USD)."""
    rows = con.execute(
        "SELECT reporter AS unique_id, year, value FROM flows WHERE source = 'imf-dots' AND dataset = 'totals' AND partner = 'WLD' "
        "AND flow = ? AND classification = 'TOTAL' AND period_kind = 'year' AND reporter NOT LIKE 'AGG:%' "
        "ORDER BY reporter, year",
        [flow],
    ).df()
    if rows.empty:
        raise NotFound("no IMF DOTS totals in the store: run `tradeflux ingest imf-dots`")
    return rows


def track_record(con, *, windows: int = 20, evaluated: int = 10, progress: Progress | None = None) -> TrackRecord:
    """Backtest one year ahead over the last ``evaluated`` origins of every DOTS reporter's exports
    (series ending in the data's last year), and world exports one and two years ahead."""
    panel, dropped = fc.prepare(dots_totals(con))
    last = panel.groupby("unique_id").year.transform("max")
    panel = panel[last == last.max()]
    reporters = panel[panel.unique_id != TOTAL]
    bt = fc.backtest(reporters, horizon=1, windows=windows, evaluated=evaluated, progress=progress)
    world = _world_growth(panel[panel.unique_id == TOTAL], windows, evaluated)
    notes = [
        f"{bt.series} reporters backtested one year ahead over their last {evaluated} origins "
        f"({windows - evaluated} earlier origins calibrate the first intervals); {len(bt.short)} too short",
        f"{len(dropped)} series lost early years to gaps or zeros",
        "WTO: April forecasts of world merchandise trade volume against the first-published outturn "
        f"({WTO_MISS['same year']} pp same year, {WTO_MISS['next year']} pp next year); tradeflux: world export "
        "value in USD from IMF DOTS, a different target: context, not a contest",
        *bt.notes,
    ]
    return TrackRecord(bt, world, notes)


def _world_growth(world: pd.DataFrame, windows: int, evaluated: int) -> pd.DataFrame:
    """Mean absolute error (pp) of forecast world export growth over the last ``evaluated`` years:
    the same year (data to the year before, like an April forecast) and the next year (one more
    year ahead, growth over the forecast of the year before)."""
    runs = {h: fc.backtest(world, horizon=h, windows=windows, evaluated=evaluated).points for h in (1, 2)}
    actual = world.set_index("year").value
    last = int(actual.index.max())
    first = last - evaluated + 1
    rows = []
    for label, h in (("same year", 1), ("next year", 2)):
        errors = []
        pts = runs[h][runs[h].scored]
        for origin, g in pts.groupby("origin"):
            f = g.set_index("h")[fc.DEFAULT]
            target = int(origin) + h
            if not first <= target <= last or h not in f.index:
                continue
            prev = actual[origin] if h == 1 else f[h - 1]
            growth_f = (f[h] / prev - 1) * 100
            growth_a = (actual[target] / actual[target - 1] - 1) * 100
            errors.append(abs(growth_f - growth_a))
        rows.append(
            {
                "horizon": label,
                "years": f"{first}-{last}",
                "forecasts": len(errors),
                "tradeflux_mae": round(float(np.mean(errors)), 2) if errors else float("nan"),
                "wto_mae": WTO_MISS[label],
                "tradeflux_target": "world export value (USD, IMF DOTS)",
                "wto_target": "world merchandise trade volume",
            }
        )
    return pd.DataFrame(rows)
