"""General-equilibrium structural gravity: one sector, exact hat algebra, a scale-free solver.

The model (Anderson and van Wincoop; Yotov et al. 2016 ch. 2; the ``ge_gravity`` and ``gegravity``
formulations): with baseline flows ``X[i, j]`` from exporter ``i`` to importer ``j`` (domestic
flows on the diagonal), output ``Y_i = sum_j X_ij`` and expenditure ``E_j = sum_i X_ij``, a change in
trade costs enters as ``phi[i, j]``, the change in ``t_ij^(-theta)`` (``exp(beta * dz)`` for a
gravity coefficient ``beta``). With ``theta = sigma - 1`` the trade elasticity, the counterfactual
factory-gate prices ``w_hat`` solve market clearing

    w_i Y_i = sum_j pi_ij phi_ij w_i^-theta / P_j^-theta * E'_j,   P_j^-theta = sum_k pi_kj phi_kj w_k^-theta

with ``pi_ij = X_ij / E_j`` and expenditure held to the data's imbalance either multiplicatively
(``E'_j`` proportional to ``w_j E_j``, scaled so world expenditure equals world output) or additively (``E'_j = w_j Y_j + D_j``, ``D_j = E_j - Y_j`` fixed).
Prices are relative: the solution is normalised by a reference importer's price index
(``P_ref = 1``, the Advanced Guide's and gegravity's choice) or by world output.

The solver iterates on market clearing in shares, so it does not depend on the units of the flows
(no rescale factor to tune); it reports its residual and raises :class:`NotConverged` when the
residual does not fall below the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError, NotConverged, NotFound

__all__ = [
    "Baseline",
    "GEResult",
    "MRResult",
    "SectorBaseline",
    "SectorResult",
    "model_baseline",
    "monte_carlo",
    "resistances",
    "shock",
    "solve",
    "solve_mr",
    "solve_sectors",
]


@dataclass(frozen=True)
class Baseline:
    """A square trade matrix (exporters in rows, importers in columns, domestic flows included)."""

    countries: tuple[str, ...]
    X: np.ndarray

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, exporter: str = "exporter", importer: str = "importer", value: str = "trade"
    ) -> Baseline:
        wide = frame.pivot_table(index=exporter, columns=importer, values=value, aggfunc="sum")
        countries = sorted(set(wide.index) | set(wide.columns))
        wide = wide.reindex(index=countries, columns=countries)
        if wide.isna().any().any():
            missing = int(wide.isna().sum().sum())
            raise InputError(
                f"the baseline must be square with every pair, domestic flows included: {missing} pairs are missing"
            )
        X = wide.to_numpy(float)
        if (X < 0).any():
            raise InputError("trade flows must be non-negative")
        return cls(tuple(countries), X)

    @property
    def output(self) -> np.ndarray:
        return self.X.sum(axis=1)

    @property
    def expenditure(self) -> np.ndarray:
        return self.X.sum(axis=0)

    def index(self, code: str) -> int:
        try:
            return self.countries.index(code)
        except ValueError:
            raise NotFound(f"{code!r} is not in the baseline ({len(self.countries)} countries)") from None

    def phi(
        self, frame: pd.DataFrame, column: str, *, exporter: str = "exporter", importer: str = "importer"
    ) -> np.ndarray:
        """``exp(column)`` as a matrix: the change in ``t^-theta`` from a pair-level log effect."""
        wide = frame.pivot_table(index=exporter, columns=importer, values=column, aggfunc="first")
        wide = wide.reindex(index=list(self.countries), columns=list(self.countries)).fillna(0.0)
        return np.exp(wide.to_numpy(float))


class _Tabulated(Result):
    """GE results: a table per country and a table per pair."""

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"countries": self.countries_frame(), "pairs": self.pairs_frame()}


@dataclass
class GEResult(_Tabulated):
    """A counterfactual: price changes, new flows, and per-country and per-pair tables."""

    baseline: Baseline
    w_hat: np.ndarray
    P_hat: np.ndarray
    X_new: np.ndarray
    E_new: np.ndarray
    iterations: int
    residual: float
    closure: str
    theta: float

    @property
    def omr_hat(self) -> np.ndarray:
        """Change factor of the outward multilateral resistance (``Pi``, as ``P_hat`` is of ``P``).

        With full endowments output moves with the factory price, so market clearing
        ``Y_i / Y_w = (p_i Pi_i)^-theta`` gives ``Pi_hat = (w_hat / Yw_hat)^(-1/theta) / w_hat``.
        """
        world = self.X_new.sum() / self.baseline.X.sum()
        return (self.w_hat / world) ** (-1.0 / self.theta) / self.w_hat

    @property
    def real_gdp(self) -> np.ndarray:
        """Change factor of real output, ``w_hat / P_hat``."""
        return self.w_hat / self.P_hat

    @property
    def welfare(self) -> np.ndarray:
        """Change factor of welfare (ge_gravity's definition): real expenditure ``E'/E / P_hat`` with
        additive imbalances, the real wage ``w_hat / P_hat`` with multiplicative ones."""
        if self.closure == "multiplicative":
            return self.real_gdp
        return (self.E_new / self.baseline.expenditure) / self.P_hat

    @property
    def notes(self) -> list[str]:
        return [
            f"trade elasticity theta {self.theta:g}; imbalances held {self.closure}ly; "
            f"{self.iterations} iterations, market-clearing residual {self.residual:.2g}"
        ]

    def to_dict(self) -> dict:
        return {
            "notes": self.notes,
            "iterations": self.iterations,
            "residual": self.residual,
            "closure": self.closure,
            "theta": self.theta,
            "countries": jsonable(self.countries_frame()),
        }

    def countries_frame(self) -> pd.DataFrame:
        X0, X1 = self.baseline.X, self.X_new
        foreign0 = X0.sum(axis=1) - np.diag(X0)
        foreign1 = X1.sum(axis=1) - np.diag(X1)
        imports0 = X0.sum(axis=0) - np.diag(X0)
        imports1 = X1.sum(axis=0) - np.diag(X1)
        return pd.DataFrame(
            {
                "country": self.baseline.countries,
                "factory_price_pct": (self.w_hat - 1) * 100,
                "imr_pct": (self.P_hat - 1) * 100,
                "omr_pct": (self.omr_hat - 1) * 100,
                "real_gdp_pct": (self.real_gdp - 1) * 100,
                "welfare": self.welfare,
                "exports_pct": (foreign1 / foreign0 - 1) * 100,
                "imports_pct": (imports1 / imports0 - 1) * 100,
                "domestic_pct": (np.diag(X1) / np.diag(X0) - 1) * 100,
                "output_before": self.baseline.output,
                "output_after": X1.sum(axis=1),
                "balance_before": X0.sum(axis=1) - X0.sum(axis=0),
                "balance_after": X1.sum(axis=1) - X1.sum(axis=0),
            }
        )

    def pairs_frame(self) -> pd.DataFrame:
        n = len(self.baseline.countries)
        exp = np.repeat(self.baseline.countries, n)
        imp = np.tile(self.baseline.countries, n)
        before, after = self.baseline.X.ravel(), self.X_new.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(before > 0, (after / before - 1) * 100, np.nan)
        return pd.DataFrame(
            {"exporter": exp, "importer": imp, "trade_before": before, "trade_after": after, "change_pct": change}
        )


def solve(
    baseline: Baseline,
    phi: np.ndarray,
    theta: float,
    *,
    closure: Literal["multiplicative", "additive"] = "multiplicative",
    reference: str | None = None,
    tol: float = 1e-12,
    max_iter: int = 200_000,
) -> GEResult:
    """Full-endowment general equilibrium after trade costs change by ``phi`` (see the module docstring).

    ``reference``: the importer whose price index stays 1; without one, world output stays constant.
    """
    X = baseline.X
    n = len(baseline.countries)
    if phi.shape != (n, n):
        raise InputError(f"phi must be {n}x{n}, got {phi.shape}")
    if not np.isfinite(phi).all() or (phi <= 0).any():
        raise InputError("trade-cost changes (phi) must be finite and positive")
    if theta <= 0:
        raise InputError(f"theta (the trade elasticity, sigma - 1) must be positive, got {theta}")
    Y, E = X.sum(axis=1), X.sum(axis=0)
    scale = Y.sum()
    y, e = Y / scale, E / scale  # shares: the solver never sees the flows' units
    pi = X / E[None, :]
    a = pi * phi
    d = e - y
    ref = baseline.index(reference) if reference else None
    w = np.ones(n)
    residual = np.inf
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        wt = w ** (-theta)
        P_theta = (a * wt[:, None]).sum(axis=0)  # P_hat^-theta
        e_new = _expenditure(w, y, e, d, closure)
        sales = wt * (a / P_theta[None, :] * e_new[None, :]).sum(axis=1)
        excess = sales / (w * y)
        residual = float(np.max(np.abs(excess - 1)))
        if residual < tol:
            break
        w = w * excess ** (1.0 / (1.0 + theta))
        w = _normalise(w, a, theta, y, ref)
    if not residual < tol:  # NaN included: a NaN residual never counts as converged
        raise NotConverged(
            f"no equilibrium after {max_iter} iterations: market-clearing residual {residual:.3g} (tolerance {tol:g})"
        )
    w = _normalise(w, a, theta, y, ref)
    wt = w ** (-theta)
    P_theta = (a * wt[:, None]).sum(axis=0)
    e_new = _expenditure(w, y, e, d, closure) * scale
    X_new = a * wt[:, None] / P_theta[None, :] * e_new[None, :]
    return GEResult(baseline, w, P_theta ** (-1.0 / theta), X_new, e_new, iterations, residual, closure, theta)


def _expenditure(w: np.ndarray, y: np.ndarray, e: np.ndarray, d: np.ndarray, closure: str) -> np.ndarray:
    """Counterfactual expenditure shares. Multiplicative: each country keeps its ratio of expenditure to
    output, scaled so that world expenditure equals world output (Walras' law); additive: deficits fixed."""
    if closure == "multiplicative":
        out = w * e
        return out * (w * y).sum() / out.sum()
    if closure == "additive":
        return w * y + d
    raise InputError(f"closure must be 'multiplicative' or 'additive', not {closure!r}")


def _normalise(w: np.ndarray, a: np.ndarray, theta: float, y: np.ndarray, ref: int | None) -> np.ndarray:
    if ref is None:
        return w / (w * y).sum()
    P_ref = (a[:, ref] * w ** (-theta)).sum() ** (-1.0 / theta)
    return w / P_ref


def model_baseline(
    costs: np.ndarray, output: np.ndarray, expenditure: np.ndarray, *, tol: float = 1e-13, max_iter: int = 100_000
) -> np.ndarray:
    """Flows implied by trade costs and the data's output and expenditure (structural gravity).

    ``costs[i, j]`` is ``t_ij^(1 - sigma)`` (``exp(beta'z)`` from a gravity estimate). Solves the
    multilateral resistances and returns ``X_ij = Y_i E_j / Y_w * costs_ij / (Pi_i P_j)``, whose
    rows sum to output and columns to expenditure.
    """
    y = output / output.sum()
    e = expenditure / output.sum()
    P = np.ones(len(y))
    for _ in range(max_iter):
        Pi = costs @ (e / P)
        P_new = costs.T @ (y / Pi)
        P_new = P_new / np.exp(np.log(P_new).mean())  # the resistances are defined up to a scale
        if np.max(np.abs(P_new / P - 1)) < tol:
            P = P_new
            break
        P = P_new
    else:
        raise NotConverged("multilateral resistances did not converge")
    Pi = costs @ (e / P)
    return output.sum() * (y[:, None] * e[None, :]) * costs / (Pi[:, None] * P[None, :])


def shock(baseline: Baseline, pairs: Sequence[tuple[str, str]], log_effect: float) -> np.ndarray:
    """``phi`` for a log effect on the listed exporter-importer pairs (e.g. a new trade agreement)."""
    phi = np.ones_like(baseline.X)
    for exp, imp in pairs:
        phi[baseline.index(exp), baseline.index(imp)] = np.exp(log_effect)
    return phi


# ---- several sectors and tariffs that raise revenue ------------------------------------------------
@dataclass(frozen=True)
class SectorBaseline:
    """Flows by sector ``X[i, j, k]`` (exporter, importer, sector) valued before tariffs, with the ad
    valorem tariffs ``tariffs[i, j, k]`` in force (0.25 = 25%); domestic flows on the diagonal."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    X: np.ndarray
    tariffs: np.ndarray

    def __post_init__(self) -> None:
        n, s = len(self.countries), len(self.sectors)
        if self.X.shape != (n, n, s) or self.tariffs.shape != (n, n, s):
            raise InputError(f"X and tariffs must be {n}x{n}x{s} (exporter, importer, sector)")
        if (np.diagonal(self.tariffs, axis1=0, axis2=1) != 0).any():
            raise InputError("domestic flows cannot carry a tariff")

    @property
    def output(self) -> np.ndarray:
        return self.X.sum(axis=(1, 2))

    @property
    def revenue(self) -> np.ndarray:
        """Tariff revenue of each importer: sum of tariff x imports (pre-tariff value)."""
        return (self.tariffs * self.X).sum(axis=(0, 2))

    @property
    def expenditure(self) -> np.ndarray:
        """Spending at importers' prices (tariffs included)."""
        return (self.X * (1 + self.tariffs)).sum(axis=(0, 2))


@dataclass
class SectorResult(_Tabulated):
    """A counterfactual with several sectors and tariffs: price changes, new flows, revenue."""

    baseline: SectorBaseline
    w_hat: np.ndarray
    P_hat: np.ndarray  # by importer and sector
    X_new: np.ndarray
    tariffs_new: np.ndarray
    E_new: np.ndarray
    iterations: int
    residual: float

    @property
    def revenue(self) -> np.ndarray:
        return (self.tariffs_new * self.X_new).sum(axis=(0, 2))

    @property
    def welfare(self) -> np.ndarray:
        """Change factor of real expenditure: ``E'/E`` over the Cobb-Douglas price index of the sectors."""
        return self.E_new / self.baseline.expenditure / self.price_index

    @property
    def price_index(self) -> np.ndarray:
        """Change factor of each importer's consumer price index (the sectors' inward resistances,
        Cobb-Douglas weighted by baseline spending)."""
        spend = self.baseline.X * (1 + self.baseline.tariffs)
        alpha = spend.sum(axis=0) / spend.sum(axis=(0, 2))[:, None]
        return np.exp((alpha * np.log(self.P_hat)).sum(axis=1))

    @property
    def notes(self) -> list[str]:
        return [
            f"{len(self.baseline.sectors)} sectors; {self.iterations} iterations, "
            f"market-clearing residual {self.residual:.2g}"
        ]

    def to_dict(self) -> dict:
        return {
            "notes": self.notes,
            "iterations": self.iterations,
            "residual": self.residual,
            "sectors": list(self.baseline.sectors),
            "countries": jsonable(self.countries_frame()),
        }

    def countries_frame(self) -> pd.DataFrame:
        """Per country: prices, welfare, revenue, exports, imports, domestic sales and balances (flows' units)."""
        b = self.baseline
        X0, X1 = b.X.sum(axis=2), self.X_new.sum(axis=2)
        d0, d1 = np.diag(X0), np.diag(X1)
        return pd.DataFrame(
            {
                "country": b.countries,
                "factory_price_pct": (self.w_hat - 1) * 100,
                "price_index_pct": (self.price_index - 1) * 100,
                "welfare": self.welfare,
                "tariff_revenue_before": b.revenue,
                "tariff_revenue_after": self.revenue,
                "exports_before": X0.sum(axis=1) - d0,
                "exports_after": X1.sum(axis=1) - d1,
                "imports_before": X0.sum(axis=0) - d0,
                "imports_after": X1.sum(axis=0) - d1,
                "domestic_before": d0,
                "domestic_after": d1,
                "balance_after": X1.sum(axis=1) - X1.sum(axis=0),
            }
        )

    def pairs_frame(self, *, by_sector: bool = False) -> pd.DataFrame:
        """Trade before and after for every exporter-importer pair (and sector, if asked)."""
        b = self.baseline
        n, s = len(b.countries), len(b.sectors)
        if by_sector:
            before, after = b.X.ravel(), self.X_new.ravel()
            index = {
                "exporter": np.repeat(b.countries, n * s),
                "importer": np.tile(np.repeat(b.countries, s), n),
                "sector": np.tile(b.sectors, n * n),
            }
        else:
            before, after = b.X.sum(axis=2).ravel(), self.X_new.sum(axis=2).ravel()
            index = {"exporter": np.repeat(b.countries, n), "importer": np.tile(b.countries, n)}
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(before > 0, (after / before - 1) * 100, np.nan)
        return pd.DataFrame({**index, "trade_before": before, "trade_after": after, "change_pct": change})


def solve_sectors(
    baseline: SectorBaseline,
    theta: np.ndarray | Sequence[float],
    *,
    tariffs_new: np.ndarray | None = None,
    phi: np.ndarray | None = None,
    deficits_new: np.ndarray | None = None,
    closure: Literal["additive", "multiplicative"] = "additive",
    reference: str | None = None,
    tol: float = 1e-12,
    max_iter: int = 200_000,
) -> SectorResult:
    """General equilibrium with several sectors, each with its own trade elasticity, and tariffs as
    wedges that raise revenue (Caliendo and Parro 2015 without input-output links).

    One factor (``w_hat``, the factory-gate price) serves every sector; importers spend fixed shares
    of their income on each sector (Cobb-Douglas). Income = factor income + tariff revenue + deficit.
    Trade deficits are held ``additive`` (fixed in the flows' units) or ``multiplicative`` (each
    country's output plus deficit moves with its factory price, rescaled so deficits sum to zero:
    with one sector and no tariffs, :func:`solve`'s multiplicative closure). ``tariffs_new`` replaces the tariffs;
    ``phi`` (exporter x importer x sector) changes other trade costs (``t^-theta``);
    ``deficits_new`` (importer; expenditure minus income, in the flows' units, summing to zero) sets
    new trade imbalances, as in Dekle, Eaton and Kortum (2008). Without a ``reference`` importer,
    world output stays constant, which keeps deficits in the flows' units.
    """
    X, t0 = baseline.X, baseline.tariffs
    n, _, s = X.shape
    theta = np.broadcast_to(np.asarray(theta, float), (s,))
    if not np.isfinite(theta).all() or (theta <= 0).any():
        raise InputError("every sector's trade elasticity must be a finite positive number")
    t1 = t0 if tariffs_new is None else np.asarray(tariffs_new, float)
    if t1.shape != X.shape:
        raise InputError(f"tariffs_new must be {X.shape}")
    if not np.isfinite(t1).all() or (t1 <= -1).any():
        raise InputError("tariffs must be finite and above -100% (a rate of -1 or less makes prices zero or negative)")
    other = np.ones_like(X) if phi is None else phi
    scale = X.sum()
    x = X / scale
    spend = x * (1 + t0)  # at importers' prices
    sector_spend = spend.sum(axis=0)  # importer x sector
    pi = spend / np.where(sector_spend > 0, sector_spend, 1)[None, :, :]
    income = spend.sum(axis=(0, 2))
    alpha = sector_spend / income[:, None]
    y = x.sum(axis=(1, 2))
    deficit = income - y - (t0 * x).sum(axis=(0, 2))  # E = Y + R + D
    if closure not in ("additive", "multiplicative"):
        raise InputError(f"closure must be 'multiplicative' or 'additive', not {closure!r}")
    if deficits_new is not None and closure != "additive":
        raise InputError("deficits_new sets the new imbalances: use the additive closure with it")
    if deficits_new is not None:
        deficits_new = np.asarray(deficits_new, float)
        if abs(deficits_new.sum()) > 1e-9 * scale:
            raise InputError(f"new deficits must sum to zero across countries (they sum to {deficits_new.sum():.6g})")
        deficit = deficits_new / scale
    a = pi * other * ((1 + t1) / (1 + t0)) ** (-theta[None, None, :])
    ref = baseline.countries.index(reference) if reference else None
    base_deficit = deficit

    def deficits(w: np.ndarray) -> np.ndarray:
        if closure == "additive":
            return base_deficit
        moved = w * (y + base_deficit)
        return moved * (w * y).sum() / moved.sum() - w * y

    w = np.ones(n)
    residual, iterations = np.inf, 0
    while iterations < max_iter:
        iterations += 1
        X_new, e_new, P_theta = _sector_flows(w, a, theta, alpha, t1, y, deficits(w))
        excess = X_new.sum(axis=(1, 2)) / (w * y)
        residual = float(np.max(np.abs(excess - 1)))
        if residual < tol:
            break
        w = w * excess ** (1.0 / (1.0 + theta.mean()))
        w = (
            w / (w * y).sum()
            if ref is None
            else w / np.exp((alpha[ref] * np.log(P_theta[ref] ** (-1.0 / theta))).sum())
        )
    if not residual < tol:  # NaN included: a NaN residual never counts as converged
        raise NotConverged(
            f"no equilibrium after {max_iter} iterations: market-clearing residual {residual:.3g} (tolerance {tol:g})"
        )
    X_new, e_new, P_theta = _sector_flows(w, a, theta, alpha, t1, y, deficits(w))
    P_hat = P_theta ** (-1.0 / theta[None, :])
    return SectorResult(baseline, w, P_hat, X_new * scale, t1, e_new * scale, iterations, residual)


def _sector_flows(w, a, theta, alpha, t1, y, deficit):
    """Flows, income and price indices (``P_hat^-theta``) for factory prices ``w``, in shares."""
    wt = w[:, None] ** (-theta[None, :])  # exporter x sector
    weighted = a * wt[:, None, :]
    P_theta = weighted.sum(axis=0)  # importer x sector
    share = weighted / np.where(P_theta > 0, P_theta, 1)[None, :, :]
    # revenue is a fixed fraction rho of income given the shares: E = (wY + D) / (1 - rho)
    rho = (share * alpha[None, :, :] * t1 / (1 + t1)).sum(axis=(0, 2))
    e_new = (w * y + deficit) / (1 - rho)
    X_new = share * alpha[None, :, :] * e_new[None, :, None] / (1 + t1)
    return X_new, e_new, P_theta


# ---- uncertainty ---------------------------------------------------------------------------------
def monte_carlo(
    baseline: Baseline,
    phi_of: Callable[[np.ndarray], np.ndarray],
    beta: np.ndarray | Sequence[float],
    cov: np.ndarray,
    theta: float,
    *,
    draws: int = 1000,
    seed: int = 0,
    closure: Literal["multiplicative", "additive"] = "multiplicative",
    reference: str | None = None,
    quantiles: Sequence[float] = (0.025, 0.5, 0.975),
) -> pd.DataFrame:
    """Intervals on every country result from draws of the cost coefficients.

    ``beta`` and ``cov`` are the gravity estimates and their covariance; ``phi_of(beta)`` turns a
    draw into the cost change of the experiment. Returns, per country and result (every change in
    :meth:`GEResult.countries_frame`: prices, resistances, real GDP, welfare, exports, imports,
    domestic sales, output and balance after), the point estimate and the requested quantiles over
    the draws, plus how many draws did not converge (left out, and counted).
    """
    rng = np.random.default_rng(seed)
    beta = np.asarray(beta, float)
    samples = rng.multivariate_normal(beta, np.asarray(cov, float), size=draws)
    point = (
        solve(baseline, phi_of(beta), theta, closure=closure, reference=reference)
        .countries_frame()
        .set_index("country")
    )
    measures = [c for c in point.columns if c not in ("output_before", "balance_before")]
    results, failed = [], 0
    for b in samples:
        try:
            frame = solve(baseline, phi_of(b), theta, closure=closure, reference=reference).countries_frame()
        except NotConverged:
            failed += 1
            continue
        results.append(frame[measures].to_numpy())
    stack = np.stack(results)  # draw x country x measure
    rows = []
    for m, measure in enumerate(measures):
        qs = np.quantile(stack[:, :, m], quantiles, axis=0)
        for c, country in enumerate(baseline.countries):
            row = {"country": country, "measure": measure, "estimate": point.loc[country, measure]}
            row.update({f"q{q:g}": qs[k, c] for k, q in enumerate(quantiles)})
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(draws=draws, failed=failed)
    return out


# ---- the multilateral-resistance formulation (gegravity's) ----------------------------------------
@dataclass
class MRResult(_Tabulated):
    """Structural gravity in levels: multilateral resistances before and after, prices, modeled flows."""

    countries: tuple[str, ...]
    X: np.ndarray
    X_new: np.ndarray
    omr_hat: np.ndarray
    imr_hat: np.ndarray
    price_hat: np.ndarray
    iterations: int

    @property
    def notes(self) -> list[str]:
        return [f"structural gravity in levels (gegravity's formulation); {self.iterations} iterations"]

    def to_dict(self) -> dict:
        return {"notes": self.notes, "iterations": self.iterations, "countries": jsonable(self.countries_frame())}

    def countries_frame(self) -> pd.DataFrame:
        X0, X1 = self.X, self.X_new
        foreign0, foreign1 = X0.sum(axis=1) - np.diag(X0), X1.sum(axis=1) - np.diag(X1)
        imports0, imports1 = X0.sum(axis=0) - np.diag(X0), X1.sum(axis=0) - np.diag(X1)
        return pd.DataFrame(
            {
                "country": self.countries,
                "factory_price_pct": (self.price_hat - 1) * 100,
                "omr_pct": (self.omr_hat - 1) * 100,
                "imr_pct": (self.imr_hat - 1) * 100,
                "real_gdp_pct": (self.price_hat / self.imr_hat - 1) * 100,
                "welfare": self.imr_hat / self.price_hat,  # gegravity's welfare statistic: (E/P) / (E'/P')
                "exports_pct": (foreign1 / foreign0 - 1) * 100,
                "imports_pct": (imports1 / imports0 - 1) * 100,
                "domestic_pct": (np.diag(X1) / np.diag(X0) - 1) * 100,
            }
        )

    def pairs_frame(self) -> pd.DataFrame:
        n = len(self.countries)
        return pd.DataFrame(
            {
                "exporter": np.repeat(self.countries, n),
                "importer": np.tile(self.countries, n),
                "trade_before": self.X.ravel(),
                "trade_after": self.X_new.ravel(),
                "change_pct": (self.X_new.ravel() / self.X.ravel() - 1) * 100,
            }
        )


def resistances(
    costs: np.ndarray, y: np.ndarray, e: np.ndarray, ref: int, *, tol: float = 1e-15, max_iter: int = 100_000
) -> tuple[np.ndarray, np.ndarray, int]:
    """Outward and inward multilateral resistances (to the power 1 - sigma) with ``P_ref = 1``.

    ``y`` and ``e`` are output and expenditure shares (each summing to one).
    """
    P = np.ones(len(y))
    for iteration in range(1, max_iter + 1):
        Pi = costs @ (e / P)
        P_new = costs.T @ (y / Pi)
        P_new = P_new / P_new[ref]
        done = np.max(np.abs(P_new / P - 1)) < tol
        P = P_new
        if done:
            return costs @ (e / P), P, iteration
    raise NotConverged(f"multilateral resistances did not converge in {max_iter} iterations")


def solve_mr(
    countries: Sequence[str],
    costs: np.ndarray,
    output: np.ndarray,
    expenditure: np.ndarray,
    phi: np.ndarray,
    sigma: float,
    reference: str,
) -> MRResult:
    """Full-endowment counterfactual in gegravity's formulation (Herman, USITC; Yotov et al. 2016).

    ``costs`` is ``t^(1 - sigma)`` (``exp(beta'z)``), ``phi`` its change. Multilateral resistances
    are solved with output and expenditure shares at their baseline values, factory-gate prices
    move inversely to the outward resistance, and flows are
    ``X_ij = p_i Y_i p_j E_j / sum(p Y) * t_ij^(1-sigma) / (Pi_i P_j)``. With balanced trade this is
    the exact equilibrium of :func:`solve`; with imbalances it is gegravity's approximation, which
    does not clear every market exactly.
    """
    names = tuple(countries)
    ref = names.index(reference)
    y, e = output / output.sum(), expenditure / expenditure.sum()
    Pi0, P0, n0 = resistances(costs, y, e, ref)
    Pi1, P1, n1 = resistances(costs * phi, y, e, ref)
    power = 1.0 / (1.0 - sigma)
    omr_hat, imr_hat = (Pi1 / Pi0) ** power, (P1 / P0) ** power
    price = 1.0 / omr_hat
    X0 = np.outer(output, expenditure) / output.sum() * costs / np.outer(Pi0, P0)
    Y1, E1 = price * output, price * expenditure
    X1 = np.outer(Y1, E1) / Y1.sum() * costs * phi / np.outer(Pi1, P1)
    return MRResult(names, X0, X1, omr_hat, imr_hat, price, n0 + n1)
