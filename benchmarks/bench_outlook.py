"""Outlook benchmark: backtests of 10,000 synthetic partner x product series (30 years each,
5 rolling origins, one year ahead) with tradeflux's candidates (naive, drift, ETS, Theta) and its
bookkeeping (combination, per-series choice, MASE, pooled conformal coverage), beside the plain
statsforecast cross-validation of the same four models in the same run. Goal: tradeflux under
120 s on a 2-core machine; the ratio to plain statsforecast is its overhead. AutoARIMA is not a
candidate (about 55 ms a fit here: 25 minutes for this set). Prints a table; writes
``benchmarks/results/outlook.json``.

    python benchmarks/bench_outlook.py [--series 10000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child, write

SETUP = """
import sys, time, json
import numpy as np, pandas as pd
N, JOBS = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
years = np.arange(1995, 2025)
scale = np.exp(rng.normal(18, 2, N))
drift = rng.normal(0.04, 0.03, N)
vol = rng.uniform(0.03, 0.3, N)
logs = np.log(scale)[:, None] + np.cumsum(drift[:, None] + vol[:, None] * rng.standard_normal((N, len(years))), axis=1)
panel = pd.DataFrame({
    "unique_id": np.repeat([f"p{i // 100:03d}-h{i % 100:02d}" for i in range(N)], len(years)),
    "year": np.tile(years, N),
    "value": np.exp(logs).ravel(),
})
"""

TRADEFLUX = (
    SETUP
    + """
from tradeflux.models import forecast as fc
fc.backtest(panel.head(30 * 20), windows=5, evaluated=5, n_jobs=1)  # numba: compile once
t = time.perf_counter()
bt = fc.backtest(panel, windows=5, evaluated=5, n_jobs=JOBS)
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
m = bt.overall.set_index('method').mase
print('EXTRA ' + json.dumps({'mase_combination': round(float(m['combination']), 3),
      'mase_naive': round(float(m['naive']), 3), 'coverage80': bt.covered(80)}), file=sys.stderr)
"""
)

STATSFORECAST = (
    SETUP
    + """
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Naive, RandomWalkWithDrift, Theta
df = pd.DataFrame({'unique_id': panel.unique_id, 'ds': panel.year, 'y': np.log(panel.value)})
models = [Naive(), RandomWalkWithDrift(), AutoETS(season_length=1), Theta(season_length=1)]
StatsForecast(models=models, freq=1, n_jobs=1).cross_validation(df=df.head(30 * 20), h=1, n_windows=5)
t = time.perf_counter()
cv = StatsForecast(models=models, freq=1, n_jobs=JOBS).cross_validation(df=df, h=1, n_windows=5, step_size=1)
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    argv = (str(args.series), str(args.jobs))
    rows = [
        run_child("statsforecast cross_validation", STATSFORECAST, *argv),
        run_child("tradeflux backtest", TRADEFLUX, *argv),
    ]
    ratio = rows[1]["seconds"] / rows[0]["seconds"]
    for r in rows:
        r["vs_statsforecast"] = round(r["seconds"] / rows[0]["seconds"], 2)
    print(f"{args.series:,} series x 5 origins, one year ahead, {args.jobs} processes")
    print_table(rows, ["method", "seconds", "peak_rss_mb", "vs_statsforecast", "mase_combination", "mase_naive"])
    goal = rows[1]["seconds"] < 120
    print(f"tradeflux {rows[1]['seconds']:.1f} s (goal < 120 s: {'met' if goal else 'not met'}); overhead {ratio:.2f}x")
    path = write("outlook", {"series": args.series, "jobs": args.jobs, "rows": rows, "goal_met": goal})
    print(f"written {path}")


if __name__ == "__main__":
    main()
