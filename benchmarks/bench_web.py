"""Load test of the HTTP API on loopback: concurrent clients on the figures endpoints for a fixed time.

Starts ``tradeflux serve`` on 127.0.0.1 (a free port) over a store built from the data directory,
warms the report cache, then runs ``--clients`` concurrent clients (httpx, asyncio) for ``--seconds``,
each requesting the figures of a few country-years in turn. Bounded in time and count; traffic stays
on 127.0.0.1. Prints a table and writes ``benchmarks/results/web.json``: requests, errors, requests
per second, p50 and p99 latency.

    python benchmarks/bench_web.py [--clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, write

DATA = os.environ.get("TRADEFLUX_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
PATHS = [
    "/api/report/CHN/2025/figures",
    "/api/report/DEU/2019/figures",
    "/api/report/USA/2020/figures",
    "/api/report/VNM/2020/figures",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(base: str, until: float, latencies: list[float], errors: list[str], k: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        n = k
        while time.perf_counter() < until:
            path = PATHS[n % len(PATHS)]
            n += 1
            start = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
            latencies.append(time.perf_counter() - start)


async def _load(base: str, clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(base, start + seconds, latencies, errors, k) for k in range(clients)))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        cli = [sys.executable, "-m", "tradeflux.cli"]
        common = ["--store", str(store), "--data-dir", DATA]
        subprocess.run(
            [*cli, "ingest", "gacc", "comtrade-mirror", "imf-dots", "imf-china", *common, "--json"],
            check=True,
            capture_output=True,
        )
        port = _port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            for path in PATHS:  # warm the report cache: the load test measures serving, not building
                httpx.get(base + path, timeout=120).raise_for_status()
            latencies, errors, elapsed = asyncio.run(_load(base, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = np.array(latencies) * 1000
    row = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
    }
    print_table([row], list(row))
    print(f"wrote {write('web', {**row, 'paths': PATHS, 'first_errors': errors[:10]})}")


if __name__ == "__main__":
    main()
