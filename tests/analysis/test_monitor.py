"""The monitor for any reporter and year: one figure per fact, matched partners, deficits, both directions.

Expected values are computed by hand in each test from the shared files (pandas on the CSVs), not
read back from tradeflux.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeflux.analysis import canonical, metrics, report
from tradeflux.analysis.reconcile import reconcile

MN = 1e6


@pytest.fixture(scope="module")
def dots_totals(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_country_totals_1960_2020.csv")


@pytest.fixture(scope="module")
def dots_bilateral(data_dir) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz")
    return frame[frame.year >= 2013]


@pytest.fixture(scope="module")
def china_reported(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "china-reported-by-partner" / "china_reported_trade_by_partner_2000_2022.csv")


@pytest.fixture(scope="module")
def reports(full_store):
    cases = [
        ("CHN", 2019),
        ("CHN", 2025),
        ("USA", 2019),
        ("USA", 2020),
        ("DEU", 2019),
        ("DEU", 2020),
        ("VNM", 2020),
        ("BRA", 2015),
    ]
    return {case: report.build(full_store, *case) for case in cases}


def _total(frame: pd.DataFrame, country: str, year: int) -> pd.Series:
    return frame[(frame.reporter_iso3 == country) & (frame.year == year)].iloc[0]


# ---- one figure per fact -------------------------------------------------------------------------
def test_the_same_flow_from_two_sources_is_counted_once(reports, china_reported):
    """China's 2014 exports to the US are in imf-china and imf-dots: the report shows 397.1 bn, not 794.2."""
    gap = reports[("CHN", 2025)].tables()["mirror_gap_usa"].set_index("period")
    by_hand = china_reported[(china_reported.year == 2014) & (china_reported.partner_iso3 == "USA")].exports_fob_usd_mn
    assert gap.loc[2014, "reported"] == pytest.approx(float(by_hand.iloc[0]) * MN)  # 397.099 bn
    assert gap.loc[2014, "reported"] == pytest.approx(397.099315e9, rel=1e-8)
    assert gap.loc[2014, "source"] == "imf-china"


def test_query_gives_one_canonical_row_and_says_which_source_won(full_store):
    con = full_store.connect()
    try:
        rows = canonical.canonical(con, reporter="CHN", partner="USA", flow="export", year=2014, classification="TOTAL")
        every = canonical.canonical(
            con, all_sources=True, reporter="CHN", partner="USA", flow="export", year=2014, classification="TOTAL"
        )
    finally:
        con.close()
    assert len(rows) == 1 and rows.source.iloc[0] == "imf-china" and rows.value.iloc[0] == pytest.approx(397.099315e9)
    assert sorted(every.source) == ["comtrade-mirror", "imf-china", "imf-dots"]
    lost = every[~every.canonical].set_index("source").why
    assert lost["imf-dots"] == "superseded by imf-china (reporter's IMF DOTS)"
    assert lost["comtrade-mirror"] == "superseded by imf-china (reporter's IMF DOTS)"


def test_analytical_datasets_are_never_canonical_trade(full_store):
    con = full_store.connect()
    try:
        rows = canonical.canonical(
            con, reporter="USA", partner="CAN", year=2006, classification="TOTAL", all_sources=True
        )
    finally:
        con.close()
    assert not rows.source.isin(["yotov-agtpa", "gegravity", "wiod", "oecd-icio"]).any()


def test_reconcile_shows_both_sides_and_the_gap(full_store, dots_bilateral):
    con = full_store.connect()
    try:
        result = reconcile(con, "DEU", "USA", 2019)
    finally:
        con.close()
    gaps = result.gaps.set_index("direction")
    b = dots_bilateral[dots_bilateral.year == 2019]
    de_x = b[(b.reporter_iso3 == "DEU") & (b.partner_iso3 == "USA") & (b.flow == "X_FOB")].value_usd_mn.iloc[0] * MN
    us_m = b[(b.reporter_iso3 == "USA") & (b.partner_iso3 == "DEU") & (b.flow == "M_CIF")].value_usd_mn.iloc[0] * MN
    assert gaps.loc["exports", "reporter_figure"] == pytest.approx(de_x)
    assert gaps.loc["exports", "partner_figure"] == pytest.approx(us_m)
    assert gaps.loc["exports", "gap_pct"] == pytest.approx((us_m / de_x - 1) * 100)
    assert result.figures.canonical.sum() == 4


# ---- matched partners, never a missing partner read as a collapse -------------------------------
def test_missing_partners_get_no_contribution_and_groups_state_coverage(reports):
    rep = reports[("CHN", 2025)]
    partners = rep.tables()["partners_mirror"].set_index("partner")
    assert rep.mirror_years == (2023, 2024)
    for code in ("VNM", "ARE"):
        assert math.isnan(partners.loc[code, "contribution_pp"]) and partners.loc[code, "status"] == "missing in 2024"
    groups = rep.tables()["groups"].set_index(["group", "flow"])
    asean = groups.loc[("ASEAN", "export")]
    assert math.isnan(asean.growth_pct) and asean.coverage_pct < 90 and "VNM" in asean.missing
    assert "no growth: matched members cover" in asean.note


def test_contributions_add_up_to_the_matched_total(reports):
    for (country, year), rep in reports.items():
        partners = rep.tables().get("partners_mirror")
        if partners is None:
            continue
        total = metrics.matched_growth(partners)
        assert partners.contribution_pp.sum() == pytest.approx(total["growth_pct"], abs=1e-9), (country, year)


# ---- the mirror gap's explanation follows its sign ----------------------------------------------
def test_mirror_gap_causes_follow_the_sign(reports):
    note = reports[("CHN", 2025)].figure("mirror_gap_usa").note
    assert note.startswith("-11.9%; possible causes: the partner records less than the reporter ships")
    assert "CIF/FOB margin" not in note
    assert metrics.mirror_causes("exports", 6.0) == [
        "within the usual CIF/FOB margin (freight and insurance, about 5-10%)"
    ]
    assert metrics.mirror_causes("imports", -6.0) == [
        "within the usual CIF/FOB margin (freight and insurance, about 5-10%)"
    ]
    assert metrics.mirror_causes("exports", 25.0)[0].startswith("the partner records goods of this origin")
    # the same valuation basis on both sides: no freight margin is expected or offered
    assert metrics.mirror_causes("exports", 2.0, "FOB", "CUSTOMS") == [
        "within 3%: FOB against US customs value, the same valuation basis, so no freight and insurance margin "
        "between them"
    ]
    assert metrics.mirror_causes("imports", -6.0, "CIF", "CIF")[0] == (
        "both CIF: the same valuation basis, so freight and insurance do not explain it"
    )


def test_mirror_both_directions(reports, dots_bilateral):
    table = reports[("DEU", 2019)].tables()["mirror"].set_index(["partner", "direction"])
    b = dots_bilateral[dots_bilateral.year == 2019]
    de_m = b[(b.reporter_iso3 == "DEU") & (b.partner_iso3 == "CHN") & (b.flow == "M_CIF")].value_usd_mn.iloc[0] * MN
    cn_x = b[(b.reporter_iso3 == "CHN") & (b.partner_iso3 == "DEU") & (b.flow == "X_FOB")].value_usd_mn.iloc[0] * MN
    row = table.loc[("CHN", "imports")]
    assert row.reported == pytest.approx(de_m) and row.partner_declared == pytest.approx(cn_x)
    assert row.gap_pct == pytest.approx((cn_x / de_m - 1) * 100)


# ---- deficits and records ------------------------------------------------------------------------
def test_a_widening_deficit_is_worded_as_one(reports, dots_totals):
    rep = reports[("USA", 2020)]
    d20, d19 = _total(dots_totals, "USA", 2020).balance_usd_mn, _total(dots_totals, "USA", 2019).balance_usd_mn
    assert rep.figure("balance").value == pytest.approx(d20 * MN)
    assert rep.headline[0] == (
        "United States' merchandise trade deficit was USD 905 bn in 2020 (computed); the deficit widened by "
        f"{(abs(d20) / abs(d19) - 1) * 100:.1f}% on 2019, the largest deficit in the data (1960-2020)."
    )
    assert rep.figure("balance_growth").note.startswith("The deficit widened from USD 857.3 bn to USD 905.0 bn")
    assert rep.figure("largest_deficit").value == pytest.approx(d20 * MN)
    assert not rep.has("balance_record")
    series = rep.tables()["balance_series"]
    assert series[["exports", "imports"]].notna().all().all()  # no year with one flow only


def test_a_narrowing_deficit_and_a_deficit_turning_into_a_surplus(reports, dots_totals):
    usa = reports[("USA", 2019)]
    assert "the deficit narrowed by" in usa.headline[0]
    bra = reports[("BRA", 2015)]
    b15, b14 = _total(dots_totals, "BRA", 2015).balance_usd_mn, _total(dots_totals, "BRA", 2014).balance_usd_mn
    assert bra.figure("balance").value == pytest.approx(b15 * MN)
    assert bra.figure("balance_growth").value is None
    assert bra.figure("balance_growth").note.startswith(
        f"A deficit of USD {abs(b14) / 1e3:,.1f} bn turned into a surplus of USD {b15 / 1e3:,.1f} bn"
    )


def test_records_count_only_years_up_to_the_report(reports):
    rep = reports[("CHN", 2019)]
    assert int(rep.figure("largest_surplus").note.split()[-1]) <= 2019
    assert not any("the largest" in h for h in rep.headline)


# ---- other countries and years, with partner breakdowns -----------------------------------------
def test_china_2019_partner_growth_from_china_reported_data(reports, china_reported):
    partners = reports[("CHN", 2019)].tables()["partners"].set_index("partner")
    c = china_reported.pivot_table(index="partner_iso3", columns="year", values="exports_fob_usd_mn", aggfunc="first")
    assert partners.loc["USA", "exports_growth_pct"] == pytest.approx(
        (c.loc["USA", 2019] / c.loc["USA", 2018] - 1) * 100
    )
    assert partners.loc["USA", "exports_growth_pct"] == pytest.approx(-12.92, abs=0.01)
    assert partners.loc["USA", "exports_basis"] == "imf-china/by-partner"
    groups = reports[("CHN", 2019)].tables()["groups"].set_index(["group", "flow"])
    asean = [c.loc[m] for m in ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")]
    by_hand = sum(r[2019] for r in asean) / sum(r[2018] for r in asean) * 100 - 100
    assert groups.loc[("ASEAN", "export"), "growth_pct"] == pytest.approx(by_hand)
    assert groups.loc[("ASEAN", "export"), "coverage_pct"] == pytest.approx(100.0)
    for group in ("AFRICA", "LATAM"):
        assert not math.isnan(groups.loc[(group, "export"), "growth_pct"])


def test_us_2019_imports_from_china_and_their_fall(reports, dots_bilateral):
    partners = reports[("USA", 2019)].tables()["partners"].set_index("partner")
    b = dots_bilateral[(dots_bilateral.reporter_iso3 == "USA") & (dots_bilateral.partner_iso3 == "CHN")]
    m = b[b.flow == "M_CIF"].set_index("year").value_usd_mn
    assert partners.loc["CHN", "imports"] == pytest.approx(m[2019] * MN)
    assert partners.loc["CHN", "imports_growth_pct"] == pytest.approx((m[2019] / m[2018] - 1) * 100)
    assert partners.loc["CHN", "imports_growth_pct"] < -15  # 539.5 bn to 452.2 bn


def test_germany_surplus_2019_and_2020(reports, dots_totals):
    for year in (2019, 2020):
        rep = reports[("DEU", year)]
        assert rep.figure("balance").value == pytest.approx(_total(dots_totals, "DEU", year).balance_usd_mn * MN)
        assert len(rep.tables()["partners"]) > 150 and rep.mirror_years == (year - 1, year)
    assert reports[("DEU", 2020)].headline[0].startswith("Germany's merchandise trade surplus was USD 211 bn in 2020")


def test_viet_nam_2020_and_brazil_2015_have_partner_breakdowns(reports, dots_totals, dots_bilateral):
    vnm = reports[("VNM", 2020)]
    assert vnm.figure("balance").value == pytest.approx(_total(dots_totals, "VNM", 2020).balance_usd_mn * MN)
    assert vnm.mirror_years == (2019, 2020)
    x = dots_bilateral[(dots_bilateral.reporter_iso3 == "VNM") & (dots_bilateral.partner_iso3 == "USA")]
    x = x[x.flow == "X_FOB"].set_index("year").value_usd_mn
    assert vnm.tables()["partners"].set_index("partner").loc["USA", "exports"] == pytest.approx(x[2020] * MN)
    bra = reports[("BRA", 2015)]
    assert bra.mirror_years == (2014, 2015) and "CHN" in set(bra.tables()["partners"].partner)


def test_every_report_renders(reports, tmp_path):
    from tradeflux.render.writers import write_report

    for (_country, year), rep in reports.items():
        html = write_report(rep, tmp_path)["html"].read_text()
        assert f"merchandise trade in {year}" in html
        tables = html[html.index("<h2>Figures</h2>") : html.index("<h2>Charts</h2>")]
        tables += html[html.index("<h2>Tables</h2>") : html.index("<h2>Source rows</h2>")]
        assert "e+0" not in tables and ">-0<" not in tables and "nan" not in tables.lower().split("<td")[0]


# ---- units, labels and sources -------------------------------------------------------------------
def test_indicators_are_stored_in_base_units(full_store):
    rows = full_store.query("indicators", source="gacc", metric="trade_balance", period=["2024", "2025"])
    values = dict(zip(rows.period, rows.value, strict=True))
    assert values == {"2024": pytest.approx(992e9), "2025": pytest.approx(1.189e12)}
    assert set(rows.unit) == {"USD"}


def test_press_reprints_are_cited_as_secondary(reports):
    balance = reports[("CHN", 2025)].figure("balance")
    assert balance.sources and all(s.kind == "secondary: press report of the release" for s in balance.sources)


def test_china_2025_bilateral_with_the_us(reports):
    rep = reports[("CHN", 2025)]
    assert rep.figure("imports_from_usa").value == pytest.approx(139.697e9)
    assert rep.figure("balance_with_usa").value == pytest.approx(420.050e9 - 139.697e9)
    assert "a surplus of 280.4 bn" in " ".join(rep.headline)


def test_the_rounded_series_value_is_explained(reports):
    text = " ".join(reports[("CHN", 2025)].warnings)
    assert "1,190.0 bn = 3,770.0 bn - 2,580.0 bn" in text and "reported totals are rounded" in text


# ---- property: any DOTS reporter and year ----------------------------------------------------------
@pytest.fixture(scope="module")
def dots_reporters(dots_totals) -> list[str]:
    frame = dots_totals[(dots_totals.reporter_is_aggregate == 0) & dots_totals.reporter_iso3.notna()]
    return sorted(set(frame[frame.year >= 2000].reporter_iso3))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(data=st.data())
def test_any_reporter_and_year_adds_up_and_counts_each_flow_once(full_store, dots_reporters, data):
    country = data.draw(st.sampled_from(dots_reporters))
    year = data.draw(st.integers(2001, 2020))
    rep = report.build(full_store, country, year)
    partners = rep.tables().get("partners_mirror")
    if partners is not None and partners.matched.any():
        total = metrics.matched_growth(partners)
        assert partners.contribution_pp.sum() == pytest.approx(total["growth_pct"], abs=1e-9)
        assert partners.partner.is_unique
    table = rep.tables().get("partners")
    if table is not None:
        assert table.partner.is_unique  # one row, one source per partner
    series = rep.tables()["balance_series"]
    assert series.year.is_unique
