"""The store on small hand-made files: every kind of bad row, accounting, idempotence, vintages, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest

import tradeflux
from tradeflux.sources import baci
from tradeflux.sources.generic import Mapping, source_for

CODES = "country_code,country_name,country_iso2,country_iso3\n156,China,CN,CHN\n842,USA,US,USA\n704,Viet Nam,VN,VNM\n"


def write_baci(folder: Path, body: str, name: str = "BACI_HS22_Y2022_V202501.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "country_codes_V202501.csv").write_text(CODES)
    path = folder / name
    path.write_text("t,i,j,k,v,q\n" + body)
    return path


GOOD = "2022,156,842,854142,100.5,2\n2022,156,704,850760,50,\n"
BAD = (
    "2022,156,842,854143,abc,1\n"  # line 2: non-numeric value
    "2022,156,842,854149,-5,1\n"  # line 3: negative value
    "2022,999,842,870380,1,1\n"  # line 4: unknown country
    "2022,156,842,85ab12,1,1\n"  # line 5: malformed code
    "1850,156,842,870360,1,1\n"  # line 6: a year that is not the file's
    "2022,156,704,870370,,1\n"  # line 7: missing value
    "2022,156,842,850760,7,1\n"  # line 8: duplicate key, different value (with line 9)
    "2022,156,842,850760,8,1\n"  # line 9
    "2022,842,156,850760,3,1\n"  # line 10: kept
    "2022,842,156,850760,3,1\n"  # line 11: exact duplicate of line 10
    "2022,156,,870380,1,1\n"  # line 12: missing code
)


def test_every_kind_of_bad_row_goes_to_quarantine_with_its_reason(store, tmp_path):
    path = write_baci(tmp_path / "baci", BAD)
    result = store.ingest(baci.BACI, path)
    assert (result.lines_read, result.staged, result.loaded, result.quarantined) == (11, 11, 1, 10)
    q = store.quarantine("baci")
    got = {(int(r.line), r.field, r.reason) for r in q.itertuples()}
    assert got == {
        (2, "value", "non-numeric value 'abc'"),
        (3, "value", "negative value -5"),
        (4, "i", "unknown BACI country code '999'"),
        (5, "product", "malformed HS code '85ab12'"),
        (6, "t", "year '1850' is not the file's year 2022"),
        (7, "value", "missing value"),
        (8, "key", "duplicate key with different values (lines 8, 9)"),
        (9, "key", "duplicate key with different values (lines 8, 9)"),
        (11, "key", "exact duplicate of line 10"),
        (12, "j", "missing country code"),
    }
    assert set(q.file) == {str(path.resolve())}
    loaded = store.query("flows")
    assert loaded[["reporter", "partner", "product", "value", "line"]].values.tolist() == [
        ["USA", "CHN", "850760", 3000.0, 10]
    ]


# In BACI's own order (exporter, importer, product): the reader proves that no key repeats.
SORTED = "2022,156,704,850760,1,1\n2022,156,842,010121,2,1\n2022,156,842,854142,3,1\n2022,842,156,850760,4,1\n"


def test_baci_sorted_keys_are_proven_unique_and_anything_else_is_checked(store, tmp_path):
    import duckdb

    from tradeflux.sources.base import AREA_TYPE, ReadContext

    def proof(body: str, codes: str = CODES) -> bool:
        path = write_baci(tmp_path / str(len(list(tmp_path.iterdir()))), body)
        (path.parent / "country_codes_V202501.csv").write_text(codes)
        con = duckdb.connect()
        con.execute("CREATE MACRO quote(x) AS chr(39) || coalesce(CAST(x AS VARCHAR), '') || chr(39)")
        con.execute(f"CREATE TYPE {AREA_TYPE} AS ENUM ('CHN', 'USA', 'VNM')")
        (staged,) = baci.read_baci(ReadContext(con, store.countries), path)
        return staged.proven_unique

    assert proof(SORTED)
    assert not proof(SORTED + "2022,842,156,850760,4,1\n")  # the same key again: not increasing
    assert not proof("2022,842,156,850760,4,1\n" + SORTED)  # out of order
    assert proof(SORTED.replace("010121", "10121"))  # a code without its leading zero: padded, still one key
    assert not proof(SORTED.replace("842,854142", "842,10121"))  # 010121 then 10121: one product twice
    assert not proof(SORTED.replace("010121", "0010121"))  # seven digits: BACI's padding would cut it
    # two BACI codes for one country in the file: keys may merge (a code the file does not use is no matter)
    twice = CODES + "843,USA again,US,USA\n"
    assert proof(SORTED, twice)
    assert not proof(SORTED.replace("2022,842,156", "2022,843,156"), twice)

    # and the store finds the duplicates the proof could not rule out
    path = write_baci(tmp_path / "twice", SORTED.replace("2022,842,156", "2022,843,156") + "2022,842,156,850760,4,1\n")
    (path.parent / "country_codes_V202501.csv").write_text(CODES + "843,USA again,US,USA\n")
    result = store.ingest(baci.BACI, path)
    assert (result.loaded, result.quarantined) == (4, 1)
    assert store.quarantine("baci")[["line", "reason"]].values.tolist() == [[6, "exact duplicate of line 5"]]


def test_baci_code_file_giving_one_code_two_countries_is_refused(store, tmp_path):
    path = write_baci(tmp_path / "baci", GOOD)
    codes = path.parent / "country_codes_V202501.csv"
    codes.write_text(CODES + "842,United States,US,USA\n156,Taiwan,TW,TWN\n")
    with pytest.raises(tradeflux.FormatError) as info:
        store.ingest(baci.BACI, path)
    assert str(info.value) == f"{codes}: lines 2, 6: country_code 156 has two ISO3 codes (CHN, TWN)"
    assert store.entries == []


def test_baci_codes_the_reader_cannot_place(store, tmp_path):
    path = write_baci(tmp_path / "baci", "2022,156,842,,1,1\n2022,156,900,854142,1,1\n2022,156,842,854142,1,1\n")
    (path.parent / "country_codes_V202501.csv").write_text(CODES + "900,Atlantis,,ATL\n")
    result = store.ingest(baci.BACI, path)
    assert (result.loaded, result.quarantined) == (1, 2)
    got = store.quarantine("baci")[["line", "field", "reason"]].values.tolist()
    assert got == [
        [2, "product", "missing product code"],  # an empty code is missing, not 000000
        [3, "partner", "unknown country code 'ATL'"],  # in BACI's code file, not a country tradeflux knows
    ]


def test_baci_units_and_codes(store, tmp_path):
    path = write_baci(tmp_path / "baci", GOOD)
    store.ingest(baci.BACI, path)
    rows = store.query("flows", order_by=["partner"])
    assert rows.value.tolist() == [100_500.0, 50_000.0]  # thousand USD -> USD
    assert rows.quantity.tolist()[0] == 2.0 and rows.quantity_unit.tolist() == ["t", "t"]
    assert rows.classification.tolist() == ["HS2022", "HS2022"]
    assert rows.vintage.tolist() == ["2025-01-01", "2025-01-01"]
    assert rows.valuation.tolist() == ["FOB", "FOB"]


def test_ingesting_the_same_file_twice_changes_nothing(store, tmp_path):
    path = write_baci(tmp_path / "baci", GOOD)
    first = store.ingest(baci.BACI, path)
    before = sorted(p.relative_to(store.root) for p in store.root.rglob("*.parquet"))
    second = store.ingest(baci.BACI, path)
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert sorted(p.relative_to(store.root) for p in store.root.rglob("*.parquet")) == before
    assert len(store.query("flows")) == 2 and len(store.entries) == 1


def test_a_newer_vintage_supersedes_the_older_for_queries(store, tmp_path):
    old = write_baci(tmp_path / "v1", GOOD, "BACI_HS22_Y2022_V202401.csv")
    new = write_baci(tmp_path / "v2", "2022,156,842,854142,200,2\n", "BACI_HS22_Y2022_V202501.csv")
    store.ingest(baci.BACI, old)
    store.ingest(baci.BACI, new)
    latest = store.query("flows")
    assert latest[["vintage", "value"]].values.tolist() == [["2025-01-01", 200_000.0]]
    assert len(store.query("flows", vintage="all")) == 3
    assert sorted(store.query("flows", vintage="2024-06-30").value.tolist()) == [50_000.0, 100_500.0]
    assert store.sources().current.tolist() == [False, True]


def test_a_newer_vintage_supersedes_only_the_years_it_covers(store, tmp_path):
    store.ingest(baci.BACI, write_baci(tmp_path / "a", "2021,156,842,854142,1,1\n", "BACI_HS22_Y2021_V202401.csv"))
    store.ingest(baci.BACI, write_baci(tmp_path / "b", "2022,156,842,854142,2,1\n", "BACI_HS22_Y2022_V202501.csv"))
    assert sorted(store.query("flows").year.tolist()) == [2021, 2022]


def test_same_vintage_of_a_changed_file_replaces_it(store, tmp_path):
    path = write_baci(tmp_path / "baci", GOOD)
    store.ingest(baci.BACI, path)
    path.write_text("t,i,j,k,v,q\n2022,156,842,854142,1,1\n")
    result = store.ingest(baci.BACI, path)
    assert result.status == "replaced"
    assert store.query("flows").value.tolist() == [1000.0]
    assert len(list((store.root / "flows").rglob("*.parquet"))) == 1  # the replaced file is out of the tree


def test_an_interrupted_ingest_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    path = write_baci(tmp_path / "baci", GOOD)
    store.ingest(baci.BACI, path)
    before = store.query("flows")
    other = write_baci(tmp_path / "other", "2023,156,842,854142,9,1\n", "BACI_HS22_Y2023_V202501.csv")

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.manifest, "save", crash)  # files are written in staging, the manifest is not
    with pytest.raises(KeyboardInterrupt):
        store.ingest(baci.BACI, other)
    monkeypatch.undo()
    assert store.query("flows").equals(before)
    assert not any("year=2023" in str(p) for p in (store.root / "flows").rglob("*.parquet"))  # nothing in the tree
    store.ingest(baci.BACI, path)  # unchanged, but cleans up
    result = store.ingest(baci.BACI, other)
    assert result.status == "loaded" and len(store.query("flows")) == 3


def test_a_file_in_the_wrong_format_fails_with_one_message(store, tmp_path):
    folder = tmp_path / "baci"
    path = write_baci(folder, "")
    path.write_text("year,exporter,importer,value\n2022,CHN,USA,1\n")
    with pytest.raises(tradeflux.FormatError) as info:
        store.ingest(baci.BACI, path)
    assert (
        str(info.value)
        == f"{path}: expected columns t, i, j, k, v, q; missing t, i, j, k, v, q (found: year, exporter, importer, value)"
    )
    assert store.entries == []


def test_not_a_file_of_the_source(store, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a\n1\n")
    with pytest.raises(tradeflux.FormatError, match=r"notes.csv: not a file of source 'baci'"):
        store.ingest(baci.BACI, path)


MAPPING = Mapping(
    "flows",
    {
        "period_raw": "year",
        "reporter": "~exporter",
        "partner": "~importer",
        "flow": "=export",
        "value_raw": "trade",
        "value_scale": "=1e6",
        "currency": "=USD",
    },
)


def test_generic_csv_with_country_names(store, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "year,exporter,importer,trade\n2024,China,Rep. of Korea,1.5\n2024,Viet Nam,Atlantis,2\n2024-13,USA,China,1\n"
    )
    result = store.ingest(source_for(MAPPING, "mine"), path)
    assert (result.loaded, result.quarantined) == (1, 2)
    assert store.query("flows")[["reporter", "partner", "value"]].values.tolist() == [["CHN", "KOR", 1.5e6]]
    reasons = store.quarantine("mine")[["line", "field", "reason"]].values.tolist()
    assert reasons == [[3, "partner", "unknown country name 'Atlantis'"], [4, "period", "impossible period '2024-13'"]]


def test_generic_parquet_and_stata(store, tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {"year": [2020, 2021], "exporter": ["Japan", "Japan"], "importer": ["USA", "USA"], "trade": [1.0, 2.0]}
    )
    frame.to_parquet(tmp_path / "m.parquet")
    frame.to_stata(tmp_path / "m.dta", write_index=False)
    src = source_for(MAPPING, "mapped")
    store.ingest(src, tmp_path / "m.parquet", vintage="2024-01-01")
    store.ingest(src, tmp_path / "m.dta", vintage="2024-02-01")
    rows = store.query("flows", vintage="all", order_by=["vintage", "year"])
    assert rows[["year", "value", "vintage"]].values.tolist() == [
        [2020, 1e6, "2024-01-01"],
        [2021, 2e6, "2024-01-01"],
        [2020, 1e6, "2024-02-01"],
        [2021, 2e6, "2024-02-01"],
    ]


def test_query_rejects_unknown_columns(store):
    with pytest.raises(KeyError, match="cannot filter on 'country'"):
        store.query("flows", country="CHN")


def test_embedded_headlines_when_the_data_directory_is_empty(tmp_path):
    st = tradeflux.open(tmp_path / "store", data_dir=tmp_path / "nothing")
    results = st.ingest_all()
    assert [(r.source, r.dataset) for r in results] == [("gacc", "headlines")]
    assert st.query("indicators", metric="trade_balance", period="2025").value.tolist() == [1.189e12]
