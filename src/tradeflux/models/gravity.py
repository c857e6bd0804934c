"""Structural gravity: PPML (or OLS on logs) with high-dimensional fixed effects, trade chores done.

From a flows table (one row per exporter, importer and year) to an estimate in one call::

    spec = GravitySpec(regressors=("ln_DIST", "CNTG", "RTA"), log=("DIST",), every=4,
                       fixed_effects=("exporter-year", "importer-year", "pair"))
    result = estimate(panel, spec)

What :func:`prepare` builds for the user, in this order, on the annual panel:

1. logs of named variables (``ln_<var>``);
2. leads and lags of policy variables (``RTA_LAG4`` is the pair's ``RTA`` four years earlier),
   on the full annual panel *before* years are sampled: lags built after sampling are wrong;
   a lag or lead reaching outside the data is 0 (no agreement known);
3. the border dummy ``INTL_BRDR`` (1 for international flows), border-by-year dummies
   ``INTL_BRDR_<year>`` (the last year is the reference), and country-specific intra-national
   fixed effects (``intra``: one level per country's domestic flows, one for all international);
4. sampling: years from ``first_year`` every ``every`` years, and international flows only if asked;
5. fixed-effect ids: ``exporter-year``, ``importer-year``, ``exporter``, ``importer``, ``pair``
   (symmetric by default: the same id for A->B and B->A, as the Advanced Guide's ``pair_id``;
   ``pair="directional"`` gives one id per direction), or any column of the data.

Estimation uses pyfixest. Before it runs, tradeflux removes, and counts, the observations PPML
cannot fit: those in a fixed-effect group whose flows are all zero, singletons, and observations
separated by the regressors (the iterated rectifier of Correia, Guimarães and Zylkin 2021, which
pyfixest does not apply without fixed effects). A regressor left without variation is omitted
and reported. Standard errors: ``cluster`` (by pair, the Advanced Guide's choice, with the G/(G-1) correction only, as ppmlhdfe and
capybara report), ``hetero``
(pyfixest's HC1-type default), or ``stata`` (ppmlhdfe's robust: HC0 times sqrt(N / (N - 1))).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from tradeflux._results import Result
from tradeflux.errors import InputError, NotFound

__all__ = [
    "FIXED_EFFECTS",
    "Dropped",
    "GravityResult",
    "GravitySpec",
    "compare",
    "estimate",
    "estimate_formula",
    "fit",
    "prepare",
    "rectifier_separation",
    "regressor_names",
    "to_latex",
    "with_spec",
]


FIXED_EFFECTS = ("exporter-year", "importer-year", "exporter", "importer", "pair", "intra")


@dataclass(frozen=True)
class GravitySpec:
    """What to estimate and how to build it. Column names are the data's."""

    regressors: tuple[str, ...]
    dependent: str = "trade"
    fixed_effects: tuple[str, ...] = ("exporter-year", "importer-year")
    estimator: Literal["ppml", "ols"] = "ppml"
    pair: Literal["symmetric", "directional"] = "symmetric"
    exporter: str = "exporter"
    importer: str = "importer"
    year: str | None = "year"
    log: tuple[str, ...] = ()
    lags: Mapping[str, Sequence[int]] = field(default_factory=dict)
    leads: Mapping[str, Sequence[int]] = field(default_factory=dict)
    border: bool = False
    border_by_year: bool = False
    international_only: bool = False
    first_year: int | None = None
    every: int | None = None
    years: tuple[int, ...] | None = None
    vcov: Literal["cluster", "hetero", "stata", "iid"] = "cluster"
    cluster: str = "pair"
    drop_singletons: bool = True
    separation: bool = True
    tol: float = 1e-10

    def __post_init__(self) -> None:
        choices = {
            "estimator": ("ppml", "ols"),
            "pair": ("symmetric", "directional"),
            "vcov": ("cluster", "hetero", "stata", "iid"),
        }
        for name, allowed in choices.items():
            value = getattr(self, name)
            if isinstance(value, str) and value.lower() in allowed and value != value.lower():
                object.__setattr__(self, name, value.lower())  # PPML means ppml
            elif value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if not self.regressors:
            raise InputError("a gravity specification needs at least one regressor")

    @classmethod
    def from_dict(cls, data: Mapping) -> GravitySpec:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise InputError(
                f"unknown gravity spec keys: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        kw = dict(data)
        for key in ("regressors", "fixed_effects", "log", "years"):
            if key in kw and kw[key] is not None:
                kw[key] = tuple(kw[key])
        return cls(**kw)


@dataclass(frozen=True)
class Dropped:
    reason: str
    n: int


@dataclass
class GravityResult(Result):
    """An estimate: coefficients, standard errors, sample accounting and fixed effects."""

    spec: GravitySpec
    formula: str
    coef: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    nobs: int
    n_input: int
    dropped: list[Dropped]
    omitted: dict[str, str]
    vcov_type: str
    deviance: float | None = None
    pseudo_r2: float | None = None
    model: object | None = field(default=None, repr=False)

    @property
    def fixed_effects(self) -> dict[str, pd.Series]:
        """Estimated fixed effects by name, e.g. ``"C(exporter)"`` (computed on first use).

        As in pyfixest, one level of every fixed effect after the first is normalised to 0 and not listed.
        """
        if self.model is None or not self.spec.fixed_effects:
            return {}
        cached = getattr(self, "_fixef", None)
        if cached is None:
            cached = {name: pd.Series(values) for name, values in self.model.fixef().items()}
            self._fixef = cached
        return cached

    @property
    def notes(self) -> list[str]:
        """Observations dropped (and why) and regressors omitted (and why)."""
        return [f"{d.n:,} dropped: {d.reason}" for d in self.dropped] + [
            f"{term} omitted: {why}" for term, why in self.omitted.items()
        ]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"coefficients": self.tidy()}

    def tidy(self) -> pd.DataFrame:
        z = self.coef / self.se
        return pd.DataFrame(
            {"term": self.coef.index, "estimate": self.coef.values, "std_error": self.se.values, "z": z.values}
        )

    def to_dict(self) -> dict:
        return {
            "formula": self.formula,
            "estimator": self.spec.estimator,
            "vcov": self.vcov_type,
            "nobs": self.nobs,
            "n_input": self.n_input,
            "coefficients": {k: float(v) for k, v in self.coef.items()},
            "std_errors": {k: float(v) for k, v in self.se.items()},
            "dropped": [{"reason": d.reason, "n": d.n} for d in self.dropped],
            "omitted": self.omitted,
            "deviance": self.deviance,
            "pseudo_r2": self.pseudo_r2,
            "notes": self.notes,
        }


# ---- preparation ---------------------------------------------------------------------------------
def _pair_id(exp: pd.Series, imp: pd.Series, kind: str) -> pd.Series:
    if kind == "symmetric":
        a = np.where(exp.values <= imp.values, exp.values, imp.values)
        b = np.where(exp.values <= imp.values, imp.values, exp.values)
        return pd.Series(a, index=exp.index).astype(str) + "~" + pd.Series(b, index=exp.index).astype(str)
    if kind == "directional":
        return exp.astype(str) + ">" + imp.astype(str)
    raise InputError(f"pair must be 'symmetric' or 'directional', not {kind!r}")


def _shift(frame: pd.DataFrame, spec: GravitySpec, var: str, k: int) -> pd.Series:
    """``var`` of the same exporter-importer pair ``k`` years earlier (k > 0) or later (k < 0); 0 outside the data."""
    keys = [spec.exporter, spec.importer, spec.year]
    source = frame[[*keys, var]].copy()
    source[spec.year] = source[spec.year] + k
    merged = frame[keys].merge(source, on=keys, how="left")
    return merged[var].fillna(0).set_axis(frame.index)


def prepare(data: pd.DataFrame, spec: GravitySpec) -> pd.DataFrame:
    """The estimation sample with every variable the spec needs (see the module docstring)."""
    frame = data.copy()
    needed = [spec.exporter, spec.importer, spec.dependent]
    if spec.year:
        needed.append(spec.year)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise NotFound(f"the data has no column {', '.join(missing)} (columns: {', '.join(map(str, frame.columns))})")
    for var in spec.log:
        if var not in frame.columns:
            raise NotFound(f"cannot log {var!r}: no such column")
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[f"ln_{var}"] = np.log(frame[var].astype(float))
    for var, ks in spec.lags.items():
        for k in ks:
            frame[f"{var}_LAG{k}"] = _shift(frame, spec, var, k)
    for var, ks in spec.leads.items():
        for k in ks:
            frame[f"{var}_LEAD{k}"] = _shift(frame, spec, var, -k)
    international = (frame[spec.exporter] != frame[spec.importer]).astype(int)
    if spec.border:
        frame["INTL_BRDR"] = international
    if spec.year and spec.first_year is not None:
        frame = frame[frame[spec.year] >= spec.first_year]
    if spec.year and spec.every:
        start = spec.first_year if spec.first_year is not None else int(frame[spec.year].min())
        frame = frame[(frame[spec.year] - start) % spec.every == 0]
    if spec.year and spec.years:
        frame = frame[frame[spec.year].isin(spec.years)]
    if spec.border_by_year:
        years = sorted(frame[spec.year].unique())
        for y in years[:-1]:
            frame[f"INTL_BRDR_{y}"] = ((frame[spec.year] == y) & (frame[spec.exporter] != frame[spec.importer])).astype(
                int
            )
    if spec.international_only:
        frame = frame[frame[spec.exporter] != frame[spec.importer]]
    exp, imp = frame[spec.exporter].astype(str), frame[spec.importer].astype(str)
    if spec.year:
        yr = frame[spec.year].astype(str)
        frame["exporter-year"] = exp + "#" + yr
        frame["importer-year"] = imp + "#" + yr
    frame["exporter"] = exp if spec.exporter != "exporter" else frame["exporter"]
    frame["importer"] = imp if spec.importer != "importer" else frame["importer"]
    frame["pair"] = _pair_id(exp, imp, spec.pair)
    frame["intra"] = np.where(exp == imp, exp, "INTL")
    return frame.reset_index(drop=True)


def regressor_names(spec: GravitySpec) -> list[str]:
    names = list(spec.regressors)
    for var, ks in spec.lags.items():
        names += [f"{var}_LAG{k}" for k in ks if f"{var}_LAG{k}" not in names]
    for var, ks in spec.leads.items():
        names += [f"{var}_LEAD{k}" for k in ks if f"{var}_LEAD{k}" not in names]
    return names


# ---- separation ----------------------------------------------------------------------------------
def _fe_separation(
    frame: pd.DataFrame, y: str | None, fes: Sequence[str], singletons: bool
) -> tuple[pd.DataFrame, list[Dropped]]:
    """Drop, until none is left, singletons and (for PPML, ``y`` given) observations in fixed-effect
    groups whose outcome is zero throughout."""
    dropped: dict[str, int] = {}
    codes = {fe: pd.factorize(frame[fe])[0] for fe in fes}
    keep = np.ones(len(frame), dtype=bool)
    yv = frame[y].to_numpy(float) if y is not None else None
    changed = True
    while changed:
        changed = False
        for fe in fes:
            c = codes[fe]
            if singletons:
                size = np.bincount(c, weights=keep.astype(float))[c]
                bad = keep & (size == 1)
                if bad.any():
                    reason = f"singleton in fixed effect {fe}"
                    dropped[reason] = dropped.get(reason, 0) + int(bad.sum())
                    keep &= ~bad
                    changed = True
            if yv is not None:
                total = np.bincount(c, weights=np.where(keep, yv, 0.0))[c]
                bad = keep & (total <= 0)
                if bad.any():
                    reason = f"separated by fixed effect {fe} (all flows zero)"
                    dropped[reason] = dropped.get(reason, 0) + int(bad.sum())
                    keep &= ~bad
                    changed = True
    return (frame if keep.all() else frame[keep]), [Dropped(k, v) for k, v in dropped.items()]


def _demean(
    matrix: np.ndarray, groups: list[np.ndarray], weights: np.ndarray, tol: float = 1e-12, maxiter: int = 10_000
) -> np.ndarray:
    """Weighted within transformation over several fixed effects (alternating projections)."""
    out = matrix.copy()
    for _ in range(maxiter):
        prev = out.copy()
        for codes in groups:
            n = codes.max() + 1
            wsum = np.bincount(codes, weights=weights, minlength=n)
            for j in range(out.shape[1]):
                means = np.bincount(codes, weights=weights * out[:, j], minlength=n) / np.where(wsum > 0, wsum, 1)
                out[:, j] -= means[codes]
        if np.max(np.abs(out - prev)) < tol:
            break
    return out


def rectifier_separation(
    y: np.ndarray, x: np.ndarray, groups: list[np.ndarray] | None = None, *, tol: float = 1e-9, maxiter: int = 1000
) -> np.ndarray:
    """Observations separated by the regressors (and fixed effects): the iterated rectifier.

    Finds z = X g (plus fixed effects) with z = 0 where y > 0 and z >= 0 where y = 0; the
    observations with z > 0 are separated (Correia, Guimarães and Zylkin 2021, "Verifying the
    existence of maximum likelihood estimates for generalized linear models", section 4).
    Returns a boolean mask of separated observations.
    """
    positive = y > 0
    if positive.all():
        return np.zeros_like(positive)
    heavy = 1e6  # weight that pins z to 0 on positive outcomes
    w = np.where(positive, heavy, 1.0)
    design = np.column_stack([x, np.ones(len(y))]) if groups is None else x
    if groups:
        design = _demean(design, groups, w)
    u = (~positive).astype(float)
    for _ in range(maxiter):
        target = u if not groups else _demean(u[:, None], groups, w)[:, 0]
        sw = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(design * sw[:, None], target * sw, rcond=None)
        fitted = design @ coef
        if groups:
            fitted = u - (target - fitted)  # add back the fixed-effect part
        fitted[np.abs(fitted) < tol] = 0.0
        if (fitted[~positive] >= 0).all() and (np.abs(fitted[positive]) <= tol * 10).all():
            return (~positive) & (fitted > 0)
        u = np.where(positive, 0.0, np.maximum(fitted, 0.0))
        if not u.any():
            break
    return np.zeros_like(positive)


# ---- estimation ----------------------------------------------------------------------------------
def _formula(dep: str, regressors: Sequence[str], fes: Sequence[str]) -> str:
    rhs = " + ".join(regressors) if regressors else "1"
    return f"{dep} ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "")


def _safe(name: str) -> str:
    return name.replace("-", "_")


def estimate(data: pd.DataFrame, spec: GravitySpec) -> GravityResult:
    """Build the variables of ``spec`` on ``data`` and estimate; see :class:`GravityResult`."""
    return fit(prepare(data, spec), spec)


def fit(frame: pd.DataFrame, spec: GravitySpec) -> GravityResult:
    """Estimate ``spec`` on an already prepared frame (:func:`prepare`)."""
    regs = regressor_names(spec)
    if spec.border_by_year:
        regs += [c for c in frame.columns if c.startswith("INTL_BRDR_") and c not in regs]
    for fe in spec.fixed_effects:
        if fe not in frame.columns:
            raise NotFound(f"fixed effect {fe!r} is not a column and not one of {', '.join(FIXED_EFFECTS)}")
    missing = [r for r in regs if r not in frame.columns]
    if missing:
        raise NotFound(f"regressors not in the data: {', '.join(missing)}")
    n_input = len(frame)
    for column in [spec.dependent, *regs]:
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            example = frame[column].dropna().astype(str).head(1).tolist()
            raise InputError(
                f"column {column!r} must be numeric; it holds text such as {example[0]!r}"
                if example
                else f"column {column!r} must be numeric"
            )
    dropped: list[Dropped] = []
    cols = [spec.dependent, *regs]
    complete = frame[cols].replace([np.inf, -np.inf], np.nan).notna().all(axis=1)
    if (~complete).any():
        dropped.append(Dropped("missing or infinite values", int((~complete).sum())))
        frame = frame[complete]
    dep = spec.dependent
    if frame.empty:
        raise InputError("no observations left to estimate on (every row has a missing or infinite value)")
    if spec.estimator == "ppml" and (frame[dep] < 0).any():
        raise InputError(f"{dep} has negative values: PPML needs flows of zero or more")
    if spec.estimator == "ppml" and not (frame[dep] > 0).any():
        raise InputError(f"{dep} is zero in every observation: there is nothing to estimate")
    if spec.estimator == "ols":
        positive = frame[dep] > 0
        if (~positive).any():
            dropped.append(Dropped("zero or negative flow (log undefined)", int((~positive).sum())))
            frame = frame[positive].copy()
        frame[f"ln_{dep}"] = np.log(frame[dep])
        dep = f"ln_{dep}"
    elif (frame[dep] < 0).any():
        raise InputError(
            f"PPML needs a non-negative dependent variable; {dep} has {(frame[dep] < 0).sum()} negative values"
        )
    fes = list(spec.fixed_effects)
    frame, fe_drops = _fe_separation(
        frame, spec.dependent if spec.estimator == "ppml" else None, fes, spec.drop_singletons
    )
    dropped += fe_drops
    data = frame.rename(columns={c: _safe(c) for c in frame.columns if "-" in c})
    model, kept, omitted = _run(data, spec, dep, regs, fes, frame)
    if spec.estimator == "ppml" and spec.separation and regs and _suspect_separation(model, data, spec.dependent):
        groups = [pd.factorize(frame[fe])[0] for fe in fes] or None
        mask = rectifier_separation(frame[spec.dependent].to_numpy(float), frame[regs].to_numpy(float), groups)
        if mask.any():
            dropped.append(Dropped("separated by regressors (iterated rectifier)", int(mask.sum())))
            frame = frame[~mask]
            data = data[~mask]
            model, kept, omitted = _run(data, spec, dep, regs, fes, frame)
    coef = model.coef()
    se = model.se()
    residuals = np.asarray(model.resid(), float).ravel()
    nobs = len(residuals)
    if spec.vcov == "stata":
        se = se * math.sqrt(nobs / (nobs - 1))
    vc = _covariance(model, coef.index)
    if spec.vcov == "stata":
        vc = vc * nobs / (nobs - 1)
    deviance = float(model.deviance) if spec.estimator == "ppml" else None
    pseudo = _fit_statistic(model, residuals, spec.estimator)
    return GravityResult(
        spec=spec,
        formula=_formula(spec.dependent if spec.estimator == "ppml" else f"ln({spec.dependent})", kept, fes),
        coef=coef.rename(None),
        se=se.rename(None),
        vcov=vc,
        nobs=nobs,
        n_input=n_input,
        dropped=dropped,
        omitted=omitted,
        vcov_type={
            "cluster": f"clustered by {spec.cluster} (G/(G-1))",
            "hetero": "heteroskedasticity-robust (HC1)",
            "stata": "robust, Stata convention (HC0 x sqrt(N/(N-1)))",
            "iid": "iid",
        }[spec.vcov],
        deviance=deviance,
        pseudo_r2=pseudo,
        model=model,
    )


def _run(data: pd.DataFrame, spec: GravitySpec, dep: str, regs: list[str], fes: list[str], frame: pd.DataFrame):
    """One pyfixest fit; returns the model, the regressors kept and those omitted with reasons."""
    import pyfixest as pf

    omitted: dict[str, str] = {}
    kept = []
    for r in regs:
        if frame[r].nunique(dropna=True) <= 1:
            omitted[r] = "no variation in the estimation sample"
        else:
            kept.append(r)
    formula = _formula(dep, kept, [_safe(f) for f in fes])
    vcov, ssc = _vcov_args(spec, data)
    kwargs = dict(vcov=vcov, ssc=ssc, fixef_rm="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # collinear regressors are reported in `omitted`
        warnings.filterwarnings("ignore", module="pyfixest")  # pandas deprecation notices inside pyfixest
        if spec.estimator == "ppml":
            model = pf.fepois(formula, data=data, iwls_tol=spec.tol, iwls_maxiter=100, separation_check=[], **kwargs)
        else:
            model = pf.feols(formula, data=data, **kwargs)
    coef = model.coef()
    for r in kept:
        if r not in coef.index:
            omitted[r] = "collinear with other regressors or fixed effects"
    return model, [k for k in kept if k in coef.index], omitted


def _suspect_separation(model, data: pd.DataFrame, y: str) -> bool:
    """The fit hints at separation: a zero flow fitted at (numerically) zero, or no convergence."""
    mu = np.asarray(model.predict(type="response"), float).ravel()
    yv = data[y].to_numpy(float)
    if len(mu) != len(yv):  # rows pyfixest dropped (missing values): compare what it kept
        yv = np.delete(yv, np.asarray(model.na_index, int))
    scale = float(yv[yv > 0].mean()) if (yv > 0).any() else 1.0
    # lenient on purpose: a false alarm only costs the exact check
    return bool(((yv == 0) & (mu < 1e-6 * scale)).any() or not model.convergence)


def _covariance(model, names: pd.Index) -> pd.DataFrame:
    """The coefficients' covariance matrix of a pyfixest fit.

    pyfixest 0.60 has no public accessor for the matrix (``Feols.vcov`` recomputes and returns the
    model), so this one function reads the attribute it fills, and says so if a release renames it.
    """
    matrix = getattr(model, "_vcov", None)
    if matrix is None:
        raise RuntimeError("this pyfixest release does not expose the covariance matrix tradeflux reads (_vcov)")
    return pd.DataFrame(np.asarray(matrix, float), index=names, columns=names)


def _fit_statistic(model, residuals: np.ndarray, estimator: str) -> float:
    """McFadden's pseudo R-squared for PPML (log likelihood against a constant-only model), R-squared for OLS."""
    fitted = np.asarray(model.predict(type="response") if estimator == "ppml" else model.predict(), float).ravel()
    y = fitted + residuals if estimator != "ppml" else None
    if estimator != "ppml":
        return float(1 - (residuals**2).sum() / ((y - y.mean()) ** 2).sum())
    from scipy.special import gammaln

    y = fitted + residuals  # response residuals of a Poisson fit: y - mu
    mean = y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = float(np.sum(np.where(y > 0, y * np.log(fitted), 0.0) - fitted - gammaln(y + 1)))
        ll0 = float(np.sum(np.where(y > 0, y * np.log(mean), 0.0) - mean - gammaln(y + 1)))
    return 1 - ll / ll0


def _vcov_args(spec: GravitySpec, data: pd.DataFrame):
    import pyfixest as pf

    if spec.vcov == "cluster":  # G/(G-1) only, as ppmlhdfe and R capybara report
        return {"CRV1": _safe(spec.cluster)}, pf.ssc(k_adj=False, G_adj=True)
    if spec.vcov == "hetero":
        return "hetero", None
    if spec.vcov == "stata":
        return "hetero", pf.ssc(k_adj=False, G_adj=False)
    if spec.vcov == "iid":
        return "iid", None
    raise InputError(f"vcov must be cluster, hetero, stata or iid, not {spec.vcov!r}")


def estimate_formula(
    data: pd.DataFrame, formula: str, *, estimator: str = "ppml", vcov: str = "hetero", cluster: str | None = None
) -> GravityResult:
    """Estimate a fixest-style formula (``"trade ~ x1 + x2 | fe1 + fe2"``) on columns of ``data``."""
    lhs, _, rest = formula.partition("~")
    rhs, _, fe_part = rest.partition("|")
    regressors = tuple(t.strip() for t in rhs.split("+") if t.strip() and t.strip() != "1")
    fes = tuple(t.strip() for t in fe_part.split("+") if t.strip())
    if not lhs.strip() or not rest.strip():
        raise InputError(f"formula must look like 'y ~ x1 + x2 | fe1 + fe2', got {formula!r}")
    spec = GravitySpec(
        regressors=regressors,
        dependent=lhs.strip(),
        fixed_effects=fes,
        estimator=estimator,  # type: ignore[arg-type]
        year=None,
        vcov=vcov,  # type: ignore[arg-type]
        cluster=cluster or "pair",
    )
    frame = data.copy()
    if "exporter" in frame.columns and "importer" in frame.columns:
        frame["pair"] = _pair_id(frame["exporter"].astype(str), frame["importer"].astype(str), "symmetric")
    return fit(frame, spec)


# ---- tables --------------------------------------------------------------------------------------
def compare(results: Mapping[str, GravityResult], *, digits: int = 3) -> pd.DataFrame:
    """A publication table: one column per specification, coefficients with SEs below, then N."""
    terms: list[str] = []
    for res in results.values():
        terms += [t for t in res.coef.index if t not in terms]
    rows = {}
    for term in terms:
        rows[term] = {
            name: (f"{r.coef[term]:.{digits}f}" if term in r.coef.index else "") for name, r in results.items()
        }
        rows[f"  ({term})"] = {
            name: (f"({r.se[term]:.{digits}f})" if term in r.se.index else "") for name, r in results.items()
        }
    rows["N"] = {name: f"{r.nobs:,}" for name, r in results.items()}
    rows["Fixed effects"] = {name: ", ".join(r.spec.fixed_effects) for name, r in results.items()}
    rows["Estimator"] = {name: r.spec.estimator.upper() for name, r in results.items()}
    rows["SE"] = {name: r.spec.vcov for name, r in results.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def to_latex(table: pd.DataFrame) -> str:
    cols = "l" + "c" * len(table.columns)
    lines = [f"\\begin{{tabular}}{{{cols}}}", "\\hline", " & " + " & ".join(table.columns) + " \\\\", "\\hline"]
    for idx, row in table.iterrows():
        label = "" if str(idx).startswith("  (") else str(idx).replace("_", "\\_")
        lines.append(label + " & " + " & ".join(str(v).replace("_", "\\_") for v in row.values) + " \\\\")
    lines += ["\\hline", "\\end{tabular}"]
    return "\n".join(lines)


def with_spec(spec: GravitySpec, **changes) -> GravitySpec:
    return replace(spec, **changes)
