"""GE on a current goods-only baseline with Viet Nam: the baseline checked against its sources, the
tariff-inclusive model's identities, and the shipped 2025-2026 scenarios with their theta band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeflux import scenarios
from tradeflux.errors import InputError
from tradeflux.models import ge
from tradeflux.scenarios import inputs


@pytest.fixture(scope="module")
def goods(data_dir):
    return inputs.goods_baseline(2019, data_dir)


def test_the_baseline_against_its_sources(goods, data_dir):
    baseline, notes = goods
    countries = baseline.countries
    assert len(countries) == 81 and "VNM" in countries and "TWN" in countries and countries[-1] == "ROW"
    X = baseline.X[:, :, 0]
    assert (np.diagonal(X) > 0).all()  # no negative (or zero) domestic sales
    dots = pd.read_csv(
        data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    row = dots[
        (dots.year == 2019) & (dots.reporter_iso3 == "CHN") & (dots.partner_iso3 == "USA") & (dots.flow == "X_FOB")
    ]
    # China's declared exports to the US (418,584 mn) plus the hubs' re-exports of Chinese goods to the US,
    # routed from origin to destination; China's total exports stay DOTS's (2,498,549 mn)
    chn, usa = countries.index("CHN"), countries.index("USA")
    assert X[chn, usa] > row.value_usd_mn.iloc[0]
    # goods that leave China for Hong Kong and come back are neither China's exports nor its imports
    assert X[chn].sum() - X[chn, chn] < 2_498_548.633
    kor = countries.index("KOR")  # few of Korea's goods come back through the hubs (0.12%)
    assert X[kor].sum() - X[kor, kor] == pytest.approx(dots_total(data_dir, "KOR"), rel=2e-3)
    output = pd.read_csv(data_dir / "oecd-icio-2022-intermediates" / "icio2022_gross_output_by_country_sector.csv")
    goods_output = output[output.sector.str[0].isin(list("ABC"))].groupby("iso3").gross_output_usd_mn.sum()
    icio = list(countries[:-1])
    assert X[:-1].sum(axis=1) == pytest.approx(goods_output.reindex(icio).to_numpy())  # rows add up to output
    hubs = notes[1]
    assert "HKG" in hubs and "NLD" in hubs and "SGP" in hubs
    hkg = countries.index("HKG")
    # 75% of its goods output, moved by 0.02% when the other hubs route their re-exports of its goods
    assert X[hkg].sum() - X[hkg, hkg] == pytest.approx(0.75 * goods_output["HKG"], rel=1e-3)
    weights = pd.read_parquet(data_dir / "us-tariffs-tradewartracker" / "us_imports_2024_hts10_by_country.parquet")
    chn = weights[weights.iso3 == "CHN"]
    assert baseline.tariffs[countries.index("CHN"), countries.index("USA"), 0] == pytest.approx(
        chn.calculated_duty_usd.sum() / chn.imports_usd.sum()
    )
    assert baseline.tariffs[:, countries.index("DEU"), 0].sum() == 0  # no tariff data for other importers


def test_baseline_balances_are_the_datas(goods, data_dir):
    """Every reporter's balance equals IMF DOTS's (exports FOB - imports CIF / 1.06) within 1% of its GDP
    (ICIO 2022 gross output minus intermediate inputs); the re-export hubs keep theirs (Hong Kong was
    -545.6 bn when only its exports were scaled)."""
    baseline, notes = goods
    countries = baseline.countries
    X = baseline.X[:, :, 0]
    totals = pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_country_totals_1960_2020.csv")
    totals = totals[(totals.year == 2019) & totals.reporter_iso3.isin(countries)].set_index("reporter_iso3")
    output = pd.read_csv(data_dir / "oecd-icio-2022-intermediates" / "icio2022_gross_output_by_country_sector.csv")
    gdp = (output.gross_output_usd_mn - output.intermediate_inputs_from_80_economies_usd_mn).groupby(output.iso3).sum()
    assert len(totals) == 79  # every ICIO economy but Taiwan reports to the IMF
    for c, row in totals.iterrows():
        i = countries.index(c)
        model = (X[i].sum() - X[i, i]) - (X[:, i].sum() - X[i, i])
        data = row.exports_fob_usd_mn - row.imports_cif_usd_mn / 1.06
        assert abs(model - data) <= 0.01 * gdp[c], c
    hkg, chn = countries.index("HKG"), countries.index("CHN")
    balance = lambda i: (X[i].sum() - X[i, i]) - (X[:, i].sum() - X[i, i])  # noqa: E731
    assert balance(hkg) == pytest.approx(535_807.186 - 578_783.194 / 1.06, rel=1e-6)  # DOTS 2019, by hand: -10.2 bn
    assert balance(chn) == pytest.approx(2_498_548.633 - 2_068_950.256 / 1.06, rel=1e-6)  # 546.7 bn on a FOB basis
    assert "within 1% of GDP for all 79 reporters" in notes[2]


def test_a_baseline_far_from_the_data_is_refused(data_dir, monkeypatch):
    """Without fitting the two sides' declarations within each reporter's totals, Viet Nam's partners declare
    more exports to it than it declares imports: the baseline would miss its balance and is refused."""
    monkeypatch.setattr(inputs, "_fit_within_totals", lambda *args: None)
    with pytest.raises(InputError, match=r"goods baseline refused: balances differ from the data's .*VNM"):
        inputs.goods_baseline(2019, data_dir)


def dots_total(data_dir, iso3: str) -> float:
    totals = pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_country_totals_1960_2020.csv")
    return float(totals[(totals.year == 2019) & (totals.reporter_iso3 == iso3)].exports_fob_usd_mn.iloc[0])


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


def test_every_partner_with_a_rate_in_the_data_carries_it(data_dir):
    """Partners the tracker's rules lack but the 7 August 2025 rate list has (Laos 40%, Jordan 15% ...) pay
    that rate in place of the 10% floor; China's retaliation after the truce is in the scenario."""
    sim = scenarios.simulate(scenarios.find("us_tariffs_truce_2025_11_goods"), data_dir)
    schedule = next(n for n in sim.notes if n.startswith("US add-on duties in force on 2025-11-10"))
    for rate in (
        "LAO 40%",
        "MMR 40%",
        "BRN 25%",
        "KAZ 25%",
        "TUN 25%",
        "JOR 15%",
        "ISL 15%",
        "CIV 15%",
        "CMR 15%",
        "COD 15%",
    ):
        assert rate in schedule
    assert "CHN tariff of 10%" in " ".join(sim.notes)
    assert any(n.startswith("closure: each economy's trade balance is held") for n in sim.notes)
    countries = sim.countries.set_index("country")
    assert countries.loc["JOR", "exports_pct"] < 0  # Jordan was a winner (+15.5%) without its 15% rate
    assert abs(countries.loc["HKG", "balance_before"] - (535_807.186 - 578_783.194 / 1.06)) < 1
