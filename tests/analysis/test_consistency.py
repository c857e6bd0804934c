"""One story across commands: a figure that two of report, reconcile, query and outlook give agrees, or
both say why not. Expected values are read here from the raw files where the test says so."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tradeflux.analysis import outlook, reconcile, report
from tradeflux.analysis.canonical import canonical
from tradeflux.web import create_app


@pytest.fixture(scope="module")
def built(full_store):
    """report.build, each reporter-year once for this module (a report is a result: read, never changed)."""
    return functools.cache(lambda country, year: report.build(full_store, country, year))


def test_the_us_gap_is_the_same_in_the_report_and_in_reconcile(full_store, built):
    """China's 2024 exports to the US: 525.06 bn on China's basis (implied by the 2025 release: 420.05 bn,
    -20.0%) against 462.62 bn declared by the US. reconcile said "only one side's figure is in the store"."""
    rep = built("CHN", 2025)
    rec = reconcile.reconcile(full_store.connect(), "CHN", "USA", 2024)
    gap = rec.gaps.set_index("direction").loc["exports"]
    assert gap.gap == pytest.approx(rep.figure("mirror_gap_usa").value)
    assert gap.reporter_figure == pytest.approx(rep.figure("exports_to_usa_prev_implied").value)
    assert gap.reporter_figure == pytest.approx(420.05e9 / 0.8) and gap.partner_figure == pytest.approx(462_620_339_617)
    # a figure the US declares is labelled as the US's, wherever a source files it
    us_rows = rec.figures[rec.figures.declared_by == "USA"]
    assert set(us_rows.side) == {"USA's imports", "USA's exports"}


def test_outlook_history_tells_the_reports_story(full_store, built):
    rep = built("CHN", 2025)
    rows, _ = outlook.canonical_series(full_store.connect(), "CHN", "export")
    usa = rows[rows.partner == "USA"].set_index("year").value
    assert usa[2025] == pytest.approx(rep.figure("exports_to_usa").value)
    assert (usa[2025] / usa[2024] - 1) * 100 == pytest.approx(rep.figure("exports_to_usa_growth").value)
    wld = rows[rows.partner == "WLD"].set_index("year").value
    assert wld[2025] == pytest.approx(rep.figure("exports_usd").value)


# the eight reporter-years, and four drawn at random once from the DOTS reporter-years since 2000 with both
# flows reported (not estimated): random.Random(23).sample(candidates, 4)
REPORTER_YEARS = [
    ("CHN", 2019),
    ("CHN", 2025),
    ("USA", 2020),
    ("DEU", 2020),
    ("VNM", 2020),
    ("IRQ", 2019),
    ("SAU", 2015),
    ("GBR", 2020),
    ("LTU", 2015),
    ("CAF", 2012),
    ("ARE", 2013),
    ("MDV", 2006),
]


@pytest.fixture(scope="module")
def api(full_store, data_dir):
    return TestClient(create_app(full_store.root, data_dir))


def _total(rep, flow: str) -> float:
    """The report's world total: ``exports`` where it names its source's figure, ``exports_usd`` for a release."""
    return (rep.figure(flow) if rep.has(flow) else rep.figure(f"{flow}_usd")).value


@pytest.mark.parametrize(("country", "year"), REPORTER_YEARS)
def test_every_command_tells_one_story(full_store, api, built, country, year):
    """Report, query (the canonical rows), the API (the dashboard's data), outlook history and reconcile give
    the same totals, partner figures and mirror gaps; where the outlook puts a year on another source's level,
    its history keeps the published figure beside the adjusted one and the forecast's note says why."""
    rep = built(country, year)
    con = full_store.connect()
    rows = canonical(con, reporter=country, partner="WLD", classification="TOTAL", year=year)
    rows = rows[(rows.period_kind == "year") & (rows.currency == "USD")].set_index("flow")
    served = api.get(f"/api/flows?reporter={country}&partner=WLD&year={year}&classification=TOTAL").json()["rows"]
    served = {r["flow"]: r["value"] for r in served if r["period_kind"] == "year" and r["currency"] == "USD"}
    for flow in ("export", "import"):
        value = _total(rep, f"{flow}s")
        assert value == pytest.approx(float(rows.loc[flow, "value"]))
        assert value == pytest.approx(served[flow])
        history, notes = outlook.canonical_series(con, country, flow)
        held = history[(history.partner == "WLD") & (history.year == year)].iloc[0]
        assert held.published == pytest.approx(value)
        if held.value != pytest.approx(held.published):
            assert f"x {held.value / held.published:.3f} to continue" in notes["WLD"]
    # the dashboard draws the API's report: the same figures as the library's
    figures = {f["id"]: f["value"] for f in api.get(f"/api/report/{country}/{year}/figures").json()["figures"]}
    for f in rep.figures:
        assert figures[f.id] == pytest.approx(f.value, nan_ok=True), f.id
    # the largest partners: the report's figure is the one reconcile marks canonical on the side it names
    partners = rep.tables()["partners"].set_index("partner")
    table_year = rep.mirror_years[1]
    for top in partners.exports.sort_values(ascending=False).index[:3]:
        basis = partners.loc[top, "exports_basis"]
        declared_by = top if basis.endswith("(partner-declared)") else country
        rec = reconcile.reconcile(con, country, top, table_year).figures
        side = rec[(rec.direction == "exports") & (rec.declared_by == declared_by) & rec.canonical]
        assert partners.loc[top, "exports"] == pytest.approx(float(side.value.iloc[0]))
        assert basis.startswith(f"{side.source.iloc[0]}/{side.dataset.iloc[0]}")
    # the mirror table's gaps are reconcile's
    for m in rep.tables()["mirror"].head(4).itertuples():
        gap = reconcile.reconcile(con, country, m.partner, int(m.year)).gaps.set_index("direction").loc[m.direction]
        assert (m.reported, m.partner_declared) == (
            pytest.approx(gap.reporter_figure),
            pytest.approx(gap.partner_figure),
        )
        assert m.possible_causes == gap.possible_causes


def test_a_thin_reporter_uses_its_partners_declarations(full_store, data_dir, built):
    """Iraq 2019: its own partner figures cover 7% of its exports; the partner tables use what its partners
    declare, for 2018-2019 (not 1996-1997), marked partner-declared. India's imports from Iraq by hand from DOTS."""
    rep = built("IRQ", 2019)
    assert rep.mirror_years == (2018, 2019)
    assert any("cover little of its exports" in w and "partner-declared" in w for w in rep.warnings)
    dots = pd.read_csv(
        data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    ind = dots[
        (dots.year == 2019) & (dots.reporter_iso3 == "IND") & (dots.partner_iso3 == "IRQ") & (dots.flow == "M_CIF")
    ]
    partners = rep.tables()["partners"].set_index("partner")
    assert partners.loc["IND", "exports"] == pytest.approx(ind.value_usd_mn.iloc[0] * 1e6)
    assert partners.loc["IND", "exports_basis"].endswith("(partner-declared)")


@pytest.mark.parametrize(("country", "year"), [("USA", 2020), ("DEU", 2020), ("VNM", 2020)])
def test_the_largest_surplus_of_another_economy_is_chinas_customs_figure(full_store, data_dir, country, year, built):
    """ "Largest annual surplus of any other economy" said 678.8 bn (China 2015, IMF DOTS, flagged as overstated
    in its provenance) where China's own report says 593.9 bn. By hand: China's reported totals for 2015 in
    china_totals_reported_vs_mirror.csv."""
    totals = pd.read_csv(data_dir / "china-trade-mirror-comtrade" / "china_totals_reported_vs_mirror.csv")
    by_hand = totals[totals.year <= year].set_index("year").balance_reported_by_china_usd
    rep = built(country, year)
    record = rep.figure("world_record_other")
    assert record.value == pytest.approx(by_hand.max()) and record.note.startswith("China 2015")
    assert record.value == pytest.approx(593_903_899_553)
    chn = built("CHN", 2019)
    assert chn.figure("largest_surplus").value == pytest.approx(record.value)


def test_group_growth_across_brexit_is_on_the_members_of_both_years(full_store, data_dir, built):
    """USA 2020: EU exports growth was suppressed at 79.3% coverage (the UK in the 2019 base only). On the 27
    members of both years, by hand from the DOTS file: US exports (FOB) to them 2019 -> 2020."""
    from tradeflux.reference import countries

    eu27 = countries.load(data_dir).members("EU27", 2020)
    assert "GBR" not in eu27 and len(eu27) == 27
    dots = pd.read_csv(
        data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    x = dots[(dots.reporter_iso3 == "USA") & dots.partner_iso3.isin(eu27) & (dots.flow == "X_FOB")]
    by_year = x.groupby("year").value_usd_mn.sum()
    by_hand = (by_year[2020] / by_year[2019] - 1) * 100
    groups = built("USA", 2020).tables()["groups"].set_index(["group", "flow"])
    eu = groups.loc[("EU27", "export")]
    assert eu.growth_pct == pytest.approx(by_hand) and round(by_hand, 1) == -12.3
    assert eu.note == "on the 27 members of both years (left: GBR)" and "GBR" not in eu.missing


@pytest.mark.parametrize(("country", "group"), [("DEU", "EU27"), ("VNM", "ASEAN")])
def test_a_country_is_not_a_missing_member_of_its_own_group(full_store, country, group, built):
    groups = built(country, 2020).tables()["groups"].set_index(["group", "flow"])
    row = groups.loc[(group, "export")]
    assert country not in row.missing.split(", ") and row.members == (26 if group == "EU27" else 9)


def test_pro_rata_partner_figures_are_flagged(full_store, data_dir, built):
    """SAU 2015: every partner's imports from Saudi Arabia -44.76% in DOTS (a pro-rata estimate), on a 2014
    base the DOTS provenance calls overstated; the report said nothing. By hand from the DOTS file."""
    dots = pd.read_csv(
        data_dir / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    sau = dots[(dots.reporter_iso3 == "SAU") & (dots.flow == "X_FOB") & dots.year.isin([2014, 2015])]
    wide = sau.pivot_table(index="partner_iso3", columns="year", values="value_usd_mn", aggfunc="sum")
    wide = wide[(wide[2014] > 0) & wide[2015].notna()]
    growth = ((wide[2015] / wide[2014] - 1) * 100).round(1)
    assert growth.value_counts().index[0] == -44.8
    rep = built("SAU", 2015)
    warning = next(w for w in rep.warnings if "allocated pro rata" in w)
    assert "changed by the same -44.8% in 2014-2015" in warning and "overstates Saudi Arabia" in warning
    # and no "share of the fall offset elsewhere" of -973%: exports fell everywhere
    assert "diversion_offset" not in {f.id for f in rep.figures}
    assert rep.figure("exports_elsewhere_change").value < 0


def test_a_re_export_hubs_declarations_are_not_the_reporters_balance(full_store, data_dir, built):
    """CHN 2025 (partner tables 2023-2024, partner-declared): Hong Kong's exports to China, mostly re-exports,
    gave China a -92.2 bn balance with Hong Kong where China's own figures show a surplus. By hand: Comtrade
    mirror rows for 2024, and China's own 2020 figures in the IMF China-by-partner file."""
    folder = data_dir / "china-trade-mirror-comtrade"
    x = pd.read_csv(folder / "china_exports_by_partner_mirror.csv").set_index(["year", "partner_iso3"]).value_usd
    m = pd.read_csv(folder / "china_imports_by_partner_mirror.csv").set_index(["year", "partner_iso3"]).value_usd
    own = pd.read_csv(data_dir / "china-reported-by-partner" / "china_reported_trade_by_partner_2000_2022.csv")
    own = own[(own.year == 2020) & (own.partner_iso3 == "HKG")].iloc[0]
    own_balance = (own.exports_fob_usd_mn - own.imports_cif_usd_mn) / 1e3
    rep = built("CHN", 2025)
    row = rep.tables()["partners"].set_index("partner").loc["HKG"]
    assert row.balance == pytest.approx(x[(2024, "HKG")] - m[(2024, "HKG")])
    assert row.note == "partner-declared; Hong Kong re-exports included"
    warning = next(w for w in rep.warnings if w.startswith("Hong Kong re-exports"))
    assert "(-92.2 bn)" in warning and f"a balance of {own_balance:,.1f} bn with it in 2020" in warning


def test_query_rows_name_their_product_level(full_store):
    """`query --reporter USA --partner CHN --year 2024` gave 19,163 rows at HS2, HS6 and HTS10 with no column
    saying which, so that they summed to three times the total. Each level now says so and sums to the
    same imports on its own."""
    con = full_store.connect()
    rows = canonical(con, reporter="USA", partner="CHN", year=2024, flow="import")
    rows = rows[rows.currency == "USD"]
    by_level = rows.groupby("product_level").value.sum()
    assert {"HS2022 2-digit", "HS2022 6-digit", "HTS 10-digit"} <= set(by_level.index)
    detail = by_level.drop("total", errors="ignore")
    assert detail.max() / detail.min() == pytest.approx(1.0, abs=0.01)
    assert not (rows.product_level == "total").any() or by_level["total"] == pytest.approx(detail.max(), rel=0.05)


def test_valuations_are_what_the_declarant_uses(full_store):
    """The IMF files US customs value under "Imports, CIF": DOTS USA-from-China 2019 is 452,243.440 mn
    (Census's customs value) where the US's CIF declaration in Comtrade is 472,464,913,744. Canada declares
    imports FOB: DOTS 59,794.844 mn is the IMF's CIF conversion of Comtrade's 56,543,787,612."""
    rec = reconcile.reconcile(full_store.connect(), "CHN", "USA", 2019)
    us = rec.figures[(rec.figures.direction == "exports") & (rec.figures.declared_by == "USA")].set_index("source")
    assert us.loc["imf-dots"].value == pytest.approx(452_243.440e6) and us.loc["imf-dots"].valuation == "CUSTOMS"
    assert us.loc["comtrade-mirror"].value == pytest.approx(472_464_913_744)
    assert us.loc["comtrade-mirror"].valuation == "CIF"
    gap = rec.gaps.set_index("direction").loc["exports"]
    assert (gap.reporter_valuation, gap.partner_valuation) == ("FOB", "CUSTOMS")
    assert gap.gap_pct == pytest.approx((452_243.440 / 418_584.250 - 1) * 100)
    # both FOB-like: the CIF/FOB margin is not offered as the cause
    assert gap.possible_causes.startswith("FOB against US customs value: the same valuation basis")
    assert "CIF/FOB margin" not in gap.possible_causes
    canada = canonical(full_store.connect(), all_sources=True, reporter="CHN", partner="CAN", year=2019)
    canada = canada[(canada.source == "comtrade-mirror") & (canada.flow == "export")]
    assert canada.valuation.tolist() == ["FOB"] and canada.value.iloc[0] == pytest.approx(56_543_787_612)
