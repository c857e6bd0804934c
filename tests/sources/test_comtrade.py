"""UN Comtrade: the JSON and CSV readers, and the client against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tradeflux.errors import FormatError
from tradeflux.sources.comtrade import COMTRADE
from tradeflux.sources.comtrade_client import ComtradeClient, ComtradeError, ComtradeRequest, comtrade_code, plan


def record(**over):
    rec = {
        "typeCode": "C",
        "freqCode": "A",
        "refYear": 2024,
        "refMonth": 52,
        "period": "2024",
        "reporterCode": 156,
        "reporterISO": "CHN",
        "reporterDesc": "China",
        "flowCode": "X",
        "flowDesc": "Export",
        "partnerCode": 842,
        "partnerISO": "USA",
        "partnerDesc": "USA",
        "partner2Code": 0,
        "partner2ISO": "W00",
        "classificationCode": "H6",
        "cmdCode": "850760",
        "customsCode": "C00",
        "motCode": 0,
        "qtyUnitCode": 5,
        "qtyUnitAbbr": "u",
        "qty": 1000,
        "isQtyEstimated": False,
        "netWgt": 5000,
        "cifvalue": None,
        "fobvalue": 123456.0,
        "primaryValue": 123456.0,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": True,
    }
    rec.update(over)
    return rec


def test_api_json_records(store, tmp_path):
    payload = {
        "elapsedTime": "0.1 secs",
        "count": 5,
        "error": "",
        "data": [
            record(),
            record(flowCode="M", partnerCode=0, partnerISO="W00", cmdCode="TOTAL", primaryValue=2.5e12),
            record(partnerCode=490, partnerISO="S19", qty=None, qtyUnitAbbr="N/A"),
            record(motCode=2100),
            record(flowCode="Z"),
        ],
    }
    path = tmp_path / "comtrade" / "resp.json"
    path.parent.mkdir()
    path.write_text(json.dumps(payload))
    result = store.ingest(COMTRADE, path)
    assert (result.lines_read, result.loaded, result.quarantined) == (5, 3, 2)
    rows = store.query("flows", order_by=["partner"])
    assert rows[
        ["partner", "flow", "classification", "product", "value", "valuation", "quantity", "quantity_unit"]
    ].values.tolist() == [
        ["TWN", "export", "HS2022", "850760", 123456.0, "FOB", 5000.0, "kg"],
        ["USA", "export", "HS2022", "850760", 123456.0, "FOB", 1000.0, "u"],
        ["WLD", "import", "TOTAL", "TOTAL", 2.5e12, "CIF", 1000.0, "u"],
    ]
    assert rows.partner_code.tolist() == ["490", "842", "0"]
    q = store.quarantine("comtrade")[["line", "field", "reason"]].values.tolist()
    assert q == [
        [
            4,
            "partner2Code/customsCode/motCode",
            "breakdown by second partner, customs procedure or mode of transport (the store keeps totals)",
        ],
        [5, "flowCode", "unknown flowCode 'Z'"],
    ]


def test_bulk_csv(store, tmp_path):
    path = tmp_path / "bulk.csv"
    header = (
        "period,reporterCode,reporterISO,flowCode,partnerCode,partnerISO,cmdCode,classificationCode,primaryValue,netWgt"
    )
    path.write_text(header + "\n202403,842,USA,M,156,CHN,8703,H6,1000.5,\n202403,842,USA,M,156,CHN,8704,H6,x,\n")
    result = store.ingest(COMTRADE, path)
    assert (result.loaded, result.quarantined) == (1, 1)
    rows = store.query("flows")
    assert rows[["period", "period_kind", "month", "product", "value"]].values.tolist() == [
        ["2024-03", "month", 3, "8703", 1000.5]
    ]
    assert store.quarantine("comtrade").reason.tolist() == ["non-numeric value 'x'"]


def test_json_in_the_wrong_format(store, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"count": 1, "results": []}')
    with pytest.raises(
        Exception, match=r"bad.json: expected a UN Comtrade API JSON response with a 'data' list of records"
    ):
        store.ingest(COMTRADE, path)


def test_comtrade_codes():
    assert comtrade_code("CHN") == "156"
    assert comtrade_code("USA") == "842"
    assert comtrade_code("VNM") == "704"
    assert comtrade_code("0") == "0"
    with pytest.raises(ValueError, match="no Comtrade code known for 'XYZ'"):
        comtrade_code("XYZ")


class FakeComtrade:
    """A local HTTP server speaking the API's shape; a script of failures per request number."""

    def __init__(self, script: dict[int, int] | None = None):
        self.script = script or {}
        self.log: list[tuple[str, dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                n = len(outer.log)
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                outer.log.append((url.path, params, dict(self.headers)))
                status = outer.script.get(n, 200)
                if status == -1:  # drop the connection mid-response
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b'{"data": [')
                    return
                body = json.dumps(
                    {
                        "count": 1,
                        "error": "",
                        "data": [record(period=params.get("period", ""), refYear=params.get("period", ""))],
                    }
                )
                if status == 400:
                    body = '{"statusCode": 400, "message": "Invalid reporterCode"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_client_retries_server_errors_and_rate_limits(tmp_path):
    with (
        FakeComtrade({0: 503, 1: 429, 2: -1}) as server,
        ComtradeClient("k3y", base_url=server.url, backoff=0.01) as client,
    ):
        paths = client.download([ComtradeRequest("CHN", "2024")], tmp_path)
    assert len(server.log) == 4
    path, params, headers = server.log[-1]
    assert path == "/data/v1/get/C/A/HS"
    assert params == {
        "reporterCode": "156",
        "period": "2024",
        "partnerCode": "0",
        "flowCode": "X,M",
        "cmdCode": "TOTAL",
        "includeDesc": "true",
    }
    assert headers["Ocp-Apim-Subscription-Key"] == "k3y"
    assert json.loads(paths[0].read_text())["data"][0]["period"] == "2024"


def test_client_resumes_a_broken_download(tmp_path):
    requests = plan(["CHN"], ["2021", "2022", "2023"])
    with (
        FakeComtrade({1: 503, 2: 503}) as server,
        ComtradeClient("k", base_url=server.url, max_attempts=2, backoff=0.01) as client,
    ):
        with pytest.raises(
            ComtradeError, match=r"comtrade_CHN_2022_0_X-M_TOTAL_C_A_HS.json: gave up after 2 attempts: HTTP 503"
        ):
            client.download(requests, tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["comtrade_CHN_2021_0_X-M_TOTAL_C_A_HS.json"]
        done = []
        client.download(requests, tmp_path, on_done=lambda r, p, fetched: done.append((r.period, fetched)))
    assert done == [("2021", False), ("2022", True), ("2023", True)]
    assert [params["period"] for _, params, _ in server.log] == ["2021", "2022", "2022", "2022", "2023"]


def test_client_raises_on_client_errors_without_retrying(tmp_path):
    with (
        FakeComtrade({0: 400}) as server,
        ComtradeClient(None, base_url=server.url, backoff=0.01) as client,
        pytest.raises(ComtradeError, match=r"HTTP 400: .*Invalid reporterCode"),
    ):
        client.get(ComtradeRequest("CHN", "2024"))
    assert len(server.log) == 1
    assert server.log[0][0] == "/public/v1/preview/C/A/HS"  # no key: the public preview endpoint


def test_cli_fetch_and_ingest(tmp_path, data_dir):
    from typer.testing import CliRunner

    from tradeflux.cli import app

    with FakeComtrade() as server:
        result = CliRunner().invoke(
            app,
            [
                "fetch",
                "comtrade",
                "--reporter",
                "CHN",
                "--period",
                "2023",
                "--period",
                "2024",
                "--out",
                str(tmp_path / "ct"),
                "--base-url",
                server.url,
                "--ingest",
                "--store",
                str(tmp_path / "st"),
                "--data-dir",
                str(data_dir),
                "--json",
            ],
            env={"COMTRADE_API_KEY": "k"},
        )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [f["fetched"] for f in out["files"]] == [True, True]
    assert [i["loaded"] for i in out["ingested"]] == [1, 1]
    assert Path(out["files"][0]["file"]).parent == tmp_path / "ct"


def test_a_response_nested_too_deeply_is_named(store, tmp_path):
    """It ended in "internal error (RecursionError ...)"."""
    path = tmp_path / "nested.json"
    path.write_text('{"data": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(FormatError) as caught:
        store.ingest("comtrade", path, dataset="api-json")
    assert str(caught.value) == f"{path}: expected a UN Comtrade API JSON response (nested too deeply)"
