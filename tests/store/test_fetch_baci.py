"""`tradeflux fetch baci`: CEPII's bulk archive streamed from a local server, kept with its record, the years asked
for taken out and loaded as the release's vintage; a second run downloads nothing; failures leave nothing.

The archive is built here in BACI's layout (``BACI_HS22_Y<year>_V202501.csv`` with ``t,i,j,k,v,q`` in thousands of
USD, and ``country_codes_V202501.csv``); its figures are made up."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from typer.testing import CliRunner

import tradeflux
from sources._replay import Replay, Step  # tests/ is on the path: its folders are packages
from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})
PATH = "/DATA_DOWNLOAD/baci/data/BACI_HS22_V202501.zip"
CODES = "country_code,country_name,country_iso2,country_iso3\n156,China,CN,CHN\n842,USA,US,USA\n704,Viet Nam,VN,VNM\n"


def archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("country_codes_V202501.csv", CODES)
        bundle.writestr("product_codes_HS22_V202501.csv", "code,description\n850760,Lithium-ion accumulators\n")
        for year, value in ((2022, "100.5"), (2023, "120.0")):
            body = f"t,i,j,k,v,q\n{year},156,842,850760,{value},2\n{year},156,704,850760,50,1\n"
            bundle.writestr(f"BACI_HS22_Y{year}_V202501.csv", body)
    return out.getvalue()


def _fetch(server, store, *extra):
    args = ["fetch", "baci", "--year", "2022-2023", "--base-url", server.url, "--store", str(store), "--json"]
    return runner.invoke(app, [*args, *extra])


def test_downloaded_kept_loaded_and_not_downloaded_twice(tmp_path):
    with Replay({PATH: [Step(200, archive(), "application/zip")]}) as server:
        first = _fetch(server, tmp_path / "store")
        assert first.exit_code == 0, first.output
        done = json.loads(first.output)
        assert done["fetched"] == 1 and [e["vintage"] for e in done["loaded"]] == ["2025-01-01", "2025-01-01"]
        again = json.loads(_fetch(server, tmp_path / "store").output)
        assert again["fetched"] == 0 and again["loaded"] == [] and len(server.log) == 1
    record = json.loads((tmp_path / "store" / "raw" / "baci" / "BACI_HS22_V202501.json").read_text())
    assert record["url"] == server.url + PATH and len(record["sha256"]) == 64
    rows = tradeflux.open(tmp_path / "store").query("flows", source="baci", partner="USA", order_by=["year"])
    assert rows.value.tolist() == [100_500.0, 120_000.0]  # thousands of USD -> USD, by hand


@pytest.mark.parametrize(
    ("step", "line"),
    [
        (Step(404, b"Not Found", "text/html"), "HTTP 404: Not Found"),
        (Step(200, b"<html>moved</html>", "text/html"), "expected zip or octet-stream, got text/html"),
        (Step(200, b"not a zip at all", "application/zip"), "the answer is not a zip archive; nothing kept"),
    ],
)
def test_failures_are_one_line_and_leave_nothing(tmp_path, step, line):
    with Replay({PATH: [step]}) as server:
        result = _fetch(server, tmp_path / "store")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and line in lines[0], result.output
    assert not [p for p in (tmp_path / "store" / "raw" / "baci").glob("*") if p.is_file()]
    assert tradeflux.open(tmp_path / "store").query("flows").empty


def test_a_year_the_archive_lacks_is_named(tmp_path):
    with Replay({PATH: [Step(200, archive(), "application/zip")]}) as server:
        args = ["fetch", "baci", "--year", "2024", "--base-url", server.url, "--store", str(tmp_path / "s")]
        result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: BACI BACI_HS22_V202501: BACI_HS22_Y2024_V202501.csv not in the archive; it holds the years 2022-2023"
    )


def test_a_download_cut_short_is_asked_again(tmp_path, monkeypatch):
    monkeypatch.setattr("tradeflux.sources.http.time.sleep", lambda _s: None)  # back-off not waited here
    body = archive()
    with Replay({PATH: [Step(200, body, "application/zip", cut=True), Step(200, body, "application/zip")]}) as server:
        result = _fetch(server, tmp_path / "store")
    assert result.exit_code == 0, result.output
    assert len(server.log) == 2 and json.loads(result.output)["fetched"] == 1
