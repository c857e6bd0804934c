"""Current data from the official services: fetch what the store lacks, keep each answer, load it, say what changed.

:func:`update` takes requests of one or more services (:class:`~tradeflux.sources.http.ServiceRequest`) and

1. fetches each one whose answer is not kept yet under ``raw/<service>/`` (all of them with ``refresh``), checking
   that the answer is data before keeping it with its URL, time and SHA-256 (the provenance of its rows);
2. loads every kept answer not loaded yet, as the vintage of the day it was fetched, in one commit;
3. writes the derived rows of the store's new state, and compares the services' rows before and after on the
   table's declared key: new rows, revised values (old and new), rows gone.

A request that fails stops the update before anything is loaded: the store is as it was, the answers fetched
before it stay kept, and the next run fetches only what is still missing.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from tradeflux import schema
from tradeflux._io import atomic_write_bytes
from tradeflux.errors import FormatError, InputError
from tradeflux.reference import countries
from tradeflux.sources.http import Service, ServiceClient, ServiceError, ServiceRequest, keep, kept

__all__ = ["DETAILS", "SERVICES", "Answer", "Change", "UpdateResult", "compare", "fetch_baci", "plan", "update"]

BACI_BASE_URL = "https://www.cepii.fr"

SERVICES = ("imf-imts", "comtrade", "wits-trains", "us-census-api", "eurostat-comext")
# --detail -> Comtrade's cmdCode: totals, or every HS code at 2, 4 or 6 digits
DETAILS = {"totals": "TOTAL", "hs2": "AG2", "hs4": "AG4", "hs6": "AG6"}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Answer:
    """A request's kept answer: ``fetched`` is False when it was kept before this run."""

    service: str
    request: str
    file: str
    fetched: bool
    url: str
    fetched_at: str
    sha256: str


@dataclass(frozen=True)
class Change:
    """One row of a service that is ``new``, ``revised`` (``old`` -> ``new``) or ``gone`` since the last state."""

    change: str
    table: str
    key: dict[str, object]
    old: float | None
    new: float | None


@dataclass
class UpdateResult:
    """What an update fetched, loaded and changed."""

    answers: list[Answer]
    loaded: list[dict] = field(default_factory=list)  # IngestResult.to_dict() of the answers loaded now
    changes: list[Change] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(a.fetched for a in self.answers)

    def to_dict(self) -> dict:
        return {
            "fetched": self.fetched,
            "answers": [asdict(a) for a in self.answers],
            "loaded": self.loaded,
            "changes": [asdict(c) for c in self.changes],
        }

    def changes_frame(self) -> pd.DataFrame:
        """The changes as a table: one column per key column, then old and new."""
        rows = [{"change": c.change, "table": c.table, **c.key, "old": c.old, "new": c.new} for c in self.changes]
        return pd.DataFrame(rows, columns=list(dict.fromkeys(k for r in rows for k in r)) or ["change", "old", "new"])


def plan(
    reporters: Sequence[str],
    years: Sequence[int],
    services: Sequence[str] = ("imf-imts",),
    *,
    detail: str = "totals",
    frequency: str = "A",
) -> list[ServiceRequest]:
    """The requests that cover ``reporters`` and ``years`` in each service, one per reporter and year (so that a
    year asked again is the same request, kept once): IMF IMTS, exports and imports with every partner; UN
    Comtrade, with every partner at ``detail`` (``totals``, ``hs2``, ``hs4``, ``hs6``); WITS TRAINS, the
    reporter's tariffs as an importer on every HS6 product (MFN, every partner); the US Census API (the United
    States only), exports and imports with every partner at ``detail`` (HS6 for totals); Eurostat Comext (EU
    members only), imports and exports in euros with every partner, every product (HS6 lines and totals kept)."""
    from tradeflux.sources import census_api, comext, comtrade_client, imts, wits

    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise InputError(f"unknown service {unknown[0]!r}; services: {', '.join(SERVICES)}")
    if detail not in DETAILS:
        raise InputError(f"--detail {detail!r}: give one of {', '.join(DETAILS)}")
    if not reporters or not years:
        raise InputError("give at least one reporter and one year")
    table = countries.load()
    codes = []
    for name in reporters:
        code = table.match(name)
        if code is None or not re.fullmatch(r"[A-Z]{3}", code) or code == "WLD":
            raise InputError(f"{name!r} is not a country: give an ISO3 code or a country's name")
        codes.append(code)
    if "us-census-api" in services and any(code != "USA" for code in codes):
        raise InputError("the US Census API holds the United States' trade only: give --reporter USA")
    out: list[ServiceRequest] = []
    for service in services:
        for reporter in codes:
            for year in sorted(set(years)):
                if service == "imf-imts":
                    out.append(imts.ImtsRequest(reporter, year, year, frequency).service_request())
                elif service == "comtrade":
                    periods = [str(year)] if frequency == "A" else [f"{year}{m:02d}" for m in range(1, 13)]
                    out += [
                        comtrade_client.service_request(
                            comtrade_client.ComtradeRequest(
                                reporter, period, partner="all", cmd=DETAILS[detail], freq=frequency
                            )
                        )
                        for period in periods
                    ]
                elif service == "eurostat-comext":
                    out.append(comext.ComextRequest(reporter, year, monthly=frequency == "M").service_request())
                elif service == "us-census-api":
                    level = "HS6" if detail == "totals" else detail.upper()
                    out += [
                        census_api.CensusRequest(flow, year, level, monthly=frequency == "M").service_request()
                        for flow in ("exports", "imports")
                    ]
                else:
                    # an EU member's tariffs are the EU's: one request for all of them
                    eu = reporter in table.members("EU27", year)
                    request = wits.TrainsRequest("EUU" if eu else reporter, year).service_request()
                    if request.key not in {r.key for r in out}:
                        out.append(request)
    return out


def update(
    store,
    requests: Sequence[ServiceRequest],
    *,
    refresh: bool = False,
    base_urls: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> UpdateResult:
    """Fetch, keep and load the answers to ``requests`` into ``store``; see the module's docstring.

    ``base_urls`` maps a service id to another address (a mirror, a local server); raises
    :class:`~tradeflux.sources.http.ServiceError` naming the request that failed.
    """
    say = progress or (lambda _msg: None)
    base_urls = base_urls or {}
    answers: list[Answer] = []
    clients: dict[str, ServiceClient] = {}
    try:
        for number, request in enumerate(requests, 1):
            service = request.service
            folder = store.root / "raw" / service.id
            record = kept(folder, request.key)
            if record is not None and not refresh and (folder / record["file"]).is_file():
                answers.append(_answer(service, request.key, folder / record["file"], record, fetched=False))
                continue
            if service.id not in clients:
                clients[service.id] = service.client(base_urls.get(service.id, service.base_url))
            say(f"{service.id}: request {number} of {len(requests)}: {request.key}")
            try:
                got = clients[service.id].get(request.path, dict(request.params) or None)
                service.check(got.body, got.url)  # an answer that is not data is not kept: the next run asks again
            except ServiceError as exc:
                raise ServiceError(exc.service, exc.url, f"{exc.reason}{_so_far(answers, len(requests))}") from None
            except FormatError as exc:
                raise FormatError(f"{exc}{_so_far(answers, len(requests))}") from None
            path = keep(got, folder, request.key, service.suffix, name=request.key)
            answers.append(_answer(service, request.key, path, got.record(), fetched=True))
    finally:
        for client in clients.values():
            client.close()

    services = {r.service.id: r.service for r in requests}
    before = {s.id: _rows(store, s) for s in services.values()}
    results = store.ingest_files(
        [(services[a.service].source, a.file, services[a.service].dataset, a.fetched_at[:10]) for a in answers]
    )
    result = UpdateResult(answers, [r.to_dict() for r in results if r.status != "unchanged"])
    if result.loaded:
        for service in services.values():
            result.changes += compare(before[service.id], _rows(store, service), service.table, service.value)
        store.derive(say)  # the derived rows of the new state, as `tradeflux ingest` leaves them
    return result


def fetch_baci(
    store,
    revision: str,
    release: str,
    years: Sequence[int],
    *,
    base_url: str = BACI_BASE_URL,
    refresh: bool = False,
    progress: Progress | None = None,
) -> UpdateResult:
    """CEPII BACI's bulk file of one HS ``revision`` (``HS22``) and ``release`` (``202501``): the zip (about 2 GB)
    streamed to ``raw/baci/`` and kept with its record, the ``years`` asked for and the country codes taken out of
    it, and loaded in one commit as the release's vintage. A second run downloads nothing. The rows are summed into
    per-country totals by :meth:`Store.derive` (BACI has none); changes are not listed row by row (millions of
    rows): ``loaded`` says which years came in."""
    import zipfile

    from tradeflux.sources.baci import REVISIONS

    say = progress or (lambda _msg: None)
    if revision not in REVISIONS or not re.fullmatch(r"20[0-9]{2}(0[1-9]|1[0-2])", release):
        raise InputError(
            f"BACI: revision {revision!r} and release {release!r}: give one of {', '.join(REVISIONS)} and YYYYMM"
        )
    if not years:
        raise InputError("BACI: give at least one year")
    folder = store.root / "raw" / "baci"
    key = f"BACI_{revision}_V{release}"
    archive, record = folder / f"{key}.zip", kept(folder, key)
    fetched = False
    if refresh or record is None or not archive.is_file():
        client = ServiceClient("baci", base_url, accept=("zip", "octet-stream"), min_interval=1.0, progress=say)
        with client:
            got = client.download(f"/DATA_DOWNLOAD/baci/data/{key}.zip", archive)
        if not zipfile.is_zipfile(archive):
            archive.unlink()
            raise FormatError(f"baci: {got.url}: the answer is not a zip archive; nothing kept")
        record = {**got.record(), "request": key, "file": archive.name}
        atomic_write_bytes(folder / f"{key}.json", json.dumps(record, indent=2).encode())
        fetched = True
    wanted = [f"country_codes_V{release}.csv", *(f"BACI_{revision}_Y{y}_V{release}.csv" for y in sorted(set(years)))]
    out = folder / f"V{release}"
    with zipfile.ZipFile(archive) as bundle:
        inside = {Path(n).name: n for n in bundle.namelist()}
        missing = [w for w in wanted if w not in inside]
        if missing:
            held = sorted(int(m[1]) for n in inside if (m := re.search(rf"_{revision}_Y([0-9]{{4}})_", n)))
            raise InputError(
                f"BACI {key}: {', '.join(missing)} not in the archive; it holds the years "
                f"{held[0] if held else '-'}-{held[-1] if held else '-'}"
            )
        out.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            if refresh or fetched or not (out / name).is_file():
                say(f"baci: taking {name} out of {archive.name}")
                with (
                    bundle.open(inside[name]) as member,
                    tempfile.NamedTemporaryFile(dir=out, prefix=f".{name}.", delete=False) as handle,
                ):
                    shutil.copyfileobj(member, handle, 1 << 20)
                os.replace(handle.name, out / name)
    answer = Answer(
        "baci", key, str(archive), fetched, str(record["url"]), str(record["fetched_at"]), str(record["sha256"])
    )
    results = store.ingest_files([("baci", out / name, "hs6", None) for name in wanted[1:]])
    result = UpdateResult([answer], [r.to_dict() for r in results if r.status != "unchanged"])
    if result.loaded:
        store.derive(say)
    return result


def compare(before: pd.DataFrame, after: pd.DataFrame, table: str, value: str) -> list[Change]:
    """Rows of ``after`` new or revised against ``before``, and rows of ``before`` gone, on ``table``'s key."""
    keys = [k for k in schema.TABLES[table].key if k in after.columns or k in before.columns]

    def by_key(frame: pd.DataFrame) -> dict[tuple, float | None]:
        return {tuple(_plain(r[k]) for k in keys): _plain(r[value]) for r in frame.to_dict("records")}

    old, new = by_key(before), by_key(after)
    out = []
    for key, now in new.items():
        if key not in old:
            out.append(Change("new", table, dict(zip(keys, key, strict=True)), None, now))
        elif old[key] != now:
            out.append(Change("revised", table, dict(zip(keys, key, strict=True)), old[key], now))
    out += [
        Change("gone", table, dict(zip(keys, key, strict=True)), was, None)
        for key, was in old.items()
        if key not in new
    ]
    return out


def _rows(store, service: Service) -> pd.DataFrame:
    return store.query(service.table, source=service.source)


def _plain(value: object) -> object:
    """A value comparable across two reads: NaN and missing as None, dates as ISO text, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _answer(service: Service, key: str, path: Path, record: dict, *, fetched: bool) -> Answer:
    return Answer(
        service.id, key, str(path), fetched, str(record["url"]), str(record["fetched_at"]), str(record["sha256"])
    )


def _so_far(answers: list[Answer], total: int) -> str:
    fetched = sum(a.fetched for a in answers)
    return (
        f" (nothing loaded; {len(answers)} of {total} answers kept, {fetched} fetched in this run; "
        "run the same command again to fetch the rest)"
    )
