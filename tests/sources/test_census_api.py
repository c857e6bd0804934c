"""US Census international trade API: a genuine answer read into flows and checked by hand, fetched through
`update` from a local server replaying it, and the answer's failure modes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradeflux
from tradeflux.cli import app
from tradeflux.errors import FormatError, InputError
from tradeflux.sources.census_api import CensusRequest
from tradeflux.store.update import update

from ._replay import Replay, Step

GENUINE = (
    Path(__file__).parents[1] / "fixtures" / "services" / "census" / "exports_hs10_2710121510_canada_2016-2026.json"
)
runner = CliRunner(env={"COLUMNS": "200"})


def test_a_genuine_answer_read_by_hand(store):
    result = store.ingest("us-census-api", GENUINE, dataset="intltrade", vintage="2026-03-24")
    assert (result.counts["flows"].staged, result.counts["flows"].quarantined) == (121, 0)
    rows = store.query("flows", source="us-census-api")
    assert set(rows.reporter) == {"USA"} and set(rows.partner) == {"CAN"} and set(rows.flow) == {"export"}
    assert set(rows["product"]) == {"2710121510"} and set(rows.classification) == {"HTS"}
    assert set(rows.valuation) == {"FOB"} and set(rows.period_kind) == {"month"}
    by_period = dict(zip(rows.period, rows.value, strict=True))
    assert (by_period["2016-01"], by_period["2024-08"], by_period["2025-09"]) == (155905.0, 4511732.0, 1768317.0)
    assert rows[rows.year == 2024].value.sum() == 20942448.0
    assert rows[rows.period == "2016-01"].line.iloc[0] == 2  # the header is line 1


def test_requests_and_their_keys():
    request = CensusRequest("imports", 2024, "HS6").service_request()
    assert request.key == "census_imports_HS6_all_A_2024" and request.path == "/imports/hs"
    assert dict(request.params) == {
        "get": "CTY_CODE,CTY_NAME,CON_VAL_YR,CAL_DUT_YR,I_COMMODITY",
        "COMM_LVL": "HS6",
        "time": "2024-12",
    }
    monthly = CensusRequest("exports", 2025, "HS10", partner="1220", monthly=True).service_request()
    assert dict(monthly.params)["time"] == "from 2025-01 to 2025-12"
    with pytest.raises(InputError, match="level 'HS8': give one of HS2, HS4, HS6, HS10"):
        CensusRequest("exports", 2024, "HS8")


def test_fetched_through_update_with_the_key_kept_out_of_the_record(tmp_path, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "secret-key-123")
    request = CensusRequest("exports", 2025, "HS10", partner="1220", monthly=True).service_request()
    with Replay({"/exports/hs": [Step(200, GENUINE.read_bytes(), "application/json;charset=utf-8")]}) as server:
        store = tradeflux.open(tmp_path / "store")
        done = update(store, [request], base_urls={"us-census-api": server.url})
        sent = server.log[0]
    assert "key=secret-key-123" in sent  # the service gets its key ...
    assert "secret" not in done.answers[0].url  # ... the record does not keep it
    kept = (tmp_path / "store" / "raw" / "us-census-api" / f"{request.key}.json").read_text()
    assert "secret" not in kept
    assert done.fetched == 1 and len(done.changes) == 121


def test_the_report_has_a_us_product_section_from_the_answer(tmp_path):
    store = tradeflux.open(tmp_path / "store")
    store.ingest("us-census-api", GENUINE, dataset="intltrade", vintage="2026-03-24")
    store.derive()
    out = runner.invoke(
        app, ["report", "USA", "--year", "2024", "--store", str(store.root), "--out", str(tmp_path / "r"), "--json"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    chapters = report["tables"]["hs_chapters"]
    assert [(r["reported_by"], r["chapter"], r["value"]) for r in chapters] == [("USA", "27", 20942448.0)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"error: unknown variable 'ALL_VAL'", "not a Census API answer (not JSON"),
        (b'{"error": "x"}', "not a Census API answer (expected an array of arrays, a header row first)"),
        (b'[["ALL_VAL_MO","time"],["1","2024-01"]]', "the answer lacks a commodity, CTY_CODE"),
        (b'[["ALL_VAL_MO","E_COMMODITY","CTY_CODE","time"],["1","27","1220"]]', "row 2 has 3 values for a header of 4"),
    ],
)
def test_answers_that_are_not_data_are_refused_and_not_kept(tmp_path, body, message):
    request = CensusRequest("exports", 2024, "HS2").service_request()
    with Replay({"/exports/hs": [Step(200, body, "application/json")]}) as server:
        store = tradeflux.open(tmp_path / "store")
        with pytest.raises(FormatError, match=re.escape(message)):
            update(store, [request], base_urls={"us-census-api": server.url})
    assert not list((tmp_path / "store" / "raw" / "us-census-api").glob("*"))
    assert store.query("flows").empty
