"""WITS TRAINS tariffs: a genuine answer read into the tariffs table, and `tradeflux fetch wits-trains` end to
end against a local server replaying it: kept with its provenance, loaded as a vintage, not fetched twice,
a revision reported with its old and new rate, failures leaving the store as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradeflux
from tradeflux.cli import app
from tradeflux.errors import InputError
from tradeflux.sources.wits import TrainsRequest

from ._replay import Replay, Step

GENUINE = Path(__file__).parents[1] / "fixtures" / "services" / "wits" / "trains_usa_020110_1989.xml"
PATH = "/datasource/TRN/reporter/840/partner/000/product/020110/year/1989/datatype/reported"
runner = CliRunner(env={"COLUMNS": "200"})
KEY = {
    "date_from": "1989-01-01",
    "imposing": "USA",
    "target": "WLD",
    "classification": "HS",
    "product": "020110",
    "measure": "TRAINS MFN SimpleAverage",
    "rule_id": "840.000.020110.MFN",
    "rate_kind": "applied",
}


def test_a_genuine_answer_read_by_hand(store):
    """USA, every partner, HS 020110, 1989: MFN simple average 0 % over 1 line, nomenclature H0."""
    store.ingest("wits-trains", GENUINE, dataset="trains", vintage="2024-11-05")
    rows = store.query("tariffs", source="wits-trains")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.imposing, row.target, row["product"], row.year, row.rate_pct, row.rate_kind) == (
        "USA",
        "WLD",
        "020110",
        1989,
        0.0,
        "applied",
    )
    assert row.measure == "TRAINS MFN SimpleAverage"
    assert row.note == "nomenclature H0; 1 tariff lines, min 0, max 0"
    assert row.line == 1 and row.vintage == "2024-11-05"


def test_requests_take_iso3_or_numeric_codes():
    assert TrainsRequest("USA", 1989, "020110").path == PATH
    assert TrainsRequest("840", 1989, "020110").key == "trn_840_000_020110_1989"
    assert TrainsRequest("DEU", 2023, partner="CHN").path.startswith("/datasource/TRN/reporter/276/partner/156/")
    with pytest.raises(InputError, match="products '0201': give 'all' or HS6 codes separated by ';'"):
        TrainsRequest("USA", 1989, "0201")


def _fetch(server, store_dir, *extra):
    args = ["fetch", "wits-trains", "--importer", "USA", "--year", "1989", "--products", "020110"]
    return runner.invoke(app, [*args, "--base-url", server.url, "--store", str(store_dir), "--json", *extra])


def test_fetch_keeps_loads_and_does_not_fetch_twice(tmp_path):
    body = GENUINE.read_bytes()
    revised = body.replace(b'<generic:ObsValue value="0"/>', b'<generic:ObsValue value="5.5"/>')  # constructed
    script = {PATH: [Step(200, body), Step(200, revised)]}
    with Replay(script) as server:
        first = _fetch(server, tmp_path / "store")
        assert first.exit_code == 0, first.output
        done = json.loads(first.output)
        assert done["fetched"] == 1 and done["answers"][0]["url"] == server.url + PATH
        assert done["changes"] == [{"change": "new", "table": "tariffs", "key": KEY, "old": None, "new": 0.0}]
        kept = json.loads((tmp_path / "store" / "raw" / "wits-trains" / "trn_840_000_020110_1989.json").read_text())
        assert kept["sha256"] == done["answers"][0]["sha256"] and kept["url"] == server.url + PATH
        again = _fetch(server, tmp_path / "store")
        assert json.loads(again.output)["fetched"] == 0 and len(server.log) == 1  # nothing fetched
        refreshed = json.loads(_fetch(server, tmp_path / "store", "--refresh").output)
    assert refreshed["changes"] == [{"change": "revised", "table": "tariffs", "key": KEY, "old": 0.0, "new": 5.5}]
    store = tradeflux.open(tmp_path / "store")
    assert store.query("tariffs", source="wits-trains").rate_pct.tolist() == [5.5]  # the newer answer wins


@pytest.mark.parametrize(
    ("step", "line"),
    [
        (Step(503, b"busy", "text/plain"), "gave up after 5 attempts: HTTP 503"),
        (Step(200, b"<html>maintenance</html>", "text/html"), "expected xml, got text/html: <html>maintenance</html>"),
        (Step(200, b"<Error><Code>500</Code></Error>", "application/xml"), "not an SDMX data message"),
    ],
)
def test_failures_give_one_line_and_leave_the_store_as_it_was(tmp_path, step, line, monkeypatch):
    monkeypatch.setattr("tradeflux.sources.http.time.sleep", lambda _s: None)  # back-off not waited here
    with Replay({PATH: [step]}) as server:
        result = _fetch(server, tmp_path / "store")
    assert result.exit_code != 0
    message = result.output.strip().splitlines()
    assert len(message) == 1 and message[0].startswith("error: ") and line in message[0], result.output
    assert tradeflux.open(tmp_path / "store").query("tariffs").empty
    assert not list((tmp_path / "store" / "raw" / "wits-trains").glob("*"))  # nothing kept: the next run asks again


def test_after_a_failed_answer_the_next_run_fetches_and_loads(tmp_path):
    script = {PATH: [Step(200, b"<Error><Code>500</Code></Error>"), Step(200, GENUINE.read_bytes())]}
    with Replay(script) as server:
        assert _fetch(server, tmp_path / "store").exit_code != 0
        second = json.loads(_fetch(server, tmp_path / "store").output)
    assert second["fetched"] and [c["new"] for c in second["changes"]] == [0.0]
    assert tradeflux.open(tmp_path / "store").query("tariffs").rate_pct.tolist() == [0.0]


def test_a_newer_answer_supersedes_only_the_same_request(store, tmp_path):
    """Germany's answer fetched later does not hide the US one of the same year; a newer US answer replaces the
    older US one. (Germany's and the revision are the genuine answer with the reporter or value changed.)"""
    body = GENUINE.read_bytes()
    files = {
        "trn_840_000_020110_1989.a.xml": (body, "2026-01-01"),
        "trn_276_000_020110_1989.b.xml": (
            body.replace(b'"REPORTER" value="840"', b'"REPORTER" value="276"'),
            "2026-02-01",
        ),
        "trn_840_000_020110_1989.c.xml": (body.replace(b'ObsValue value="0"', b'ObsValue value="5.5"'), "2026-03-01"),
    }
    seen = []
    for name, (content, vintage) in files.items():
        (tmp_path / name).write_bytes(content)
        store.ingest("wits-trains", tmp_path / name, dataset="trains", vintage=vintage)
        rows = store.query("tariffs", source="wits-trains").sort_values("imposing")
        seen.append(list(zip(rows.imposing, rows.rate_pct, strict=True)))
    assert seen == [[("USA", 0.0)], [("DEU", 0.0), ("USA", 0.0)], [("DEU", 0.0), ("USA", 5.5)]]
