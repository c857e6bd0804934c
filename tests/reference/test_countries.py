from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tradeflux.reference import countries


@pytest.fixture(scope="module")
def table(data_dir: Path) -> countries.CountryTable:
    return countries.load(data_dir)


@pytest.mark.parametrize("file", ["china_exports_by_partner_mirror.csv", "china_imports_by_partner_mirror.csv"])
def test_every_partner_name_of_the_comtrade_mirror_extract_matches(table, data_dir, file):
    with (data_dir / "china-trade-mirror-comtrade" / file).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    pairs = {(r["partner_name_comtrade"], r["partner_iso3"]) for r in rows}
    assert len(pairs) > 150
    mismatched = {name: (iso, table.match(name)) for name, iso in pairs if table.match(name) != iso}
    assert mismatched == {}


def test_every_imf_country_name_matches(table, data_dir):
    with (data_dir / "imf-dots-1960-2020" / "imf_dots_country_names.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["iso3"]]
    assert {r["imf_name"]: table.match(r["imf_name"]) for r in rows} == {r["imf_name"]: r["iso3"] for r in rows}


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Rep. of Korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("China, Hong Kong SAR", "HKG"),
        ("Other Asia, nes", "TWN"),
        ("Viet Nam", "VNM"),
        ("Türkiye", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Dem. Rep. of the Congo", "COD"),
        ("USA", "USA"),
        ("World", "WLD"),
        ("chn", "CHN"),
    ],
)
def test_name_spellings(table, name, iso3):
    assert table.match(name) == iso3


def test_unknown_name_is_none(table):
    assert table.match("Atlantis") is None
    assert table.match("") is None


def test_eu27_membership_follows_brexit(table):
    assert "GBR" in table.members("EU27", 2019)
    assert "GBR" not in table.members("EU27", 2020)
    assert len(table.members("EU27", 2020)) == 27
    assert len(table.members("EU27", 2019)) == 28
    assert "GBR" in table.members_on("EU27", dt.date(2020, 1, 31))
    assert "GBR" not in table.members_on("EU27", dt.date(2020, 2, 1))
    assert "HRV" not in table.members("EU27", 2012)
    assert "HRV" in table.members("EU27", 2013)


def test_asean_admits_timor_leste_on_2025_10_26(table):
    assert len(table.members("ASEAN", 2025)) == 10
    assert "TLS" not in table.members_on("ASEAN", dt.date(2025, 10, 25))
    assert "TLS" in table.members_on("ASEAN", dt.date(2025, 10, 26))
    assert table.members("ASEAN", 2026)[-1] == "VNM" and "TLS" in table.members("ASEAN", 2026)


def test_geographic_groups_from_the_reference_file(table):
    assert len(table.members("AFRICA", 2025)) == 60
    assert len(table.members("Latin America", 2025)) == 52
    assert table.members("NORTHERN_AMERICA", 2025) == ["BMU", "CAN", "GRL", "SPM", "USA"]


def test_group_aliases(table):
    assert table.group_id("eu") == "EU27"
    assert table.group_id("Latin America and the Caribbean") == "LATAM"
    with pytest.raises(KeyError, match="unknown country group 'Mercosur'"):
        table.members("Mercosur", 2020)


def test_user_groups_from_a_file(table, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("group,iso3,start,end\nusmca,USA,2020-07-01,\nusmca,MEX,2020-07-01,\nusmca,CAN,2020-07-01,\n")
    table.add_groups_from_file(path)
    assert table.members("USMCA", 2020) == ["CAN", "MEX", "USA"]
    assert table.members("USMCA", 2019) == []


def test_user_group_file_errors_name_line_and_field(table, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("group,iso3\nmine,USA\nmine,XXY\n")
    with pytest.raises(ValueError, match=r"groups.csv, line 3, field iso3: unknown country code 'XXY'"):
        table.add_groups_from_file(path)


def test_aggregate_codes():
    assert countries.aggregate_code("World") == "WLD"
    assert countries.aggregate_code("Advanced Economies") == "AGG:advanced-economies"
    assert countries.is_aggregate("AGG:eu27")
    assert not countries.is_aggregate("CHN")


def test_groups_are_the_same_with_and_without_the_data_directory(data_dir, tmp_path):
    """UN M49 Africa, Latin America and Northern America come with the package: without the data directory
    a report had Africa and Latin America with no member. Checked against the UN M49 columns of the shared
    reference file, read here."""
    import csv

    from tradeflux.reference import countries

    with_data, without = countries.load(data_dir), countries.load(tmp_path)
    with (data_dir / "country-codes-regions" / "country_codes_regions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for group, column in (
        ("AFRICA", "africa"),
        ("LATAM", "latin_america_caribbean"),
        ("NORTHERN_AMERICA", "northern_america"),
    ):
        expected = sorted(r["iso3"] for r in rows if r[column] == "1")
        assert without.members(group, 2020) == with_data.members(group, 2020) == expected
    assert len(without.members("AFRICA", 2020)) == 60 and len(without.members("LATAM", 2020)) == 52
