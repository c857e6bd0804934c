"""Forecasting kernel: series preparation, backtest bookkeeping, intervals, reconciliation.

Synthetic panels built here; the expected values are worked out by hand in each test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeflux.errors import InputError
from tradeflux.models import forecast as fc


def _panel(series: dict[str, list[float]], start: int = 1990) -> pd.DataFrame:
    rows = [
        {"unique_id": uid, "year": start + i, "value": v}
        for uid, values in series.items()
        for i, v in enumerate(values)
        if v is not None
    ]
    return pd.DataFrame(rows)


def test_prepare_keeps_the_stretch_after_a_gap_a_zero_or_a_negative_value():
    frame = _panel(
        {
            "gap": [1, 2, None, 4, 5, 6],  # 1992 missing
            "zero": [1, 2, 0, 4, 5],  # zero in 1992
            "negative": [1, -2, 3, 4],
            "single": [7.5],
            "clean": [1, 2, 3],
            "ends_in_zero": [1, 2, 0],
        }
    )
    panel, notes = fc.prepare(frame)
    years = panel.groupby("unique_id").year.agg(["min", "max", "size"])
    assert tuple(years.loc["gap"]) == (1993, 1995, 3)
    assert tuple(years.loc["zero"]) == (1993, 1994, 2)
    assert tuple(years.loc["negative"]) == (1992, 1993, 2)
    assert tuple(years.loc["single"]) == (1990, 1990, 1)
    assert tuple(years.loc["clean"]) == (1990, 1992, 3)
    assert "ends_in_zero" not in years.index
    assert notes == {
        "gap": "gap 1992-1992: modelled from 1993",
        "zero": "zero in 1992: modelled from 1993",
        "negative": "no positive value in 1991: modelled from 1992",
        "ends_in_zero": "zero in 1992, the last year: not modelled",
    }


def test_prepare_refuses_two_values_for_one_year():
    frame = pd.DataFrame({"unique_id": ["a", "a"], "year": [2000, 2000], "value": [1.0, 2.0]})
    with pytest.raises(InputError, match="two values for series 'a' in 2000: one figure per series and year"):
        fc.prepare(frame)


def test_prepare_names_missing_columns():
    with pytest.raises(InputError, match=r"missing \['value'\]"):
        fc.prepare(pd.DataFrame({"unique_id": ["a"], "year": [2000]}))


@pytest.fixture(scope="module")
def growing():
    """30 series growing 5% a year with multiplicative noise, 40 years each."""
    rng = np.random.default_rng(7)
    series = {}
    for i in range(30):
        noise = rng.normal(0, 0.08, 40)
        series[f"s{i:02d}"] = list(100 * (i + 1) * np.exp(np.cumsum(0.05 + noise)))
    return _panel(series, 1980)


def test_backtest_bookkeeping(growing):
    bt = fc.backtest(growing, horizon=2, windows=12, evaluated=6)
    assert bt.series == 30 and bt.short == []
    # 30 series x 12 origins x 2 horizons
    assert len(bt.points) == 30 * 12 * 2
    assert set(bt.points.h) == {1, 2}
    # the last origin is the last year minus the horizon; the scored ones are the last six
    assert bt.points.origin.max() == 2019 - 2
    assert sorted(bt.points[bt.points.scored].origin.unique()) == list(range(2012, 2018))
    # the combination is the geometric mean of theta and naive
    row = bt.points.iloc[5]
    assert row.combination == pytest.approx(np.sqrt(row.theta * row.naive), rel=1e-12)
    # MASE: mean absolute error over the scored origins over the mean absolute yearly change
    one = bt.points[(bt.points.unique_id == "s03") & bt.points.scored & (bt.points.h == 1)]
    history = growing[(growing.unique_id == "s03") & (growing.year <= 2012)].value.to_numpy()
    scale = np.abs(np.diff(history)).mean()
    mase = (one.naive - one.actual).abs().mean() / scale
    got = bt.scores[(bt.scores.unique_id == "s03") & (bt.scores.method == "naive") & (bt.scores.h == 1)].mase
    assert float(got.iloc[0]) == pytest.approx(mase, rel=1e-12)


def test_pooled_intervals_cover_about_their_level_on_a_random_walk_with_drift(growing):
    bt = fc.backtest(growing, horizon=1, windows=20, evaluated=10)
    # a true random walk with drift: the pooled 80% interval covers 70-90%, the 95% 88-98%
    assert 70 <= bt.covered(80) <= 90
    assert 88 <= bt.covered(95) <= 98


def test_short_series_are_forecast_naive_and_say_so(growing):
    short = _panel({"tiny": [5.0, 6.0, 7.0]}, 2017)
    panel = pd.concat([growing, short], ignore_index=True)
    bt = fc.backtest(panel, horizon=1, windows=12, evaluated=6)
    assert bt.short == ["tiny"]
    assert "1 series with fewer than 20 consecutive years have no backtest" in bt.notes[0]
    out = fc.forecast(panel, 2020, bt).table.set_index("unique_id")
    assert out.loc["tiny", "method"] == "naive"
    assert out.loc["tiny", "point"] == pytest.approx(7.0)
    assert not out.loc["tiny", "backtested"]
    assert out.loc["s00", "method"] == "combination"
    assert out.loc["s00", "lo80"] < out.loc["s00", "point"] < out.loc["s00", "hi80"]
    assert out.loc["s00", "lo95"] < out.loc["s00", "lo80"]


def test_forecast_refuses_a_target_year_the_data_already_have(growing):
    bt = fc.backtest(growing, horizon=1, windows=12, evaluated=6)
    with pytest.raises(InputError, match="already has a value for 2019: nothing to forecast"):
        fc.forecast(growing, 2019, bt)
    with pytest.raises(InputError, match="unknown forecast method 'arima'"):
        fc.forecast(growing, 2020, bt, method="arima")


def test_backtest_arguments_are_checked(growing):
    with pytest.raises(InputError, match=r"evaluated origins \(11\) cannot exceed windows \(10\)"):
        fc.backtest(growing, windows=10, evaluated=11)
    with pytest.raises(InputError, match="horizon must be at least 1 year, got 0"):
        fc.backtest(growing, horizon=0)


def test_reconciliation_is_exact_and_moves_the_noisier_forecast_more():
    # total = a + b; base forecasts disagree by 30
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    base = np.array([300.0, 100.0, 170.0])
    rng = np.random.default_rng(1)
    residuals = np.vstack([rng.normal(0, 1, 20), rng.normal(0, 10, 20), rng.normal(0, 10, 20)])
    out = fc.reconcile(S, base, residuals)
    assert out[0] == pytest.approx(out[1] + out[2], abs=1e-9)
    # the total erred least: it moves least (WLS: the gap of 30 is split in proportion to variances)
    assert abs(out[0] - 300) < abs(out[1] - 100)
    w = ((residuals / 300) ** 2).mean(axis=1) + 2e-8  # solved in units of the largest forecast
    gap = base[1] + base[2] - base[0]
    assert out[0] == pytest.approx(base[0] + gap * w[0] / w.sum(), rel=1e-9)


def test_the_exogenous_driver_candidate(growing):
    """Exports to a partner that are always a fifth of its imports: the share candidate forecasts a
    fifth of the driver's own default forecast, at every origin where the driver has a figure."""
    drivers = growing[growing.unique_id.isin(["s01", "s02"])].assign(unique_id=lambda d: "driver:" + d.unique_id)
    series = growing[growing.unique_id.isin(["s01", "s02"])].assign(value=lambda d: d.value / 5)
    bt = fc.backtest(series, windows=12, evaluated=6, drivers=drivers, links={"s01": "driver:s01"})
    own = fc.backtest(drivers, windows=12, evaluated=6)
    pts = bt.points.set_index(["unique_id", "origin"])
    want = own.points.set_index(["unique_id", "origin"]).combination
    for origin in (2008, 2018):
        assert pts.loc[("s01", origin), "share"] == pytest.approx(want.loc[("driver:s01", origin)] / 5, rel=1e-9)
    assert pts.loc["s02"].share.isna().all()  # no driver linked
    methods = set(bt.overall.method)
    assert {"share", "combination_where_share"} <= methods
    assert "the exogenous driver" in bt.notes[-1]
