"""The services' HTTP client against a local server replaying a genuine WITS answer and the failures services
send: retried (429 with Retry-After, 5xx, a body cut short) or one clear line at once (4xx, HTML, no content)."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from tradeflux.errors import DownloadError
from tradeflux.sources.http import ServiceClient, _retry_after, keep, kept

from ._replay import Replay, Step

GENUINE = Path(__file__).parents[1] / "fixtures" / "services" / "wits" / "trains_usa_020110_1989.xml"
PATH = "/datasource/TRN/reporter/840/partner/000/product/020110/year/1989/datatype/reported"


def _client(url: str, waits: list[float], attempts: int = 4) -> ServiceClient:
    # waits are recorded, not slept: the test runs as fast on a busy machine as on an idle one
    return ServiceClient("wits-trains", url, accept=("xml",), max_attempts=attempts, sleep=waits.append)


def test_429_with_retry_after_then_the_answer():
    body = GENUINE.read_bytes()
    waits: list[float] = []
    script = {
        PATH: [Step(429, b'{"message": "Rate limit"}', "application/json", {"Retry-After": "7"}), Step(200, body)]
    }
    with Replay(script) as server, _client(server.url, waits) as client:
        got = client.get(PATH)
    assert server.log == [PATH, PATH]
    assert 7.0 in waits  # the service's own Retry-After, not the exponential back-off
    assert got.body == body and got.sha256 == hashlib.sha256(body).hexdigest()
    assert got.url == server.url + PATH and got.status == 200 and got.fetched_at.endswith("Z")


def test_server_errors_and_a_cut_body_are_retried_with_back_off():
    body = GENUINE.read_bytes()
    waits: list[float] = []
    script = {PATH: [Step(503, b"busy", "text/plain"), Step(200, body, cut=True), Step(200, body)]}
    with Replay(script) as server, _client(server.url, waits) as client:
        assert client.get(PATH).body == body
    assert len(server.log) == 3
    assert [w for w in waits if w >= 1] == [2.0, 4.0]  # back-off doubles (pauses under a second are the pace)


def test_giving_up_names_the_request_and_the_last_failure():
    waits: list[float] = []
    with (
        Replay({PATH: [Step(500, b"oops", "text/plain")]}) as server,
        _client(server.url, waits, 3) as client,
        pytest.raises(DownloadError) as caught,
    ):
        client.get(PATH)
    assert str(caught.value) == f"wits-trains: GET {server.url}{PATH}: gave up after 3 attempts: HTTP 500"
    assert len(server.log) == 3


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            Step(404, b"<html><body>Not   Found</body></html>", "text/html"),
            "HTTP 404: <html><body>Not Found</body></html>",
        ),
        (
            Step(200, b"<html>Scheduled maintenance</html>", "text/html; charset=utf-8"),
            "expected xml, got text/html; charset=utf-8: <html>Scheduled maintenance</html>",
        ),
        (Step(204, b"", ""), "the service answered with no content (HTTP 204)"),
    ],
)
def test_answers_that_will_not_change_fail_at_once_in_one_line(step, message):
    with Replay({PATH: [step]}) as server, _client(server.url, []) as client, pytest.raises(DownloadError) as caught:
        client.get(PATH)
    assert str(caught.value) == f"wits-trains: GET {server.url}{PATH}: {message}"
    assert len(server.log) == 1


def test_a_refused_connection_is_retried_then_named():
    with socket.socket() as held:  # bound, never listening: connections are refused, and no one else takes it
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        with _client(url, [], 2) as client, pytest.raises(DownloadError) as caught:
            client.get(PATH)
    assert str(caught.value).startswith(f"wits-trains: GET {url}{PATH}: gave up after 2 attempts: ConnectError")


def test_a_wait_longer_than_the_client_waits_is_said_at_once():
    step = Step(429, b"slow down", "text/plain", {"Retry-After": "3600"})
    with Replay({PATH: [step]}) as server, _client(server.url, []) as client, pytest.raises(DownloadError) as caught:
        client.get(PATH)
    assert str(caught.value) == (
        f"wits-trains: GET {server.url}{PATH}: HTTP 429: the service asks to wait 3,600 s; try again later"
    )
    assert len(server.log) == 1


def test_retry_after_as_an_http_date_with_or_without_a_zone():
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: at once
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 -0000") == 0.0  # no zone: UTC, not a crash
    assert _retry_after("120") == 120.0 and _retry_after("soon") is None and _retry_after(None) is None


def test_a_url_that_is_not_http_fails_at_once():
    with _client("ftp://example.org", []) as client, pytest.raises(DownloadError) as caught:
        client.get(PATH)
    assert str(caught.value).startswith(f"wits-trains: GET ftp://example.org{PATH}: UnsupportedProtocol")


def test_the_key_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRADEFLUX_TEST_KEY", "s3cret")
    with (
        Replay({PATH: [Step(200, GENUINE.read_bytes())]}) as server,
        ServiceClient("x", server.url, accept=("xml",), key_env="TRADEFLUX_TEST_KEY", key_header="X-Key") as c,
    ):
        c.get(PATH)
        assert c._http.headers["X-Key"] == "s3cret"


def test_kept_answers_are_named_by_hash_with_their_request(tmp_path):
    with Replay({PATH: [Step(200, GENUINE.read_bytes())]}) as server, _client(server.url, []) as client:
        got = client.get(PATH)
    path = keep(got, tmp_path, "trn_840_000_020110_1989", ".xml")
    assert path.name == got.sha256[:16] + ".xml" and path.read_bytes() == GENUINE.read_bytes()
    record = kept(tmp_path, "trn_840_000_020110_1989")
    assert record == json.loads((tmp_path / "trn_840_000_020110_1989.json").read_text())
    assert record["url"] == server.url + PATH and record["sha256"] == got.sha256 and record["file"] == path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "trn_840_000_020110_1989.json"])


def test_a_compressed_answer_is_whole_when_its_bytes_on_the_wire_are():
    """Content-Length counts the gzip bytes; the body is the decoded XML."""
    import gzip

    body = GENUINE.read_bytes()
    step = Step(200, gzip.compress(body), headers={"Content-Encoding": "gzip"})
    with Replay({PATH: [step]}) as server, _client(server.url, []) as client:
        assert client.get(PATH).body == body
    assert len(server.log) == 1
