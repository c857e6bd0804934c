"""Annual forecasts with a track record: statsforecast models, rolling-origin backtests, pooled
conformal intervals, and coherent reconciliation with hierarchicalforecast.

Conventions:

* A *panel* is a frame with ``unique_id``, ``year`` (int) and ``value`` (a positive amount, any
  unit; the same unit comes back). Models are fitted on ``log(value)``: annual trade grows by
  percentages, and errors in logs are comparable across a 1 bn and a 1 tn series, which is what
  lets intervals be calibrated on a pool of series.
* Candidates: ``naive`` (last value), ``drift`` (random walk with drift), ``ets`` (AutoETS, no
  season), ``theta`` (the standard Theta method). The default, ``combination``, is the geometric
  mean of the Theta and naive forecasts: of every combination of the candidates it had the lowest
  MASE on IMF DOTS reporters' exports and on China's exports by partner (ETS and drift chase
  trends that annual trade values reverse); ``selected`` is, per series, the candidate with the
  lowest error over the calibration windows (it overfits: reported, not the default).
* Backtest: one fit per origin (rolling origin, step one year), the last ``evaluated`` origins
  scored, the earlier ones used only to calibrate. MASE divides a series' mean absolute error by
  the mean absolute year-on-year change of that series up to its first scored origin.
* Intervals: the quantiles of the default's log errors at that horizon, each divided by its
  series' volatility (the robust standard deviation of its yearly log changes over the last 20 years
  before the scored origins), pooled over every series of the backtest; a forecast's interval is
  ``point x exp(quantile x its own volatility)``, so a steady total gets a narrow band and a
  small erratic partner a wide one. In the backtest each origin's interval uses only errors already known at
  that origin (target year at or before it), so coverage is measured out of sample. Per-series
  intervals from five to ten windows cannot reach 95%; pooling can.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError

__all__ = [
    "CANDIDATES",
    "COMBINED",
    "DEFAULT",
    "LEVELS",
    "Backtest",
    "Forecast",
    "backtest",
    "forecast",
    "prepare",
    "reconcile",
]

CANDIDATES = ("naive", "drift", "ets", "theta")
COMBINED = ("theta", "naive")
DEFAULT = "combination"
METHODS = (*CANDIDATES, DEFAULT, "selected")
LEVELS = (80, 95)
MIN_TRAIN = 8  # years of history before the first backtest origin
MIN_POOL = 30  # errors needed to calibrate an interval

Progress = Callable[[str], None]


def _models() -> list:
    from statsforecast.models import AutoETS, Naive, RandomWalkWithDrift, Theta

    return [
        Naive(alias="naive"),
        RandomWalkWithDrift(alias="drift"),
        AutoETS(season_length=1, alias="ets"),
        Theta(season_length=1, alias="theta"),
    ]


def _statsforecast(n_jobs: int):
    from statsforecast import StatsForecast

    return StatsForecast(models=_models(), freq=1, n_jobs=n_jobs)


def prepare(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each series' usable stretch: the consecutive years with a positive value that end at its last
    observation. Returns the panel and a note per series that lost years (a gap, a zero or a
    negative value), e.g. ``"zero in 2019: modelled from 2020"``."""
    missing = {"unique_id", "year", "value"} - set(frame.columns)
    if missing:
        raise InputError(f"a forecast panel needs columns unique_id, year, value; missing {sorted(missing)}")
    data = frame[["unique_id", "year", "value"]].copy()
    data["year"] = pd.to_numeric(data.year, errors="coerce")
    data["value"] = pd.to_numeric(data.value, errors="coerce")
    data = data.dropna(subset=["year"]).astype({"year": int})
    if data.duplicated(["unique_id", "year"]).any():
        dup = data[data.duplicated(["unique_id", "year"], keep=False)].iloc[0]
        raise InputError(f"two values for series {dup.unique_id!r} in {dup.year}: one figure per series and year")
    notes: dict[str, str] = {}
    keep = []
    for uid, group in data.sort_values(["unique_id", "year"]).groupby("unique_id", sort=False):
        years, values = group.year.to_numpy(), group.value.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values <= 0)
        start = 0
        reason = ""
        for i in range(len(years) - 1, -1, -1):
            if bad[i]:
                start, reason = i + 1, f"{'zero' if values[i] == 0 else 'no positive value'} in {years[i]}"
                break
            if i > 0 and years[i] - years[i - 1] != 1 and not bad[i - 1]:
                start, reason = i, f"gap {years[i - 1] + 1}-{years[i] - 1}"
                break
        if start >= len(years):
            notes[str(uid)] = f"{reason}, the last year: not modelled"
            continue
        if reason:
            notes[str(uid)] = f"{reason}: modelled from {years[start]}"
        keep.append(group.iloc[start:])
    panel = pd.concat(keep, ignore_index=True) if keep else data.iloc[:0]
    return panel.reset_index(drop=True), notes


def _log_frame(panel: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": panel.unique_id.astype(str), "ds": panel.year, "y": np.log(panel.value)})


# Rolling-origin forecasts of one series depend on that series alone: they are kept, by the series' years
# and values, so that the partners' imports (every reporter's drivers) are backtested once per process.
_CV_CACHE: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_CV_CACHE_SIZE = 20_000
_CV_LOCK = threading.Lock()


def _cross_validation(panel: pd.DataFrame, horizon: int, windows: int, n_jobs: int) -> pd.DataFrame:
    """statsforecast's cross-validation of every series of ``panel`` (in logs), each series computed once."""
    logs = _log_frame(panel)
    keys = {
        uid: (uid, horizon, windows, g.ds.to_numpy().tobytes(), g.y.to_numpy().tobytes())
        for uid, g in logs.groupby("unique_id", sort=True)
    }
    with _CV_LOCK:
        todo = [uid for uid, key in keys.items() if key not in _CV_CACHE]
    if todo:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv = _statsforecast(n_jobs).cross_validation(
                df=logs[logs.unique_id.isin(todo)], h=horizon, n_windows=windows, step_size=1
            )
        with _CV_LOCK:
            for uid, rows in cv.groupby("unique_id", sort=False):
                _CV_CACHE[keys[uid]] = rows
                _CV_CACHE.move_to_end(keys[uid])
            while len(_CV_CACHE) > _CV_CACHE_SIZE:
                _CV_CACHE.popitem(last=False)
    with _CV_LOCK:
        parts = [_CV_CACHE[key] for key in keys.values() if key in _CV_CACHE]
    if not parts:
        return pd.DataFrame(columns=["unique_id", "ds", "cutoff", "y", *CANDIDATES])
    return pd.concat(parts, ignore_index=True).sort_values(["unique_id", "cutoff", "ds"], ignore_index=True)


@dataclass
class Backtest(Result):
    """Rolling-origin backtest of the candidates, the default and the per-series choice.

    ``points``: one row per series, origin and horizon with the actual and every method's forecast
    (in the panel's unit) and the default's log error; ``scores``: MASE per series and method over
    the scored origins; ``overall``: mean MASE per method; ``coverage``: the default's pooled
    conformal intervals on scored points, per level and horizon; ``quantiles``: log-error quantiles
    of the default (and of naive, for short series) per horizon over every window, used for
    forecast intervals.
    """

    points: pd.DataFrame
    scores: pd.DataFrame
    overall: pd.DataFrame
    coverage: pd.DataFrame
    quantiles: pd.DataFrame
    windows: int
    evaluated: int
    horizon: int
    series: int
    short: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def mase(self, method: str = DEFAULT) -> float:
        return float(self.overall.set_index("method").loc[method, "mase"])

    def covered(self, level: int, horizon: int = 1) -> float:
        row = self.coverage[(self.coverage.level == level) & (self.coverage.h == horizon)]
        return float(row.covered_pct.iloc[0]) if not row.empty else float("nan")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"overall": self.overall, "coverage": self.coverage}

    def to_dict(self) -> dict:
        return {
            "windows": self.windows,
            "evaluated": self.evaluated,
            "horizon": self.horizon,
            "series": self.series,
            "short": self.short,
            "overall": jsonable(self.overall),
            "coverage": jsonable(self.coverage),
            "quantiles": jsonable(self.quantiles),
            "scores": jsonable(self.scores),
            "notes": self.notes,
        }


def _interval_quantiles(levels=LEVELS) -> list[tuple[str, float]]:
    out = []
    for level in levels:
        a = (1 - level / 100) / 2
        out += [(f"lo{level}", a), (f"hi{level}", 1 - a)]
    return out


def backtest(
    panel: pd.DataFrame,
    *,
    horizon: int = 1,
    windows: int = 20,
    evaluated: int = 10,
    n_jobs: int = 1,
    progress: Progress | None = None,
    drivers: pd.DataFrame | None = None,
    links: dict[str, str] | None = None,
) -> Backtest:
    """Backtest every series of ``panel`` long enough for ``windows`` origins after ``MIN_TRAIN``
    years (the others are listed in ``short``). See the module docstring for the conventions.

    ``drivers`` (a panel) and ``links`` (series -> driver) add the candidate with an exogenous
    driver, ``share``: the series' share of its driver at the origin times the driver's default
    forecast (a partner's total imports for exports to that partner). It is scored where the driver
    has a figure at the origin, beside the default on the same points."""
    if evaluated > windows:
        raise InputError(f"evaluated origins ({evaluated}) cannot exceed windows ({windows})")
    if horizon < 1:
        raise InputError(f"horizon must be at least 1 year, got {horizon}")
    say = progress or (lambda _m: None)
    sizes = panel.groupby("unique_id").size()
    need = MIN_TRAIN + windows + horizon - 1
    long_ids = sizes.index[sizes >= need]
    short = sorted(str(u) for u in sizes.index[sizes < need])
    data = panel[panel.unique_id.isin(long_ids)]
    notes = []
    if short:
        notes.append(
            f"{len(short)} series with fewer than {need} consecutive years have no backtest; "
            "they are forecast with the naive method and the pool's naive intervals"
        )
    if data.empty:
        empty = pd.DataFrame()
        return Backtest(empty, empty, empty, empty, empty, windows, evaluated, horizon, 0, short, notes)
    say(f"backtest: {len(long_ids)} series x {windows} origins, {horizon} year(s) ahead")
    cv = _cross_validation(data, horizon, windows, n_jobs)
    cv = cv.rename(columns={"ds": "year", "cutoff": "origin", "y": "log_actual"})
    cv["h"] = cv.year - cv.origin
    logs = cv[list(CANDIDATES)]
    cv[DEFAULT] = logs[list(COMBINED)].mean(axis=1)
    points = cv[["unique_id", "origin", "year", "h"]].copy()
    points["actual"] = np.exp(cv.log_actual)
    for m in (*CANDIDATES, DEFAULT):
        points[m] = np.exp(cv[m])
    points["log_error"] = cv.log_actual - cv[DEFAULT]
    points["log_error_naive"] = cv.log_actual - cv["naive"]
    origins = np.sort(points.origin.unique())
    first = points.groupby("unique_id").origin.apply(lambda o: np.sort(o.unique())[-evaluated])
    points["scored"] = points.origin >= points.unique_id.map(first)

    # MASE scale: mean absolute yearly change up to the first scored origin
    hist = data.merge(first.rename("first").reset_index(), on="unique_id")
    hist = hist[hist.year <= hist["first"]].sort_values(["unique_id", "year"])
    scale = hist.groupby("unique_id").value.apply(lambda v: np.abs(np.diff(v.to_numpy())).mean())
    points["scale"] = points.unique_id.map(scale)
    sigma = hist.groupby("unique_id").value.apply(_volatility)
    points["sigma"] = points.unique_id.map(sigma).fillna(sigma.median())
    points["z"] = points.log_error / points.sigma
    points["z_naive"] = points.log_error_naive / points.sigma

    # per-series choice: the candidate with the lowest mean absolute error on calibration windows
    cal = points[~points.scored]
    if cal.empty:
        choice = pd.Series("naive", index=scale.index)
    else:
        errs = pd.DataFrame({m: (cal[m] - cal.actual).abs() for m in CANDIDATES}).groupby(cal.unique_id).mean()
        choice = errs.idxmin(axis=1)
    points["selected_model"] = points.unique_id.map(choice)
    which = points.selected_model.map({m: i for i, m in enumerate(CANDIDATES)}).to_numpy()
    points["selected"] = np.choose(which, [points[m].to_numpy() for m in CANDIDATES])

    methods = list(METHODS)
    if drivers is not None and links:
        points["share"] = _share(points, data, drivers, links, horizon, windows, n_jobs)
        if points.share.notna().any():
            points["combination_where_share"] = points[DEFAULT].where(points.share.notna())
            methods += ["share", "combination_where_share"]
            notes.append(
                f"the exogenous driver (share of the driver's forecast) has {int(points.share.notna().sum())} "
                "backtest points where the driver has a figure at the origin; 'combination_where_share' is the "
                "default on the same points"
            )
    scored = points[points.scored]
    score_rows = []
    for m in methods:
        ase = (scored[m] - scored.actual).abs() / scored.scale
        score_rows.append(pd.DataFrame({"unique_id": scored.unique_id, "method": m, "h": scored.h, "ase": ase}))
    scores = (
        pd.concat(score_rows)
        .groupby(["unique_id", "method", "h"], as_index=False)
        .ase.mean()
        .rename(columns={"ase": "mase"})
    )
    finite = scores[np.isfinite(scores.mase)]
    overall = finite.groupby(["method", "h"], as_index=False).mase.agg(["mean", "median"]).reset_index(drop=True)
    overall = overall.rename(columns={"mean": "mase", "median": "mase_median"})
    overall["series"] = finite.groupby(["method", "h"]).size().to_numpy()
    overall["vs_naive"] = overall.mase / overall.h.map(overall[overall.method == "naive"].set_index("h").mase)
    overall = overall.round({"mase": 3, "mase_median": 3, "vs_naive": 3})
    overall["method"] = pd.Categorical(overall.method, methods, ordered=True)
    overall = overall.sort_values(["h", "method"]).reset_index(drop=True)
    overall["method"] = overall.method.astype(str)

    coverage = _coverage(points, origins)
    quantiles = _quantiles(points)
    return Backtest(
        points, scores, overall, coverage, quantiles, windows, evaluated, horizon, len(long_ids), short, notes
    )


VOLATILITY_YEARS = 20
MIN_VOLATILITY_YEARS = 6


def _volatility(values: pd.Series) -> float:
    """Spread of the yearly log changes over the last ``VOLATILITY_YEARS`` years: the median absolute
    deviation scaled to a standard deviation (1.4826), so one freak year does not widen every interval."""
    logs = np.log(values.to_numpy(dtype=float)[-(VOLATILITY_YEARS + 1) :])
    if len(logs) < MIN_VOLATILITY_YEARS:
        return float("nan")  # too few changes to say: the pool's median is used
    changes = np.diff(logs)
    mad = float(np.median(np.abs(changes - np.median(changes)))) * 1.4826
    return mad if mad > 0 else float(np.std(changes, ddof=1))


def _share(
    points: pd.DataFrame,
    data: pd.DataFrame,
    drivers: pd.DataFrame,
    links: dict[str, str],
    horizon: int,
    windows: int,
    n_jobs: int,
) -> pd.Series:
    """The driver model's backtest forecasts, aligned to ``points`` (missing where it has none)."""
    dpanel, _ = prepare(drivers[drivers.unique_id.isin(set(links.values()))])
    sizes = dpanel.groupby("unique_id").size()
    dpanel = dpanel[dpanel.unique_id.isin(sizes.index[sizes >= MIN_TRAIN + windows + horizon - 1])]
    if dpanel.empty:
        return pd.Series(np.nan, index=points.index)
    dcv = _cross_validation(dpanel, horizon, windows, n_jobs)
    dcv["driver_hat"] = np.exp(dcv[list(COMBINED)].mean(axis=1))
    dhat = dcv.set_index(["unique_id", "cutoff", "ds"]).driver_hat
    dval = dpanel.set_index(["unique_id", "year"]).value
    sval = data.set_index(["unique_id", "year"]).value
    driver = points.unique_id.map(links)
    keys_hat = pd.MultiIndex.from_arrays([driver, points.origin, points.year])
    keys_dval = pd.MultiIndex.from_arrays([driver, points.origin])
    keys_sval = pd.MultiIndex.from_arrays([points.unique_id, points.origin])
    share = sval.reindex(keys_sval).to_numpy() / dval.reindex(keys_dval).to_numpy()
    return pd.Series(share * dhat.reindex(keys_hat).to_numpy(), index=points.index)


def _quantiles(points: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for h, group in points.groupby("h"):
        for method, col in ((DEFAULT, "z"), ("naive", "z_naive")):
            errors = group[col].dropna().to_numpy()
            row = {"h": int(h), "method": method, "errors": len(errors)}
            for name, q in _interval_quantiles():
                row[name] = float(np.quantile(errors, q)) if len(errors) >= MIN_POOL else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def _coverage(points: pd.DataFrame, origins: np.ndarray) -> pd.DataFrame:
    """Share of scored points inside the interval calibrated on errors known at their origin."""
    rows = []
    for h, group in points.groupby("h"):
        errs_year = group.year.to_numpy()
        errs = group.z.to_numpy()
        hits = {level: [] for level in LEVELS}
        for origin in origins:
            now = group[(group.origin == origin) & group.scored]
            if now.empty:
                continue
            known = errs[errs_year <= origin]
            if len(known) < MIN_POOL:
                continue
            for level in LEVELS:
                a = (1 - level / 100) / 2
                lo, hi = np.quantile(known, [a, 1 - a])
                hits[level].append(((now.z >= lo) & (now.z <= hi)).to_numpy())
        for level in LEVELS:
            flat = np.concatenate(hits[level]) if hits[level] else np.array([], dtype=bool)
            rows.append(
                {
                    "level": level,
                    "h": int(h),
                    "points": len(flat),
                    "covered_pct": round(float(flat.mean() * 100), 2) if len(flat) else float("nan"),
                }
            )
    return pd.DataFrame(rows)


@dataclass
class Forecast(Result):
    """Forecasts per series for target years: ``point`` and interval bounds in the panel's unit."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"forecast": self.table}


def forecast(
    panel: pd.DataFrame,
    to_year: int,
    track: Backtest,
    *,
    method: str = DEFAULT,
    n_jobs: int = 1,
) -> Forecast:
    """Forecast each series of ``panel`` for ``to_year`` (``to_year - last year`` steps ahead).

    ``method``: ``combination`` (default), ``selected`` or a candidate. Series without a backtest
    take the naive method. Intervals come from ``track``'s pooled log-error quantiles at each
    series' horizon; where the pool is too small they are missing and said so.
    """
    if method not in METHODS:
        raise InputError(f"unknown forecast method {method!r}; methods: {', '.join(METHODS)}")
    last = panel.groupby("unique_id").year.max()
    if (last >= to_year).any():
        late = last[last >= to_year].index[0]
        raise InputError(f"series {late!r} already has a value for {to_year}: nothing to forecast")
    steps = (to_year - last).astype(int)
    backtested = set(track.points.unique_id) if len(track.points) else set()
    modelled = panel[panel.unique_id.isin(backtested)]
    if len(modelled):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = _statsforecast(n_jobs).forecast(df=_log_frame(modelled), h=int(steps[list(backtested)].max()))
        fc = fc.rename(columns={"ds": "year"})
        fc = fc[fc.year == to_year].set_index("unique_id")
        fc[DEFAULT] = fc[list(COMBINED)].mean(axis=1)
    # series without a backtest: naive, the last value
    lasts = panel.sort_values("year").groupby("unique_id").value.last()
    naive = pd.DataFrame({"naive": np.log(lasts[lasts.index.difference(backtested)])})
    fc = pd.concat([fc, naive]) if len(modelled) else naive
    choice = (
        track.points.drop_duplicates("unique_id").set_index("unique_id").selected_model if len(track.points) else None
    )
    q = track.quantiles.set_index(["h", "method"]) if len(track.quantiles) else None
    sigma = panel.sort_values("year").groupby("unique_id").value.apply(_volatility)
    sigma = sigma.fillna(sigma.median())
    rows, notes = [], []
    for uid in fc.index:
        h = int(steps[uid])
        if uid in backtested:
            used = choice[uid] if method == "selected" else method
            qmethod = DEFAULT
        else:
            used, qmethod = "naive", "naive"
        row = {"unique_id": uid, "year": to_year, "h": h, "method": used, "point": float(np.exp(fc.loc[uid, used]))}
        key = (h, qmethod)
        for name, _ in _interval_quantiles():
            bound = q.loc[key, name] if q is not None and key in q.index else float("nan")
            row[name] = row["point"] * float(np.exp(bound * sigma[uid]))
        row["backtested"] = uid in backtested
        rows.append(row)
    table = pd.DataFrame(rows)
    if table[[f"lo{LEVELS[0]}"]].isna().any().iloc[0]:
        notes.append(f"some horizons have fewer than {MIN_POOL} backtest errors: no interval is given there")
    return Forecast(table, notes)


def reconcile(
    S: np.ndarray,
    base: np.ndarray,
    residuals: np.ndarray,
) -> np.ndarray:
    """Coherent forecasts: ``S`` (rows: every series, aggregates first; columns: bottom series) maps
    bottom values to all rows; ``base`` the base forecasts of every row; ``residuals`` (rows x
    windows) their backtest errors in the same unit. Minimum trace with variance weights
    (hierarchicalforecast's ``MinTrace(method="wls_var")``): rows whose forecasts erred more move
    more; where that makes a flow negative, the non-negative variant. Returns reconciled values for every row; aggregates equal the sums of their bottoms."""
    from hierarchicalforecast.methods import MinTrace

    base = np.asarray(base, dtype=float).reshape(-1, 1)
    # the quadratic program of the non-negative solution fails silently on values of 1e12 and
    # variances of 1e22: solve in units of the largest forecast
    unit = float(np.abs(base).max()) or 1.0
    base, residuals = base / unit, np.asarray(residuals, dtype=float) / unit
    zero = np.zeros_like(residuals)
    out = MinTrace(method="wls_var").fit_predict(S=S, y_hat=base, y_insample=residuals, y_hat_insample=zero)
    if (out["mean"] < 0).any():
        # only then the quadratic program (its tolerance blurs series a millionth of the largest)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # qpsolvers: "converted matrix P to a sparse matrix"
            out = MinTrace(method="wls_var", nonnegative=True).fit_predict(
                S=S, y_hat=base, y_insample=residuals, y_hat_insample=zero
            )
    return np.asarray(out["mean"], dtype=float).ravel() * unit
