"""The HTTP API and the dashboard.

Read-only over the store; every answer is the library's result through the shared JSON encoder. Bad
input gets a 4xx naming the field (``{"error": ...}``), never a stack trace: tradeflux's errors carry
their status (:mod:`tradeflux.errors`), request validation answers 422, an oversized body 413, a job
beyond the concurrent limit 429.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import pickle
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import anyio
import duckdb
import orjson
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field, field_validator

from tradeflux import settings
from tradeflux import store as _store
from tradeflux._io import atomic_write_bytes
from tradeflux._sql import literal
from tradeflux.errors import InputError, NotFound, StoreError, TradefluxError
from tradeflux.render.csv import csv_text
from tradeflux.render.json import dumps, jsonable
from tradeflux.store.canonical import VIEW as CANONICAL_VIEW
from tradeflux.store.canonical import page as canonical_page
from tradeflux.store.engines import has_view
from tradeflux.web.dashboard import page as dashboard_page
from tradeflux.web.jobs import JobBusy, Jobs

__all__ = ["create_app", "from_environment"]

MAX_BODY = 64 * 1024
MAX_PAGE = 1000
HANDLER_THREADS = 8  # requests handled at once; the others wait their turn without using the CPU
READ_ATTEMPTS = 20  # readings of the store per request while ingests keep replacing its files
MAX_OFFSET = 10_000  # deeper pages by cursor: an offset is read and thrown away
Year = Annotated[int, PathParam(ge=1900, le=2100, description="a calendar year")]
Code = Annotated[str, PathParam(min_length=2, max_length=60, description="ISO3 code or country name")]


class PEJob(BaseModel):
    """A PE run on the US 2024 HS6 imports with the US duties in force on a date (every partner)."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD", examples=["2025-11-10"])

    @field_validator("date")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)  # 2025-13-45 is refused with the request (422), not after a 202
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return value

    import_demand: float = Field(-1.0, le=0, ge=-20, description="import demand elasticity (< 0)")
    substitution: float = Field(1.5, ge=0, le=50, description="substitution elasticity between partners")


class ClaimsRequest(BaseModel):
    """A text to check (English), its date for "this year" and "last year", and its subject country."""

    text: str = Field(min_length=1, max_length=60_000)
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    reporter: str | None = Field(None, max_length=60)


class GEJob(BaseModel):
    """A shipped scenario run in general equilibrium."""

    scenario: str = Field(pattern=r"^[a-z0-9_]{1,60}$", description="a shipped scenario's name")


class OutlookJob(BaseModel):
    """A reporter's outlook: forecasts by partner, group and total with intervals and backtests."""

    country: str = Field(min_length=2, max_length=60, description="ISO3 code or country name", examples=["CHN"])
    horizon: int = Field(1, ge=1, le=5, description="years past the latest total")
    flow: str = Field("export", pattern="^(export|import)$")


# loopback names, and the name Starlette's test client sends
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "testserver")


def _json(data, status: int = 200) -> Response:
    return Response(dumps(data, indent=None), status_code=status, media_type="application/json")


class _BodyLimit:
    """Refuse a request body over ``limit`` bytes with a 413, whether announced (``Content-Length``) or sent in
    chunks without one (read up to the limit, then handed on whole)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                return await self._refuse(scope, receive, send)
            return await self.app(scope, receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._refuse(scope, receive, send)
        whole = [{"type": "http.request", "body": bytes(body), "more_body": False}]

        async def replay():
            return whole.pop() if whole else await receive()

        return await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send):
        response = JSONResponse({"error": f"body: larger than {self.limit} bytes"}, status_code=413)
        await response(scope, receive, send)


def from_environment() -> FastAPI:
    """The app of a worker process of ``tradeflux serve --workers N`` (its settings in ``TRADEFLUX_SERVE``)."""
    config = json.loads(os.environ["TRADEFLUX_SERVE"])
    return create_app(
        config["store_dir"],
        config["data_dir"],
        max_jobs=config["max_jobs"],
        allowed_hosts=config["allowed_hosts"],
        shared_dir=config["shared_dir"],
    )


def create_app(
    store_dir: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    max_jobs: int = 2,
    allowed_hosts: Sequence[str] = (),
    shared_dir: str | os.PathLike[str] | None = None,
) -> FastAPI:
    """The web application over the store at ``store_dir`` (read-only) and the data directory.

    ``shared_dir``: a private folder shared by several worker processes serving the same app (``tradeflux
    serve --workers N``): jobs are registered there, so any worker answers a poll, and built reports are kept
    there, so each is built once for all workers.

    Requests must name a loopback host or one of ``allowed_hosts`` in their ``Host`` header: a page on
    another site cannot reach the API by pointing its own name at 127.0.0.1 (DNS rebinding)."""
    store = _store.open(store_dir, data_dir=data_dir)
    folder = settings.data_dir(data_dir)
    shared = Path(shared_dir) if shared_dir is not None else None
    jobs = Jobs(max_jobs, folder=shared / "jobs" if shared is not None else None)
    hosts = {h.lower().strip("[]") for h in (*LOOPBACK_HOSTS, *allowed_hosts)}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        # handlers run in worker threads; a few more than the cores keep them busy, more only contend for the GIL
        anyio.to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
        yield

    app = FastAPI(
        title="tradeflux",
        description="A country's merchandise trade: the monitor, tariffs, scenarios. Every figure with its source.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def _known_host(request: Request, call_next):
        header = request.headers.get("host", "")
        name = header[1 : header.find("]")] if header.startswith("[") else header.rsplit(":", 1)[0]
        if name.lower() not in hosts:
            return JSONResponse(
                {"error": f"Host {header!r} is not served here; start with --allow-host {name} to serve it"},
                status_code=400,
            )
        return await call_next(request)

    # ---- errors: one line naming the field, never a traceback -----------------------------------
    @app.exception_handler(TradefluxError)
    async def _tradeflux_error(_request: Request, exc: TradefluxError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("path", "query", "body"))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422)

    @app.exception_handler(Exception)
    async def _defect(_request: Request, exc: Exception):
        damaged = _store.read_error(exc)
        if damaged is not None:
            return JSONResponse({"error": str(damaged)}, status_code=damaged.status)
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, status_code=500)

    app.add_middleware(_BodyLimit, limit=MAX_BODY)

    # ---- services -------------------------------------------------------------------------------
    def code(text: str) -> str:
        return store.countries.code(text)

    def report(country: str, year: int):
        return _report_of(store.state, country, year)

    @functools.lru_cache(maxsize=64)
    def _report_of(_state: str, country: str, year: int):
        """Built once per state of the store: an ingest while serving gives new reports, never stale ones."""
        from tradeflux.analysis import report as _report

        if store.sources().empty:
            raise InputError("the store is empty: run `tradeflux ingest` first")
        if shared is None:
            return _report.build(store, country, year)
        # built once for every worker (the folder is the server's own, made private by `tradeflux serve`)
        kept = shared / "reports" / f"{_state}-{country}-{year}.pickle"
        if kept.is_file():
            return pickle.loads(kept.read_bytes())
        built = _report.build(store, country, year)
        kept.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(kept, pickle.dumps(built))
        return built

    views: dict[str, Any] = {}
    views_lock = threading.Lock()
    copies = tempfile.TemporaryDirectory(prefix="tradeflux-serve-")  # removed when the app is

    copied: dict[str, bool] = {}

    def _local_copy(base, state: str) -> None:
        """Copy the store's canonical rows into a DuckDB database file of the server's own, then point the view
        at it: a page of Parquet costs its row group (about 20 ms), a page of DuckDB's own format the rows
        (about 4 ms). Pages are served from the Parquet file until the copy is ready."""
        path = Path(copies.name) / f"canonical-{uuid.uuid4().hex[:8]}.duckdb"
        # on failure the Parquet file still serves every page; the copy only makes them cheaper
        with contextlib.suppress(duckdb.Error):
            base.cursor().execute(
                f"ATTACH {literal(str(path))} AS local_copy; "
                f"CREATE TABLE local_copy.rows AS SELECT * FROM {CANONICAL_VIEW} ORDER BY row_id; "
                f"CREATE OR REPLACE VIEW {CANONICAL_VIEW} AS SELECT * FROM local_copy.rows"
            )
            copied[state] = True

    app.state.canonical_copies = copies

    def retried(handler):
        """Run a handler that reads the store again if an ingest replaced a file under it (up to
        ``READ_ATTEMPTS`` times, while ingests keep committing): a reader sees the store before or after an
        ingest, never an error from between."""

        @functools.wraps(handler)
        def run(*args, **kwargs):
            for attempt in range(1, READ_ATTEMPTS + 1):
                try:
                    return handler(*args, **kwargs)
                except Exception as exc:
                    # a file moved in or retired by an ingest while it was read (also between an ingest's
                    # commit and its files' move out of staging, when the state has already changed)
                    if attempt == READ_ATTEMPTS or not _store.replaced_while_reading(exc):
                        raise
                    with views_lock:  # the state's views may name a file's old place: build them again
                        views.clear()
                        copied.clear()
            return None

        return run

    @contextlib.contextmanager
    def connection():
        """A connection to the store as it is now. With DuckDB the views over the store's files are built once per
        state of the store and each request reads through its own cursor of them; other engines connect anew."""
        if not (store.root / _store.MANIFEST).is_file():
            raise StoreError(f"the store {store.root} is gone or empty: run `tradeflux ingest` to build it")
        state = store.state
        with views_lock:
            if state not in views:
                base = store.connect()
                if hasattr(base, "cursor"):  # a page is small: read on the request's thread, not spread over cores
                    base.execute("SET threads = 1")
                written = has_view(base, CANONICAL_VIEW)
                views.clear()  # the previous state's connection closes when its last cursor does
                views[state] = (base, written)
                if hasattr(base, "cursor") and written:
                    threading.Thread(target=_local_copy, args=(base, state), daemon=True).start()
            base, written = views[state]
        con = base.cursor() if hasattr(base, "cursor") else store.connect()
        try:
            yield con, written, state
        finally:
            con.close()

    # ---- API ------------------------------------------------------------------------------------
    @app.get("/api/health", summary="Is the service up, and what does the store hold")
    def health():
        """``pages``: where pages of canonical rows come from: ``"local copy"`` (the server's DuckDB copy),
        ``"parquet"`` (the store's written file, while the copy is made), or ``"ranked per request"``."""
        with connection() as (_con, written, state):
            pages = ("local copy" if copied.get(state) else "parquet") if written else "ranked per request"
        return _json({"status": "ok", "files": len(store.entries), "pages": pages})

    @app.get("/api/flows", summary="Canonical flows (one row per fact), filtered and paged")
    @retried
    def flows(
        reporter: Annotated[str | None, Query(max_length=60)] = None,
        partner: Annotated[str | None, Query(max_length=60)] = None,
        flow: Annotated[str | None, Query(pattern="^(export|import|re-export|re-import)$")] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        source: Annotated[str | None, Query(max_length=60)] = None,
        all_sources: bool = False,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        cursor: Annotated[str | None, Query(max_length=80, pattern=r"^[0-9a-f]{16}\.[0-9]{1,12}$")] = None,
    ):
        """Pages of canonical rows follow ``next_cursor`` (any depth, each page costs what its rows cost);
        ``offset`` serves the first pages and ``all_sources``."""
        from tradeflux.analysis.canonical import canonical

        filters = {
            "reporter": code(reporter) if reporter else None,
            "partner": code(partner) if partner else None,
            "flow": flow,
            "year": year,
            "source": source,
        }
        if cursor is not None and (all_sources or offset):
            raise InputError("cursor: pages every source's rows by offset; give cursor without all_sources or offset")
        with connection() as (con, written, state):
            after = None
            if cursor is not None:
                given, _, row = cursor.partition(".")
                if given != state:
                    raise InputError(
                        "cursor: the store has changed since this cursor was given; start again without it"
                    )
                after = int(row)
            if all_sources or offset or not written:
                rows = jsonable(canonical(con, all_sources=all_sources, limit=limit + offset, **filters))[offset:]
            else:  # the written rows, as plain records: a page costs what its rows cost
                rows = canonical_page(con, limit=limit, after=after, **filters)
        more = len(rows) == limit and "row_id" in rows[0]
        next_cursor = f"{state}.{rows[-1]['row_id']}" if more else None
        page = {"offset": offset, "limit": limit, "rows": rows, "next_cursor": next_cursor}
        return Response(orjson.dumps(page), media_type="application/json")  # plain values, NaN already null

    @app.get("/api/report/{country}/{year}", summary="The monitor's report: figures, tables, headline, warnings")
    @retried
    def report_all(country: Code, year: Year):
        return _json(report(code(country), year).to_dict())

    @app.get("/api/report/{country}/{year}/figures", summary="The report's figures with their sources")
    @retried
    def report_figures(country: Code, year: Year):
        rep = report(code(country), year)
        return _json({"headline": rep.headline, "figures": rep.figures, "warnings": rep.warnings})

    @app.get("/api/report/{country}/{year}/tables/{name}.csv", summary="One table of the report as CSV")
    @retried
    def report_table(country: Code, year: Year, name: Annotated[str, PathParam(pattern=r"^[a-z_0-9]{1,40}$")]):
        tables = report(code(country), year).tables()
        if name not in tables:
            raise NotFound(f"name: no table {name!r}; tables: {', '.join(sorted(tables))}")
        return PlainTextResponse(csv_text(tables[name]), media_type="text/csv")

    @app.get("/api/reconcile/{reporter}/{partner}/{year}", summary="Every source's figure for a pair, both directions")
    @retried
    def reconcile(reporter: Code, partner: Code, year: Year):
        from tradeflux.analysis.reconcile import reconcile as _reconcile

        with connection() as (con, _written, _state):
            return _json(_reconcile(con, code(reporter), code(partner), year).to_dict())

    @app.get("/api/tariffs/{partner}", summary="US add-on tariff on a partner or group: a timeline, or one date")
    def tariffs(
        partner: Annotated[str, PathParam(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9_ ]+$")],
        date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    ):
        from tradeflux.scenarios import tariff_run

        return _json(tariff_run.partner_timeline(partner, date, folder).to_dict())

    @app.post("/api/check", summary="Find the trade claims in a text and check each against the data")
    @retried
    def check_claims(body: ClaimsRequest):
        import datetime as dt

        import pandas as pd

        from tradeflux.analysis import claims

        today = None
        if body.date:
            try:
                today = pd.Timestamp(dt.date.fromisoformat(body.date))
            except ValueError:
                raise InputError(f"date {body.date!r}: not a date (YYYY-MM-DD)") from None
        subject = code(body.reporter) if body.reporter else None
        result = claims.check(body.text, store, today=today, subject=subject)
        return _json({**result.to_dict(), "table": result.tables()["claims"]})

    @app.get("/api/scenarios", summary="The shipped scenarios")
    def scenarios_list():
        from tradeflux import scenarios

        return _json(
            [{"name": n, "title": scenarios.Scenario.load(p).name} for n, p in sorted(scenarios.shipped().items())]
        )

    @app.post("/api/jobs/pe", status_code=202, summary="Start a PE run (the US duties in force on a date)")
    def job_pe(body: PEJob):
        from tradeflux import scenarios
        from tradeflux.models import pe

        def work(job):
            elasticities = pe.Elasticities(body.import_demand, body.substitution)
            run = scenarios.simulate_pe(
                [{"type": "schedule", "date": body.date}],
                title=f"US duties in force on {body.date}",
                elasticities=elasticities,
                data_dir=folder,
            )
            job.progress = "tabulating"
            return {**run.to_dict(), "partners": run.result.by("partner")}

        return _submit("pe", body.model_dump(), work)

    @app.post("/api/jobs/ge", status_code=202, summary="Start a shipped scenario in general equilibrium")
    def job_ge(body: GEJob):
        from tradeflux import scenarios

        if body.scenario not in scenarios.shipped():
            raise NotFound(f"scenario: no shipped scenario {body.scenario!r}")

        def work(job):
            sim = scenarios.simulate(scenarios.find(body.scenario), folder)
            job.progress = "tabulating"
            return sim.to_dict()

        return _submit("ge", body.model_dump(), work)

    @app.post("/api/jobs/outlook", status_code=202, summary="Start an outlook: forecasts with intervals and backtests")
    def job_outlook(body: OutlookJob):
        from tradeflux.analysis import outlook

        country = code(body.country)

        def work(job):
            con = store.connect()
            try:
                result = outlook.build(
                    con,
                    country,
                    store.countries,
                    horizon=body.horizon,
                    flows=(body.flow,),
                    progress=lambda m: setattr(job, "progress", m),
                )
            finally:
                con.close()
            return result.to_dict()

        return _submit("outlook", body.model_dump(), work)

    def _submit(kind: str, request: dict, work):
        try:
            job = jobs.submit(kind, request, work)
        except JobBusy as exc:
            return _json({"error": str(exc)}, status=429)
        return _json(job.to_dict(), status=202)

    @app.get("/api/jobs/{job_id}", summary="A job's status, progress and result")
    def job(job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{12}$")]):
        found = jobs.get(job_id)
        if found is None:
            raise NotFound(f"job_id: no job {job_id!r}")
        return _json(found.to_dict())

    # ---- the dashboard ---------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard():
        return HTMLResponse(dashboard_page())

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    @app.get("/static/plotly.js", include_in_schema=False)
    def plotly_js():
        return Response(_plotly(), media_type="application/javascript")

    app.state.store = store
    app.state.jobs = jobs
    return app


@functools.cache
def _plotly() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
