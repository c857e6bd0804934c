"""GE benchmark: the gegravity counterfactual solved by tradeflux and by gegravity in the same run,
plus a 200-country, 20-sector synthetic world and 1,000 Monte Carlo draws of the 69-country model.

Goal: tradeflux at least 10x faster than gegravity at equal results. Prints a table; writes
``benchmarks/results/ge.json``.

    python benchmarks/bench_ge.py [--draws 1000]
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
import sys, time, json, warnings
warnings.simplefilter('ignore')
import numpy as np, pandas as pd
data = pd.read_csv(sys.argv[1] + '/gegravity-sample/sample_gravity_data_2006.csv')
coef = {'lndist': -0.3898623, 'contiguity': 0.891577, 'common_language': 0.0326249, 'pta': 0.4711383, 'international': -3.412584}
"""

TRADEFLUX = (
    SETUP
    + """
from tradeflux.models import ge
t = time.perf_counter()
for _ in range(20):  # repeated: one solve takes milliseconds
    countries = sorted(data.exporter.unique())
    cost = data.assign(c=sum(data[k] * v for k, v in coef.items())).pivot_table(index='exporter', columns='importer', values='c')
    costs = np.exp(cost.reindex(index=countries, columns=countries).to_numpy())
    Y = data.groupby('exporter').Y.first().reindex(countries).to_numpy(float)
    E = data.groupby('importer').E.first().reindex(countries).to_numpy(float)
    phi = np.ones_like(costs); c, j = countries.index('CAN'), countries.index('JPN'); phi[c, j] = phi[j, c] = np.exp(coef['pta'])
    r = ge.solve_mr(countries, costs, Y, E, phi, sigma=5.0, reference='DEU')
print('SECONDS', (time.perf_counter() - t) / 20, file=sys.stderr)
gdp = r.countries_frame().set_index('country').real_gdp_pct['CAN']
print('EXTRA ' + json.dumps({'can_gdp_pct': round(float(gdp), 6)}), file=sys.stderr)
"""
)

GEGRAVITY = (
    SETUP
    + """
import gegravity as gg
t = time.perf_counter()
est = pd.DataFrame({'var': list(coef), 'coeff': list(coef.values())})
base = gg.BaselineData(data, trade_var_name='trade', expend_var_name='E', output_var_name='Y')
m = gg.OneSectorGE(base, year='2006', reference_importer='DEU', sigma=5, expend_var_name='E', output_var_name='Y',
                   cost_variables=list(coef), cost_coeff_values=gg.CostCoeffs(est, identifier_col='var', coeff_col='coeff'), quiet=True)
m.build_baseline(omr_rescale=100)  # 1, 0.1 and 10 fail on this data with this version
x = m.baseline_data.copy()
x.loc[(x.importer == 'CAN') & (x.exporter == 'JPN'), 'pta'] = 1
x.loc[(x.importer == 'JPN') & (x.exporter == 'CAN'), 'pta'] = 1
m.define_experiment(x)
m.simulate()
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
gdp = m.country_results.loc['CAN', 'GDP change (percent)']
print('EXTRA ' + json.dumps({'can_gdp_pct': round(float(gdp), 6)}), file=sys.stderr)
"""
)

LARGE = """
import sys, time, json
import numpy as np
from tradeflux.models import ge
rng = np.random.default_rng(0)
n, s = 200, 20
X = rng.lognormal(0, 2, (n, n, s)); X[np.arange(n), np.arange(n), :] *= 50
t0 = np.where(np.eye(n)[:, :, None] == 1, 0.0, 0.05) * np.ones((1, 1, s))
b = ge.SectorBaseline(tuple(f'C{i:03d}' for i in range(n)), tuple(f'S{k}' for k in range(s)), X, t0)
t1 = t0.copy(); t1[0, 1:, :] += 0.25
t = time.perf_counter()
r = ge.solve_sectors(b, rng.uniform(2, 12, s), tariffs_new=t1)
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
print('EXTRA ' + json.dumps({'iterations': r.iterations, 'residual': r.residual}), file=sys.stderr)
"""

MONTE_CARLO = """
import sys, time, json, warnings
warnings.simplefilter('ignore')
import numpy as np
from tradeflux.models import ge
from tradeflux.scenarios import checks as ge_checks
import pandas as pd
from pathlib import Path
frame, fit = ge_checks.borders_inputs(Path(sys.argv[1]))
base = ge.Baseline.from_frame(frame, value='fitted')
border = pd.pivot_table(frame, index='exporter', columns='importer', values='INTL_BRDR').reindex(index=base.countries, columns=base.countries).to_numpy()
k = list(fit.coef.index).index('INTL_BRDR')
t = time.perf_counter()
out = ge.monte_carlo(base, lambda b: np.exp(-b[0] * border), [fit.coef['INTL_BRDR']], fit.vcov.iloc[[k], [k]].to_numpy(), theta=6.0,
                     draws=int(sys.argv[2]), reference='DEU')
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
usa = out[(out.country == 'USA') & (out.measure == 'real_gdp_pct')].iloc[0]
print('EXTRA ' + json.dumps({'ci_95': [round(usa['q0.025'], 3), round(usa['q0.975'], 3)], 'failed': out.attrs['failed']}), file=sys.stderr)
"""

GOODS_MC = """
import sys, time, json, warnings
warnings.simplefilter('ignore')
import numpy as np
import pandas as pd
from tradeflux.models import ge
from tradeflux.scenarios import inputs
goods, _ = inputs.goods_baseline(2019, sys.argv[1])
c = goods.countries
X = goods.X[:, :, 0]
base = ge.Baseline.from_frame(pd.DataFrame([(c[i], c[j], X[i, j]) for i in range(len(c)) for j in range(len(c))],
                                           columns=['exporter', 'importer', 'trade']))
rules, weights = inputs.load_rules(sys.argv[1]), inputs.us_imports_by_partner(sys.argv[1])
addon = {p: rules.average(p, w.reset_index(drop=True), '2025-11-10') / 100 for p, w in weights.groupby('iso3')}
us = c.index('USA')
change = np.zeros((len(c), len(c)))
for i, code in enumerate(c):
    if i != us:
        change[i, us] = addon.get(code, addon.get('EUU', 0.0))
t0 = goods.tariffs[:, :, 0]
t = time.perf_counter()
# draws of the pass-through of the truce duties (mean 1, sd 0.1): trade costs (1 + t0 + b x change) / (1 + t0)
out = ge.monte_carlo(base, lambda b: ((1 + t0 + b[0] * change) / (1 + t0)) ** -4.0, [1.0], [[0.01]], theta=4.0,
                     draws=int(sys.argv[2]), closure='additive')
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
chn = out[(out.country == 'VNM') & (out.measure == 'exports_pct')].iloc[0]
print('EXTRA ' + json.dumps({'ci_95': [round(chn['q0.025'], 3), round(chn['q0.975'], 3)], 'failed': out.attrs['failed']}), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    rows = [
        {"case": "CAN-JPN PTA (30 countries)", **run_child("tradeflux", TRADEFLUX, DATA)},
        {"case": "CAN-JPN PTA (30 countries)", **run_child("gegravity", GEGRAVITY, DATA)},
        {"case": "200 countries x 20 sectors, tariffs", **run_child("tradeflux", LARGE)},
        {
            "case": f"{args.draws} Monte Carlo draws, 69 countries (USA real GDP CI)",
            **run_child("tradeflux", MONTE_CARLO, DATA, str(args.draws)),
        },
        {
            "case": f"{args.draws} draws, goods 2019, 80 economies, truce duties (VNM exports CI)",
            **run_child("tradeflux", GOODS_MC, DATA, str(args.draws)),
        },
    ]
    speedup = rows[1]["seconds"] / rows[0]["seconds"]
    equal = abs(rows[0]["can_gdp_pct"] - rows[1]["can_gdp_pct"]) < 1e-4
    print_table(rows, ["case", "method", "seconds", "peak_rss_mb", "can_gdp_pct", "iterations", "ci_95"])
    summary = {
        "results": rows,
        "gegravity_over_tradeflux": round(speedup, 1),
        "equal_results": equal,
        "goal": ">= 10x at equal results",
        "goal_met": speedup >= 10 and equal,
    }
    print(f"\ngegravity / tradeflux = {speedup:.0f}x; equal results: {equal}; goal met: {summary['goal_met']}")
    print(f"wrote {write('ge', summary)}")


if __name__ == "__main__":
    main()
