"""A client for the UN Comtrade data API that retries, resumes and raises.

Each request (one reporter and one period) is saved as its own JSON file named after the request,
written atomically, so a broken multi-request download resumes where it stopped: files already
there are not fetched again. Failures raise :class:`ComtradeError` after the retries are spent;
nothing is printed.

The API key is read from ``COMTRADE_API_KEY`` (or given); without one, the public preview endpoint
is used (at most 500 records a request). The base URL is a setting, so the client also runs against
a local server or mirror.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeflux.errors import DownloadError, FormatError, InputError
from tradeflux.reference import countries as _countries
from tradeflux.sources.http import Service, ServiceClient, ServiceError, ServiceRequest

__all__ = [
    "COMTRADE_CODES",
    "COMTRADE_SERVICE",
    "DATA_LIMIT",
    "DEFAULT_BASE_URL",
    "PREVIEW_LIMIT",
    "ComtradeClient",
    "ComtradeError",
    "ComtradeRequest",
    "check_answer",
    "comtrade_code",
    "plan",
    "service_request",
]


DEFAULT_BASE_URL = "https://comtradeapi.un.org"
PREVIEW_LIMIT = 500
DATA_LIMIT = 100_000

# Comtrade reporter codes that differ from ISO 3166 numeric codes.
COMTRADE_CODES = {"USA": "842", "FRA": "251", "IND": "699", "CHE": "757", "NOR": "579", "TWN": "490", "WLD": "0"}


class ComtradeError(DownloadError):
    """The API refused a request, returned an error, or could not be reached after retries."""


@dataclass(frozen=True)
class ComtradeRequest:
    """One API call: a reporter (ISO3 or Comtrade code) and a period (``2024`` or ``202403``)."""

    reporter: str
    period: str
    partner: str = "0"
    flow: str = "X,M"
    cmd: str = "TOTAL"
    type_code: str = "C"
    freq: str = "A"
    classification: str = "HS"

    def __post_init__(self) -> None:
        checks = {
            "reporter": r"[A-Za-z]{3}|[0-9]{1,4}|all",
            "period": r"[0-9]{4}|[0-9]{6}",
            "partner": r"[A-Za-z]{3}|[0-9]{1,4}|all",
            "flow": r"[XM](,[XM])?",
            "cmd": r"TOTAL|AG[0-9]|[0-9]{2,6}(,[0-9]{2,6})*",
            "type_code": r"[CS]",
            "freq": r"[AM]",
            "classification": r"HS|H[0-6]|S[1-4]|B[45]|EB",
        }
        for name, pattern in checks.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not re.fullmatch(pattern, value):
                raise InputError(f"Comtrade {name} {value!r} is not valid (expected {pattern})")
        if (self.freq == "A" and len(self.period) != 4) or (self.freq == "M" and len(self.period) != 6):
            raise InputError(f"Comtrade period {self.period!r} does not fit freq {self.freq} (A: YYYY, M: YYYYMM)")

    @property
    def params(self) -> dict[str, str]:
        """The query string of the API call."""
        return {
            "reporterCode": comtrade_code(self.reporter),
            "period": self.period,
            "partnerCode": comtrade_code(self.partner),
            "flowCode": self.flow,
            "cmdCode": self.cmd,
            "includeDesc": "true",
        }

    @property
    def filename(self) -> str:
        parts = [
            self.reporter,
            self.period,
            self.partner,
            self.flow,
            self.cmd,
            self.type_code,
            self.freq,
            self.classification,
        ]
        return "comtrade_" + "_".join(p.replace(",", "-") for p in parts) + ".json"


def comtrade_code(code: str) -> str:
    """Comtrade's numeric code for an ISO3 code (or a numeric code, returned as is)."""
    if code.isdigit() or code == "all":
        return code
    iso3 = code.upper()
    if iso3 in COMTRADE_CODES:
        return COMTRADE_CODES[iso3]
    country = _countries.load().countries.get(iso3)
    if country is None or country.numeric is None:
        raise InputError(f"no Comtrade code known for {code!r}")
    return str(int(country.numeric))


class ComtradeClient:
    """Fetch Comtrade data. Use as a context manager or call :meth:`close`. Requests go through the services'
    one HTTP client (:class:`~tradeflux.sources.http.ServiceClient`: retries, back-off, Retry-After, pace)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 60.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
    ):
        self.api_key = api_key if api_key is not None else os.environ.get("COMTRADE_API_KEY")
        self.max_attempts = max_attempts
        self._http = ServiceClient(
            "comtrade",
            base_url,
            accept=("json",),
            key=self.api_key or "",
            key_header="Ocp-Apim-Subscription-Key",
            timeout=timeout,
            max_attempts=max_attempts,
            backoff=backoff,
            max_wait=max_backoff,
            min_interval=0.0,
        )

    def __enter__(self) -> ComtradeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def limit(self) -> int:
        return DATA_LIMIT if self.api_key else PREVIEW_LIMIT

    def url(self, request: ComtradeRequest) -> str:
        kind = "data/v1/get" if self.api_key else "public/v1/preview"
        return f"/{kind}/{request.type_code}/{request.freq}/{request.classification}"

    def params(self, request: ComtradeRequest) -> dict[str, str]:
        return request.params

    def get(self, request: ComtradeRequest) -> dict:
        """One request, retried on timeouts, connection errors, 429 and 5xx; returns the JSON payload."""
        try:
            answer = self._http.get(self.url(request), self.params(request))
        except ServiceError as exc:
            raise ComtradeError(f"{request.filename}: {exc.reason}") from None
        try:
            return check_answer(answer.body, self.limit)
        except FormatError as exc:
            raise ComtradeError(f"{request.filename}: {exc}") from None

    def download(
        self,
        requests: Iterable[ComtradeRequest],
        out_dir: str | os.PathLike[str],
        *,
        on_done: Callable[[ComtradeRequest, Path, bool], None] | None = None,
    ) -> list[Path]:
        """Fetch every request into ``out_dir`` (one JSON file each); files already there are kept.

        ``on_done(request, path, fetched)`` is called after each request (fetched False = resumed).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for request in requests:
            path = out / request.filename
            fetched = False
            if not path.exists():
                payload = self.get(request)
                tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
                tmp.write_text(json.dumps(payload), encoding="utf-8")
                os.replace(tmp, path)
                fetched = True
            paths.append(path)
            if on_done:
                on_done(request, path, fetched)
        return paths


def check_answer(body: bytes, limit: int) -> dict:
    """The payload of a data API answer; :class:`FormatError` if it is not one, reports an error, or holds
    ``limit`` records (the API cut it off there)."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FormatError(f"the answer is not JSON: {body[:300]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise FormatError(f"unexpected response: {body[:300].decode('utf-8', 'replace')}")
    if payload.get("error"):
        raise FormatError(f"API error: {payload['error']}")
    if len(payload["data"]) >= limit:
        raise FormatError(
            f"{len(payload['data'])} records, the API's limit: the result is truncated; "
            "split the request (fewer partners, products or periods)"
        )
    return payload


def service_request(request: ComtradeRequest, api_key: str | None = None) -> ServiceRequest:
    """``request`` for :func:`tradeflux.store.update.update`: kept under ``raw/comtrade/`` and loaded from there.
    Without a key (``COMTRADE_API_KEY``) it goes to the public preview endpoint (at most 500 records)."""
    key = api_key if api_key is not None else os.environ.get("COMTRADE_API_KEY")
    kind = "data/v1/get" if key else "public/v1/preview"
    path = f"/{kind}/{request.type_code}/{request.freq}/{request.classification}"
    return ServiceRequest(COMTRADE_SERVICE, request.filename.removesuffix(".json"), path, tuple(request.params.items()))


def _client(base_url: str) -> ServiceClient:
    return ServiceClient(
        "comtrade",
        base_url,
        accept=("json",),
        key_env="COMTRADE_API_KEY",
        key_header="Ocp-Apim-Subscription-Key",
        min_interval=1.0,
    )


def _check(body: bytes, where: str) -> dict:
    return check_answer(body, PREVIEW_LIMIT if "/public/v1/preview/" in where else DATA_LIMIT)


COMTRADE_SERVICE = Service(
    id="comtrade",
    source="comtrade",
    dataset="api-fetched",
    table="flows",
    value="value",
    suffix=".json",
    base_url=DEFAULT_BASE_URL,
    client=_client,
    check=_check,
)


def plan(reporters: Sequence[str], periods: Sequence[str], **options: str) -> list[ComtradeRequest]:
    """One request per reporter and period."""
    return [ComtradeRequest(reporter=r, period=p, **options) for r in reporters for p in periods]
