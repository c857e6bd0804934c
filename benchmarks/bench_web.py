"""Load test of the HTTP API on loopback: concurrent clients on the figures and flows endpoints.

Starts ``tradeflux serve`` on 127.0.0.1 (a free port) over a store built from the data directory,
warms the report cache, then for each workload runs ``--clients`` concurrent clients (httpx, asyncio)
for ``--seconds``: the report figures of a few country-years; the first page of ``/api/flows`` without
filters; pages at random depths by cursor (up to the last row); one reporter's flows by cursor. Beside
each, the same page read in-process straight from the store's canonical file with DuckDB (the floor:
no HTTP, no JSON), and the ratio of the two medians. Bounded in time and count; traffic stays on
127.0.0.1. Prints a table and writes ``benchmarks/results/web.json``.

    python benchmarks/bench_web.py [--clients 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, write

DATA = os.environ.get("TRADEFLUX_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
FIGURES = [
    "/api/report/CHN/2025/figures",
    "/api/report/DEU/2019/figures",
    "/api/report/USA/2020/figures",
    "/api/report/VNM/2020/figures",
]
PAGE = 100


def _cpu_seconds(pid: int, tree: bool = True) -> float:
    """User and system CPU time so far of a process and (``tree``) every process under it (Linux /proc), seconds."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # parent, ticks
    tree, ticks = {pid}, 0
    for _ in range(8 if tree else 0):  # a few levels: tradeflux serve -> uvicorn workers
        tree |= {p for p, (parent, _t) in stats.items() if parent in tree}
    ticks = sum(t for p, (_parent, t) in stats.items() if p in tree)
    return ticks / os.sysconf("SC_CLK_TCK")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(
    base: str, until: float, paths: Callable[[int], str], latencies: list[float], errors: list[str], k: int
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=None) as client:  # a slow answer is measured, not cut
        n = k
        while time.perf_counter() < until:
            path = paths(n)
            n += 1
            start = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
            latencies.append(time.perf_counter() - start)


async def _load(base: str, paths: Callable[[int], str], clients: int, seconds: float):
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(base, start + seconds, paths, latencies, errors, k) for k in range(clients)))
    return latencies, errors, time.perf_counter() - start


def _numbered(canonical_file: Path) -> str:
    """The canonical rows as the store's engines read them: ``row_id`` is the row's place in the file."""
    return (
        "SELECT file_row_number + 1 AS row_id, * EXCLUDE (file_row_number) "
        f"FROM read_parquet('{canonical_file}', file_row_number = true)"
    )


def _direct_ms(canonical_file: Path, wheres: list[str]) -> float:
    """Median time of reading each page straight from the canonical file in-process (DuckDB, to pandas)."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW c AS {_numbered(canonical_file)}")
    times = []
    for where in wheres:
        start = time.perf_counter()
        con.execute(f"SELECT * FROM c WHERE {where} ORDER BY row_id LIMIT {PAGE}").df()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes (`tradeflux serve --workers`)")
    args = parser.parse_args()
    rows, first_errors = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        cli = [sys.executable, "-m", "tradeflux.cli"]
        common = ["--store", str(store), "--data-dir", DATA]
        subprocess.run(
            [*cli, "ingest", "gacc", "comtrade-mirror", "imf-dots", "imf-china", *common, "--json"],
            check=True,
            capture_output=True,
        )
        canonical_file = next((store / "derived").glob("canonical_flows-*.parquet"))
        state = canonical_file.stem.split("-")[1]
        total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{canonical_file}')").fetchall()[0][0]
        depths = random.Random(7).sample(range(total - PAGE), 500)
        chn = duckdb.sql(
            f"SELECT row_id FROM ({_numbered(canonical_file)}) WHERE reporter = 'CHN' ORDER BY row_id"
        ).fetchnumpy()["row_id"]
        workloads = {
            "report figures": (lambda n: FIGURES[n % len(FIGURES)], None),
            "flows, first page": (lambda n: f"/api/flows?limit={PAGE}", ["true"] * 50),
            "flows, any depth by cursor": (
                lambda n: f"/api/flows?limit={PAGE}&cursor={state}.{depths[n % len(depths)]}",
                [f"row_id > {d}" for d in depths[:50]],
            ),
            "flows of CHN by cursor": (
                lambda n: f"/api/flows?reporter=CHN&limit={PAGE}&cursor={state}.{chn[(n * 97) % len(chn)]}",
                [f"reporter = 'CHN' AND row_id > {chn[(n * 97) % len(chn)]}" for n in range(50)],
            ),
        }
        port = _port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", str(args.workers), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/api/health", timeout=None).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            for path in FIGURES:  # warm the report cache: the load test measures serving, not building
                httpx.get(base + path, timeout=None).raise_for_status()
            while httpx.get(base + "/api/health", timeout=None).json()["pages"] != "local copy":
                time.sleep(0.5)  # the server's own copy of the canonical rows, made once per state of the store
            for name, (paths, wheres) in workloads.items():
                server_cpu, client_cpu = _cpu_seconds(server.pid), _cpu_seconds(os.getpid(), tree=False)
                latencies, errors, elapsed = asyncio.run(_load(base, paths, args.clients, args.seconds))
                server_cpu = _cpu_seconds(server.pid) - server_cpu
                client_cpu = _cpu_seconds(os.getpid(), tree=False) - client_cpu
                ms = np.array(latencies) * 1000
                p50 = float(np.percentile(ms, 50))
                direct = _direct_ms(canonical_file, wheres) if wheres else float("nan")
                rows.append(
                    {
                        "workload": name,
                        "clients": args.clients,
                        "requests": len(latencies),
                        "errors": len(errors),
                        "requests_per_s": round(len(latencies) / elapsed, 1),
                        "p50_ms": round(p50, 1),
                        "p99_ms": round(float(np.percentile(ms, 99)), 1),
                        # where the two cores went: the server's and the clients' CPU per request
                        "server_cpu_ms": round(server_cpu / len(latencies) * 1000, 2),
                        "client_cpu_ms": round(client_cpu / len(latencies) * 1000, 2),
                        "direct_page_ms": round(direct, 1),
                        "p50_vs_direct": round(p50 / direct, 1) if wheres else None,
                    }
                )
                first_errors[name] = errors[:10]
        finally:
            server.terminate()
            server.wait()
    print_table(rows, list(rows[0]))
    print(f"wrote {write('web', {'rows': rows, 'canonical_rows': int(total), 'first_errors': first_errors})}")


if __name__ == "__main__":
    main()
