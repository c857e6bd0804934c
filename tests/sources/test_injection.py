"""Hostile input files: a column name, a header or a constant is data, never SQL, on both engines
(issue 24's probes, each reproduced before the fix)."""

from __future__ import annotations

import csv
import io

import pytest

from tradeflux.render.csv import csv_text
from tradeflux.sources import io_tables
from tradeflux.sources.generic import Mapping, source_for


def test_a_country_column_named_with_sql_runs_nothing(store, tmp_path):
    """`partner = "~<name>"` with a double quote in the column name ran the SQL after it (the name was pasted
    into SELECT DISTINCT "..."): here it would have written a file."""
    target = tmp_path / "pwned.txt"
    column = f"x\" FROM (SELECT 1 AS x);COPY (SELECT 'pwned') TO '{target}';SELECT 'China' --"
    header = '"' + column.replace('"', '""') + '"'
    f = tmp_path / "hostile.csv"
    f.write_text(f"year,exporter,{header},trade\n2020,CHN,Germany,5\n2020,CHN,Narnia,6\n")
    mapping = Mapping(
        "flows",
        {
            "period_raw": "year",
            "reporter": "exporter",
            "partner": f"~{column}",
            "flow": "=export",
            "value_raw": "trade",
        },
    )
    result = store.ingest(source_for(mapping, "hostile", vintage="2025-01-01"), f)
    assert not target.exists()
    assert (result.loaded, result.quarantined) == (1, 1)
    assert store.query("flows").partner.tolist() == ["DEU"]
    assert store.quarantine("hostile").reason.iloc[0] == "unknown country name 'Narnia'"


def test_a_matrix_header_is_a_name_not_sql(store, tmp_path):
    """An ICIO matrix header `USA' || (SELECT content FROM read_text('<file>')) || '` read a local file into
    the store (the header was pasted into SQL as a literal)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    folder = tmp_path / "oecd-icio-2022-intermediates"
    folder.mkdir()
    hostile = f"USA' || (SELECT content FROM read_text('{secret}')) || '"
    path = folder / "icio2022_intermediate_matrix_country_by_country.csv"
    path.write_text(f'exporter_iso3,DEU,"{hostile}"\nCHN,1.5,2.5\n')
    result = store.ingest(io_tables.OECD_ICIO, path, dataset="matrix")
    assert result.loaded + result.quarantined == 2
    flows = store.query("flows")
    quarantined = store.quarantine("oecd-icio")
    text = flows.to_csv() + quarantined.to_csv()
    assert "TOP-SECRET" not in text
    assert flows.partner.tolist() == ["DEU"]
    assert hostile in quarantined.to_csv()  # the header kept as written, as the reason names it


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("-2+3", "'-2+3"),
        ("-12.5", "-12.5"),
        ("CHN", "CHN"),
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_text(cell, written):
    import pandas as pd

    text = csv_text(pd.DataFrame({"source": [cell], "value": [-1.5]}))
    assert list(csv.reader(io.StringIO(text)))[1] == [written, "-1.5"]


def test_query_as_csv_neutralises_a_formula_source_id(store, tmp_path, data_dir):
    from typer.testing import CliRunner

    from tradeflux.cli import app

    f = tmp_path / "x.csv"
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,5\n")
    mapping = Mapping(
        "flows",
        {"period_raw": "year", "reporter": "exporter", "partner": "importer", "flow": "=export", "value_raw": "trade"},
    )
    store.ingest(source_for(mapping, "=cmd|' /C calc'!A0", vintage="2025-01-01"), f)
    out = (
        CliRunner()
        .invoke(app, ["query", "--format", "csv", "--store", str(store.root), "--data-dir", str(data_dir)])
        .stdout
    )
    assert "'=cmd|' /C calc'!A0" in out and ",=cmd" not in out


def test_a_constant_is_a_value_on_spark(tmp_path, data_dir):
    """On Spark a mapping constant with a backslash before a quote ran as SQL (the constant went through
    F.expr, and Spark reads backslash-quote as a quote): `reflect(...)` called a Java method."""
    pytest.importorskip("pyspark")
    import shutil

    import tradeflux

    if shutil.which("java") is None:
        pytest.skip("no Java for Spark")
    payload = "HS\\' || reflect('java.lang.System','getProperty','user.dir') || '"
    f = tmp_path / "c.csv"
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,5\n")
    mapping = Mapping(
        "flows",
        {
            "period_raw": "year",
            "reporter": "exporter",
            "partner": "importer",
            "flow": "=export",
            "value_raw": "trade",
            "product": f"={payload}",
        },
    )
    tradeflux.open(tmp_path / "store", data_dir=data_dir).ingest(source_for(mapping, "c", vintage="2025-01-01"), f)
    duck = tradeflux.open(tmp_path / "store", data_dir=data_dir).query("flows")
    spark = tradeflux.open(tmp_path / "store", data_dir=data_dir, engine="spark").query("flows")
    assert duck["product"].tolist() == spark["product"].tolist() == [payload]
