"""PE benchmark: SMART over every US HS6 x partner line (2024: about 5,500 products x 51 partners)
for 100 tariff scenarios, tradeflux against a straightforward pandas implementation of the same
formulas, in the same run, with results checked equal. tradeflux's time excludes numba's one-off
compilation (or the load of its cached build), reported beside it.

Scenario ``s`` adds ``145 s / 99`` percent to China and a random 0-50% to each other partner (seed 0).
Both sides return, per scenario and partner, trade creation, diversion, imports after, tariff
revenue after, consumer surplus and welfare. Goal: tradeflux at least 20x faster. Prints a table;
writes ``benchmarks/results/pe.json``.

    python benchmarks/bench_pe.py [--scenarios 100]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child, write

DATA = os.environ.get("TRADEFLUX_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))

SETUP = """
import sys, time, json
import numpy as np, pandas as pd
from tradeflux import scenarios
lines = scenarios.pe_baseline(sys.argv[1])
S = int(sys.argv[2])
rng = np.random.default_rng(0)
keys, codes = np.unique(lines.partner.to_numpy(), return_inverse=True)
extra = rng.uniform(0, 50, (S, len(keys)))
extra[:, list(keys).index('CHN')] = np.linspace(0, 145, S)
new = np.ascontiguousarray(lines.tariff_pct.to_numpy()[None, :] + extra[:, codes])
EPS, SIGMA = -1.0, 1.5
def report(frame):
    chn = frame[(frame.scenario == S // 2) & (frame.partner == 'CHN')].iloc[0]
    check = {k: round(float(chn[k]), 1) for k in ('trade_creation', 'trade_diversion', 'welfare')}
    check['sum_welfare'] = round(float(frame.welfare.sum()), 0)
    print('EXTRA ' + json.dumps(check), file=sys.stderr)
"""

TRADEFLUX = (
    SETUP
    + """
from tradeflux.models import pe
t = time.perf_counter()
pe.Market(lines.head(200), importer='USA').sweep(np.ascontiguousarray(new[:2, :200]))  # numba: compile, or load the cached build
warm = time.perf_counter() - t
t = time.perf_counter()
market = pe.Market(lines, importer='USA')
out = market.sweep(new, pe.Elasticities(EPS, SIGMA))
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
report(out)
print('EXTRA ' + json.dumps({'compile_or_load_s': round(warm, 2)}), file=sys.stderr)
"""
)

PANDAS = (
    SETUP
    + """
t = time.perf_counter()
frames = []
base = lines[['product', 'partner', 'imports', 'tariff_pct']].copy()
for s in range(S):
    df = base.copy()
    df['t0'] = df.tariff_pct / 100
    df['t1'] = new[s] / 100
    df['tau'] = (df.t1 - df.t0) / (1 + df.t0)
    df['trade_creation'] = df.imports * EPS * df.tau
    df['w'] = (1 + SIGMA * (1 / (1 + df.tau) - 1)).clip(lower=0) * df.imports
    g = df.groupby('product')
    df['total'] = g.imports.transform('sum')
    df['weighted'] = g.w.transform('sum')
    df['trade_diversion'] = np.where(df.weighted > 0, df.w * df.total / df.weighted - df.imports, 0.0)
    df['imports_after'] = (df.imports + df.trade_creation + df.trade_diversion).clip(lower=0)
    df['revenue_after'] = df.t1 * df.imports_after
    dp = df.t1 - df.t0
    choked = df.trade_creation < -df.imports
    cs = -dp * (df.imports + df.trade_creation / 2)
    cs_choked = -dp * (df.imports / -df.trade_creation) * df.imports / 2
    df['consumer_surplus'] = np.where(choked, cs_choked, cs)
    df['welfare'] = df.consumer_surplus + df.revenue_after - df.t0 * df.imports
    cols = ['trade_creation', 'trade_diversion', 'imports_after', 'revenue_after', 'consumer_surplus', 'welfare']
    frames.append(df.groupby('partner')[cols].sum().reset_index().assign(scenario=s))
out = pd.concat(frames, ignore_index=True)
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
report(out)
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100)
    args = parser.parse_args()
    n = str(args.scenarios)
    rows = [run_child("tradeflux", TRADEFLUX, DATA, n), run_child("pandas", PANDAS, DATA, n)]
    speedup = rows[1]["seconds"] / rows[0]["seconds"]
    memory = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    keys = ("trade_creation", "trade_diversion", "welfare", "sum_welfare")
    equal = all(abs(rows[0][k] - rows[1][k]) <= 1e-6 * max(1.0, abs(rows[1][k])) for k in keys)
    print_table(rows, ["method", "seconds", "peak_rss_mb", *keys, "compile_or_load_s"])
    summary = {
        "scenarios": args.scenarios,
        "results": rows,
        "pandas_over_tradeflux_time": round(speedup, 1),
        "pandas_over_tradeflux_memory": round(memory, 2),
        "equal_results": equal,
        "goal": ">= 20x faster at equal results",
        "goal_met": speedup >= 20 and equal,
    }
    print(f"\npandas / tradeflux: time {speedup:.1f}x, peak memory {memory:.2f}x; equal results: {equal}")
    print(f"goal met: {summary['goal_met']}")
    print(f"wrote {write('pe', summary)}")


if __name__ == "__main__":
    main()
