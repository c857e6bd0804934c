"""Country totals summed from HS6 lines: the sums written at ingest equal the sums made on the fly, and the
lines summed by hand."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from tradeflux.analysis import queries
from tradeflux.store import engines
from tradeflux.store import product_totals as P

from .test_store import write_baci


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def _both_ways(store, country: str) -> pd.DataFrame:
    con = store.connect()
    assert engines.has_view(con, P.VIEW)
    plain = engines.DuckDBEngine().connect({"flows": store.file_groups("flows")}, [])  # nothing written
    written, summed = queries.product_totals(con, country), queries.product_totals(plain, country)
    assert len(written) == len(summed) > 0, country
    pd.testing.assert_frame_equal(_sorted(written), _sorted(summed), check_dtype=False)
    return written


@pytest.fixture
def baci_store(store, tmp_path):
    """Two years of BACI lines between China (156), the US (842) and Viet Nam (704), drawn at random once."""
    draw = random.Random(24)
    bodies = {2022: "", 2023: ""}
    for year in bodies:
        for _ in range(60):
            i, j = draw.sample([156, 842, 704], 2)
            bodies[year] += f"{year},{i},{j},{draw.randrange(100000, 999999)},{draw.randrange(1, 10**6) / 8},\n"
    for year, body in bodies.items():
        path = write_baci(tmp_path / f"b{year}", body, f"BACI_HS22_Y{year}_V202501.csv")
        store.ingest("baci", path)
    store.derive()
    return store, bodies


@pytest.mark.parametrize("country", ["CHN", "USA", "VNM"])
def test_sums_of_a_reconciled_source_by_hand(baci_store, country):
    """BACI has exporter rows only: a country's exports are its lines summed, its imports its partners' lines to
    it (thousands of USD in the file, USD in the store)."""
    store, bodies = baci_store
    code = {"CHN": 156, "USA": 842, "VNM": 704}[country]
    rows = _both_ways(store, country).set_index(["reporter", "partner", "flow", "year"])
    for year, body in bodies.items():
        lines = [line.split(",") for line in body.splitlines()]
        exports = sum(float(v) for _, i, _, _, v, _ in lines if int(i) == code) * 1000
        imports = sum(float(v) for _, _, j, _, v, _ in lines if int(j) == code) * 1000
        assert rows.loc[(country, "WLD", "export", year), "value"] == pytest.approx(exports, rel=1e-12)
        assert rows.loc[(country, "WLD", "import", year), "value"] == pytest.approx(imports, rel=1e-12)


def test_the_written_sums_equal_the_sums_on_the_fly_on_the_shared_data(full_store):
    """The shared data's product lines (the US HS rows): the same rows both ways."""
    reporters = full_store.connect().execute(f"SELECT DISTINCT reporter FROM {P.VIEW}").df().reporter.tolist()
    assert reporters
    for country in reporters:
        _both_ways(full_store, country)
