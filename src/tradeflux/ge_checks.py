"""Published GE results the solver is checked against, runnable from the command line (``tradeflux ge-check``).

Each check builds its baseline from the shared datasets, solves, and returns a comparison table
(tradeflux, the published figure, the difference) with a summary. They read files: the model in
:mod:`tradeflux.ge` does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import ge, gravity


@dataclass
class Check:
    name: str
    description: str
    table: pd.DataFrame
    summary: dict


def _against_book(real_gdp_pct: pd.Series, exports_pct: pd.Series, ref: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Our real GDP and exports changes beside the book's, with the differences and their spread."""
    table = pd.DataFrame(
        {
            "real_gdp_pct": real_gdp_pct,
            "book_real_gdp_pct": ref.change_rGDP_FULL,
            "real_gdp_diff_pp": real_gdp_pct - ref.change_rGDP_FULL,
            "exports_pct": exports_pct,
            "book_exports_pct": ref.change_Xi_FULL,
            "exports_rel_diff_pct": ((1 + exports_pct / 100) / (1 + ref.change_Xi_FULL / 100) - 1) * 100,
        }
    ).reset_index()

    def spread(diff: pd.Series) -> dict:
        diff = diff.abs()
        return {
            "median": diff.median(),
            "p90": diff.quantile(0.9),
            "max": diff.max(),
            "max_country": table.country[diff.idxmax()],
        }

    return table, {
        "real_gdp_diff_pp": spread(table.real_gdp_diff_pp),
        "exports_rel_diff_pct": spread(table.exports_rel_diff_pct),
    }


def trade_without_borders(data_dir: Path) -> Check:
    """Yotov et al. (2016) ch. 2: remove international borders (sigma 7, Germany the reference).

    Baseline: the flows fitted by the first-stage PPML (the book's baseline); shock: exp(-beta) on
    every international pair, beta the border coefficient; multiplicative imbalances.
    """
    folder = data_dir / "yotov-gravity-guide"
    data = pd.read_csv(folder / "agtpa_ch2_trade_without_border_2006.csv.gz")
    for col in ("exporter", "importer"):
        data[col] = data[col].replace("ZZZ", "DEU")  # the book codes Germany ZZZ to make it the reference
    spec = gravity.GravitySpec(
        regressors=("ln_DIST", "CNTG", "INTL_BRDR"), fixed_effects=("exporter", "importer"), vcov="stata"
    )
    frame = gravity.prepare(data, spec)
    fit = gravity.fit(frame, spec)
    frame["fitted"] = np.asarray(fit.model.predict(type="response"))
    frame["shock"] = -fit.coef["INTL_BRDR"] * frame.INTL_BRDR
    baseline = ge.Baseline.from_frame(frame, value="fitted")
    result = ge.solve(baseline, baseline.phi(frame, "shock"), theta=6.0, closure="multiplicative", reference="DEU")
    ours = result.countries_frame().set_index("country")
    ref = pd.read_csv(folder / "reference_ge_trade_without_border_by_country.csv")
    ref["country"] = ref.country.replace("ZZZ", "DEU")
    ref = ref.set_index("country").reindex(ours.index)
    table, spreads = _against_book(ours.real_gdp_pct, ours.exports_pct, ref)
    summary = {
        "border_coefficient": float(fit.coef["INTL_BRDR"]),
        **spreads,
        "iterations": result.iterations,
        "residual": result.residual,
        "note": "the book's Stata loop stopped at a 0.01 tolerance; this solver converges to 1e-12",
    }
    return Check("borders", "Advanced Guide ch. 2: trade without borders", table, summary)


def nafta_removal(data_dir: Path) -> Check:
    """Yotov et al. (2016) ch. 2: the effects of NAFTA, by removing it from the 1994 equilibrium.

    First stage: PPML on the 1986-2006 panel (every 4 years) with exporter-year, importer-year and
    symmetric pair fixed effects (RTA 0.557). Baseline: the fitted 1994 flows (pairs the estimate
    drops for zero trade are zero; the book fills their costs from a second-stage regression).
    Counterfactual: exp(-0.557) on the NAFTA pairs; sigma 7, Germany the reference. The book reports
    NAFTA's effect, (baseline - no NAFTA) / no NAFTA, and so does this table.
    """
    folder = data_dir / "yotov-gravity-guide"
    panel = pd.read_csv(folder / "agtpa_gravity_panel_1986_2006.csv.gz")
    spec = gravity.GravitySpec(
        regressors=("RTA",), first_year=1986, every=4, fixed_effects=("exporter-year", "importer-year", "pair")
    )
    frame = gravity.prepare(panel, spec)
    fit = gravity.fit(frame, spec)
    fitted = fit.model._data.assign(fitted=np.asarray(fit.model.predict(type="response")))
    year = frame[frame.year == 1994][["exporter", "importer", "RTA"]].merge(
        fitted[fitted.year == 1994][["exporter", "importer", "fitted"]], how="left", on=["exporter", "importer"]
    )
    year["fitted"] = year.fitted.fillna(0.0)
    members = {"CAN", "MEX", "USA"}
    in_nafta = (
        year.exporter.isin(members) & year.importer.isin(members) & (year.exporter != year.importer) & (year.RTA == 1)
    )
    year["shock"] = np.where(in_nafta, -fit.coef["RTA"], 0.0)
    baseline = ge.Baseline.from_frame(year, value="fitted")
    result = ge.solve(baseline, baseline.phi(year, "shock"), theta=6.0, closure="multiplicative", reference="DEU")
    ours = result.countries_frame().set_index("country")
    effect_gdp = (1 / (1 + ours.real_gdp_pct / 100) - 1) * 100
    effect_exports = (1 / (1 + ours.exports_pct / 100) - 1) * 100
    ref = pd.read_csv(folder / "reference_ge_nafta_removal_by_country.csv").set_index("country").reindex(ours.index)
    table, spreads = _against_book(effect_gdp, effect_exports, ref)
    summary = {
        "rta_coefficient": float(fit.coef["RTA"]),
        "zero_pairs_in_1994": int((year.fitted == 0).sum()),
        **spreads,
        "iterations": result.iterations,
        "residual": result.residual,
    }
    return Check("nafta", "Advanced Guide ch. 2: the effects of NAFTA (1994)", table, summary)


def eu_enlargement(data_dir: Path) -> Check:
    """Stata ge_gravity's EU enlargement example on the WIOD 2000 baseline (theta 4, beta 0.224249)."""
    ref = pd.read_csv(data_dir / "wiod-gegravity-2000-2014" / "reference_ge_eu_enlargement_stata.csv")
    year = ref[ref.year == 2000]
    baseline = ge.Baseline.from_frame(year)
    phi = baseline.phi(year, "eu_effect")
    additive = ge.solve(baseline, phi, theta=4.0, closure="additive")
    mult = ge.solve(baseline, phi, theta=4.0, closure="multiplicative")
    stata = year.groupby("exporter")[["w_eu", "w_mult"]].first().reindex(baseline.countries)
    table = pd.DataFrame(
        {
            "country": baseline.countries,
            "welfare_additive": additive.welfare,
            "stata_additive": stata.w_eu.to_numpy(),
            "welfare_multiplicative": mult.welfare,
            "stata_multiplicative": stata.w_mult.to_numpy(),
        }
    )
    table["max_abs_diff"] = np.maximum(
        (table.welfare_additive - table.stata_additive).abs(),
        (table.welfare_multiplicative - table.stata_multiplicative).abs(),
    )
    summary = {"max_abs_diff": float(table.max_abs_diff.max()), "tolerance": 1e-5}
    return Check("eu", "Stata ge_gravity: EU enlargement, WIOD 2000", table, summary)


CHECKS = {"borders": trade_without_borders, "nafta": nafta_removal, "eu": eu_enlargement}
