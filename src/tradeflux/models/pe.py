"""Partial equilibrium at the product level: SMART (one importing market) and GSIM (several).

SMART, the World Bank/UNCTAD model explained by Jammes and Olarreaga (2005, "Explaining SMART and
GSIM"): each product (HS6 or finer) imported from different partners is an Armington variety;
import values are quantities at a world price of 1; the domestic price of partner ``c``'s variety
is ``p_c (1 + t_c)``. With ``tau_c = (t1_c - t0_c) / (1 + t0_c)`` the relative change in the tariff
factor and the elasticities

* ``import_demand`` ``eps < 0``: the import demand elasticity of the product,
* ``substitution`` ``sigma >= 0``: between partners' varieties of the product,
* ``export_supply`` ``beta > 0``: of each partner's variety (``inf``, the default, fixes world prices),

the effects on each line (partner ``c`` of a product) are, in USD at baseline world prices:

``world price change``  ``w_c = eps tau_c / (beta - eps)`` (zero when supply is infinitely elastic)

``trade creation``      ``TC_c = m_c eps tau_c / (1 - eps / beta)``; with ``beta = inf``, J&O's
                        ``m_c eps dt_c / (1 + t_c)``

``trade diversion``     with the domestic price ratio ``pi_c = (1 + w_c)(1 + t1_c) / (1 + t0_c)``,
                        relative quantities move linearly in relative prices,
                        ``m'_c / m'_k = (m_c / m_k)(1 + sigma y)`` with ``y`` the relative change
                        of ``p_k / p_c``, holding total imports of the product at their baseline.
                        For a change on one partner (or one group) against unchanged others this
                        is J&O's closed form ``TD_c = m_c m_o sigma y / (m_c + m_o + m_c sigma y)``;
                        with several changes each variety gets weight ``max(0, 1 + sigma (1/pi_c - 1))``
                        and ``TD_c = M s_c w_c / sum_k s_k w_k - m_c``: diversion sums to zero in
                        every market and never takes more than a partner sells (WITS's ceiling).

``imports after``       ``max(0, m_c + TC_c + TD_c)`` quantity; a line whose linear effects would
                        turn negative is cut at zero and flagged ``floored``.

``tariff revenue``      before ``t0_c m_c``, after ``t1_c m'_c (1 + w_c)``

``consumer surplus``    ``-dp_c (m_c + TC_c / 2)`` with ``dp_c = (1 + w_c)(1 + t1_c) - (1 + t0_c)``
                        (the linear-demand trapezoid on the product's own-price response; diversion
                        moves spending between varieties); past the choke price (``TC_c < -m_c``)
                        the whole triangle ``m_c dp*_c / 2`` with ``dp*_c = dp_c m_c / -TC_c``

``welfare``             consumer surplus + revenue change (the importer's side; exporters' surplus
                        ``w_c (m_c + (m'_c - m_c) / 2)`` is reported separately)

``form="constant"`` replaces the linear responses by powers for large changes: own-price imports
``m_c pi_c^eps`` (with ``1 + w_c = (1 + tau_c)^(eps / (beta - eps))``), diversion by CES shares of
those imports, ``q_c pi_c^-sigma / sum_k q_k pi_k^-sigma`` at their total, consumer surplus
``-m_c p0_c (pi_c^(1 + eps) - 1) / (1 + eps)``; it agrees with the linear form to first order.

GSIM (Francois and Hall 2003, the multi-market extension J&O describe) lets several importers change
tariffs at once: each exporter's world price clears its sales to all markets. It is solved here in
its log-linear form, product by product: in market ``j`` with import shares ``s_ij``,
``P_j = sum_i s_ij (w_i + tau_ij)`` and ``m^_ij = eps_j P_j - sigma_j (w_i + tau_ij - P_j)``; an
exporter's supply ``beta_i w_i x_i = sum_j m_ij m^_ij`` gives a linear system in the ``w_i``. In one
market with fixed world prices, GSIM's market-wide change equals the sum of SMART's trade creation.

Defaults, each a statement the results carry: ``sigma = 1.5`` (the WITS-SMART default substitution
elasticity), ``beta = inf`` (WITS uses 99 for "infinite"), ``eps = -1.0`` (unit elastic: a neutral
choice, not an estimate; supply product estimates, e.g. Kee, Nicita and Olarreaga 2008, with
:func:`tradeflux.scenarios.inputs.elasticities_from_file`). :func:`sigma_by_hs3` gives per-product substitution elasticities
from Broda and Weinstein (2006).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from tradeflux._results import Result
from tradeflux.errors import InputError
from tradeflux.models import _pe_kernel as _kernel

__all__ = [
    "DEFAULT_EXPORT_SUPPLY",
    "DEFAULT_IMPORT_DEMAND",
    "DEFAULT_SUBSTITUTION",
    "FORMS",
    "LINE_COLUMNS",
    "PARAMETERS",
    "Elasticities",
    "Market",
    "PEResult",
    "elasticities_by_prefix",
    "gsim",
    "sigma_by_hs3",
    "smart",
]


DEFAULT_IMPORT_DEMAND = -1.0
DEFAULT_SUBSTITUTION = 1.5
DEFAULT_EXPORT_SUPPLY = math.inf
PARAMETERS = {
    "import_demand": ("import demand", DEFAULT_IMPORT_DEMAND, "unit elastic: a neutral assumption, not an estimate"),
    "substitution": ("substitution", DEFAULT_SUBSTITUTION, "the WITS-SMART default"),
    "export_supply": ("export supply", DEFAULT_EXPORT_SUPPLY, "fixed world prices; WITS uses 99"),
}
LINE_COLUMNS = ("product", "partner", "imports", "tariff_pct", "new_tariff_pct")
Form = Literal["linear", "constant"]
FORMS = ("linear", "constant")


@dataclass(frozen=True)
class Elasticities:
    """Scalars for every line, or arrays aligned with a market's lines; ``origin`` says where a
    parameter comes from (parameter name -> text) when it is not the documented default."""

    import_demand: float | np.ndarray = DEFAULT_IMPORT_DEMAND
    substitution: float | np.ndarray = DEFAULT_SUBSTITUTION
    export_supply: float | np.ndarray = DEFAULT_EXPORT_SUPPLY
    origin: tuple[tuple[str, str], ...] = ()

    def check(self) -> None:
        eps, sigma, beta = (np.asarray(v, float) for v in (self.import_demand, self.substitution, self.export_supply))
        if np.isnan(eps).any() or (eps > 0).any():
            raise InputError(
                "import demand elasticities must be negative or zero (a price rise lowers imports); "
                f"got {float(np.nanmax(eps)) if not np.isnan(eps).all() else 'NaN'}"
            )
        if np.isnan(sigma).any() or (sigma < 0).any():
            raise InputError(f"substitution elasticities must be zero or positive; got {float(np.nanmin(sigma))}")
        if np.isnan(beta).any() or (beta <= 0).any():
            raise InputError(
                f"export supply elasticities must be positive (inf for fixed world prices); got {float(np.nanmin(beta))}"
            )

    def replace(self, parameter: str, value: float | np.ndarray, origin: str) -> Elasticities:
        """These elasticities with one parameter replaced, and where the new values come from."""
        origins = {**dict(self.origin), parameter: origin}
        return dataclasses.replace(self, **{parameter: value}, origin=tuple(origins.items()))

    @property
    def note(self) -> str:
        """What the results were computed with, and where each value comes from."""
        given = dict(self.origin)
        parts = []
        for name, (label, default, why) in PARAMETERS.items():
            values = np.asarray(getattr(self, name), float)
            shown = (
                f"{float(values):g}" if values.ndim == 0 else f"{np.nanmin(values):g} to {np.nanmax(values):g} by line"
            )
            if name not in given:
                given[name] = why if values.ndim == 0 and float(values) == default else "as given"
            parts.append(f"{label} {shown} ({given[name]})")
        return "elasticities: " + "; ".join(parts)

    def with_table(self, table: pd.DataFrame, origin: str) -> Elasticities:
        """Per-line values from ``table`` (one row per line, NaN where it has none, as
        :func:`elasticities_by_prefix` gives); lines it misses keep these."""
        out = self
        n = len(table)
        for column in table.columns:
            default = np.broadcast_to(np.asarray(getattr(self, column), float), (n,))
            matched = int(table[column].notna().sum())
            values = table[column].fillna(pd.Series(default)).to_numpy(float)
            out = out.replace(column, values, f"{origin} on {matched} of {n} lines, the rest as before")
        return out

    def for_lines(self, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out = []
        for value in (self.import_demand, self.substitution, self.export_supply):
            arr = np.asarray(value, float)
            out.append(arr[order] if arr.ndim and order is not None else arr)
        return tuple(out)


@dataclass
class PEResult(Result):
    """Per-line effects (USD) and what produced them; aggregate with :meth:`by`."""

    lines: pd.DataFrame
    model: str
    elasticities: str
    notes: list[str] = field(default_factory=list)

    EFFECTS = (
        "imports",
        "trade_creation",
        "trade_diversion",
        "imports_after",
        "imports_value_after",
        "revenue_before",
        "revenue_after",
        "consumer_surplus",
        "welfare",
        "exporter_surplus",
    )
    MARKET = (
        "imports",
        "trade_creation",
        "imports_after",
        "revenue_before",
        "revenue_after",
        "consumer_surplus",
        "welfare",
    )

    def by(self, *keys: str) -> pd.DataFrame:
        """Effects summed by any columns (``"partner"``, ``"hs2"``, ``"hs4"``, ``"product"``...)."""
        lines = self.lines
        for key in keys:
            if key in ("hs2", "hs4") and key not in lines:
                lines = lines.assign(**{key: lines["product"].str[: int(key[2:])]})
        cols = [c for c in self.EFFECTS if c in lines]
        if not keys:
            out = lines[cols].sum().to_frame().T
        else:
            out = lines.groupby(list(keys), sort=False, observed=True)[cols].sum().reset_index()
        out["total_effect"] = out.imports_after - out.imports
        if "trade_diversion" in out:
            # what cutting linear imports at zero adds back: creation + diversion + floor_adjustment = total
            out["floor_adjustment"] = out.total_effect - out.trade_creation - out.trade_diversion
        out["change_pct"] = np.where(
            out.imports > 0, out.total_effect / out.imports.where(out.imports > 0) * 100, np.nan
        )
        return out

    def market(self) -> pd.DataFrame:
        """One row: the market's imports before and after, revenue, surplus and welfare (USD)."""
        return self.by()[list(self.MARKET)]

    def totals(self) -> dict:
        row = self.by().iloc[0].to_dict()
        row["floored_lines"] = int(self.lines["floored"].sum()) if "floored" in self.lines else 0
        return {k: float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v for k, v in row.items()}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"market": self.market(), "partners": self.by("partner"), "lines": self.lines}

    def to_dict(self, top: int = 20) -> dict:
        partners = self.by("partner").sort_values("total_effect")
        return {
            "model": self.model,
            "elasticities": self.elasticities,
            "notes": self.notes,
            "totals": self.totals(),
            "by_partner": partners.to_dict(orient="records"),
            "top_products_gaining": self.by("product", "partner")
            .query("total_effect > 0")
            .nlargest(top, "total_effect")
            .to_dict(orient="records"),
        }


class Market:
    """The baseline lines of one importing market, sorted by product, ready for many scenarios.

    ``lines`` has ``product``, ``partner``, ``imports`` (USD, at world prices) and ``tariff_pct``
    (the baseline ad valorem rate, percent). A partner appears at most once per product.
    """

    def __init__(self, lines: pd.DataFrame, *, name: str = "market", importer: str = "") -> None:
        _check_lines(lines, ("product", "partner", "imports", "tariff_pct"), name)
        product, _ = pd.factorize(lines["product"].astype(str), sort=True)
        partner, partners = pd.factorize(lines["partner"].astype(str), sort=True)
        order = np.lexsort((partner, product))
        pair = product[order] * len(partners) + partner[order]
        dup = np.flatnonzero(pair[1:] == pair[:-1])
        if len(dup):
            row = lines.iloc[order[dup[0] + 1]]
            raise InputError(f"{name}: partner {row.partner} appears twice for product {row['product']}")
        self.order = order
        self.lines = lines.iloc[order].reset_index(drop=True)
        self.importer = importer
        self.name = name
        sorted_products = product[order]
        starts = np.flatnonzero(np.r_[True, sorted_products[1:] != sorted_products[:-1]])
        self.starts = starts
        self.group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(order)]))
        self.imports = pd.to_numeric(self.lines["imports"]).to_numpy(float)
        self.t0 = pd.to_numeric(self.lines["tariff_pct"]).to_numpy(float) / 100
        # the same in the caller's row order, for the compiled sweep
        self._caller = (self.imports[np.argsort(order)], self.t0[np.argsort(order)], product.astype(np.int64))

    def __len__(self) -> int:
        return len(self.lines)

    def _tariffs_for(self, new_tariff_pct: pd.Series | np.ndarray) -> np.ndarray:
        """New tariffs aligned with the market's (sorted) lines; pass values in the caller's row order."""
        return np.asarray(new_tariff_pct, float)[..., self.order] / 100

    def simulate(
        self,
        new_tariff_pct: pd.Series | np.ndarray,
        elasticities: Elasticities = Elasticities(),
        *,
        form: Form = "linear",
    ) -> PEResult:
        """SMART for one scenario: new tariffs (percent) in the caller's row order."""
        _check_form(form)
        elasticities.check()
        t1 = self._tariffs_for(new_tariff_pct)
        if not np.isfinite(t1).all() or (t1 <= -1).any():
            raise InputError(f"{self.name}: new tariffs must be finite numbers above -100%")
        eps, sigma, beta = elasticities.for_lines(self.order)
        out = _smart_arrays(self.imports, self.t0, t1, self.starts, self.group, eps, sigma, beta, form=form)
        frame = self.lines.copy()
        frame["new_tariff_pct"] = t1 * 100
        for key, value in out.items():
            frame[key] = value
        notes = [f"SMART (Jammes and Olarreaga 2005), one importing market: {self.importer or self.name}"]
        if form == "constant":
            notes.append("constant-elasticity form: imports respond to price ratios as powers, not linearly")
        floored = int(frame.floored.sum())
        if floored:
            notes.append(
                f"{floored} lines would fall below zero on the linear formulas and are cut at zero imports "
                "(large tariff changes are beyond the linear approximation)"
            )
        return PEResult(frame, "smart", elasticities.note, notes)

    def sweep(
        self,
        new_tariff_pct: np.ndarray,
        elasticities: Elasticities = Elasticities(),
        *,
        by: str = "partner",
        form: Form = "linear",
        chunk_cells: int = 2_000_000,
    ) -> pd.DataFrame:
        """Many scenarios at once: ``new_tariff_pct`` is ``(scenarios, lines)`` in the caller's row order.

        Returns effects summed by ``by`` for every scenario (a long frame: scenario, ``by``, effects:
        trade creation and diversion, imports after, revenue after, consumer surplus, welfare).
        With fixed world prices, the linear form and numba installed (the ``fast`` extra) one
        compiled pass does it; otherwise numpy runs in chunks of about ``chunk_cells`` line-scenarios.
        """
        _check_form(form)
        elasticities.check()
        new = np.atleast_2d(np.asarray(new_tariff_pct, float))
        if new.shape[1] != len(self):
            raise InputError(f"{self.name}: new tariffs have {new.shape[1]} columns for {len(self)} lines")
        if not np.isfinite(new).all() or (new <= -100).any():
            raise InputError(f"{self.name}: new tariffs must be finite numbers above -100%")
        eps, sigma, beta = (np.broadcast_to(v, (len(self),)).astype(float) for v in elasticities.for_lines(self.order))
        keys, names = pd.factorize(self.lines[by].astype(str), sort=True)
        if _kernel.sweep_fixed_prices is not None and form == "linear" and not np.isfinite(beta).any():
            m, t0, product = self._caller
            back = np.argsort(self.order)
            sums = _kernel.sweep_fixed_prices(
                m,
                t0,
                np.ascontiguousarray(new),
                product,
                np.bincount(product, m),
                keys[back].astype(np.int64),
                eps[back],
                sigma[back],
                len(names),
                min(len(new), _kernel.threads()),
            )
        else:
            sums = self._sweep_numpy(new, keys, len(names), eps, sigma, beta, form, chunk_cells)
        n = len(new)
        frame = pd.DataFrame({"scenario": np.repeat(np.arange(n), len(names)), by: np.tile(names, n)})
        for c, column in enumerate(_kernel.SWEEP_COLUMNS):
            frame[column] = sums[:, c, :].ravel()
        return frame

    def _sweep_numpy(self, new, keys, n_keys, eps, sigma, beta, form, chunk_cells) -> np.ndarray:
        step = max(1, chunk_cells // max(1, len(self)))
        sums = np.zeros((len(new), len(_kernel.SWEEP_COLUMNS), n_keys))
        revenue_before = self.t0 * self.imports
        for first in range(0, len(new), step):
            t1 = new[first : first + step][:, self.order] / 100
            world, creation, diversion, after, _ = _smart_core(
                self.imports, self.t0, t1, self.starts, self.group, eps, sigma, beta, form
            )
            consumer, revenue_after = _surplus(self.imports, self.t0, t1, world, creation, after, eps, form)
            welfare = consumer + revenue_after - revenue_before
            index = (np.arange(len(t1))[:, None] * n_keys + keys[None, :]).ravel()
            for c, values in enumerate((creation, diversion, after, revenue_after, consumer, welfare)):
                sums[first : first + len(t1), c, :] = np.bincount(index, values.ravel(), len(t1) * n_keys).reshape(
                    len(t1), n_keys
                )
        return sums


def smart(
    lines: pd.DataFrame,
    elasticities: Elasticities = Elasticities(),
    *,
    importer: str = "",
    name: str = "lines",
    form: Form = "linear",
) -> PEResult:
    """SMART for one importing market: ``lines`` has the baseline columns and ``new_tariff_pct``."""
    _check_lines(lines, LINE_COLUMNS, name)
    market = Market(lines, importer=importer, name=name)
    return market.simulate(pd.to_numeric(lines["new_tariff_pct"]).to_numpy(float), elasticities, form=form)


def _smart_arrays(
    m: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    starts: np.ndarray,
    group: np.ndarray,
    eps: np.ndarray | float,
    sigma: np.ndarray | float,
    beta: np.ndarray | float,
    *,
    form: Form = "linear",
) -> dict[str, np.ndarray]:
    """The SMART formulas on lines sorted by product (``starts``: first line of each product).

    ``t1`` may carry a leading scenario axis; group sums run along the last axis.
    """
    world, creation, diversion, after, raw = _smart_core(m, t0, t1, starts, group, eps, sigma, beta, form)
    grow = 1.0 if world is None else 1 + world
    consumer, revenue_after = _surplus(m, t0, t1, world, creation, after, eps, form)
    world = np.zeros_like(creation) if world is None else world
    return {
        "world_price_pct": world * 100,
        "trade_creation": creation,
        "trade_diversion": diversion,
        "imports_after": after,
        "imports_value_after": after * grow,
        "floored": raw < 0,
        "revenue_before": np.broadcast_to(t0 * m, after.shape).copy(),
        "revenue_after": revenue_after,
        "consumer_surplus": consumer,
        "welfare": consumer + revenue_after - t0 * m,
        "exporter_surplus": world * (m + (after - m) / 2),
    }


def _smart_core(m, t0, t1, starts, group, eps, sigma, beta, form="linear"):
    """World price change (``None`` when fixed), creation, diversion, imports after, before the floor."""
    if form == "constant":
        return _constant_core(m, t0, t1, starts, group, eps, sigma, beta)
    tau = (t1 - t0) / (1 + t0)
    eps = np.asarray(eps, float)
    beta = np.asarray(beta, float)
    finite = np.isfinite(beta)
    world = None
    if finite.any():
        world = np.where(finite, eps * tau / np.where(finite, beta - eps, 1.0), 0.0)
        creation = m * eps * tau / np.where(finite, 1 - eps / np.where(finite, beta, 1.0), 1.0)
        price = (1 + world) * (1 + tau)
    else:
        creation = (m * eps) * tau
        price = tau
        price += 1
    # weight = max(0, 1 + sigma (1 / price - 1)), computed in place
    weight = np.reciprocal(price, out=price)
    weight -= 1
    weight *= sigma
    weight += 1
    np.maximum(weight, 0.0, out=weight)
    weight *= m
    total = np.add.reduceat(m, starts)
    weighted = np.add.reduceat(weight, starts, axis=-1)
    # A product whose every variety is priced out keeps its baseline shares (no diversion).
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(weighted > 0, total / weighted, np.nan)
    diversion = weight
    diversion *= np.take(scale, group, axis=-1)
    diversion -= m
    np.nan_to_num(diversion, copy=False, nan=0.0)
    raw = creation + diversion
    raw += m
    after = np.maximum(raw, 0.0)
    return world, creation, diversion, after, raw


def _constant_core(m, t0, t1, starts, group, eps, sigma, beta):
    """The constant-elasticity form: quantities move with powers of the price ratio.

    Own price: ``m (pi^eps - 1)``, with ``pi = (1 + w)(1 + tau)`` and, for a finite supply
    elasticity, ``1 + w = (1 + tau)^(eps / (beta - eps))``. Diversion: the CES shares of the
    imports after that response, ``q_c pi_c^-sigma / sum_k q_k pi_k^-sigma``, at their total. Both
    agree with the linear form to first order; imports never turn negative.
    """
    tau = (t1 - t0) / (1 + t0)
    eps = np.asarray(eps, float)
    beta = np.asarray(beta, float)
    world = None
    price = 1 + tau
    if np.isfinite(beta).any():
        finite = np.isfinite(beta)
        world = np.where(finite, price ** (eps / np.where(finite, beta - eps, 1.0)) - 1, 0.0)
        price = (1 + world) * price
    own = m * price**eps
    creation = own - m
    weight = own * price ** (-np.asarray(sigma, float))
    total = np.add.reduceat(own, starts, axis=-1)
    weighted = np.add.reduceat(weight, starts, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(weighted > 0, total / weighted, np.nan)
    after = weight * np.take(scale, group, axis=-1)
    after = np.where(np.isnan(after), own, after)
    diversion = after - own
    return world, creation, diversion, after, after


def _surplus(m, t0, t1, world, creation, after, eps=None, form="linear"):
    """Consumer surplus change and tariff revenue after (see the module docstring)."""
    if form == "constant":
        return _constant_surplus(m, t0, t1, world, after, eps)
    if world is None:
        dp = t1 - t0
        revenue_after = t1 * after
    else:
        dp = (1 + world) * (1 + t1) - (1 + t0)
        revenue_after = t1 * after * (1 + world)
    consumer = creation * 0.5
    consumer += m
    consumer *= dp
    np.negative(consumer, out=consumer)
    # Past the choke price (own-price creation below -m) linear demand is zero: the surplus lost
    # is the whole triangle m dp* / 2, dp* = dp m / -TC the price change at which imports stop.
    choked = np.nonzero(creation < -m)
    if len(choked[0]):
        mm = np.broadcast_to(m, creation.shape)[choked]
        consumer[choked] = -np.broadcast_to(dp, creation.shape)[choked] * (mm / -creation[choked]) * mm / 2
    return consumer, revenue_after


def _constant_surplus(m, t0, t1, world, after, eps):
    """Under constant-elasticity demand ``m (p / p0)^eps``: ``-m p0 (pi^(1 + eps) - 1) / (1 + eps)``
    (``-m p0 log pi`` at ``eps = -1``), ``p0 = 1 + t0`` the domestic price of a baseline unit."""
    grow = 1.0 if world is None else 1 + world
    price = grow * (1 + t1) / (1 + t0)
    eps = np.broadcast_to(np.asarray(eps, float), np.shape(price))
    unit = np.isclose(eps, -1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        area = np.where(unit, np.log(price), (price ** (1 + eps) - 1) / np.where(unit, 1.0, 1 + eps))
    return -m * (1 + t0) * area, t1 * after * grow


def gsim(lines: pd.DataFrame, elasticities: Elasticities = Elasticities(), *, name: str = "lines") -> PEResult:
    """GSIM, log-linear: several importers change tariffs at once; exporters' world prices clear.

    ``lines``: ``importer``, ``product``, ``partner`` (the exporter), ``imports`` (USD at world
    prices), ``tariff_pct``, ``new_tariff_pct``. Elasticities are scalars or per line (import
    demand by market and product, substitution by product, export supply by exporter and product;
    an exporter's world price stays fixed where any of its lines has an infinite supply elasticity).
    """
    _check_lines(lines, ("importer", *LINE_COLUMNS), name)
    elasticities.check()
    frame = lines.reset_index(drop=True).copy()
    dup = frame.duplicated(["importer", "product", "partner"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(f"{name}: {row.importer} imports product {row['product']} from {row.partner} on two lines")
    eps, sigma, beta = (np.broadcast_to(v, (len(frame),)).astype(float) for v in elasticities.for_lines())
    m = pd.to_numeric(frame["imports"]).to_numpy(float)
    t0 = pd.to_numeric(frame["tariff_pct"]).to_numpy(float) / 100
    t1 = pd.to_numeric(frame["new_tariff_pct"]).to_numpy(float) / 100
    tau = (t1 - t0) / (1 + t0)
    world = np.zeros(len(frame))
    change = np.zeros(len(frame))
    composite = np.zeros(len(frame))
    for _, idx in frame.groupby("product", sort=False).indices.items():
        sub = frame.iloc[idx]
        exporters, ei = np.unique(sub["partner"].to_numpy(str), return_inverse=True)
        markets, mi = np.unique(sub["importer"].to_numpy(str), return_inverse=True)
        mm, tt, e, sg, bt = m[idx], tau[idx], eps[idx], sigma[idx], beta[idx]
        market_total = np.bincount(mi, mm, len(markets))
        share = np.divide(mm, market_total[mi], out=np.zeros_like(mm), where=market_total[mi] > 0)
        # P_j = sum_i s_ij (w_i + tau_ij) = Pt_j + sum_i s_ij w_i; build A w = b for the exporters.
        pt = np.bincount(mi, share * tt, len(markets))
        n = len(exporters)
        S = np.zeros((len(markets), n))
        np.add.at(S, (mi, ei), share)
        # market clearing of exporter i: sum over its lines of m [(eps + sigma) P_j - sigma (w_i + tau)] = beta m w_i
        A = np.zeros((n, n))
        coef = e + sg
        np.add.at(A, ei, (coef * mm)[:, None] * S[mi])
        diagonal = np.bincount(ei, sg * mm, n) + np.bincount(ei, np.where(np.isfinite(bt), bt, 0.0) * mm, n)
        A[np.arange(n), np.arange(n)] -= diagonal
        b = -np.bincount(ei, mm * (coef * pt[mi] - sg * tt), n)
        free = np.bincount(ei, ~np.isfinite(bt), n) == 0  # prices that move: every line has a finite supply
        w = np.zeros(n)
        if free.any():
            w[free] = np.linalg.solve(A[np.ix_(free, free)], b[free])
        P = pt + S @ w
        world[idx] = w[ei]
        composite[idx] = P[mi]
        change[idx] = e * P[mi] - sg * (w[ei] + tt - P[mi])
    frame["world_price_pct"] = world * 100
    raw = m * (1 + change)
    after = np.maximum(raw, 0.0)
    frame["trade_creation"] = m * eps * composite
    frame["trade_diversion"] = m * change - frame["trade_creation"].to_numpy()
    frame["imports_after"] = after
    frame["imports_value_after"] = after * (1 + world)
    frame["floored"] = raw < 0
    dp = (1 + world) * (1 + t1) - (1 + t0)
    creation = frame["trade_creation"].to_numpy()
    frame["revenue_before"] = t0 * m
    frame["revenue_after"] = t1 * after * (1 + world)
    frame["consumer_surplus"] = -dp * (m + creation / 2)
    frame["welfare"] = frame.consumer_surplus + frame.revenue_after - frame.revenue_before
    frame["exporter_surplus"] = world * (m + (after - m) / 2)
    moving = "world prices fixed (infinite export supply)" if not np.isfinite(beta).any() else "world prices clear"
    notes = [
        f"GSIM, log-linear, {frame.importer.nunique()} importing markets, {frame.partner.nunique()} exporters; {moving}"
    ]
    return PEResult(frame, "gsim", elasticities.note, notes)


def _check_form(form: str) -> None:
    if form not in FORMS:
        raise InputError(f"form must be one of {', '.join(FORMS)}, not {form!r}")


def _check_lines(lines: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in lines]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)}; needed: {', '.join(columns)}")
    for column in ("imports", "tariff_pct", "new_tariff_pct"):
        if column not in columns:
            continue
        values = pd.to_numeric(lines[column], errors="coerce")
        bad = values.isna() | ((values < 0) if column == "imports" else (values <= -100))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            rule = "a non-negative number" if column == "imports" else "a number above -100"
            raise InputError(
                f"{name}: row {row + 1} (line {row + 2} of a file with a header), field {column}: "
                f"{str(lines[column].iloc[row])!r} is not {rule}"
            )


# ---------------------------------------------------------------------------------------------
# Elasticities by product (the tables come from files read in tradeflux.scenarios.inputs)


def elasticities_by_prefix(table: pd.DataFrame, products: pd.Series) -> pd.DataFrame:
    """Per-line elasticities from ``table`` (``product``: an HS prefix, and any of ``import_demand``,
    ``substitution``, ``export_supply``); the longest matching prefix wins, unmatched lines get NaN."""
    known = [c for c in ("import_demand", "substitution", "export_supply") if c in table]
    if not known:
        raise InputError("needs at least one of import_demand, substitution, export_supply")
    codes = products.astype(str).to_numpy()
    out = pd.DataFrame(index=range(len(codes)), columns=known, dtype=float)
    best = np.zeros(len(codes), int)
    for row in table.itertuples(index=False):
        prefix = str(row.product)
        hit = np.char.startswith(codes.astype(str), prefix) & (len(prefix) > best)
        for column in known:
            out.loc[hit, column] = getattr(row, column)
        best[hit] = len(prefix)
    return out


def sigma_by_hs3(sigma: pd.Series, products: pd.Series) -> np.ndarray:
    """Substitution elasticities per line from estimates indexed by 3-digit HS 1988/92 code
    (Broda and Weinstein 2006).

    The HS6 code's first three digits stand for the HS0 3-digit group (revisions since 1992 rarely
    cross them); estimates are winsorised at the 5th and 95th percentiles (the raw values run to
    the thousands); unmatched lines get the median.
    """
    low, high = sigma.quantile([0.05, 0.95])
    clipped = sigma.clip(low, high)
    return products.astype(str).str[:3].map(clipped).fillna(float(clipped.median())).to_numpy(float)
