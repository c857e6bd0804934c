"""Gravity benchmark: PPML with three fixed effects, tradeflux against pyfixest and statsmodels, same run.

Synthetic panels follow the fixest benchmark design: fixed effects with n/20, sqrt(n) and n^0.33
levels, two regressors, a Poisson outcome. Methods, each in its own process:

* ``tradeflux``: ``gravity.estimate_formula`` (separation checks, accounting, SEs);
* ``pyfixest``: ``pyfixest.fepois`` called directly (the engine tradeflux uses);
* ``statsmodels-dummies``: ``statsmodels`` GLM Poisson with one dummy column per fixed-effect
  level, what USITC's gme does. Run only where the dummy matrix fits in memory (reported otherwise).

Goal: tradeflux no slower than pyfixest by more than 10%. Prints a table; writes
``benchmarks/results/gravity.json``.

    python benchmarks/bench_gravity.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child, write

LOAD = "import sys, time, pandas as pd\ndata = pd.read_parquet(sys.argv[1])\n"
CHILD = {
    "tradeflux": LOAD
    + """from tradeflux import gravity
t = time.perf_counter()
r = gravity.estimate_formula(data, "y ~ x1 + x2 | fe1 + fe2 + fe3", vcov="hetero")
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
import json; print('EXTRA ' + json.dumps({'x1': round(float(r.coef['x1']), 6), 'nobs': r.nobs}), file=sys.stderr)
""",
    "pyfixest": LOAD
    + """import pyfixest as pf
t = time.perf_counter()
m = pf.fepois("y ~ x1 + x2 | fe1 + fe2 + fe3", data=data, vcov="hetero")
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
import json; print('EXTRA ' + json.dumps({'x1': round(float(m.coef()['x1']), 6), 'nobs': int(m._N)}), file=sys.stderr)
""",
    "statsmodels-dummies": LOAD
    + """import statsmodels.api as sm
t = time.perf_counter()
X = pd.get_dummies(data[['fe1', 'fe2', 'fe3']].astype(str), drop_first=True, dtype=float)
X[['x1', 'x2']] = data[['x1', 'x2']]
X = sm.add_constant(X)
m = sm.GLM(data['y'], X, family=sm.families.Poisson()).fit()
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
import json; print('EXTRA ' + json.dumps({'x1': round(float(m.params['x1']), 6), 'nobs': int(m.nobs)}), file=sys.stderr)
""",
}
DUMMY_CELL_LIMIT = 1.5e8  # dense dummy matrix cells (8 bytes each) statsmodels is allowed


def panel(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = (max(n // 20, 2), max(int(n**0.5), 2), max(int(n**0.33), 2))
    fe = [rng.integers(0, k, n) for k in sizes]
    effects = [rng.normal(0, 0.5, k) for k in sizes]
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    eta = 0.5 * x1 - 0.3 * x2 + sum(e[f] for e, f in zip(effects, fe, strict=True))
    return pd.DataFrame(
        {"y": rng.poisson(np.exp(eta)).astype(float), "x1": x1, "x2": x2, "fe1": fe[0], "fe2": fe[1], "fe3": fe[2]}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            data = panel(n)
            path = Path(tmp) / f"panel_{n}.parquet"
            data.to_parquet(path)
            levels = n // 20 + int(n**0.5) + int(n**0.33)
            for method in ("pyfixest", "tradeflux", "statsmodels-dummies"):
                if method == "statsmodels-dummies" and levels * n > DUMMY_CELL_LIMIT:
                    rows.append(
                        {
                            "rows": n,
                            "method": method,
                            "seconds": None,
                            "note": f"not run: {levels:,} dummy columns x {n:,} rows",
                        }
                    )
                    continue
                print(f"{n:,} rows: {method} ...", file=sys.stderr)
                rows.append({"rows": n, **run_child(method, CHILD[method], str(path))})
    for n in args.sizes:
        by = {r["method"]: r for r in rows if r["rows"] == n}
        base = by["pyfixest"]["seconds"]
        for r in by.values():
            r["x_pyfixest"] = round(r["seconds"] / base, 2) if r.get("seconds") else None
    print_table(rows, ["rows", "method", "seconds", "x_pyfixest", "peak_rss_mb", "x1", "nobs", "note"])
    ratios = {
        n: next(r["x_pyfixest"] for r in rows if r["rows"] == n and r["method"] == "tradeflux") for n in args.sizes
    }
    summary = {
        "results": rows,
        "tradeflux_vs_pyfixest": ratios,
        "goal": "tradeflux / pyfixest <= 1.10",
        "goal_met": all(v <= 1.10 for v in ratios.values()),
    }
    print(f"\ntradeflux / pyfixest: {ratios} (goal <= 1.10); goal met: {summary['goal_met']}")
    print(f"wrote {write('gravity', summary)}")


if __name__ == "__main__":
    main()
