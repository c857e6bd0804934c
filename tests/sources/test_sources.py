"""Each reader on the real files of the shared data directory: row accounting and known values."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from tradeflux.sources import SOURCES


def data_rows(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_dataset_file_ingests_with_exact_accounting(full_store, data_dir):
    frame = full_store.sources()
    found = {(s.id, p.name) for s in SOURCES.values() for d in s.datasets for p in d.find(data_dir)}
    assert set(zip(frame.source, frame.file, strict=True)) == found
    assert len(found) == 33
    for row in frame.itertuples():
        path = next(
            p
            for s in SOURCES.values()
            for d in s.datasets
            for p in d.find(data_dir)
            if s.id == row.source and p.name == row.file
        )
        assert row.lines_read == data_rows(path), row.file
        assert row.staged == row.loaded + row.quarantined, row.file
        assert row.current


def test_lines_read_for_the_large_files(full_store):
    frame = full_store.sources().set_index("file")
    assert frame.loc["imf_dots_bilateral_1960_2020.csv.gz", "lines_read"] == 2_579_071
    assert frame.loc["us_imports_from_china_hts10_2024.csv", "lines_read"] == 14_422
    assert frame.loc["agtpa_gravity_panel_1986_2006.csv.gz", "lines_read"] == 99_981
    assert frame.loc["agtpa_gravity_panel_1986_2006.csv.gz", "quarantined"] == 0  # ROM is read as ROU


def test_imf_dots_values_in_usd(full_store):
    rows = full_store.query("flows", source="imf-dots", reporter="CHN", partner="USA", year=2020, flow="export")
    assert len(rows) == 1
    assert rows.value[0] == pytest.approx(452.8e9, rel=1e-3)
    assert rows.valuation[0] == "FOB"
    totals = full_store.query("flows", source="imf-dots", dataset="totals", reporter="DEU", year=2020, flow="export")
    assert totals.value[0] == pytest.approx(1382.5e9, rel=1e-3)


def test_imf_dots_negative_values_are_quarantined_with_their_line(full_store):
    q = full_store.quarantine("imf-dots")
    assert len(q) == 13
    assert set(q.field) == {"value"}
    assert all(r.startswith("negative value -") for r in q.reason)


def test_china_reported_totals_and_mirror(full_store):
    rep = full_store.query("flows", source="comtrade-mirror", dataset="totals", year=2024, mirror=False)
    by_flow = dict(zip(rep.flow, rep.value, strict=True))
    assert by_flow == {"export": 3_576_543_293_842.0, "import": 2_585_134_598_079.0}
    mirror = full_store.query("flows", source="comtrade-mirror", dataset="exports", partner="USA", year=2024)
    assert mirror.value[0] == pytest.approx(462.6e9, rel=1e-3)
    assert mirror.declarant[0] == "USA" and bool(mirror.mirror[0]) and mirror.valuation[0] == "CIF"


def test_mirror_extract_keeps_china_re_imports(full_store):
    own = full_store.query("flows", source="comtrade-mirror", dataset="exports", partner="CHN", year=2014)
    assert own.flow.tolist() == ["import"] and own.value[0] == 144_880_436_618.0


def test_gacc_headlines_as_reported_and_as_flows(full_store):
    ind = full_store.query("indicators", source="gacc", metric="trade_balance", period="2025")
    assert ind.value.tolist() == [1.189e12] and ind.unit.tolist() == ["USD"]  # base units: USD, not "trillion USD"
    asean = full_store.query("indicators", source="gacc", metric="exports_growth", partner="AGG:asean")
    assert asean.yoy_pct.tolist() == [13.4] and asean.yoy_basis.tolist() == ["USD"]
    us = full_store.query("flows", source="gacc", partner="USA", flow="export", year=2025)
    assert us.value.tolist() == [420.05e9]
    assert full_store.quarantine("gacc").empty


def test_gacc_monthly_ytd_periods(full_store):
    rows = full_store.query("flows", source="gacc", dataset="monthly", period="2019-01/2019-12", flow="export")
    assert rows.value.tolist() == [2_499_028_927_000.0]
    assert rows.period_kind.tolist() == ["ytd"] and rows.month.tolist() == [12]


def test_census_duties(full_store):
    rows = full_store.query("flows", source="us-census", dataset="hts10-china")
    assert rows.value.sum() == pytest.approx(429.43e9, rel=1e-3)
    assert rows.duty.sum() == pytest.approx(46.66e9, rel=1e-3)


def test_tariff_series(full_store):
    peak = full_store.query(
        "tariffs",
        source="tradewartracker",
        dataset="milestones",
        measure="average US tariff on imports from China (peak)",
    )
    assert peak.rate_pct.tolist() == [126.5]
    q = full_store.quarantine("tradewartracker").set_index("dataset")
    assert q.loc["milestones", "reason"] == "non-numeric rate_pct '10-15'"


def test_gravity_and_io_files_in_usd(full_store):
    sample = full_store.query("flows", source="gegravity", reporter="GBR", partner="AUS")
    assert sample.value.tolist() == [4310e6]
    ch2 = full_store.query("flows", source="yotov-agtpa", dataset="ch2-without-border", reporter="DEU", partner="DEU")
    assert ch2.reporter_code.tolist() == ["ZZZ"]
    icio = full_store.query("flows", source="oecd-icio", dataset="matrix", reporter="CHN", partner="USA")
    assert icio.value[0] == pytest.approx(193.4e9, rel=1e-3)
    wiod = full_store.query("flows", source="wiod", reporter="CHN", partner="CHN", year=2014)
    assert wiod.value[0] == pytest.approx(29_320e9, rel=1e-3)


def test_census_frames_name_the_bad_line(tmp_path):
    from tradeflux.sources import FormatError, census

    folder = tmp_path / "us-imports-hs-2024"
    folder.mkdir()
    (folder / "us_imports_by_partner_hs6_2024.csv.gz").write_bytes(
        gzip.compress(
            b"census_cty_code,iso3,census_country_name,hs6,imports_for_consumption_usd,calculated_duty_usd\n"
            b"5700,CHN,CHINA,850760,100,7\n5520,VNM,VIETNAM,850760,12x,0\n"
        )
    )
    with pytest.raises(
        FormatError,
        match=r"us_imports_by_partner_hs6_2024.csv.gz: line 3, field imports_for_consumption_usd: '12x' is not a non-negative number",
    ):
        census.hs6_by_partner_frame(tmp_path)


def test_country_rates_of_august_2025_and_the_engines_country_rules(full_store, data_dir):
    """Viet Nam 20 and India 25 in the August 2025 reciprocal table; the engine's rule B07.12 sets India
    (and Brazil) to 50 from 2025-08-07: one row per country a rule names. By hand from the two files."""
    folder = data_dir / "us-tariffs-tradewartracker"
    with open(folder / "us_reciprocal_tariff_rates_2025-08-07.csv", newline="") as handle:
        august = {r["iso3"]: float(r["reciprocal_tariff_pct"]) for r in csv.DictReader(handle) if r["iso3"]}
    con = full_store.connect()
    got = con.execute(
        "SELECT target, rate_pct FROM tariffs WHERE dataset = 'reciprocal-august' AND target IN ('VNM', 'IND')"
    ).fetchall()
    assert dict(got) == {"VNM": august["VNM"], "IND": august["IND"]} == {"VNM": 20.0, "IND": 25.0}
    rule = con.execute(
        "SELECT target, rate_pct, date_from FROM tariffs WHERE dataset = 'country-rules' AND rule_id = 'B07.12' "
        "ORDER BY target"
    ).fetchall()
    assert [(t, r) for t, r, _ in rule] == [("BRA", 50.0), ("IND", 50.0)]
    assert str(rule[0][2])[:10] == "2025-08-07"
