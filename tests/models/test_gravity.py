"""Gravity estimates against the published tables (Yotov et al. 2016; gegravity; ppmlhdfe)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradeflux.models import gravity
from tradeflux.models.gravity import GravitySpec, estimate, estimate_formula

COEF_TOL = 1e-4
SE_TOL = 1e-3


@pytest.fixture(scope="module")
def panel(data_dir):
    return pd.read_csv(data_dir / "yotov-gravity-guide" / "agtpa_gravity_panel_1986_2006.csv.gz")


@pytest.fixture(scope="module")
def reference(data_dir):
    ref = pd.read_csv(data_dir / "yotov-gravity-guide" / "reference_estimates.csv")
    return {(r.model_id, r.term): (r.estimate, r.std_error, r.n_obs) for r in ref.itertuples()}


TABLE1 = GravitySpec(
    regressors=("ln_DIST", "CNTG", "LANG", "CLNY"), log=("DIST",), first_year=1986, every=4, international_only=True
)


def check(result, reference, model_id, terms, *, names=None, se_tol=None):
    names = names or {}
    for term in terms:
        est, se, n = reference[(model_id, names.get(term, term))]
        assert result.coef[term] == pytest.approx(est, abs=COEF_TOL), term
        if se_tol is not None:
            assert result.se[term] == pytest.approx(se, abs=se_tol), term
    assert result.nobs == n


LOWER = {"ln_DIST": "log_dist", "CNTG": "cntg", "LANG": "lang", "CLNY": "clny", "RTA": "rta"}


def test_table1_ppml(panel, reference):
    result = estimate(panel, TABLE1)
    check(result, reference, "ch1_app1_ppml_fe", TABLE1.regressors, names=LOWER, se_tol=SE_TOL)
    assert result.coef.round(4).to_dict() == {"ln_DIST": -0.8409, "CNTG": 0.4374, "LANG": 0.2475, "CLNY": -0.2225}
    assert result.nobs == 28_152 and result.dropped == []


def test_table1_ols(panel, reference):
    result = estimate(panel, gravity.with_spec(TABLE1, estimator="ols"))
    check(result, reference, "ch1_app1_ols_fe", TABLE1.regressors, names=LOWER, se_tol=SE_TOL)
    assert result.dropped == [gravity.Dropped("zero or negative flow (log undefined)", 28_152 - 25_689)]


def test_table3_rta_columns(panel, reference):
    ppml = estimate(panel, gravity.with_spec(TABLE1, regressors=(*TABLE1.regressors, "RTA")))
    check(ppml, reference, "ch1_app3_ppml_fe_rta", ("RTA", "ln_DIST"), names=LOWER)
    assert round(ppml.coef["RTA"], 3) == 0.191
    intra = estimate(
        panel,
        gravity.with_spec(
            TABLE1,
            regressors=(*TABLE1.regressors, "RTA"),
            international_only=False,
            fixed_effects=("exporter-year", "importer-year", "intra"),
        ),
    )
    assert intra.coef["RTA"] == pytest.approx(
        0.4085, abs=COEF_TOL
    )  # book: 0.409 (country-specific intra-national dummies)
    assert intra.coef["ln_DIST"] == pytest.approx(-0.8003, abs=COEF_TOL)
    assert intra.nobs == 28_566


def test_symmetric_pair_fixed_effects_give_the_book_and_directional_do_not(panel, reference):
    spec = GravitySpec(
        regressors=("RTA",), first_year=1986, every=4, fixed_effects=("exporter-year", "importer-year", "pair")
    )
    sym = estimate(panel, spec)
    check(sym, reference, "ch1_app3_ppml_pair_fe_rta", ("RTA",), names=LOWER)
    assert sym.coef["RTA"] == pytest.approx(0.5571853, abs=COEF_TOL)  # Stata RTAsEffects.log
    assert sym.dropped == [gravity.Dropped("separated by fixed effect pair (all flows zero)", 84)]
    directional = estimate(panel, gravity.with_spec(spec, pair="directional"))
    assert round(directional.coef["RTA"], 3) == 0.567


def test_lags_are_built_on_the_annual_panel_before_sampling(panel):
    spec = GravitySpec(regressors=("RTA",), lags={"RTA": [4]}, first_year=1986, every=4)
    frame = gravity.prepare(panel, spec)
    row = frame[(frame.exporter == "MEX") & (frame.importer == "USA") & (frame.year == 1998)]
    annual = panel[(panel.exporter == "MEX") & (panel.importer == "USA")].set_index("year").RTA
    assert row.RTA_LAG4.item() == annual[1994] == 1  # NAFTA from 1994
    assert row.RTA.item() == 1
    first = frame[(frame.exporter == "MEX") & (frame.importer == "USA") & (frame.year == 1990)]
    assert first.RTA_LAG4.item() == annual[1986] == 0


def test_table3_complete_with_the_books_rta_history(data_dir):
    """All of Table 3 from the example spec, which joins the book's RTA history (lags before 1986, the
    2010 lead) onto the panel: the book's coefficients to 1e-4."""
    from typer.testing import CliRunner

    from tradeflux.cli import app

    repo = Path(__file__).resolve().parents[2]
    panel_file = data_dir / "yotov-gravity-guide" / "agtpa_gravity_panel_1986_2006.csv.gz"
    result = CliRunner().invoke(
        app,
        [
            "gravity",
            str(panel_file),
            "--spec",
            str(repo / "examples" / "yotov_table3.toml"),
            "--json",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    models = json.loads(result.stdout)
    book = {
        "LEAD": {"RTA": 0.5200, "rta_lead4": 0.0774},
        "PHSNG": {"RTA": 0.2914, "rta_lag4": 0.4135, "rta_lag8": 0.1687, "rta_lag12": 0.1189},
        "GLBZN": {
            "RTA": 0.1157,
            "rta_lag4": 0.2877,
            "rta_lag8": 0.0693,
            "rta_lag12": 0.0024,
            "INTL_BRDR_1986": -0.7056,
            "INTL_BRDR_1990": -0.4803,
            "INTL_BRDR_1994": -0.3665,
            "INTL_BRDR_1998": -0.1581,
            "INTL_BRDR_2002": -0.1409,
        },
        "ENDG": {"RTA": 0.5572},
    }
    for name, coefficients in book.items():
        got = models[name]["coefficients"]
        assert set(got) == set(coefficients), name
        for term, value in coefficients.items():
            assert got[term] == pytest.approx(value, abs=1e-4), (name, term)
        assert models[name]["nobs"] == 28_482
    assert round(models["PPML"]["coefficients"]["RTA"], 3) == 0.191
    assert models["INTRA"]["coefficients"]["RTA"] == pytest.approx(0.4085, abs=1e-4)


def test_chapter2_cross_section_2006(data_dir):
    data = pd.read_csv(data_dir / "yotov-gravity-guide" / "agtpa_ch2_trade_without_border_2006.csv.gz")
    result = estimate(
        data,
        GravitySpec(regressors=("ln_DIST", "CNTG", "INTL_BRDR"), fixed_effects=("exporter", "importer"), vcov="stata"),
    )
    expected = {"ln_DIST": (-0.7912879, 0.0501494), "CNTG": (0.6736456, 0.1073719), "INTL_BRDR": (-2.47445, 0.1193816)}
    for term, (est, se) in expected.items():
        assert result.coef[term] == pytest.approx(est, abs=COEF_TOL)
        assert result.se[term] == pytest.approx(se, abs=SE_TOL)
    assert result.nobs == 4_761


def test_gegravity_sample_with_stata_standard_errors(data_dir):
    data = pd.read_csv(data_dir / "gegravity-sample" / "sample_gravity_data_2006.csv")
    ref = pd.read_csv(data_dir / "gegravity-sample" / "reference_ppml_estimates.csv").set_index("term")
    ref = ref.drop(index="constant")  # depends on how the fixed effects are normalised
    spec = GravitySpec(regressors=tuple(ref.index), fixed_effects=("exporter", "importer"), vcov="stata")
    result = estimate(data, spec)
    for term in ref.index:
        assert result.coef[term] == pytest.approx(ref.estimate[term], abs=COEF_TOL)
        assert result.se[term] == pytest.approx(ref.std_error[term], abs=SE_TOL)
    assert result.se["lndist"] == pytest.approx(0.0729915, abs=1e-6)
    hetero = estimate(data, gravity.with_spec(spec, vcov="hetero"))
    assert hetero.se["lndist"] == pytest.approx(0.0756918, abs=1e-5)  # pyfixest's default small-sample correction


# ppmlhdfe's separation example 1 (github.com/sergiocorreia/ppmlhdfe, guides/csv/example1.csv, MIT)
EXAMPLE1 = "y,x1,x2,x3,x4\n0,0,0,2,10\n0,0,0,0,-2\n0,0,0,0,6\n0,0,0,4,5\n0,1,0,0,3\n2,0,0,0,3\n2,0,0,0,4\n2,0,0,-2,15\n2,0,0,0,-7\n4,0,0,-3,15\n6,-3,-3,0,4\n6,0,0,0,4\n"


def test_regressor_separation_gives_the_ppmlhdfe_answer():
    data = pd.read_csv(io.StringIO(EXAMPLE1))
    result = estimate_formula(data, "y ~ x1 + x2 + x3 + x4", vcov="stata")
    assert result.nobs == 11
    assert result.dropped == [gravity.Dropped("separated by regressors (iterated rectifier)", 1)]
    assert result.omitted == {"x2": "collinear with other regressors or fixed effects"}
    expected = {
        "x1": (-0.4506523, 0.1397897),
        "x3": (-0.4708494, 0.1955146),
        "x4": (-0.0377863, 0.0298576),
        "Intercept": (0.5909476, 0.4021422),
    }
    for term, (est, se) in expected.items():
        assert result.coef[term] == pytest.approx(est, abs=1e-6)
        assert result.se[term] == pytest.approx(se, abs=1e-6)


def test_rectifier_finds_the_separated_observation():
    data = pd.read_csv(io.StringIO(EXAMPLE1))
    mask = gravity.rectifier_separation(data.y.to_numpy(float), data[["x1", "x2", "x3", "x4"]].to_numpy(float))
    assert np.flatnonzero(mask).tolist() == [4]


def test_fixed_effect_separation_is_dropped_and_counted():
    rng = np.random.default_rng(1)
    rows = []
    for e in "ABCDE":
        for i in "VWXYZ":
            flow = 0.0 if e == "E" else float(rng.poisson(20))
            rows.append({"exporter": e, "importer": i, "trade": flow, "x": rng.normal()})
    data = pd.DataFrame(rows)
    result = estimate(
        data, GravitySpec(regressors=("x",), year=None, fixed_effects=("exporter", "importer"), vcov="hetero")
    )
    assert result.dropped == [gravity.Dropped("separated by fixed effect exporter (all flows zero)", 5)]
    assert result.nobs == 20


def test_publication_table(panel):
    results = {
        "PPML": estimate(panel, gravity.with_spec(TABLE1, regressors=(*TABLE1.regressors, "RTA"))),
        "ENDG": estimate(
            panel,
            GravitySpec(
                regressors=("RTA",), first_year=1986, every=4, fixed_effects=("exporter-year", "importer-year", "pair")
            ),
        ),
    }
    table = gravity.compare(results)
    assert table.loc["RTA"].tolist() == ["0.191", "0.557"]
    assert table.loc["N"].tolist() == ["28,152", "28,482"]
    assert table.loc["ln_DIST"].tolist() == ["-0.822", ""]
    latex = gravity.to_latex(table)
    assert latex.startswith("\\begin{tabular}{lcc}") and "RTA & 0.191 & 0.557" in latex
    assert table.to_csv().splitlines()[0] == ",PPML,ENDG"


def test_bad_specs_fail_clearly(panel):
    with pytest.raises(KeyError, match="regressors not in the data: TARIFF"):
        estimate(panel, GravitySpec(regressors=("TARIFF",)))
    with pytest.raises(ValueError, match="unknown gravity spec keys: regresors"):
        GravitySpec.from_dict({"regresors": ["x"]})


def test_fixed_effect_estimates_are_available(data_dir):
    data = pd.read_csv(data_dir / "gegravity-sample" / "sample_gravity_data_2006.csv")
    result = estimate(
        data, GravitySpec(regressors=("lndist", "international"), fixed_effects=("exporter", "importer"), vcov="stata")
    )
    fe = result.fixed_effects
    assert set(fe) == {"C(exporter)", "C(importer)"}
    assert len(fe["C(exporter)"]) == 30 and len(fe["C(importer)"]) == 29  # one importer level is the normalised 0
    imp = data.importer.map(fe["C(importer)"]).fillna(0.0)
    fitted = np.exp(
        result.coef["lndist"] * data.lndist
        + result.coef["international"] * data.international
        + data.exporter.map(fe["C(exporter)"])
        + imp
    )
    assert fitted.sum() == pytest.approx(data.trade.sum(), rel=1e-6)  # PPML with FE: fitted totals match observed
