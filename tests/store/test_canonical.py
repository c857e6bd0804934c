"""The canonical rows written at ingest: the same rows as ranking the flows on the fly, for every reporter-year
of the whole store, on a state of the store they name, and read by page at any depth."""

from __future__ import annotations

import pytest

import tradeflux
from tradeflux.store import canonical as C
from tradeflux.store import engines

from .test_store import GOOD, write_baci


def _checksums(con, relation: str, columns: list[str]):
    cols = ", ".join(columns)
    return con.execute(
        f"SELECT reporter, year, count(*) AS n, sum(hash({cols})::HUGEINT) AS h FROM ({relation}) "
        "GROUP BY ALL ORDER BY ALL"
    ).df()


def test_the_written_rows_equal_ranking_on_the_fly_for_every_reporter_year(full_store):
    con = full_store.connect()
    assert engines.has_view(con, C.VIEW)
    columns = [c for c in con.execute(f"SELECT * FROM {C.VIEW} LIMIT 0").df().columns if c != "row_id"]
    con.register("_precedence", C.precedence(con.execute("SELECT DISTINCT source, dataset, mirror FROM flows").df()))
    written = _checksums(con, f"SELECT * FROM {C.VIEW}", columns)
    ranked = _checksums(con, C._ranked_sql("true", "true", False), columns)
    assert len(written) > 10_000  # reporter-years
    assert written.equals(ranked)
    # numbered in the order of the key, without gaps
    n, first, last, ordered = con.execute(
        f"SELECT count(*), min(row_id), max(row_id), bool_and(row_id = lag_id + 1 OR lag_id IS NULL) FROM "
        f"(SELECT row_id, lag(row_id) OVER (ORDER BY {', '.join(C.ROW_ORDER)}) AS lag_id FROM {C.VIEW})"
    ).fetchone()
    assert (first, last, ordered) == (1, n, True)


def test_a_filter_on_source_gives_the_facts_it_wins_on_both_paths(full_store):
    """China's 2014 exports to the US: imf-china wins over imf-dots; a filter on imf-dots finds no canonical row
    (it used to rank imf-dots against itself and call it canonical)."""
    con = full_store.connect()
    fact = {"reporter": "CHN", "partner": "USA", "year": 2014, "flow": "export", "classification": "TOTAL"}
    assert C.canonical(con, source="imf-dots", **fact).empty
    assert C.canonical(con, source="imf-china", **fact).value.tolist() == [pytest.approx(397.099315e9)]
    every = C.canonical(con, all_sources=True, source="imf-dots", **fact)
    assert every.canonical.tolist() == [False] and every.why.iloc[0].startswith("superseded by imf-china")
    plain = engines.DuckDBEngine().connect({"flows": full_store.file_groups("flows")}, [])  # no written rows
    assert not engines.has_view(plain, C.VIEW)
    assert C.canonical(plain, source="imf-dots", **fact).empty
    with pytest.raises(tradeflux.InputError, match="paging by row_id needs the store's canonical rows"):
        C.canonical(plain, after=10)


def test_the_rows_follow_the_store_and_a_lost_file_is_written_again(store, tmp_path):
    store.ingest("baci", write_baci(tmp_path / "b1", GOOD))
    assert store.derive() == 2 and store.derive() is None  # once per state of the store
    first = store.canonical_file()
    assert first.exists() and sorted(first.parent.iterdir()) == [first, store.derived_file("hs6_totals")]
    rows = C.canonical(store.connect())
    assert rows.row_id.tolist() == [1, 2] and sorted(rows.value) == [50_000, 100_500]  # BACI: thousands of USD
    store.ingest("baci", write_baci(tmp_path / "b2", "2023,156,842,854142,7,1\n", "BACI_HS22_Y2023_V202501.csv"))
    second = store.canonical_file()
    assert not second.exists() and len(C.canonical(store.connect())) == 3  # not written yet: ranked on the fly
    store.derive()
    assert second != first and not first.exists() and len(C.canonical(store.connect())) == 3
    # killed while writing the file: queries rank on the fly; the next ingest clears the part, derive writes it
    second.unlink()
    (second.parent / f".{second.name}.partial").write_bytes(b"PAR1")
    assert not engines.has_view(store.connect(), C.VIEW) and len(C.canonical(store.connect())) == 3
    store.ingest("baci", tmp_path / "b2" / "BACI_HS22_Y2023_V202501.csv")
    assert store.derive() == 3 and sorted(second.parent.iterdir()) == [second, store.derived_file("hs6_totals")]
