"""Metrics on small hand-made flows, with the expected values worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tradeflux.analysis import metrics
from tradeflux.reference import countries


def flows(rows: list[tuple]) -> pd.DataFrame:
    """(year, reporter, partner, flow, value[, currency, mirror]) tuples as canonical rows."""
    out = []
    for r in rows:
        year, reporter, partner, flow, value, *rest = r
        currency = rest[0] if rest else "USD"
        mirror = rest[1] if len(rest) > 1 else False
        out.append(
            {
                "period": str(year),
                "year": year,
                "reporter": reporter,
                "partner": partner,
                "flow": flow,
                "value": value,
                "currency": currency,
                "mirror": mirror,
                "valuation": "CIF" if mirror else "FOB",
                "source": "test",
                "vintage": "2026-01-01",
            }
        )
    return pd.DataFrame(out)


def test_totals_balance_and_growth():
    f = flows(
        [
            (2023, "CHN", "WLD", "export", 100.0),
            (2023, "CHN", "WLD", "import", 80.0),
            (2024, "CHN", "WLD", "export", 120.0),
            (2024, "CHN", "WLD", "import", 90.0),
        ]
    )
    t = metrics.add_growth(metrics.totals(f, "CHN"), "balance")
    assert t[["period", "exports", "imports", "balance", "total"]].values.tolist() == [
        ["2023", 100.0, 80.0, 20.0, 180.0],
        ["2024", 120.0, 90.0, 30.0, 210.0],
    ]
    assert (
        math.isnan(t.balance_growth_pct.iloc[0])
        and t.balance_growth_note.iloc[0] == "undefined: no value in one of the two periods"
    )
    assert t.balance_growth_pct.iloc[1] == pytest.approx(50.0)  # 30 / 20 - 1


def test_totals_refuse_mixed_currencies():
    f = flows([(2024, "CHN", "WLD", "export", 100.0, "USD"), (2024, "CHN", "WLD", "import", 700.0, "CNY")])
    with pytest.raises(metrics.BasisError, match="several currency values"):
        metrics.totals(f, "CHN")


def test_totals_of_nothing():
    assert metrics.totals(flows([(2024, "CHN", "WLD", "export", 1.0)]), "USA").empty


def test_growth_with_zero_base_is_undefined_and_says_so():
    assert metrics.growth_pct(5.0, 0.0)[1] == "undefined: zero in the base period"
    assert math.isnan(metrics.growth_pct(5.0, 0.0)[0])
    assert metrics.growth_pct(110.0, 100.0) == (pytest.approx(10.0), None)


def test_partner_shares_and_contributions():
    f = flows(
        [
            (2023, "CHN", "USA", "export", 50.0),
            (2024, "CHN", "USA", "export", 40.0),
            (2023, "CHN", "VNM", "export", 30.0),
            (2024, "CHN", "VNM", "export", 45.0),
            (2023, "CHN", "DEU", "export", 20.0),
            (2024, "CHN", "DEU", "export", 20.0),
            (2023, "CHN", "KEN", "export", 0.0),
            (2024, "CHN", "KEN", "export", 5.0),
            (2024, "CHN", "WLD", "export", 999.0),  # aggregates are not partners
        ]
    )
    p = metrics.by_partner(f, "CHN", "export", 2024, 2023).set_index("partner")
    assert list(p.index) == ["VNM", "USA", "DEU", "KEN"]
    assert p.loc["USA", "growth_pct"] == pytest.approx(-20.0)
    assert p.loc["VNM", "share_pct"] == pytest.approx(45 / 110 * 100)
    assert p.loc["USA", "contribution_pp"] == pytest.approx(-10.0)  # -10 / 100
    assert p.loc["VNM", "contribution_pp"] == pytest.approx(15.0)
    assert p.contribution_pp.sum() == pytest.approx(10.0)  # total grew 100 -> 110
    assert math.isnan(p.loc["KEN", "growth_pct"]) and p.loc["KEN", "note"] == "undefined: zero in the base period"
    assert metrics.by_partner(f.iloc[0:0], "CHN", "export", 2024, 2023).empty


def test_group_aggregates_use_each_years_members():
    table = countries.load()
    f = flows(
        [
            (2019, "CHN", "GBR", "export", 10.0),
            (2019, "CHN", "FRA", "export", 20.0),
            (2020, "CHN", "GBR", "export", 12.0),
            (2020, "CHN", "FRA", "export", 22.0),
        ]
    )
    g = metrics.by_group(f, "CHN", "export", 2020, 2019, table, ["EU27"]).iloc[0]
    assert g.value == 22.0 and g.base_value == 30.0  # the UK counts in 2019 only
    assert g.growth_pct == pytest.approx((22 / 30 - 1) * 100)
    assert (g.members, g.base_members) == (27, 28)
    assert "DEU" in g.missing


def test_record_and_margin():
    s = pd.DataFrame({"year": [2021, 2022, 2023, 2024], "balance": [676.8, 877.6, 823.0, 991.4]})
    r = metrics.record(s, "balance", order="year")
    assert (r["period"], r["previous_record_period"], r["is_latest"]) == (2024, 2022, True)
    assert r["margin_pct"] == pytest.approx((991.4 / 877.6 - 1) * 100)
    assert metrics.record(s.iloc[0:0], "balance", order="year")["value"] is None


def test_mirror_gap():
    reported = flows([(2020, "CHN", "USA", "export", 452.8)])
    mirror = flows([(2020, "CHN", "USA", "export", 435.4, "USD", True)])
    g = metrics.mirror_gap(reported, mirror).iloc[0]
    assert g.gap == pytest.approx(-17.4) and g.gap_pct == pytest.approx(-17.4 / 452.8 * 100)
    assert (g.reported_valuation, g.mirror_valuation) == ("FOB", "CIF")


def test_diversion_shift_share():
    p = pd.DataFrame(
        {
            "partner": ["USA", "VNM", "MEX", "DEU"],
            "value": [80.0, 60.0, 30.0, 15.0],
            "base_value": [100.0, 50.0, 25.0, 20.0],
        }
    )
    d = metrics.diversion(p, "USA")
    assert d["market_change"] == -20.0 and d["gains_elsewhere"] == 15.0 and d["losses_elsewhere"] == 5.0
    assert d["offset_pct"] == pytest.approx(50.0)
    assert [g["partner"] for g in d["top_gainers"]][:2] == ["VNM", "MEX"]


def test_rerouting_signal_is_labelled_a_signal():
    a = pd.DataFrame({"partner": ["VNM", "DEU"], "growth_pct": [15.0, 3.0]})
    b = pd.DataFrame({"partner": ["VNM", "DEU"], "growth_pct": [20.0, -2.0]})
    s = metrics.rerouting_signal(a, b).set_index("partner")
    assert s.loc["VNM", "label"] == "signal (not a finding)" and not s.loc["DEU", "signal"]


def test_tornqvist_price_and_volume():
    f = pd.DataFrame(
        {
            "product": ["a", "a", "b", "b"],
            "year": [2023, 2024, 2023, 2024],
            "value": [100.0, 110.0, 100.0, 90.0],
            "quantity": [10.0, 10.0, 20.0, 20.0],
            "quantity_unit": ["u"] * 4,
        }
    )
    r = metrics.tornqvist(f, 2024, 2023, trim=0.0)
    # weights: a = (110/200 + 100/200)/2 = 0.525, b = 0.475; log price relatives ln(1.1), ln(0.9)
    expected = math.exp(0.525 * math.log(1.1) + 0.475 * math.log(0.9))
    assert r["price_index"] == pytest.approx(expected)
    assert r["value_index"] == pytest.approx(1.0) and r["volume_index"] == pytest.approx(1 / expected)


def test_tornqvist_without_quantities_says_so():
    f = pd.DataFrame(
        {"product": ["a"], "year": [2024], "value": [1.0], "quantity": [float("nan")], "quantity_unit": [None]}
    )
    assert metrics.tornqvist(f, 2024, 2023)["note"] == "no quantities: a price/volume split is not possible"


def test_no_growth_across_a_gap_or_a_change_of_sign():
    """A balance series with a gap (1961, then 1978) and a change of sign: the report printed +483.5% for
    1978 on 1961 and -1,978.6% across a sign change."""
    series = pd.DataFrame({"year": [1961, 1978, 1979, 1980, 1981], "balance": [10.0, 58.35, -1.0, -3.0, 2.0]})
    out = metrics.add_growth(series, "balance", order="year").set_index("year")
    assert out.balance_growth_note[1978] == "undefined: no value for the period before (1977)"
    assert out.balance_growth_note[1979] == "undefined: the balance changed sign"
    assert out.balance_growth_pct[1980] == pytest.approx(200.0)  # a deficit that tripled in size
    assert out.balance_growth_note[1981] == "undefined: the balance changed sign"
    assert out.balance_growth_pct.isna().sum() == 4
