"""SMART over many scenarios in one fused pass, compiled with numba when it is installed.

The formulas are those of :func:`tradeflux.pe._smart_arrays` with fixed world prices. The kernel
reads lines in the caller's order (sequential memory), gathers each product's weighted imports in
a small per-product accumulator, then adds each line's effects into its group's row: no
scenario-by-line array is ever held.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - the numpy path in pe.Market.sweep runs instead
    numba = None

SWEEP_COLUMNS = ("trade_creation", "trade_diversion", "imports_after", "revenue_after", "consumer_surplus", "welfare")


def _sweep(m, t0, t1_pct, product, total, keys, eps, sigma, n_keys, n_blocks):  # pragma: no cover - compiled
    n_scenarios, n_lines = t1_pct.shape
    out = np.zeros((n_scenarios, 6, n_keys))
    inv = 1.0 / (1.0 + t0)
    # one block of scenarios per thread, so each thread allocates its scratch once
    for block in numba.prange(n_blocks):
        tau = np.empty(n_lines)
        weight = np.empty(n_lines)
        weighted = np.empty(total.shape[0])
        for s in range(block, n_scenarios, n_blocks):
            weighted[:] = 0.0
            for line in range(n_lines):
                tau[line] = (t1_pct[s, line] * 0.01 - t0[line]) * inv[line]
                weight[line] = max(1.0 + sigma[line] * (1.0 / (1.0 + tau[line]) - 1.0), 0.0)
                weighted[product[line]] += m[line] * weight[line]
            for g in range(total.shape[0]):
                weighted[g] = total[g] / weighted[g] if weighted[g] > 0.0 else -1.0
            for line in range(n_lines):
                mm = m[line]
                t1 = t1_pct[s, line] * 0.01
                scale = weighted[product[line]]
                creation = mm * eps[line] * tau[line]
                diversion = mm * weight[line] * scale - mm if scale >= 0.0 else 0.0
                after = max(mm + creation + diversion, 0.0)
                dp = t1 - t0[line]
                choked = creation < -mm
                consumer = -dp * (mm / -creation) * mm / 2.0 if choked else -dp * (mm + creation / 2.0)
                revenue = t1 * after
                k = keys[line]
                out[s, 0, k] += creation
                out[s, 1, k] += diversion
                out[s, 2, k] += after
                out[s, 3, k] += revenue
                out[s, 4, k] += consumer
                out[s, 5, k] += consumer + revenue - t0[line] * mm
    return out


sweep_fixed_prices = numba.njit(parallel=True, cache=True)(_sweep) if numba is not None else None


def threads() -> int:
    return numba.get_num_threads() if numba is not None else 1
