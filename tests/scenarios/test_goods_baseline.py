"""GE on a current goods-only baseline with Viet Nam: the baseline checked against its sources, the
tariff-inclusive model's identities, and the shipped 2025-2026 scenarios with their theta band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeflux import scenarios
from tradeflux.models import ge
from tradeflux.scenarios import inputs


@pytest.fixture(scope="module")
def goods(data_dir):
    return inputs.goods_baseline(2019, data_dir)


def test_the_baseline_against_its_sources(goods, data_dir):
    baseline, notes = goods
    countries = baseline.countries
    assert len(countries) == 80 and "VNM" in countries and "TWN" in countries
    X = baseline.X[:, :, 0]
    assert (np.diagonal(X) > 0).all()  # no negative (or zero) domestic sales
    dots = pd.read_csv(
        data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    row = dots[
        (dots.year == 2019) & (dots.reporter_iso3 == "CHN") & (dots.partner_iso3 == "USA") & (dots.flow == "X_FOB")
    ]
    assert X[countries.index("CHN"), countries.index("USA")] == pytest.approx(row.value_usd_mn.iloc[0])  # 418,584 mn
    vnm = dots[
        (dots.year == 2019) & (dots.reporter_iso3 == "VNM") & (dots.partner_iso3 == "USA") & (dots.flow == "X_FOB")
    ]
    assert X[countries.index("VNM"), countries.index("USA")] == pytest.approx(vnm.value_usd_mn.iloc[0])
    output = pd.read_csv(data_dir / "oecd-icio-2022-intermediates" / "icio2022_gross_output_by_country_sector.csv")
    goods_output = output[output.sector.str[0].isin(list("ABC"))].groupby("iso3").gross_output_usd_mn.sum()
    assert X.sum(axis=1) == pytest.approx(goods_output.reindex(countries).to_numpy())  # rows add up to output
    hubs = notes[1]
    assert "HKG" in hubs and "NLD" in hubs and "SGP" in hubs
    hkg = countries.index("HKG")
    assert X[hkg].sum() - X[hkg, hkg] == pytest.approx(0.75 * goods_output["HKG"])
    weights = pd.read_parquet(data_dir / "us-tariffs-tradewartracker" / "us_imports_2024_hts10_by_country.parquet")
    chn = weights[weights.iso3 == "CHN"]
    assert baseline.tariffs[countries.index("CHN"), countries.index("USA"), 0] == pytest.approx(
        chn.calculated_duty_usd.sum() / chn.imports_usd.sum()
    )
    assert baseline.tariffs[:, countries.index("DEU"), 0].sum() == 0  # no tariff data for other importers


def test_no_tariff_change_changes_nothing(goods):
    baseline, _ = goods
    result = ge.solve_sectors(baseline, np.array([4.0]), tariffs_new=baseline.tariffs)
    assert np.allclose(result.X_new, baseline.X, rtol=1e-9, atol=1e-6)
    assert np.allclose(result.welfare, 1.0, atol=1e-10)


def test_untaxed_flows_move_only_with_prices_and_revenue_is_rate_times_imports(goods):
    baseline, _ = goods
    countries = baseline.countries
    tariffs = baseline.tariffs.copy()
    usa, chn = countries.index("USA"), countries.index("CHN")
    tariffs[chn, usa, 0] += 0.20
    result = ge.solve_sectors(baseline, np.array([4.0]), tariffs_new=tariffs)
    deu, fra = countries.index("DEU"), countries.index("FRA")
    # a flow whose tariff did not change: its direct price moves only with the exporter's factory price
    expected = result.E_new[fra] / baseline.expenditure[fra] * (result.w_hat[deu] / result.P_hat[fra, 0]) ** -4.0
    assert result.X_new[deu, fra, 0] / baseline.X[deu, fra, 0] == pytest.approx(expected, rel=1e-9)
    assert result.revenue[usa] == pytest.approx((tariffs[:, usa, 0] * result.X_new[:, usa, 0]).sum(), rel=1e-12)
    assert result.X_new[chn, usa, 0] < baseline.X[chn, usa, 0]


@pytest.mark.parametrize(
    "name", ["us_tariffs_peak_2025_goods", "us_tariffs_truce_2025_11_goods", "us_tariffs_2026_03_goods"]
)
def test_shipped_goods_scenarios(name, data_dir):
    sim = scenarios.simulate(scenarios.find(name), data_dir)
    countries = sim.countries.set_index("country")
    assert {"USA", "CHN", "VNM"} <= set(countries.index)
    assert any(n.startswith("trade elasticity theta 4; the sensitivity table") for n in sim.notes)
    band = sim.sensitivity.set_index("country")
    assert list(band.columns[:3]) == ["welfare_pct_theta_2", "welfare_pct_theta_4", "welfare_pct_theta_8"]
    assert band.loc["VNM", "welfare_pct_theta_4"] == pytest.approx(countries.loc["VNM", "welfare_pct"])
    dest = sim.destinations.set_index("destination")
    assert dest.loc["USA", "change_pct"] < 0  # China's exports to the US fall in every path
    if name == "us_tariffs_peak_2025_goods":
        assert dest.loc["USA", "change_pct"] < -80
    if name == "us_tariffs_2026_03_goods":
        assert -40 < dest.loc["USA", "change_pct"] < 0
