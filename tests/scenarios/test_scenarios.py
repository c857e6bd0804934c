"""Scenario files run end to end on the WIOD baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradeflux
from tradeflux import scenarios
from tradeflux.cli import app
from tradeflux.errors import InputError


@pytest.fixture(scope="module")
def peak(data_dir):
    return scenarios.simulate(scenarios.find("us_china_peak_2025"), data_dir)


def test_shipped_scenarios():
    assert set(scenarios.shipped()) >= {"us_china_peak_2025", "us_china_truce_2025_11", "china_surplus_halved"}


def test_peak_tariffs_cut_china_us_trade_and_divert_chinese_exports(peak):
    dest = peak.destinations.set_index("destination")
    assert dest.loc["USA", "change_pct"] < -95  # ((1 + 1.45)^-4 = 0.028 before general-equilibrium effects)
    assert (dest.drop(index="USA").change_pct > 0).all()  # every other destination gains
    frame = peak.countries.set_index("country")
    assert frame.loc["MEX", "welfare_pct"] > 0 and frame.loc["CHN", "welfare_pct"] < 0
    assert frame.loc["CHN", "balance_after"] == pytest.approx(
        frame.loc["CHN", "balance_before"], rel=1e-9
    )  # imbalances held
    assert frame.loc["USA", "tariff_revenue_after"] > 0 and frame.loc["DEU", "tariff_revenue_after"] == 0


def test_truce_is_milder_than_the_peak(peak, data_dir):
    truce = scenarios.simulate(scenarios.find("us_china_truce_2025_11"), data_dir)
    us_peak = peak.destinations.set_index("destination").loc["USA", "change_pct"]
    us_truce = truce.destinations.set_index("destination").loc["USA", "change_pct"]
    assert us_peak < us_truce < 0


def test_halving_chinas_surplus(data_dir):
    sim = scenarios.simulate(scenarios.find("china_surplus_halved"), data_dir)
    frame = sim.countries.set_index("country")
    assert frame.loc["CHN", "balance_after"] == pytest.approx(frame.loc["CHN", "balance_before"] / 2, rel=1e-9)
    assert frame.balance_after.sum() == pytest.approx(0.0, abs=1e-3)
    assert frame.loc["CHN", "welfare_pct"] > 0  # China spends more on itself


def test_bad_scenario_files(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\n[baseline]\ndataset = "wiod"\n[[shocks]]\ntype = "quota"\n')
    with pytest.raises(ValueError, match="shock 1 has type 'quota'; types: tariff, surplus"):
        scenarios.Scenario.load(path)
    with pytest.raises(KeyError, match="no scenario file 'nope'"):
        scenarios.find("nope")


def test_simulate_command(data_dir, tmp_path):
    runner = CliRunner(env={"COLUMNS": "200"})
    result = runner.invoke(
        app, ["simulate", "us_china_truce_2025_11", "--data-dir", str(data_dir), "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["scenario"] == "US-China truce of November 2025" and len(out["countries"]) == 44
    assert (tmp_path / "us_china_truce_2025_11.html").exists()
    pairs = pd.read_csv(tmp_path / "us_china_truce_2025_11_pairs.csv").set_index(["exporter", "importer"])
    assert len(pairs) == 44 * 44 and pairs.loc[("CHN", "USA"), "change_pct"] < -50
    row = next(r for r in out["countries"] if r["country"] == "USA")
    assert row["imports_after"] < row["imports_before"] and row["price_index_pct"] != 0
    listing = runner.invoke(app, ["scenarios", "--json"])
    assert {r["name"] for r in json.loads(listing.stdout)} >= {"china_surplus_halved"}


def test_eu_tariff_on_chinese_vehicles_in_the_multi_sector_icio_baseline(data_dir):
    sim = scenarios.simulate(scenarios.find("eu_ev_tariff_2025"), data_dir)
    r, b = sim.result, sim.result.baseline
    chn, deu, usa = b.countries.index("CHN"), b.countries.index("DEU"), b.countries.index("USA")
    c29 = b.sectors.index("C29")
    taxed = {(b.countries[j], b.sectors[k]) for j, k in zip(*r.tariffs_new[chn].nonzero(), strict=True)}
    assert {k for _, k in taxed} == {"C29"} and len(taxed) == 27  # one industry, the 27 EU members
    assert r.X_new[chn, deu, c29] / b.X[chn, deu, c29] - 1 < -0.5
    assert r.X_new[chn, usa, c29] > b.X[chn, usa, c29]  # diverted elsewhere
    frame = sim.countries.set_index("country")
    assert -1.0 < frame.loc["CHN", "exports_pct"] < 0
    assert "intermediate inputs only" in sim.notes[0]
    assert scenarios.icio_theta(("C29", "C28", "K")).tolist() == [8.22, 1.45, 8.22]


def test_secondary_tariff_on_irans_partners(data_dir):
    sim = scenarios.simulate(scenarios.find("us_secondary_tariff_iran"), data_dir)
    assert any(
        "(the 5 largest partners of IRN by 2006 manufacturing trade): DEU, CHN, ITA, KOR, IND" in n for n in sim.notes
    )
    base, new = sim.result.baseline.X.sum(axis=2), sim.result.X_new.sum(axis=2)
    countries = sim.result.baseline.countries
    usa = countries.index("USA")
    to_us = {c: new[i, usa] / base[i, usa] - 1 for i, c in enumerate(countries) if base[i, usa] > 0}
    for hit in ("DEU", "CHN", "ITA", "KOR", "IND"):
        assert to_us[hit] < -0.6  # 1.25^-6 = 0.26 before general-equilibrium effects
    assert to_us["MEX"] > 0 and to_us["IRN"] > 0  # the others sell more to the US
    frame = sim.countries.set_index("country")
    assert frame.loc["USA", "tariff_revenue_after"] > 0 and frame.loc["CHN", "welfare_pct"] < 0


def test_secondary_targets_rules(data_dir):
    top, rule = scenarios.secondary_targets({"partner_of": "IRN", "imposing": "USA", "top": 3}, data_dir)
    assert top == ["DEU", "CHN", "ITA"] and "3 largest partners" in rule
    share, _ = scenarios.secondary_targets({"partner_of": "IRN", "imposing": "USA", "min_share_pct": 1.0}, data_dir)
    assert share == ["IND", "KWT"]  # trade with Iran >= 1% of their international trade
    with pytest.raises(KeyError, match="'VEN' is not in the 2006 data"):
        scenarios.secondary_targets({"partner_of": "VEN", "imposing": "USA"}, data_dir)


def test_secondary_tariff_in_the_pe_model_says_what_it_cannot_apply(data_dir):
    run = scenarios.simulate_pe(scenarios.find("us_secondary_tariff_iran").shocks, title="iran", data_dir=data_dir)
    assert any("(USA on DEU) left out: it is inside the EU aggregate 'EUU'" in n for n in run.notes)
    lines = run.result.lines
    for partner in ("CHN", "KOR", "IND"):
        hit = lines[lines.partner == partner]
        assert (hit.new_tariff_pct - hit.tariff_pct).to_numpy() == pytest.approx(np.full(len(hit), 25.0))


def test_product_scoped_shocks_are_left_out_of_the_ge_model_and_applied_in_pe(tmp_path, data_dir):
    path = tmp_path / "ev.toml"
    path.write_text(
        'name = "US tariff on Chinese EVs"\n[baseline]\ndataset = "wiod"\nyear = 2014\n'
        '[[shocks]]\ntype = "tariff"\nimposing = "USA"\ntarget = "CHN"\nrate_pct = 100\nproducts = ["870380"]\n'
    )
    scenario = scenarios.Scenario.load(path)
    sim = scenarios.simulate(scenario, data_dir)
    assert any("left out: the GE baseline has industries, not products" in n for n in sim.notes)
    assert sim.countries.set_index("country").loc["USA", "tariff_revenue_after"] == 0
    run = scenarios.simulate_pe(scenario.shocks, title="ev", data_dir=data_dir)
    lines = run.result.lines
    ev = lines[(lines.partner == "CHN") & (lines["product"] == "870380")]
    assert (ev.new_tariff_pct - ev.tariff_pct).tolist() == [100.0]
    other = lines[(lines.partner == "CHN") & (lines["product"] != "870380")]
    assert (other.new_tariff_pct == other.tariff_pct).all()


def test_the_scenario_chooses_the_imbalance_closure(tmp_path, data_dir):
    original = Path(scenarios.find("us_china_truce_2025_11").source).read_text()
    path = tmp_path / "truce_mult.toml"
    path.write_text(original.replace("theta = 4.0", 'theta = 4.0\nclosure = "multiplicative"'))
    mult = scenarios.simulate(scenarios.Scenario.load(path), data_dir)
    add = scenarios.simulate(scenarios.find("us_china_truce_2025_11"), data_dir)
    assert "closure: trade imbalances held multiplicatively (moving with each country's factory price)" in mult.notes
    assert any(
        n.startswith("closure: each economy's trade balance is held at its baseline value in USD") for n in add.notes
    )
    a, m = add.countries.set_index("country"), mult.countries.set_index("country")
    assert a.loc["CHN", "balance_after"] == pytest.approx(a.loc["CHN", "balance_before"], rel=1e-9)
    assert m.loc["CHN", "balance_after"] != pytest.approx(m.loc["CHN", "balance_before"], rel=1e-6)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("min_share_pct = nan", "min_share_pct must be a finite number >= 0, not nan"),
        ('min_share_pct = "1"', "min_share_pct must be a finite number >= 0, not '1'"),
        ("top = 0", "top must be a whole number >= 1, not 0"),
        ("top = 2.5", "top must be a whole number >= 1, not 2.5"),
    ],
)
def test_optional_shock_numbers_are_checked(field, message, tmp_path):
    """`min_share_pct = nan` chose no partner without a word."""
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "x"\n[baseline]\ndataset = "wiod"\n[[shocks]]\ntype = "secondary"\nimposing = "USA"\n'
        f'partner_of = "IRN"\nrate_pct = 25\n{field}\n'
    )
    with pytest.raises(InputError, match=re.escape(message)):
        scenarios.Scenario.load(path)


SHOCK = '[[shocks]]\ntype = "tariff"\nimposing = "USA"\ntarget = "CHN"\nrate_pct = 10\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'name = "x"\n[baseline]\ndataset = "wiod"\nyear = "abc"\n' + SHOCK,
            "baseline.year must be a whole number such as 2019, not 'abc'",
        ),
        (
            'name = "x"\n[baseline]\ndataset = "wiod"\n[model]\ntheta = "four"\n' + SHOCK,
            "model.theta must be a positive number, not 'four'",
        ),
        (
            'name = "x"\n[baseline]\ndataset = "wiod"\n[model]\ntheta_band = [2]\n' + SHOCK,
            "model.theta_band must be two positive numbers such as [2.0, 8.0], not [2]",
        ),
        ('name = ["x"]\n[baseline]\ndataset = "wiod"\n' + SHOCK, "name must be text, not ['x']"),
        (
            'name = "x"\n[baseline]\ndataset = "wiod"\n' + SHOCK.replace('"CHN"', '"usa"'),
            "shock 1 (tariff): USA cannot put a tariff on its own goods",
        ),
        ('name = "x"\nz = ' + "[" * 500 + "1" + "]" * 500 + "\n", "not valid TOML (nested too deeply)"),
    ],
)
def test_scenario_fields_of_the_wrong_type_are_named(text, message, tmp_path):
    """These ended in a Python error (int('abc'), float('four'), a list's .replace, RecursionError) or, for a
    tariff of the USA on itself, ran without a word."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(tradeflux.InputError) as caught:
        scenarios.Scenario.load(path)
    assert str(caught.value) == f"{path}: {message}"
