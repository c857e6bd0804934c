"""SMART and GSIM: Jammes and Olarreaga's (2005) closed forms on small cases, conservation, a real run."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradeflux import scenarios
from tradeflux.cli import app
from tradeflux.models import pe
from tradeflux.render import writers
from tradeflux.scenarios import inputs


def two_markets(new_usa: float, new_euu: float) -> pd.DataFrame:
    """China and Viet Nam selling one product to the US and the EU; new tariffs on China's goods."""
    return pd.DataFrame(
        {
            "importer": ["USA", "USA", "EUU", "EUU"],
            "product": ["a"] * 4,
            "partner": ["CHN", "VNM", "CHN", "VNM"],
            "imports": [400.0, 100.0, 300.0, 200.0],
            "tariff_pct": [0.0] * 4,
            "new_tariff_pct": [new_usa, 0.0, new_euu, 0.0],
        }
    )


def lines(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["product", "partner", "imports", "tariff_pct", "new_tariff_pct"])


def effect(result: pe.PEResult, partner: str, column: str, product: str = "a") -> float:
    frame = result.lines
    return float(frame.loc[(frame.partner == partner) & (frame["product"] == product), column].iloc[0])


# ---- trade creation ----------------------------------------------------------------------------


def test_trade_creation_is_jo_closed_form():
    # J&O eq.: TC = eps * m * dt / (1 + t); a cut from 10% to 0 on 100 with eps = -1.2
    result = pe.smart(lines(("a", "X", 100.0, 10.0, 0.0)), pe.Elasticities(import_demand=-1.2))
    assert effect(result, "X", "trade_creation") == pytest.approx(-1.2 * 100 * (-0.10) / 1.10, abs=1e-12)
    assert effect(result, "X", "trade_creation") == pytest.approx(10.909090909090908, abs=1e-12)
    assert effect(result, "X", "trade_diversion") == 0.0  # a single partner has nothing to divert from


def test_trade_creation_with_finite_export_supply():
    # J&O section 2: TC = m eps tau / (1 - eps / beta); world price moves by eps tau / (beta - eps)
    eps, beta, tau = -2.0, 3.0, -0.10 / 1.10
    result = pe.smart(lines(("a", "X", 100.0, 10.0, 0.0)), pe.Elasticities(eps, 1.5, beta))
    assert effect(result, "X", "trade_creation") == pytest.approx(100 * eps * tau / (1 - eps / beta), abs=1e-12)
    assert effect(result, "X", "trade_creation") == pytest.approx(10.909090909090908, abs=1e-12)
    assert effect(result, "X", "world_price_pct") == pytest.approx(100 * eps * tau / (beta - eps), abs=1e-12)
    assert effect(result, "X", "world_price_pct") == pytest.approx(3.6363636363636362, abs=1e-12)
    # the importer pays the higher world price on what it buys after the change
    after = effect(result, "X", "imports_after")
    assert effect(result, "X", "imports_value_after") == pytest.approx(after * (1 + 0.036363636363636362))


def test_doubling_import_demand_elasticity_doubles_creation():
    base = lines(("a", "X", 100.0, 10.0, 0.0), ("a", "Y", 50.0, 10.0, 10.0))
    one = pe.smart(base, pe.Elasticities(import_demand=-1.0))
    two = pe.smart(base, pe.Elasticities(import_demand=-2.0))
    assert effect(two, "X", "trade_creation") == pytest.approx(2 * effect(one, "X", "trade_creation"))


# ---- trade diversion ---------------------------------------------------------------------------


def test_trade_diversion_is_jo_closed_form():
    # J&O: TD_c = m_c m_o sigma y / (m_c + m_o + m_c sigma y), y the relative change in p_o / p_c
    m_c, m_o, sigma = 100.0, 300.0, 1.5
    y = 1.10 / 1.00 - 1  # c's tariff falls from 10% to 0, o's stays at 10%
    expected = m_c * m_o * sigma * y / (m_c + m_o + m_c * sigma * y)
    result = pe.smart(lines(("a", "X", m_c, 10.0, 0.0), ("a", "Y", m_o, 10.0, 10.0)))
    assert effect(result, "X", "trade_diversion") == pytest.approx(expected, abs=1e-12)
    assert effect(result, "X", "trade_diversion") == pytest.approx(10.843373493975903, abs=1e-12)
    assert effect(result, "Y", "trade_diversion") == pytest.approx(-expected, abs=1e-12)


def test_diversion_of_a_group_is_the_closed_form_on_the_group():
    # two partners with the same cut act as one variety against the rest
    m_b, m_o, sigma, y = 60.0 + 40.0, 300.0, 2.0, 1.2 / 1.05 - 1
    group = m_b * m_o * sigma * y / (m_b + m_o + m_b * sigma * y)
    result = pe.smart(
        lines(("a", "X", 60.0, 20.0, 5.0), ("a", "Z", 40.0, 20.0, 5.0), ("a", "Y", m_o, 5.0, 5.0)),
        pe.Elasticities(substitution=sigma),
    )
    gained = effect(result, "X", "trade_diversion") + effect(result, "Z", "trade_diversion")
    assert gained == pytest.approx(group, abs=1e-12)
    assert effect(result, "X", "trade_diversion") / effect(result, "Z", "trade_diversion") == pytest.approx(60 / 40)


def test_diversion_sums_to_zero_in_every_product():
    rng = np.random.default_rng(7)
    n = 40
    frame = pd.DataFrame(
        {
            "product": rng.choice(["a", "b", "c", "d"], n),
            "partner": [f"P{i}" for i in range(n)],
            "imports": rng.uniform(1, 1000, n),
            "tariff_pct": rng.uniform(0, 30, n),
            "new_tariff_pct": rng.uniform(0, 60, n),
        }
    )
    result = pe.smart(frame, pe.Elasticities(-1.3, 4.0))
    sums = result.lines.groupby("product").trade_diversion.sum()
    assert np.abs(sums.to_numpy()).max() < 1e-9
    assert result.totals()["trade_diversion"] == pytest.approx(0.0, abs=1e-9)


def test_diversion_never_takes_more_than_existing_trade():
    # sigma 20 against a 50-point relative price change: the linear ratio would go negative; capped
    result = pe.smart(
        lines(("a", "X", 100.0, 0.0, 50.0), ("a", "Y", 100.0, 0.0, 0.0)),
        pe.Elasticities(import_demand=0.0, substitution=20.0),
    )
    assert effect(result, "X", "trade_diversion") == pytest.approx(-100.0)
    assert effect(result, "Y", "trade_diversion") == pytest.approx(100.0)
    assert effect(result, "X", "imports_after") == 0.0


def test_an_equal_change_on_every_partner_diverts_nothing():
    result = pe.smart(lines(("a", "X", 100.0, 5.0, 25.0), ("a", "Y", 300.0, 5.0, 25.0)))
    assert effect(result, "X", "trade_diversion") == pytest.approx(0.0, abs=1e-12)
    assert effect(result, "Y", "trade_diversion") == pytest.approx(0.0, abs=1e-12)


# ---- revenue, surplus, welfare -----------------------------------------------------------------


def test_tariff_revenue_before_and_after():
    result = pe.smart(lines(("a", "X", 100.0, 10.0, 0.0), ("a", "Y", 300.0, 10.0, 10.0)))
    assert effect(result, "X", "revenue_before") == pytest.approx(10.0)
    assert effect(result, "X", "revenue_after") == 0.0
    # Y keeps its 10% on 300 - 10.843373... diverted
    assert effect(result, "Y", "revenue_after") == pytest.approx(0.10 * (300 - 10.843373493975903), abs=1e-9)


def test_consumer_surplus_and_the_harberger_triangle():
    # a cut from 10% to 0 on one partner: CS = -dp (m + TC / 2); welfare = CS + dTR = TC (t0 + t1) / 2
    tc = -1.0 * 100 * (-0.10) / 1.10
    result = pe.smart(lines(("a", "X", 100.0, 10.0, 0.0)))
    assert effect(result, "X", "consumer_surplus") == pytest.approx(0.10 * (100 + tc / 2), abs=1e-12)
    assert effect(result, "X", "consumer_surplus") == pytest.approx(10.454545454545455, abs=1e-12)
    assert effect(result, "X", "welfare") == pytest.approx(tc * (0.10 + 0.0) / 2, abs=1e-12)


def test_past_the_choke_price_imports_stop_and_the_surplus_is_the_whole_triangle():
    # 0 -> 300% with eps = -1: linear demand would give 100 - 300 = -200; imports stop at zero
    result = pe.smart(lines(("a", "X", 100.0, 0.0, 300.0)))
    assert effect(result, "X", "imports_after") == 0.0
    assert bool(effect(result, "X", "floored"))
    # demand hits zero at dp = 1 (eps = -1): the triangle is 100 * 1 / 2
    assert effect(result, "X", "consumer_surplus") == pytest.approx(-50.0)
    assert "cut at zero imports" in " ".join(result.notes)


# ---- GSIM -----------------------------------------------------------------------------------------


def test_gsim_in_one_market_with_fixed_world_prices_matches_smart_creation():
    frame = lines(("a", "X", 100.0, 10.0, 0.0), ("a", "Y", 300.0, 10.0, 10.0), ("b", "X", 50.0, 0.0, 5.0))
    smart = pe.smart(frame)
    gsim = pe.gsim(frame.assign(importer="USA"))
    assert gsim.totals()["trade_creation"] == pytest.approx(smart.totals()["trade_creation"], abs=1e-12)
    assert gsim.lines.groupby("product").trade_diversion.sum().abs().max() < 1e-12


def test_gsim_single_exporter_world_price_matches_smart_finite_supply():
    eps, beta = -1.0, 2.0
    frame = lines(("b", "X", 50.0, 0.0, 5.0))
    smart = pe.smart(frame, pe.Elasticities(eps, 1.5, beta))
    gsim = pe.gsim(frame.assign(importer="USA"), pe.Elasticities(eps, 1.5, beta))
    # w = eps tau / (beta - eps) = -0.05 / 3, in both
    assert effect(gsim, "X", "world_price_pct", "b") == pytest.approx(-5 / 3, abs=1e-12)
    assert effect(smart, "X", "world_price_pct", "b") == pytest.approx(-5 / 3, abs=1e-12)


def test_gsim_tariff_in_one_market_lowers_the_exporters_price_and_sends_goods_elsewhere():
    eps, sigma, beta = -1.0, 3.0, 2.0
    result = pe.gsim(two_markets(50.0, 0.0), pe.Elasticities(eps, sigma, beta))
    out = result.lines.set_index(["importer", "partner"])
    w_chn = out.loc[("USA", "CHN"), "world_price_pct"] / 100
    assert w_chn < 0 and out.loc[("EUU", "CHN"), "world_price_pct"] == pytest.approx(w_chn * 100)
    assert out.loc[("EUU", "CHN"), "imports_after"] > 300.0  # cheaper Chinese goods in the EU
    # exporter market clearing: sum_j m_ij m^_ij = beta x_i w_i
    for exporter in ("CHN", "VNM"):
        sub = result.lines[result.lines.partner == exporter]
        w = sub.world_price_pct.iloc[0] / 100
        assert (sub.imports_after - sub.imports).sum() == pytest.approx(beta * sub.imports.sum() * w, abs=1e-9)


# ---- inputs --------------------------------------------------------------------------------------


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"^lines: missing column\(s\) new_tariff_pct"):
        pe.smart(lines(("a", "X", 1.0, 0.0, 0.0)).drop(columns="new_tariff_pct"))
    with pytest.raises(
        ValueError,
        match=r"^my.csv: row 2 \(line 3 of a file with a header\), field imports: '-5.0' is not a non-negative number$",
    ):
        pe.smart(lines(("a", "X", 1.0, 0.0, 0.0), ("a", "Y", -5.0, 0.0, 0.0)), name="my.csv")
    with pytest.raises(ValueError, match="import demand elasticities must be negative or zero"):
        pe.smart(lines(("a", "X", 1.0, 0.0, 0.0)), pe.Elasticities(import_demand=1.2))
    with pytest.raises(ValueError, match="partner X appears twice for product a"):
        pe.smart(lines(("a", "X", 1.0, 0.0, 0.0), ("a", "X", 2.0, 0.0, 0.0)))


def test_broda_weinstein_substitution_by_hs3(data_dir):
    table = pd.read_csv(
        data_dir / "trade-elasticities" / "broda_weinstein_2006_sigma_hs0_3digit_73countries.csv", dtype={"HS0_3d": str}
    )
    us = table[table.iso3c == "USA"]
    low, high = us.sigma.quantile([0.05, 0.95])
    sigma = inputs.broda_weinstein(pd.Series(["850760", "010121", "999999"]), "USA", data_dir)
    assert sigma[0] == pytest.approx(min(max(float(us.set_index("HS0_3d").sigma["850"]), low), high))
    assert sigma[1] == pytest.approx(high)  # 108.2 for live animals, winsorised
    assert sigma[2] == pytest.approx(us.sigma.clip(low, high).median())


# ---- the real run: US 2024 HS6 imports, the November 2025 duties on China ------------------------


@pytest.fixture(scope="module")
def truce(data_dir):
    return scenarios.simulate_pe(
        [{"type": "schedule", "layers": "us_china_2025", "date": "2025-11-10"}], title="truce", data_dir=data_dir
    )


def test_truce_duties_cut_chinese_lines_and_divert_to_viet_nam_mexico_and_the_eu(truce):
    partners = truce.result.by("partner").set_index("partner")
    # 2024 imports from China without chapters 98-99 (429.4 bn with them)
    assert partners.loc["CHN", "imports"] == pytest.approx(417.986720127e9)
    assert partners.loc["CHN", "change_pct"] == pytest.approx(-34.24, abs=0.01)
    gainers = partners.total_effect.nlargest(3).index.tolist()
    assert set(gainers) == {"VNM", "EUU", "MEX"}
    assert partners.loc["VNM", "change_pct"] == pytest.approx(7.69, abs=0.01)
    assert (partners.drop(index="CHN").trade_creation == 0).all()  # only China's tariffs change
    totals = truce.result.totals()
    assert abs(totals["trade_diversion"]) < 1e-3  # USD, across 89k lines
    assert totals["revenue_after"] > totals["revenue_before"]


def test_scenario_files_drive_the_pe_model(data_dir):
    run = scenarios.simulate_pe(scenarios.find("us_china_truce_2025_11").shocks, title="t", data_dir=data_dir)
    assert "US additional 20% on all goods from CHN, on top of 2024 rates" in run.notes
    assert any("left out: the PE baseline holds USA's imports only" in n for n in run.notes)
    lines = run.result.lines
    chn = lines[lines.partner == "CHN"]
    assert (chn.new_tariff_pct - chn.tariff_pct).to_numpy() == pytest.approx(np.full(len(chn), 20.0))


def test_pe_command_writes_a_report(tmp_path, data_dir):
    runner = CliRunner()
    args = ["pe", "--date", "2025-11-10", "--out", str(tmp_path), "--data-dir", str(data_dir), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["model"] == "smart"
    assert math.isclose(data["totals"]["trade_diversion"], 0.0, abs_tol=1e-3)
    html = (tmp_path / "pe_us_2025-11-10.html").read_text()
    assert "chart-partners" in html and "<td>Vietnam</td>" in html
    by = {row["partner"]: row for row in data["by_partner"]}
    # every partner's duties are in force: India (50) and Viet Nam (20) lose, not gain as under China's alone
    assert by["IND"]["total_effect"] < 0 and by["VNM"]["total_effect"] < 0
    assert by["IND"]["change_pct"] < by["VNM"]["change_pct"] < 0
    products = pd.read_csv(tmp_path / "pe_us_2025-11-10_gaining_products.csv", dtype={"product": str})
    gainers = {p for p, row in by.items() if row["total_effect"] > 0}
    assert set(products.partner) <= gainers and gainers


def test_pe_command_on_your_own_lines_and_its_errors(tmp_path):
    path = tmp_path / "mine.csv"
    lines(("a", "X", 100.0, 10.0, 0.0), ("a", "Y", 300.0, 10.0, 10.0)).to_csv(path, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["pe", "--lines", str(path), "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by = {row["partner"]: row for row in data["by_partner"]}
    assert by["X"]["trade_diversion"] == pytest.approx(10.843373493975903)
    res = runner.invoke(app, ["pe", "--out", str(tmp_path)])
    assert (
        res.exit_code == 2
        and "give a scenario, --date YYYY-MM-DD, --tariff PARTNER:HS=PCT, or --lines FILE" in res.output
    )
    res = runner.invoke(app, ["pe", "--lines", str(path), "--import-demand", "1.5"])
    assert res.exit_code == 2 and "import demand elasticities must be negative" in res.output


# ---- many scenarios at once ----------------------------------------------------------------------


def test_sweep_equals_one_scenario_at_a_time_on_both_paths():
    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame(
        {
            "product": rng.choice([f"p{i}" for i in range(9)], n),
            "partner": rng.choice([f"P{i}" for i in range(12)], n),
            "imports": rng.uniform(0, 1000, n),
            "tariff_pct": rng.uniform(0, 30, n),
        }
    ).drop_duplicates(["product", "partner"])
    market = pe.Market(frame)
    new = frame.tariff_pct.to_numpy()[None, :] + rng.uniform(-10, 200, (7, len(frame)))
    compiled = market.sweep(new, pe.Elasticities(-1.4, 2.5))  # numba when installed
    numpy = market.sweep(new, pe.Elasticities(-1.4, 2.5, 1e300))  # a finite supply takes the numpy path
    for s in (0, 6):
        one = market.simulate(new[s], pe.Elasticities(-1.4, 2.5)).by("partner").set_index("partner")
        for sweep in (compiled, numpy):
            got = sweep[sweep.scenario == s].set_index("partner")
            for column in compiled.columns[2:]:
                assert got[column].to_numpy() == pytest.approx(
                    one.loc[got.index, column].to_numpy(), rel=1e-9, abs=1e-6
                )
    with pytest.raises(ValueError, match="new tariffs have 3 columns for"):
        market.sweep(new[:, :3])


def test_elasticities_from_a_file_longest_prefix_wins(tmp_path):
    path = tmp_path / "el.csv"
    path.write_text("product,import_demand,substitution\n85,-2.0,\n8507,-3.0,4.0\n")
    products = pd.Series(["850760", "851712", "010121"])
    table = inputs.elasticities_from_file(path, products)
    assert table.import_demand.tolist()[:2] == [-3.0, -2.0] and np.isnan(table.import_demand[2])
    el = inputs.with_elasticities_file(pe.Elasticities(), path, products)
    assert list(el.import_demand) == [-3.0, -2.0, -1.0]  # unmatched lines keep the default
    assert list(el.substitution) == [4.0, 1.5, 1.5]
    assert "import demand -3 to -1 by line (from" in el.note and "on 2 of 3 lines" in el.note
    assert pe.Elasticities().note == (
        "elasticities: import demand -1 (unit elastic: a neutral assumption, not an estimate); "
        "substitution 1.5 (the WITS-SMART default); export supply inf (fixed world prices; WITS uses 99)"
    )
    assert pe.Elasticities(import_demand=-1.2).note.startswith("elasticities: import demand -1.2 (as given)")


def test_pe_command_runs_gsim_when_lines_have_several_importers(tmp_path):
    path = tmp_path / "two.csv"
    two_markets(50.0, 25.0).to_csv(path, index=False)
    res = CliRunner().invoke(
        app, ["pe", "--lines", str(path), "--export-supply", "2", "--out", str(tmp_path), "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["model"] == "gsim"
    chn = next(row for row in data["by_partner"] if row["partner"] == "CHN")
    assert chn["total_effect"] < 0 and chn["exporter_surplus"] < 0  # China's world price falls


def test_pe_report_renders_in_chromium(truce, tmp_path, data_dir, browser_page):
    paths = writers.write_pe(truce, scenarios.pe_tables(truce, data_dir), tmp_path, "truce")
    page, errors = browser_page(paths["html"], "#chart-products .main-svg")
    assert page.locator("#chart-partners .bars path").count() >= 51  # a bar per partner
    assert page.locator("#chart-products .bars path").count() >= 25  # 8 lines for each of the top gainers
    assert "Vietnam" in page.locator("table").first.inner_text() or "Vietnam" in page.content()
    assert errors == []


# ---- the constant-elasticity form, for large changes ---------------------------------------------


def test_constant_form_on_one_partner_by_hand():
    # 10% -> 155%: pi = 2.55 / 1.10; imports m pi^eps; surplus -m p0 (pi^(1+eps) - 1) / (1 + eps)
    pi = 2.55 / 1.10
    result = pe.smart(lines(("a", "X", 100.0, 10.0, 155.0)), pe.Elasticities(import_demand=-1.5), form="constant")
    assert effect(result, "X", "imports_after") == pytest.approx(100 * pi**-1.5, rel=1e-12)
    assert effect(result, "X", "imports_after") == pytest.approx(28.332099, rel=1e-6)
    assert effect(result, "X", "consumer_surplus") == pytest.approx(-100 * 1.10 * (pi**-0.5 - 1) / -0.5, rel=1e-12)
    assert effect(result, "X", "revenue_after") == pytest.approx(1.55 * 100 * pi**-1.5, rel=1e-12)
    unit = pe.smart(lines(("a", "X", 100.0, 10.0, 155.0)), form="constant")  # eps = -1: the log case
    assert effect(unit, "X", "consumer_surplus") == pytest.approx(-100 * 1.10 * math.log(pi), rel=1e-12)


def test_constant_form_diverts_by_ces_shares_and_never_goes_negative():
    frame = lines(("a", "X", 100.0, 0.0, 145.0), ("a", "Y", 300.0, 0.0, 0.0), ("a", "Z", 50.0, 0.0, 20.0))
    result = pe.smart(frame, pe.Elasticities(-1.2, 4.0), form="constant")
    out = result.lines.set_index("partner")
    own = {"X": 100 * 2.45**-1.2, "Y": 300.0, "Z": 50 * 1.2**-1.2}
    # after_c / after_k = (own_c / own_k) (pi_c / pi_k)^-sigma
    assert out.imports_after["X"] / out.imports_after["Y"] == pytest.approx(own["X"] / own["Y"] * 2.45**-4.0)
    assert out.imports_after["Z"] / out.imports_after["Y"] == pytest.approx(own["Z"] / own["Y"] * 1.2**-4.0)
    assert out.trade_diversion.sum() == pytest.approx(0.0, abs=1e-9)
    assert (out.imports_after > 0).all() and not out.floored.any()


def test_constant_and_linear_forms_agree_for_small_changes():
    frame = lines(("a", "X", 100.0, 10.0, 10.1), ("a", "Y", 300.0, 10.0, 10.0), ("b", "X", 40.0, 5.0, 4.9))
    linear = pe.smart(frame, pe.Elasticities(-1.3, 2.0))
    constant = pe.smart(frame, pe.Elasticities(-1.3, 2.0), form="constant")
    for column in ("trade_creation", "trade_diversion", "consumer_surplus"):
        a, b = linear.lines[column].to_numpy(), constant.lines[column].to_numpy()
        assert b == pytest.approx(a, rel=5e-3, abs=1e-9), column


def test_sweep_in_the_constant_form_matches_one_scenario():
    frame = lines(("a", "X", 100.0, 0.0, 0.0), ("a", "Y", 300.0, 0.0, 0.0), ("b", "X", 50.0, 0.0, 0.0))
    market = pe.Market(frame)
    new = np.array([[145.0, 0.0, 145.0], [20.0, 10.0, 0.0]])
    swept = market.sweep(new, form="constant").set_index(["scenario", "partner"])
    for s in (0, 1):
        one = market.simulate(new[s], form="constant").by("partner").set_index("partner")
        for partner in ("X", "Y"):
            assert swept.loc[(s, partner), "imports_after"] == pytest.approx(one.loc[partner, "imports_after"])
    with pytest.raises(ValueError, match="form must be one of linear, constant, not 'cubic'"):
        market.simulate(new[0], form="cubic")


def test_broda_weinstein_substitution_in_the_real_run(data_dir):
    run = scenarios.simulate_pe(
        [{"type": "schedule", "layers": "us_china_2025", "date": "2025-11-10"}],
        title="truce, BW",
        substitution="broda-weinstein",
        data_dir=data_dir,
    )
    assert "substitution 1.28003 to 9.91976 by line (Broda and Weinstein 2006" in run.result.elasticities
    partners = run.result.by("partner").set_index("partner")
    # higher substitution than WITS's 1.5 on most lines: more diversion away from China
    assert partners.loc["CHN", "change_pct"] == pytest.approx(-42.68, abs=0.01)


def test_gsim_takes_elasticities_by_line():
    a = two_markets(50.0, 10.0)
    b = two_markets(20.0, 0.0).assign(product="b")
    both = pd.concat([a, b], ignore_index=True)
    sigma = np.r_[np.full(4, 2.0), np.full(4, 5.0)]
    together = pe.gsim(both, pe.Elasticities(-1.0, sigma, 3.0)).lines
    alone_a = pe.gsim(a, pe.Elasticities(-1.0, 2.0, 3.0)).lines
    alone_b = pe.gsim(b, pe.Elasticities(-1.0, 5.0, 3.0)).lines
    np.testing.assert_allclose(together.imports_after[:4], alone_a.imports_after, rtol=1e-12)
    np.testing.assert_allclose(together.imports_after[4:], alone_b.imports_after, rtol=1e-12)
    # Viet Nam's supply infinitely elastic, China's not: only China's world price moves
    beta = np.where(a.partner == "VNM", np.inf, 3.0)
    mixed = pe.gsim(a, pe.Elasticities(-1.0, 2.0, beta)).lines
    assert (mixed[mixed.partner == "VNM"].world_price_pct == 0).all()
    assert (mixed[mixed.partner == "CHN"].world_price_pct < 0).all()
    with pytest.raises(ValueError, match="USA imports product a from CHN on two lines"):
        pe.gsim(pd.concat([a, a.head(1)], ignore_index=True))
