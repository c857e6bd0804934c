"""Tariff layers: stacking, exclusions and date edges on hand-made schedules; the shipped US-China
layers against tradewartracker's published averages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tradeflux.models import tariffs
from tradeflux.models.tariffs import Layer, Schedule
from tradeflux.scenarios import inputs

D = dt.date.fromisoformat


def schedule() -> Schedule:
    return Schedule(
        [
            Layer("base1", "fentanyl", "USA", "CHN", D("2025-02-04"), 10),
            Layer("base2", "fentanyl + reciprocal", "USA", "CHN", D("2025-04-05"), 54, end=D("2025-05-11")),
            Layer("base3", "after Geneva", "USA", "CHN", D("2025-05-12"), 30),
            Layer(
                "steel",
                "Section 232 steel",
                "USA",
                "CHN",
                D("2025-03-12"),
                25,
                mode="override",
                products=("7208", "730890"),
                order=1,
            ),
            Layer(
                "steel50",
                "Section 232 steel at 50",
                "USA",
                "CHN",
                D("2025-06-03"),
                50,
                mode="override",
                products=("7208",),
                order=2,
            ),
            Layer(
                "annex2",
                "Annex II",
                "USA",
                "CHN",
                D("2025-04-11"),
                10,
                mode="override",
                products=("2709",),
                exclude=("270900",),
                order=1,
            ),
            Layer("301", "Section 301 list 3", "USA", "CHN", D("2018-09-24"), 25, mode="add", products=("8471",)),
            Layer("world", "everyone", "USA", "*", D("2025-04-05"), 10, mode="add", end=D("2025-04-09")),
        ]
    )


def test_base_layers_replace_each_other_and_add_layers_stack():
    s = schedule()
    assert s.rate("USA", "CHN", "8471300100", "2025-02-03") == 25  # only Section 301
    assert s.rate("USA", "CHN", "8471300100", "2025-02-04") == 35  # 301 + fentanyl
    assert s.rate("USA", "CHN", "8471300100", "2025-04-05") == 25 + 54 + 10
    assert s.rate("USA", "CHN", "6110200000", "2025-05-12") == 30


def test_date_edges_a_layer_ending_the_day_another_starts():
    s = schedule()
    assert s.rate("USA", "CHN", "6110200000", "2025-05-11") == 54  # last day of base2 (inclusive)
    assert s.rate("USA", "CHN", "6110200000", "2025-05-12") == 30  # base3 from its first day
    assert s.rate("USA", "CHN", "6110200000", "2025-04-09") == 64  # 'world' add layer's last day
    assert s.rate("USA", "CHN", "6110200000", "2025-04-10") == 54


def test_overrides_replace_the_base_and_the_larger_order_wins():
    s = schedule()
    assert s.rate("USA", "CHN", "7208100000", "2025-03-12") == 25  # 232 replaces the fentanyl base
    assert s.rate("USA", "CHN", "7208100000", "2025-06-03") == 50  # steel50 (order 2) beats steel (order 1)
    assert s.rate("USA", "CHN", "7308900000", "2025-06-03") == 25  # only on the first list
    assert s.rate("USA", "CHN", "7308100000", "2025-06-03") == 30  # 730810 is not 730890


def test_exclusions():
    s = schedule()
    assert s.rate("USA", "CHN", "2709001000", "2025-05-12") == 30  # excluded from Annex II: base applies
    assert s.rate("USA", "CHN", "2709100000", "2025-05-12") == 10


def test_other_partners_and_averages():
    s = schedule()
    assert s.rate("USA", "VNM", "6110200000", "2025-04-07") == 10
    weights = pd.DataFrame({"product": ["7208100000", "6110200000", "8471300100"], "value": [1.0, 3.0, 6.0]})
    avg = s.average("USA", "CHN", "2025-06-03", weights)
    assert avg["trade_weighted_pct"] == pytest.approx((50 * 1 + 30 * 3 + 55 * 6) / 10)
    assert avg["simple_pct"] == pytest.approx((50 + 30 + 55) / 3)
    assert avg["share_of_trade_affected_pct"] == 100.0


def test_bad_layers():
    with pytest.raises(ValueError, match=r"layer x: ends \(2025-04-30\) before it starts \(2025-05-01\)"):
        Layer("x", "m", "USA", "CHN", D("2025-05-01"), 10, end=D("2025-04-30"))
    with pytest.raises(ValueError, match="mode must be one of base, override, add"):
        Layer("y", "m", "USA", "CHN", D("2025-05-01"), 10, mode="max")


@pytest.fixture(scope="module")
def us_china(data_dir):
    s = inputs.load_layers("us_china_2025", data_dir)
    w = pd.read_csv(data_dir / "us-imports-hs-2024" / "us_imports_from_china_hts10_2024.csv", dtype={"hts10": str})
    w = w.rename(columns={"hts10": "product", "imports_for_consumption_usd": "value"})
    ref = pd.read_csv(data_dir / "us-tariffs-tradewartracker" / "us_effective_tariff_by_country_events.csv")
    return s, w, ref[ref.census_country_name == "CHINA"]


def test_shipped_layers_reproduce_the_tracker_through_august_2025(us_china):
    s, w, ref = us_china
    for row in ref[ref.date <= "2025-08-07"].itertuples():
        assert s.average("USA", "CHN", row.date, w)["trade_weighted_pct"] == pytest.approx(
            row.effective_tariff_pct, abs=5e-4
        ), row.date
    # after 14 Oct 2025 the timber lists are missing: within 0.05 points until the IEEPA duties end
    for row in ref[(ref.date >= "2025-10-14") & (ref.date < "2026-02-20")].itertuples():
        assert s.average("USA", "CHN", row.date, w)["trade_weighted_pct"] == pytest.approx(
            row.effective_tariff_pct, abs=0.05
        )


def test_headline_145_against_the_effective_rate(us_china):
    s, w, _ = us_china
    peak = s.average("USA", "CHN", "2025-04-11", w)
    assert peak["trade_weighted_pct"] == pytest.approx(88.14, abs=0.01)
    assert s.rate("USA", "CHN", "6110200000", "2025-04-10") == 125  # the engine's rate on an ordinary good


def test_comparison_with_published_averages(us_china, data_dir):
    s, w, ref = us_china
    ms = pd.read_csv(data_dir / "us-tariffs-tradewartracker" / "us_china_tariff_milestones.csv")
    piie = ms[(ms.imposing_country == "USA") & (ms.rate_type == "trade-weighted average (PIIE)")]
    table = tariffs.compare_published(s, w, ref, piie, applied_2024_pct=10.866).set_index("date")
    assert table.loc["2025-05-14", "piie_pct"] == 51.1
    assert table.loc["2025-04-11", "diff_vs_tracker_pp"] == pytest.approx(0.0, abs=5e-4)
    assert table.loc["2025-05-14", "tradeflux_with_2024_duties_pct"] == pytest.approx(27.0531 + 10.866, abs=1e-3)


def test_average_over_a_date_range_weights_each_day():
    s = schedule()
    weights = pd.DataFrame({"product": ["6110200000", "8471300100"], "value": [3.0, 1.0]})
    # 2025-05-10..2025-05-13: two days of base2 (54) then two of base3 (30); 8471 adds 301's 25
    got = s.average_over("USA", "CHN", "2025-05-10", "2025-05-13", weights)
    day54 = (3 * 54 + 1 * (54 + 25)) / 4
    day30 = (3 * 30 + 1 * (30 + 25)) / 4
    assert got["days"] == 4
    assert got["trade_weighted_pct"] == pytest.approx((2 * day54 + 2 * day30) / 4)
    assert got["simple_pct"] == pytest.approx((2 * (54 + 79) / 2 + 2 * (30 + 55) / 2) / 4)
    with pytest.raises(ValueError, match=r"the range ends \(2025-05-01\) before it starts \(2025-05-10\)"):
        s.average_over("USA", "CHN", "2025-05-10", "2025-05-01", weights)


def test_chinas_retaliation_layers(data_dir):
    s = inputs.load_layers("us_china_2025", data_dir)
    sorghum, computers = "10079000", "84713000"  # on the March 10% farm list / not on it
    assert s.rate("CHN", "USA", sorghum, "2025-03-09") == 0
    assert s.rate("CHN", "USA", sorghum, "2025-03-10") == 10
    assert s.rate("CHN", "USA", "02071100", "2025-03-10") == 15  # whole chicken, 15% list
    assert s.rate("CHN", "USA", sorghum, "2025-04-12") == 135 and s.rate("CHN", "USA", computers, "2025-04-12") == 125
    assert s.rate("CHN", "USA", sorghum, "2025-11-09") == 20  # last day of the farm lists
    assert s.rate("CHN", "USA", sorghum, "2025-11-10") == 10 and s.rate("CHN", "USA", computers, "2025-11-10") == 10


def test_layers_from_a_csv(tmp_path):
    path = tmp_path / "layers.csv"
    path.write_text(
        "id,measure,imposing,target,mode,start,end,rate_pct,products,exclude,order\n"
        "b1,fentanyl,USA,CHN,base,2025-02-04,,20,,,\n"
        "s232,steel,USA,CHN,override,2025-03-12,,25,7208;730890,,1\n"
        "x,list 3,USA,CHN,add,2018-09-24,2025-12-31,25,8471 8473,847330,\n"
    )
    s = inputs.load_layers(path)
    assert s.rate("USA", "CHN", "7208100000", "2025-03-12") == 25
    assert s.rate("USA", "CHN", "8471300100", "2025-03-12") == 45
    assert s.rate("USA", "CHN", "8473301100", "2025-03-12") == 20  # excluded from list 3
    bad = tmp_path / "bad.csv"
    bad.write_text("id,measure,imposing,target,start,rate_pct\nb1,fentanyl,USA,CHN,2025-02-30,20\n")
    with pytest.raises(
        ValueError, match=r"bad.csv, line 2 \(b1\): '2025-02-30' is not a date \(day is out of range for month\)"
    ):
        inputs.load_layers(bad)
    with pytest.raises(ValueError, match=r"missing column\(s\) start"):
        (tmp_path / "worse.csv").write_text("id,measure,imposing,target,rate_pct\n")
        inputs.load_layers(tmp_path / "worse.csv")
