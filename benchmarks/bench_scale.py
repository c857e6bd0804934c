"""Scale benchmark: the monitor's queries on DuckDB and on Spark local[2] over the same Parquet
files, at 20 and 100 million synthetic BACI-like rows (HS6 flows among 60 countries, five years).

Metrics, each through the library's own functions on an engine connection:

* ``canonical``: one reporter's canonical flows (one row per fact: a window over its rows);
* ``product totals``: a reporter's totals by partner and with the world, summed from HS6;
* ``estimation panel``: every exporter-importer-year total (a full scan and aggregation), handed
  to the numerical code as Arrow, as gravity estimation takes it.

Each engine and size runs in its own process; peak memory counts the Python process and, for
Spark, its JVM. From the times it estimates the size at which Spark on this machine would stop
losing to DuckDB, and what a cluster might do (an estimate, said so). Prints a table; writes
``benchmarks/results/scale.json``.

    python benchmarks/bench_scale.py [--rows 20000000 100000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child, write

COUNTRIES = [
    "ARG", "AUS", "AUT", "BEL", "BGD", "BRA", "CAN", "CHE", "CHL", "CHN", "COL", "CZE", "DEU", "DNK", "EGY",
    "ESP", "FIN", "FRA", "GBR", "GRC", "HKG", "HUN", "IDN", "IND", "IRL", "ISR", "ITA", "JPN", "KAZ", "KEN",
    "KOR", "MAR", "MEX", "MYS", "NGA", "NLD", "NOR", "NZL", "PAK", "PER", "PHL", "POL", "PRT", "ROU", "RUS",
    "SAU", "SGP", "SWE", "THA", "TUR", "UKR", "USA", "VNM", "ZAF", "ARE", "BGR", "DZA", "IRN", "IRQ", "QAT",
]  # fmt: skip
YEARS = (2018, 2019, 2020, 2021, 2022)
CONSTANTS = {
    "period_kind": "year",
    "flow": "export",
    "currency": "USD",
    "valuation": "FOB",
    "quantity_unit": "t",
    "mirror": False,
    "estimated": False,
    "dataset": "hs6",
    "vintage": "2025-01-01",
    "file": "synthetic BACI",
}


def generate(root: Path, rows: int, chunk: int = 5_000_000) -> list[dict]:
    """Write ``rows`` flows as Parquet in the store's layout; return the file groups (as dicts)."""
    rng = np.random.default_rng(0)
    codes = np.array(COUNTRIES)
    per_year = rows // len(YEARS)
    groups = []
    for year in YEARS:
        folder = root / "flows" / "source=baci" / "classification=HS2022" / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for n, start in enumerate(range(0, per_year, chunk)):
            size = min(chunk, per_year - start)
            idx = np.arange(start, start + size)
            pair = idx % (len(codes) ** 2)
            reporter, partner = codes[pair // len(codes)], codes[pair % len(codes)]
            product = np.char.zfill((100_000 + idx // len(codes) ** 2 % 900_000).astype(str), 6)
            table = pa.table(
                {
                    "period": pa.array(np.full(size, str(year))),
                    "month": pa.nulls(size, pa.int32()),
                    "reporter": reporter,
                    "reporter_code": reporter,
                    "partner": partner,
                    "partner_code": partner,
                    "product": product,
                    "value": np.round(rng.lognormal(8, 2, size), 3),
                    "quantity": np.round(rng.lognormal(2, 2, size), 3),
                    "duty": pa.nulls(size, pa.float64()),
                    "declarant": reporter,
                    "line": idx + 2,
                }
            )
            path = folder / f"part-{n}.parquet"
            pq.write_table(table, path, compression="zstd")
            files.append(str(path))
        groups.append({"files": files, "constants": CONSTANTS})
    return groups


CHILD = """
import sys, json, time
from pathlib import Path
sys.path.insert(0, {src!r})
from tradeflux.store import engines
from tradeflux.analysis import canonical, queries
groups = [engines.FileGroup(tuple(g["files"]), g["constants"]) for g in json.loads(Path(sys.argv[1]).read_text())]
name = sys.argv[2]
options = {{"master": "local[2]"}} if name == "spark" else {{}}
t = time.perf_counter()
con = engines.get(name, **options).connect({{"flows": groups, "indicators": [], "tariffs": []}}, [])
timings = {{"connect": time.perf_counter() - t}}
def timed(label, fn):
    t = time.perf_counter()
    out = fn()
    timings[label] = time.perf_counter() - t
    return out
rows = {{}}
rows["canonical"] = len(timed("canonical", lambda: canonical.canonical(con, reporter="CHN", year=2022)))
rows["product totals"] = len(timed("product totals", lambda: queries.product_totals(con, "CHN")))
panel = "SELECT year, reporter AS exporter, partner AS importer, sum(value) AS trade FROM flows GROUP BY year, reporter, partner"
rows["estimation panel"] = timed("estimation panel", lambda: con.execute(panel).to_arrow_table()).num_rows
jvm = 0
if name == "spark":
    from tradeflux.store.spark import session
    pid = session("local[2]").sparkContext._gateway.proc.pid
    jvm = int(next(l for l in open(f"/proc/{{pid}}/status") if l.startswith("VmHWM")).split()[1])
print("EXTRA " + json.dumps({{"timings": timings, "rows": rows, "jvm_peak_kb": jvm}}), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000_000, 100_000_000])
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    src = str(Path(__file__).resolve().parents[1] / "src")
    results = []
    for rows in args.rows:
        work = Path(args.keep or tempfile.mkdtemp(prefix="tradeflux-scale-")) / f"rows-{rows}"
        t0 = time.perf_counter()
        spec = work / "groups.json"
        if not spec.exists():
            groups = generate(work, rows)
            spec.write_text(json.dumps(groups))
        print(f"{rows:,} rows ready in {time.perf_counter() - t0:.0f} s", flush=True)
        for engine in ("duckdb", "spark"):
            out = run_child(engine, CHILD.format(src=src), str(spec), engine)
            for metric, seconds in out["timings"].items():
                results.append(
                    {
                        "rows": rows,
                        "metric": metric,
                        "engine": engine,
                        "seconds": round(seconds, 2),
                        "peak_mb": round(out["peak_rss_mb"] + out["jvm_peak_kb"] / 1024, 0),
                        "result_rows": out["rows"].get(metric, ""),
                    }
                )
            print(f"  {engine}: {out['timings']}", flush=True)
        if not args.keep:
            shutil.rmtree(work.parent, ignore_errors=True)
    table = []
    for rows in args.rows:
        for metric in ("connect", "canonical", "product totals", "estimation panel"):
            d = next(r for r in results if (r["rows"], r["metric"], r["engine"]) == (rows, metric, "duckdb"))
            s = next(r for r in results if (r["rows"], r["metric"], r["engine"]) == (rows, metric, "spark"))
            table.append(
                {
                    "rows": f"{rows:,}",
                    "metric": metric,
                    "duckdb_s": d["seconds"],
                    "spark_s": s["seconds"],
                    "spark_vs_duckdb": round(s["seconds"] / max(d["seconds"], 1e-3), 1),
                    "duckdb_peak_mb": d["peak_mb"],
                    "spark_peak_mb": s["peak_mb"],
                }
            )
    print_table(table, ["rows", "metric", "duckdb_s", "spark_s", "spark_vs_duckdb", "duckdb_peak_mb", "spark_peak_mb"])
    summary = {"rows": args.rows, "results": results, "table": table, "estimate": estimate(table, args.rows)}
    for line in summary["estimate"]:
        print(line)
    print(f"wrote {write('scale', summary)}")


def estimate(table: list[dict], sizes: list[int]) -> list[str]:
    """Where Spark on this machine would stop losing, from the full-scan metric's ratio at two sizes."""
    scan = {int(r["rows"].replace(",", "")): r for r in table if r["metric"] == "estimation panel"}
    if len(scan) < 2:
        return ["one size only: no trend to extrapolate"]
    small, large = min(scan), max(scan)
    r0, r1 = scan[small]["spark_vs_duckdb"], scan[large]["spark_vs_duckdb"]
    lines = [f"full scan: Spark local[2] takes {r0}x DuckDB's time at {small:,} rows and {r1}x at {large:,}"]
    if r1 < r0 and r1 > 1:
        slope = math.log(r1 / r0) / math.log(large / small)
        cross = large * (1 / r1) ** (1 / slope)
        lines.append(
            f"the ratio falls as data grow (exponent {slope:.2f}): extrapolated, Spark on these two cores "
            f"would match DuckDB near {cross:,.0f} rows, far beyond where DuckDB would spill to disk on this machine"
        )
    else:
        lines.append("the ratio does not fall with size: on one machine Spark does not catch up at any size measured")
    lines.append(
        f"estimate for a cluster: the scan divides across executor cores; with DuckDB on one 2-core machine as the "
        f"reference, a cluster needs about {max(r1, 1) * 2:.0f} cores to match it at {large:,} rows and more to win, "
        "before network and object-storage reads; its case is data that do not fit one machine"
    )
    return lines


if __name__ == "__main__":
    main()
