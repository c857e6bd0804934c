"""Conformance: every query and metric of the monitor on every engine, over the same Parquet files,
to the cent.

One small store (GACC, the Comtrade mirror extract, China's IMF figures, a BACI-format file written
here, and one deliberately bad BACI row for the quarantine) is read by DuckDB and by Spark in local
mode; each result is compared after sorting rows (SQL gives no order without ORDER BY): text and
dates equal, numbers within half a cent, types equal.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from tests.store.test_store import CODES, write_baci
from typer.testing import CliRunner

import tradeflux
from tradeflux.analysis import canonical, outlook, queries, report
from tradeflux.analysis.reconcile import reconcile
from tradeflux.cli import app
from tradeflux.render.json import dumps
from tradeflux.sources import baci
from tradeflux.store.spark import _bind, to_spark_sql

ENGINES = ("duckdb", "spark")
CENT = 0.005

BACI_ROWS = (
    "2022,156,842,854142,100.5,2\n"
    "2022,156,842,850760,2000.25,3\n"
    "2022,76,156,120190,31000.75,900\n"
    "2022,76,842,120190,52.5,1\n"
    "2022,842,76,870380,7.125,1\n"
    "2022,156,76,850760,450,\n"
    "2022,999,76,870380,1,1\n"  # unknown country code: quarantined
)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("engines")
    st = tradeflux.open(root / "store", data_dir=data_dir)
    st.ingest_all(["gacc", "comtrade-mirror", "imf-china"])
    path = write_baci(root / "baci", BACI_ROWS)
    (path.parent / "country_codes_V202501.csv").write_text(CODES + "76,Brazil,BR,BRA\n")
    st.ingest(baci.BACI, path)
    st.derive()
    return root / "store"


@pytest.fixture(scope="module")
def stores(store_dir, data_dir):
    return {name: tradeflux.open(store_dir, data_dir=data_dir, engine=name) for name in ENGINES}


@pytest.fixture(scope="module")
def cons(stores):
    return {name: st.connect() for name, st in stores.items()}


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert a.dtypes.astype(str).tolist() == b.dtypes.astype(str).tolist()
    assert len(a) == len(b)
    key = [c for c in a.columns if not pd.api.types.is_float_dtype(a[c])]
    a = a.sort_values(key, na_position="first", kind="stable", key=lambda s: s.astype(str)).reset_index(drop=True)
    b = b.sort_values(key, na_position="first", kind="stable", key=lambda s: s.astype(str)).reset_index(drop=True)
    for col in a.columns:
        if pd.api.types.is_float_dtype(a[col]):
            pd.testing.assert_series_equal(a[col], b[col], check_exact=False, atol=CENT, rtol=0)
        else:
            pd.testing.assert_series_equal(a[col], b[col])


def same_json(x, y, path="") -> list:
    """Paths where two JSON documents differ (numbers to the cent; ``generated`` stamps ignored)."""
    if isinstance(x, dict) and isinstance(y, dict):
        out = [] if set(x) == set(y) else [(path, sorted(set(x) ^ set(y)))]
        return out + [d for k in x if k != "generated" and k in y for d in same_json(x[k], y[k], f"{path}.{k}")]
    if isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            return [(path, len(x), len(y))]
        return [d for i, (u, v) in enumerate(zip(x, y, strict=True)) for d in same_json(u, v, f"{path}[{i}]")]
    if isinstance(x, float) or isinstance(y, float):
        ok = x is not None and y is not None and math.isclose(x, y, abs_tol=CENT, rel_tol=0)
        return [] if ok else [(path, x, y)]
    return [] if x == y else [(path, x, y)]


QUERIES = {
    "store rows": lambda st, con: st.query("flows", reporter="CHN", year=[2023, 2024]),
    "indicators table": lambda st, con: st.query("indicators"),
    "quarantine": lambda st, con: st.quarantine(),
    "canonical": lambda st, con: canonical.canonical(con, reporter="CHN", partner=["USA", "VNM"]),
    "canonical, every source": lambda st, con: canonical.canonical(con, all_sources=True, reporter="CHN", year=2024),
    "own flows": lambda st, con: queries.own_flows(con, "CHN"),
    "world totals": lambda st, con: queries.world_totals_all(con, "CHN"),
    "declared by partners": lambda st, con: queries.declared_by_partners(con, "CHN"),
    "product totals": lambda st, con: queries.product_totals(con, "BRA"),
    "indicators": lambda st, con: queries.indicators(con, "CHN"),
    "outlook series": lambda st, con: outlook.canonical_series(con, "CHN", "import")[0],
    "dimension: countries": lambda st, con: con.execute("SELECT * FROM dim_countries").df(),
    "dimension: products": lambda st, con: con.execute("SELECT * FROM dim_products WHERE code LIKE '85%'").df(),
    "groups joined to flows": lambda st, con: con.execute(GROUP_EXPORTS).df(),
}
# China's exports to each group in each year, members as of 1 July, through the dimension table
GROUP_EXPORTS = """
SELECT g.group_id, f.year, count(*) AS partners, sum(f.value) AS value
FROM flows f JOIN dim_groups g ON f.partner = g.iso3
  AND (g.start_date IS NULL OR g.start_date <= make_date(f.year, 7, 1))
  AND (g.end_date IS NULL OR g.end_date > make_date(f.year, 7, 1))
WHERE f.reporter = 'CHN' AND f.flow = 'export' AND f.source = 'imf-china'
GROUP BY g.group_id, f.year
"""


@pytest.mark.parametrize("name", list(QUERIES))
def test_every_query_is_the_same_on_every_engine(name, stores, cons):
    frames = {engine: QUERIES[name](stores[engine], cons[engine]) for engine in ENGINES}
    assert len(frames["duckdb"]) > 0, name
    same_frame(frames["duckdb"], frames["spark"])


def test_product_totals_by_hand(cons):
    """Brazil from the BACI rows: exports 31,000.75 + 52.5 (thousand USD), imports 7.125 + 450."""
    for con in cons.values():
        rows = queries.product_totals(con, "BRA").set_index(["reporter", "partner", "flow"])
        assert rows.loc[("BRA", "WLD", "export"), "value"] == pytest.approx(31_053_250.0)
        assert rows.loc[("BRA", "WLD", "import"), "value"] == pytest.approx(457_125.0)


@pytest.mark.parametrize(("country", "year"), [("CHN", 2024), ("CHN", 2025), ("CHN", 2019)])
def test_reports_are_the_same_on_every_engine(country, year, stores):
    docs = {e: json.loads(dumps(report.build(stores[e], country, year).to_dict())) for e in ENGINES}
    assert same_json(docs["duckdb"], docs["spark"]) == []


def test_the_written_canonical_rows_are_read_by_every_engine(cons):
    from tradeflux.store import canonical as C
    from tradeflux.store.engines import has_view

    assert all(has_view(cons[e], C.VIEW) for e in ENGINES)
    pages = {e: C.canonical(cons[e], reporter="CHN", limit=25, after=40) for e in ENGINES}
    assert pages["duckdb"].row_id.tolist() == list(range(41, 66))
    assert pages["spark"].row_id.tolist() == pages["duckdb"].row_id.tolist()
    assert pages["spark"].value.tolist() == pytest.approx(pages["duckdb"].value.tolist(), abs=CENT)


def test_reconcile_is_the_same_on_every_engine(cons):
    docs = {e: json.loads(dumps(reconcile(cons[e], "CHN", "USA", 2023).to_dict())) for e in ENGINES}
    assert same_json(docs["duckdb"], docs["spark"]) == []


def test_report_command_with_the_spark_engine(store_dir, data_dir, tmp_path):
    runner = CliRunner(env={"COLUMNS": "200"})
    base = ["report", "CHN", "--year", "2024", "--store", str(store_dir), "--data-dir", str(data_dir), "--json"]
    duck = runner.invoke(app, [*base, "--out", str(tmp_path / "d")])
    spark = runner.invoke(app, [*base, "--out", str(tmp_path / "s"), "--engine", "spark"])
    assert duck.exit_code == 0 and spark.exit_code == 0, spark.output
    a, b = json.loads(duck.stdout), json.loads(spark.stdout)
    a.pop("files"), b.pop("files")
    assert same_json(a, b) == []
    bad = runner.invoke(app, [*base, "--out", str(tmp_path / "x"), "--engine", "oracle"])
    assert bad.exit_code == 2 and "unknown engine 'oracle'; engines: duckdb, spark" in bad.stderr
    bad = runner.invoke(app, [*base, "--out", str(tmp_path / "x"), "--engine", "spark", "--spark-master", "nonsense"])
    assert bad.exit_code == 2 and "--spark-master: 'nonsense' is not a Spark master URL" in bad.stderr


def test_sql_is_written_once_and_transpiled():
    sql = _bind("SELECT * EXCLUDE (x) FROM t WHERE a = ? AND b IN (?, ?) AND c = ?", ["it's", 2, 2.5, None])
    assert sql == "SELECT * EXCLUDE (x) FROM t WHERE a = 'it''s' AND b IN (2, 2.5) AND c = NULL"
    assert to_spark_sql("WITH a AS MATERIALIZED (SELECT 1 AS x) SELECT x::BIGINT FROM a") == (
        "WITH a AS (SELECT 1 AS x) SELECT CAST(x AS BIGINT) FROM a"
    )
    with pytest.raises(tradeflux.InputError, match="the query has 1 parameters, 2 given"):
        _bind("SELECT ?", [1, 2])


def test_the_engine_reads_the_files_where_the_store_url_says(store_dir, data_dir, tmp_path, stores):
    """A copy of the store elsewhere (as in object storage), read through TRADEFLUX_STORE_URL; the
    manifest stays local. Deleting the local files proves the engine reads the copy."""
    import shutil

    from tradeflux.store.spark import SparkEngine

    engine = SparkEngine(store_url="s3a://bucket/tf/store/", local_root=store_dir)
    part = store_dir / "flows" / "source=gacc" / "classification=TOTAL" / "year=2025" / "x-0.parquet"
    assert (
        engine._path(str(part)) == "s3a://bucket/tf/store/flows/source=gacc/classification=TOTAL/year=2025/x-0.parquet"
    )
    assert engine._base(str(part), "flows") == "s3a://bucket/tf/store/flows"

    local = tmp_path / "local"
    shutil.copytree(store_dir, local)
    remote = tmp_path / "remote"
    shutil.copytree(store_dir, remote)
    for parquet in (local / "flows").rglob("*.parquet"):
        parquet.unlink()
    st = tradeflux.open(local, data_dir=data_dir, engine="spark")
    st.engine = SparkEngine(master="local[2]", store_url=remote.as_uri(), local_root=local)
    got = canonical.canonical(st.connect(), reporter="CHN", partner="USA", year=2024)
    want = canonical.canonical(stores["duckdb"].connect(), reporter="CHN", partner="USA", year=2024)
    same_frame(want.drop(columns="file"), got.drop(columns="file"))


def test_dimension_tables_by_hand(cons):
    """Members on 1 July: ASEAN 10 in 2020; the EU 28 in 2019 (the UK left on 31 January 2020), 27 in 2020;
    China's exports to the group in 2020 are the sum over those members (computed here from the facts)."""
    members_sql = (
        "SELECT group_id, count(*) AS n FROM dim_groups WHERE (start_date IS NULL OR start_date <= DATE '{d}') "
        "AND (end_date IS NULL OR end_date > DATE '{d}') AND group_id IN ('ASEAN', 'EU27') GROUP BY group_id"
    )
    for con in cons.values():
        y2020 = con.execute(members_sql.format(d="2020-07-01")).df().set_index("group_id").n
        y2019 = con.execute(members_sql.format(d="2019-07-01")).df().set_index("group_id").n
        assert (y2020["ASEAN"], y2020["EU27"], y2019["EU27"]) == (10, 27, 28)
        groups = con.execute(GROUP_EXPORTS).df().set_index(["group_id", "year"])
        facts = con.execute(
            "SELECT partner, value FROM flows WHERE reporter = 'CHN' AND flow = 'export' AND source = 'imf-china' "
            "AND year = 2020"
        ).df()
        eu = ["AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL"]
        eu += ["ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE"]
        want = facts[facts.partner.isin(eu)].value.sum()
        assert groups.loc[("EU27", 2020), "value"] == pytest.approx(want, abs=0.005)
