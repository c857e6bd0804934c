"""The outlook for any reporter: hierarchy by hand from the shared files, exact reconciliation, the
scenario overlay's arithmetic, and the track record held as regression values with tolerances.

Expected levels are computed here with pandas from the IMF DOTS CSVs, not read back from tradeflux.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradeflux.analysis import outlook
from tradeflux.cli import app
from tradeflux.errors import InputError
from tradeflux.models import forecast as fc

MN = 1e6
EU27_2020 = [
    "AUT",
    "BEL",
    "BGR",
    "HRV",
    "CYP",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "IRL",
    "ITA",
    "LVA",
    "LTU",
    "LUX",
    "MLT",
    "NLD",
    "POL",
    "PRT",
    "ROU",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
]


@pytest.fixture(scope="module")
def dots_2020(data_dir) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz", low_memory=False)
    return frame[(frame.year == 2020) & (frame.flow == "X_FOB")]


@pytest.fixture(scope="module")
def dots_totals(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_country_totals_1960_2020.csv")


@pytest.fixture(scope="module")
def outlooks(full_store):
    con = full_store.connect()
    # the hierarchy, the reconciliation and the overlay do not depend on how many origins are backtested:
    # 8 origins (4 scored) instead of the shipped 20 keep this fixture a third as long
    return {
        code: outlook.build(con, code, full_store.countries, flows=("export",), windows=8, evaluated=4)
        for code in ("DEU", "BRA", "USA")
    }


@pytest.fixture(scope="module")
def china(full_store):
    return outlook.build(full_store.connect(), "CHN", full_store.countries)


@pytest.mark.parametrize("code", ["DEU", "BRA", "USA"])
def test_the_hierarchy_by_hand(code, outlooks, dots_2020, dots_totals):
    o = outlooks[code]
    assert o.target_year == 2021 and o.detail_year == {"export": 2020}
    total = dots_totals[(dots_totals.reporter_iso3 == code) & (dots_totals.year == 2020)].exports_fob_usd_mn.iloc[0]
    mine = dots_2020[(dots_2020.reporter_iso3 == code) & dots_2020.partner_iso3.notna()]
    mine = mine[(mine.partner_iso3 != code) & (mine.value_usd_mn > 0)]
    assert o.row("export", "WLD").last_value == pytest.approx(total * MN, rel=1e-9)
    # all other partners: the total less every partner with a 2020 figure
    assert o.row("export", "REST").last_value == pytest.approx((total - mine.value_usd_mn.sum()) * MN, rel=1e-6)
    eu = mine[mine.partner_iso3.isin(EU27_2020)].value_usd_mn.sum()
    assert o.row("export", "G:EU27").last_value == pytest.approx(eu * MN, rel=1e-9)
    us = mine[mine.partner_iso3 == ("CHN" if code == "USA" else "USA")].value_usd_mn.iloc[0]
    assert o.row("export", "CHN" if code == "USA" else "USA").last_value == pytest.approx(us * MN, rel=1e-9)


@pytest.mark.parametrize("code", ["DEU", "BRA", "USA"])
def test_reconciliation_is_exact(code, outlooks):
    t = outlooks[code].table
    bottoms = t[t.kind.isin(["partner", "rest"])]
    assert bottoms.forecast.sum() == pytest.approx(t[t.kind == "total"].forecast.iloc[0], rel=1e-9)
    for group, members in outlooks[code].members.items():
        assert t[t.series == group].forecast.iloc[0] == pytest.approx(
            t[t.series.isin(members)].forecast.sum(), rel=1e-9
        )
    # every interval holds its point, the 95% band holds the 80% band
    assert (t.lo95 <= t.lo80).all() and (t.lo80 <= t.forecast).all() and (t.forecast <= t.hi80).all()
    assert (t.hi80 <= t.hi95).all()


def test_germany_2020_groups_and_members(outlooks):
    o = outlooks["DEU"]
    assert sorted(o.members["G:EU27"]) == sorted(m for m in EU27_2020 if m != "DEU")
    assert "GBR" not in o.members["G:EU27"]  # left on 31 January 2020


def test_overlay_arithmetic(outlooks):
    o = outlooks["DEU"]
    changes = pd.DataFrame({"partner": ["USA", "FRA", "CHN"], "change_pct": [-10.0, 5.0, 0.0]})
    out = outlook.overlay(o, changes, "test")
    s = out.scenario.set_index("series")
    usa, fra = o.row("export", "USA").forecast, o.row("export", "FRA").forecast
    assert s.loc["USA", "model_effect"] == pytest.approx(-0.10 * usa)
    assert s.loc["FRA", "model_effect"] == pytest.approx(0.05 * fra)
    assert s.loc["WLD", "model_effect"] == pytest.approx(-0.10 * usa + 0.05 * fra)
    assert s.loc["G:EU27", "model_effect"] == pytest.approx(0.05 * fra)
    assert s.loc["WLD", "scenario_value"] == pytest.approx(o.row("export", "WLD").forecast - 0.10 * usa + 0.05 * fra)
    assert s.loc["ITA", "model_effect"] == 0
    # the statistical interval stays the baseline's
    assert s.loc["USA", "baseline_lo80"] == pytest.approx(o.row("export", "USA").lo80)
    assert "2 of" not in out.notes[-1] and "3 of 207 partners changed by the model" in out.notes[-1]
    with pytest.raises(InputError, match="scenario changes must be finite percentages"):
        outlook.overlay(o, pd.DataFrame({"partner": ["USA"], "change_pct": [np.inf]}), "bad")


def test_china_2026_outlook(china):
    assert china.target_year == 2026
    wld = china.row("export", "WLD")
    assert wld.last_year == 2025 and wld.last_value == pytest.approx(3.77e12)  # GACC's 2025 headline
    t = china.table
    for flow in ("export", "import"):
        f = t[t.flow == flow]
        bottoms = f[f.kind.isin(["partner", "rest"])]
        assert bottoms.forecast.sum() == pytest.approx(f[f.kind == "total"].forecast.iloc[0], rel=1e-9)
    # a partner whose figures switch to the partner's declaration at a level far from China's own
    # starts at the switch: Hong Kong's exports to China are not China's imports from Hong Kong
    hkg = china.row("import", "HKG")
    assert "the partner's declaration" in hkg.note and "44.4 times" in hkg.note and "modelled from 2023" in hkg.note
    assert "exports: ASEAN: 8 of 10 members in 2024 (without LAO, VNM: no partner detail)" in china.notes


def test_china_partner_backtest_meets_the_goals(china):
    ov = china.track["export"].overall
    h1 = ov[ov.h == 1].set_index("method").mase
    assert h1["combination"] <= h1["naive"] and h1["combination"] <= h1["drift"]
    # regression values (statsforecast 2.x; 2026-12 store; series linked across sources at each switch)
    assert h1["combination"] == pytest.approx(4.304, abs=0.02)
    assert h1["naive"] == pytest.approx(4.539, abs=0.02)
    bt = china.track["export"]
    assert 70 <= bt.covered(80) <= 90 and 88 <= bt.covered(95) <= 98
    # imports: the naive forecast did better (China's imports were flat 2022-2025); the note says so
    imp = china.track["import"].overall
    i1 = imp[imp.h == 1].set_index("method").mase
    assert i1["combination"] == pytest.approx(4.961, abs=0.02) and i1["naive"] == pytest.approx(4.937, abs=0.02)
    assert any("naive forecast (MASE 4.94) did better than the default (4.96)" in n for n in china.notes)


@pytest.fixture(scope="module")
def record(full_store):
    return outlook.track_record(full_store.connect())


def test_track_record_on_every_dots_reporter(record):
    bt = record.backtest
    assert bt.series == 176 and bt.evaluated == 10
    mase = bt.overall[bt.overall.h == 1].set_index("method").mase
    assert mase["combination"] <= mase["naive"] and mase["combination"] <= mase["drift"]
    assert mase["combination"] == pytest.approx(3.207, abs=0.01)
    assert mase["naive"] == pytest.approx(3.295, abs=0.01)
    assert mase["drift"] == pytest.approx(3.844, abs=0.01)
    assert 70 <= bt.covered(80) <= 90 and 88 <= bt.covered(95) <= 98
    assert bt.covered(80) == pytest.approx(81.1, abs=1.0) and bt.covered(95) == pytest.approx(95.6, abs=1.0)
    world = record.world.set_index("horizon")
    assert world.loc["same year", "wto_mae"] == 1.4 and world.loc["next year", "wto_mae"] == 1.7
    assert world.loc["same year", "years"] == "2011-2020"
    assert world.loc["same year", "tradeflux_mae"] == pytest.approx(7.26, abs=0.05)
    assert world.loc["next year", "tradeflux_mae"] == pytest.approx(7.25, abs=0.05)


def test_world_growth_error_by_hand(record, dots_totals):
    """The same-year miss recomputed: each year's forecast growth against the outturn, 2011-2020."""
    world = dots_totals[dots_totals.reporter_imf == "World"].set_index("year").exports_fob_usd_mn * MN
    panel = pd.DataFrame({"unique_id": "WLD", "year": world.index, "value": world.to_numpy()})
    bt = fc.backtest(panel, horizon=1, windows=20, evaluated=10)
    pts = bt.points[bt.points.scored]
    assert len(pts) == 10
    errors = [
        abs((r.combination / world[r.origin] - 1) - (world[r.year] / world[r.year - 1] - 1)) * 100
        for r in pts.itertuples()
    ]
    assert record.world.set_index("horizon").loc["same year", "tradeflux_mae"] == pytest.approx(
        np.mean(errors), abs=0.005
    )


def test_outlook_command(china, full_store, data_dir, tmp_path):
    """The command prints and writes what the library builds (China, whose series the `china` fixture has
    backtested in this process: the command finds them kept)."""
    runner = CliRunner(env={"COLUMNS": "200"})
    args = ["--store", str(full_store.root), "--data-dir", str(data_dir), "--out", str(tmp_path)]
    result = runner.invoke(app, ["outlook", "CHN", "--flow", "export", *args])
    assert result.exit_code == 0, result.output
    assert "China: outlook for 2026" in result.stdout and "World (total)" in result.stdout
    html = (tmp_path / "CHN_2026_outlook.html").read_text()
    assert "China: exports to World (total), 2005-2026, USD bn" in html
    assert "chart-export-G-EU27" in html
    data = json.loads((tmp_path / "CHN_2026_outlook.json").read_text())  # the same result as --json prints
    assert data["target_year"] == 2026 and data["reporter"] == "CHN"
    wld = next(r for r in data["table"] if r["series"] == "WLD" and r["flow"] == "export")
    assert wld["forecast"] == pytest.approx(china.row("export", "WLD").forecast)
    bad = runner.invoke(app, ["outlook", "BRA", "--flow", "sideways", *args])
    assert bad.exit_code == 2 and "--flow must be export, import or both, not 'sideways'" in bad.stderr


def test_no_series_changes_source_without_a_level_adjustment(full_store):
    """China's exports to the US: 2021-2024 are the US's declarations (CIF), 2025 China's customs release; the
    2024 level is put on China's basis through the release's own y/y rate (420.05 bn / (1 - 20%) = 525.06 bn),
    so the series falls 20.0% in 2025 as China reported (it showed -9.2% when spliced as it was)."""
    rows, notes = outlook.canonical_series(full_store.connect(), "CHN", "export")
    usa = rows[rows.partner == "USA"].set_index("year").value
    assert usa[2025] == pytest.approx(420.05e9) and usa[2024] == pytest.approx(420.05e9 / 0.8)
    assert (usa[2025] / usa[2024] - 1) * 100 == pytest.approx(-20.0)
    # within the US's declarations the growth is the US's own: 2023 to 2024, 448.02 bn to 462.62 bn
    assert usa[2024] / usa[2023] == pytest.approx(462.620340 / 448.017376, rel=1e-6)
    assert notes["USA"].startswith(
        "before 2025: comtrade-mirror (the partner's declaration) x 1.135 to continue gacc (2024 as implied by "
        "gacc's y/y rate for 2025)"
    )
    # the total: 2024 on the 2025 release's basis (3,770 bn / 1.055)
    wld = rows[rows.partner == "WLD"].set_index("year").value
    assert wld[2024] == pytest.approx(3770e9 / 1.055) and (wld[2025] / wld[2024] - 1) * 100 == pytest.approx(5.5)


def test_group_rows_start_from_the_year_the_release_states(china, data_dir):
    """China's 2025 release gives its exports to the EU +8.4% (USD); the group rows began in 2024 and their
    growth was a two-year change. By hand: the EU members' 2024 figures in the Comtrade mirror file, grown
    by the release's rate."""
    mirror = pd.read_csv(data_dir / "china-trade-mirror-comtrade" / "china_exports_by_partner_mirror.csv")
    eu = mirror[(mirror.year == 2024) & mirror.partner_iso3.isin(EU27_2020)].value_usd.sum()
    row = china.row("export", "G:EU27")
    assert row.last_year == 2025 and row.last_value == pytest.approx(eu * 1.084, rel=1e-6)
    assert row.growth_pct == pytest.approx((row.forecast / row.last_value - 1) * 100)
    assert "2025: the 2024 members' sum grown by the release's +8.4% (USD)" in row.note
    assert china.row("export", "G:AFRICA").last_year == 2025
