"""One HTTP client for the official services: retries with back-off, Retry-After, a polite pace, keys from the
environment, progress on long bodies, and every answer kept as the provenance of the rows it yields.

A service answers with a :class:`Fetched` (URL, time, status, content type, body and its SHA-256);
:func:`keep` writes it under the store (``raw/<service>/``) with a small JSON record beside it, atomically, so a
fetch that stops half-way leaves nothing half-written and a second run finds what the first one kept.

Failures are one line (:class:`~tradeflux.errors.DownloadError`) naming the request and why: after the retries
on timeouts, broken connections, truncated bodies, 429 and 5xx; at once on other 4xx, an empty body or a
content type the service does not send for data.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from tradeflux._io import atomic_write_bytes
from tradeflux.errors import DownloadError

__all__ = ["Fetched", "Service", "ServiceClient", "ServiceError", "ServiceRequest", "keep", "kept"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Fetched:
    """One answer of a service. ``body`` is the bytes as received (after transfer decoding)."""

    service: str
    url: str
    fetched_at: str  # UTC, ISO 8601
    status: int
    content_type: str
    sha256: str
    body: bytes

    def record(self) -> dict[str, object]:
        """What is kept beside the body: everything but the body."""
        return {k: v for k, v in asdict(self).items() if k != "body"}


class ServiceError(DownloadError):
    """A request that failed, in one line: the service, the URL and ``reason``."""

    def __init__(self, service: str, url: str, reason: str):
        super().__init__(f"{service}: GET {url}: {reason}")
        self.service, self.url, self.reason = service, url, reason


class _Retry(Exception):
    """A failure worth trying again; ``wait`` is what the service asked for (Retry-After), seconds."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class ServiceClient:
    """GET requests to one service. ``key_env`` names the environment variable holding the service's key, sent
    in the header ``key_header``; ``min_interval`` is the pause between two requests (seconds), the service's
    fair-use pace; ``accept`` the content types its data come as (a substring each, ``"xml"``, ``"json"``). A
    ``key`` given here is used instead of the environment's. A service that takes its key in the query string
    names the parameter in ``key_param``: it is sent, but not kept in the recorded URL."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        accept: tuple[str, ...],
        key_env: str | None = None,
        key_header: str | None = None,
        key_param: str | None = None,
        key: str | None = None,
        timeout: float = 120.0,
        max_attempts: int = 5,
        backoff: float = 2.0,
        max_wait: float = 120.0,
        min_interval: float = 1.0,
        progress: Progress | None = None,
        sleep: Callable[[float], None] | None = None,
    ):
        self.service = service
        self.accept = accept
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.min_interval = min_interval
        self._say = progress or (lambda _msg: None)
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._last = -float("inf")
        headers = {"User-Agent": "tradeflux (https://github.com/tradeflux/tradeflux)"}
        key = key if key is not None else (os.environ.get(key_env) if key_env else None)
        if key and key_header:
            headers[key_header] = key
        self._key_params = {key_param: key} if key and key_param else {}
        home = httpx.URL(base_url).host

        def keep_key_home(request: httpx.Request) -> None:  # a redirect to another host does not get the key
            if key_header and request.url.host != home:
                request.headers.pop(key_header, None)

        self._http = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            headers=headers,
            follow_redirects=True,
            event_hooks={"request": [keep_key_home]},
        )

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Fetched:
        """One request, retried on what may pass (timeouts, broken or truncated answers, 429, 5xx)."""
        url = str(self._http.build_request("GET", path, params=params).url)  # as recorded: without a key
        params = {**(params or {}), **self._key_params} or None
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._get_once(path, params, url)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise ServiceError(self.service, url, f"gave up after {self.max_attempts} attempts: {last}") from None
        raise AssertionError("unreachable")

    def _wait(self, state) -> float:
        asked = getattr(state.outcome.exception(), "wait", None)
        exponential = self.backoff * 2 ** (state.attempt_number - 1)
        return min(self.max_wait, asked if asked is not None else exponential)

    def _get_once(self, path: str, params: Mapping[str, str] | None, url: str, sink: BinaryIO | None = None) -> Fetched:
        """One attempt; the body is collected, or written to ``sink`` (emptied first: an attempt starts afresh)."""
        pause = self._last + self.min_interval - time.monotonic()
        if pause > 0:
            self._sleep(pause)
        self._last = time.monotonic()
        chunks, received, head, digest = [], 0, b"", hashlib.sha256()
        if sink is not None:
            sink.seek(0)
            sink.truncate()
        try:
            with self._http.stream("GET", path, params=params) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is not None and wait > self.max_wait:
                        raise ServiceError(
                            self.service,
                            url,
                            f"HTTP {response.status_code}: the service asks to wait {wait:,.0f} s; try again later",
                        )
                    raise _Retry(f"HTTP {response.status_code}", wait)
                if response.status_code >= 400:
                    text = response.read().decode("utf-8", "replace")
                    raise ServiceError(self.service, url, f"HTTP {response.status_code}: {_one_line(text)}")
                expected = response.headers.get("Content-Length")
                for chunk in response.iter_bytes():
                    digest.update(chunk)
                    head = head if len(head) >= 200 else head + chunk[: 200 - len(head)]
                    if sink is None:
                        chunks.append(chunk)
                    else:
                        sink.write(chunk)
                    received += len(chunk)
                    if received // 10_000_000 != (received - len(chunk)) // 10_000_000:
                        self._say(f"{self.service}: {received / 1e6:,.0f} MB of {url}")
                status, content_type = response.status_code, response.headers.get("Content-Type", "")
                on_wire = response.num_bytes_downloaded  # before decoding: what Content-Length counts
        except (httpx.UnsupportedProtocol, httpx.TooManyRedirects, httpx.DecodingError) as exc:  # will not pass
            raise ServiceError(self.service, url, f"{type(exc).__name__}: {exc}") from None
        except httpx.TransportError as exc:  # timeouts, refused or broken connections, bodies cut short
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        if expected is not None and expected.isdigit() and int(expected) != on_wire:
            raise _Retry(f"truncated answer: {on_wire:,} of {int(expected):,} bytes")
        if status == 204 or not received:
            raise ServiceError(self.service, url, f"the service answered with no content (HTTP {status})")
        main_type = content_type.split(";")[0].strip().lower()
        if "html" in main_type or not any(kind in main_type for kind in self.accept):
            raise ServiceError(
                self.service,
                url,
                f"expected {' or '.join(self.accept)}, got {content_type or 'no content type'}: "
                f"{_one_line(head.decode('utf-8', 'replace'))}",
            )
        return Fetched(
            service=self.service,
            url=url,
            fetched_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            status=status,
            content_type=content_type,
            sha256=digest.hexdigest(),
            body=b"".join(chunks),
        )

    def download(self, path: str, dest: str | os.PathLike[str], params: Mapping[str, str] | None = None) -> Fetched:
        """A large answer streamed to the file ``dest`` (written whole or not at all), retried as :meth:`get`;
        the answer's record, with an empty ``body``."""
        url = str(self._http.build_request("GET", path, params=params).url)
        params = {**(params or {}), **self._key_params} or None
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
        )
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
            try:
                for attempt in retrying:
                    with attempt:
                        fetched = self._get_once(path, params, url, sink=handle)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException as exc:
                Path(handle.name).unlink(missing_ok=True)
                if isinstance(exc, RetryError):
                    last = exc.last_attempt.exception()
                    raise ServiceError(
                        self.service, url, f"gave up after {self.max_attempts} attempts: {last}"
                    ) from None
                raise
        os.replace(handle.name, target)
        return fetched


@dataclass(frozen=True)
class Service:
    """How one official service is asked and its answers read: ``id`` names its folder of kept answers
    (``raw/<id>/``); the answers are files of ``source``'s ``dataset`` (read request by request), whose rows go
    to ``table`` (``value`` is the column a revision changes). ``client(base_url)`` makes the HTTP client with
    the service's pace and key; ``check(body, where)`` raises :class:`~tradeflux.errors.FormatError` on an
    answer that is not data, which is then not kept."""

    id: str
    source: str
    dataset: str
    table: str
    value: str
    suffix: str
    base_url: str
    client: Callable[[str], ServiceClient]
    check: Callable[[bytes, str], object]
    experimental: bool = False


@dataclass(frozen=True)
class ServiceRequest:
    """One GET of a service: ``key`` names it among the kept answers (letters, digits, ``_`` and ``-``)."""

    service: Service
    key: str
    path: str
    params: tuple[tuple[str, str], ...] = ()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are UTC
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def keep(fetched: Fetched, folder: str | os.PathLike[str], request_key: str, suffix: str, *, name: str = "") -> Path:
    """Write ``fetched`` under ``folder`` as ``<name>.<sha256[:16]><suffix>`` with a record of the request beside
    it (``<request_key>.json``: URL, time, hash, the body's file name), each atomically; the body's path. Every
    answer stays (the provenance of the rows it gave); the record names the latest."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    body = out / f"{name + '.' if name else ''}{fetched.sha256[:16]}{suffix}"
    if not body.exists():
        atomic_write_bytes(body, fetched.body)
    record = {**fetched.record(), "request": request_key, "file": body.name}
    atomic_write_bytes(out / f"{request_key}.json", json.dumps(record, indent=2).encode())
    return body


def kept(folder: str | os.PathLike[str], request_key: str) -> dict | None:
    """The record :func:`keep` wrote for ``request_key``, or ``None``."""
    path = Path(folder) / f"{request_key}.json"
    return json.loads(path.read_text()) if path.is_file() else None
