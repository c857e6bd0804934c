"""The China 2025 report on the shared data: the acceptance numbers, the files, and the page in a browser."""

from __future__ import annotations

import json

import pytest

from tradeflux.analysis import report
from tradeflux.render.writers import write_report


@pytest.fixture(scope="module")
def rep(full_store):
    return report.build(full_store, "CHN", 2025)


def test_surplus_growth_and_record(rep):
    assert rep.figure("balance").value == pytest.approx(1_189e9) and rep.figure("balance").status == "reported"
    assert rep.figure("balance_growth").value == pytest.approx((1189 / 992 - 1) * 100)  # +19.86%
    assert round(rep.figure("balance_growth").value, 1) == 19.9
    assert rep.figure("balance_growth_vs_computed").value == pytest.approx((1189e9 / 991_408_695_763 - 1) * 100)
    assert rep.figure("largest_surplus").note == "in 2025" and rep.figure("largest_surplus").value == pytest.approx(
        1_189e9
    )
    other = rep.figure("world_record_other")
    assert other.note.startswith("Saudi Arabia 2012") and other.value == pytest.approx(367.58e9, rel=1e-4)


def test_exports_to_the_us_and_regions_with_their_basis(rep):
    assert (
        rep.figure("exports_to_usa_growth").value == -20.0 and rep.figure("exports_to_usa_growth").basis == "USD basis"
    )
    growth = rep.tables()["export_growth_by_partner"].set_index("partner")
    assert growth.loc[["AGG:africa", "AGG:asean", "AGG:eu27", "AGG:latin-america"], "growth_pct"].tolist() == [
        25.8,
        13.4,
        8.4,
        7.4,
    ]
    assert set(growth.basis) == {"USD"}
    # GACC quotes yuan-based rates: (1 + g_usd) x (1.061 / 1.055) - 1, as article_checks.csv
    assert growth.loc["AGG:africa", "growth_pct_cny_derived"] == pytest.approx(26.52, abs=0.01)
    assert growth.loc["USA", "growth_pct_cny_derived"] == pytest.approx(-19.55, abs=0.01)


def test_us_share_and_mirror_gap(rep):
    assert rep.figure("us_share_of_exports").value == pytest.approx(420.05 / 3770 * 100)
    assert rep.figure("exports_to_usa_prev_implied").value == pytest.approx(525.0625e9)
    assert rep.figure("mirror_usa").value == 462_620_339_617.0
    assert rep.figure("mirror_gap_usa").value == pytest.approx(462_620_339_617.0 - 525.0625e9)


def test_balance_series_2014_2024(rep, data_dir):
    import pandas as pd

    expected = pd.read_csv(data_dir / "china-trade-mirror-comtrade" / "china_totals_reported_vs_mirror.csv").dropna(
        subset=["balance_reported_by_china_usd"]
    )
    series = rep.tables()["balance_series"].set_index("year")
    for row in expected.itertuples():
        assert series.loc[row.year, "balance"] == pytest.approx(row.balance_reported_by_china_usd, abs=1.0)
        assert series.loc[row.year, "source"] == "comtrade-mirror"


def test_missing_partners_are_flagged(rep):
    text = " ".join(rep.warnings)
    assert "Vietnam (110.7 bn in 2023, 3.3% of exports)" in text and "United Arab Emirates (77.4 bn in 2023" in text
    assert "not counted as zero" in text


def test_headline_sentences(rep):
    assert rep.headline[0].startswith(
        "China's merchandise trade surplus was USD 1,189 bn in 2025 (reported), +19.9% on 2024, the largest surplus in the data"
    )
    assert (
        rep.headline[1]
        == "Exports to the United States fell 20.0% (USD basis), leaving the US with 11.1% of China's exports."
    )


def test_files_are_written(rep, tmp_path):
    paths = write_report(rep, tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["year"] == 2025 and any(f["id"] == "balance" for f in data["figures"])
    assert paths["figures_csv"].read_text().splitlines()[0].startswith("id,label,value,unit,status,basis,note,sources")
    html = paths["html"].read_text()
    assert 'href="#src-0-0"' in html and 'id="src-0-0"' in html


def test_html_report_renders_in_chromium(rep, tmp_path, browser_page):
    path = write_report(rep, tmp_path)["html"]
    page, errors = browser_page(path, "#chart-balance .main-svg")
    charts = page.locator(".js-plotly-plot")
    assert charts.count() == 5
    for cid in ("chart-balance", "chart-growth", "chart-contributions", "chart-shares", "chart-mirror"):
        assert page.locator(f"#{cid} .main-svg").count() >= 1, cid
    assert page.locator("#chart-balance .bars path").count() > 40  # one bar per year
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == []
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_new_three_and_chapters_from_us_product_data(rep):
    basket = rep.tables()["new_three"].set_index("part")
    assert basket.loc["lithium-ion batteries", "value"] == pytest.approx(
        15.66e9, rel=1e-3
    )  # provenance: HS 850760 15.66 bn
    assert rep.figure("new_three_usa").value == pytest.approx(basket.value.sum())
    chapters = rep.tables()["hs_chapters"]
    assert chapters.chapter.tolist()[:2] == ["85", "84"]
    assert chapters.value.sum() < 429.44e9 and chapters.share_pct.iloc[0] == pytest.approx(27.65, abs=0.01)


def test_every_computed_or_reported_figure_names_its_source_rows(rep):
    missing = [f.id for f in rep.figures if not f.sources]
    assert missing == []
    world = rep.figure("world_record_other").sources[0]
    assert (world.source, world.dataset) == ("imf-dots", "totals") and len(world.lines) == 2  # exports and imports rows


def test_rerouting_signal_is_labelled_and_dated(rep):
    signal = rep.tables()["rerouting_signal"]
    assert set(signal.years) == {"2019-2020"} and set(signal.label) == {"signal (not a finding)"}
    assert (signal.growth_pct_imports_from_reporter > 0).all() and (signal.growth_pct_exports_to_market > 0).all()
    assert any(w.startswith("Rerouting signal uses 2019-2020") for w in rep.warnings)


def test_other_countries_use_one_dataset_per_year_and_say_deficit(full_store):
    deu = report.build(full_store, "DEU", 2019)
    assert deu.figure("balance").value == pytest.approx(
        255_433.302e6, rel=1e-9
    )  # IMF DOTS reporter totals, not doubled
    series = deu.tables()["balance_series"].set_index("year")
    assert series.loc[2019, "dataset"] == "totals"
    usa = report.build(full_store, "USA", 2020)
    assert usa.figure("balance").value < 0
    assert usa.headline[0].startswith("United States' merchandise trade deficit was USD 905 bn in 2020")


def test_yuan_and_dollar_growth_gap_is_computed_not_written_in(rep):
    gap = rep.figure("cny_usd_growth_gap")
    # (1 + g) x 1.061 / 1.055 - 1 - g = (1.061 / 1.055 - 1)(1 + g), averaged over US, Africa, ASEAN, EU27, Latin America
    mean_factor = (0.800 + 1.258 + 1.134 + 1.084 + 1.074) / 5
    assert gap.value == pytest.approx((1.061 / 1.055 - 1) * 100 * mean_factor, abs=1e-9)
    assert gap.formatted() == "+0.61 pts"
    assert rep.headline[2].endswith("(USD basis; growth in yuan is about 0.6 points higher).")


def test_partner_shares_have_one_denominator_in_both_years(rep, data_dir):
    """The US share of China's exports in the partner table: each year's US-declared value over China's own
    total of that year, both read here from the Comtrade files (2023: 448.0 / 3,379.7 bn = 13.26%; 2024: 462.6 /
    3,576.5 bn = 12.93%). It read 13.98% -> 12.93% when the base year was divided by the sum over partners."""
    import pandas as pd

    folder = data_dir / "china-trade-mirror-comtrade"
    mirror = pd.read_csv(folder / "china_exports_by_partner_mirror.csv")
    us = mirror[mirror.partner_iso3 == "USA"].set_index("year").value_usd
    totals = pd.read_csv(folder / "china_totals_reported_vs_mirror.csv").set_index("year").exports_reported_by_china_usd
    usa = rep.tables()["partners"].set_index("partner").loc["USA"]
    assert usa.share_pct == pytest.approx(us[2024] / totals[2024] * 100, rel=1e-9)
    assert usa.base_share_pct == pytest.approx(us[2023] / totals[2023] * 100, rel=1e-9)
    assert round(usa.base_share_pct, 2) == 13.26 and round(usa.share_pct, 2) == 12.93
