"""Report benchmark: the country report on a store of synthetic BACI-like HS6 flows, against the floor.

The store holds ``--rows`` flows over ``--years`` years (generated, then ingested, then its canonical
rows written, as ``tradeflux ingest`` leaves a store). Timed, each in its own process and in the same run:

* ``tradeflux``: ``report.build(store, "CHN", last_year)`` (totals from HS6, partners, groups,
  chapters, baskets, unit-value price/volume split);
* ``duckdb-sql``: the same aggregations written directly in DuckDB SQL over the store's Parquet
  files (the floor): totals by year, partners in two years, chapters, basket lines, unit values.

Goal: tradeflux within 1.5x of the floor (issue 24). Prints a table; writes ``benchmarks/results/report_<rows>m.json``.

    python benchmarks/bench_report.py [--rows 50000000] [--years 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child, write
from bench_ingest import generate

TRADEFLUX = """
import sys, time, tradeflux
from tradeflux.analysis import report
store = tradeflux.open(sys.argv[1] + '/store', data_dir=sys.argv[1])
t = time.perf_counter()
r = report.build(store, 'CHN', int(sys.argv[2]))
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
import json; print('EXTRA ' + json.dumps({'balance': r.figure('balance').value}), file=sys.stderr)
"""

INGEST = """
import sys, tradeflux
from tradeflux.sources import baci
store = tradeflux.open(sys.argv[1] + '/store', data_dir=sys.argv[1])
store.ingest(baci.BACI, sys.argv[2])
"""

DERIVE = """
import sys, tradeflux
store = tradeflux.open(sys.argv[1] + '/store', data_dir=sys.argv[1])
store.derive()  # the canonical rows and the HS6 sums, as `tradeflux ingest` writes them after loading
"""

FLOOR = """
import sys, time, duckdb
y = int(sys.argv[2])
con = duckdb.connect()
t = time.perf_counter()
con.execute(f"CREATE VIEW f AS SELECT * FROM read_parquet('{sys.argv[1]}/store/flows/**/*.parquet', hive_partitioning = true)")
totals = con.execute("SELECT year, sum(value) FILTER (reporter = 'CHN') AS exports, sum(value) FILTER (partner = 'CHN') AS imports FROM f GROUP BY year").fetchall()
partners = con.execute("SELECT year, reporter, partner, sum(value) FROM f WHERE (reporter = 'CHN' OR partner = 'CHN') AND year IN (?, ?) GROUP BY ALL", [y, y - 1]).fetchall()
chapters = con.execute("SELECT substr(product, 1, 2), sum(value) FROM f WHERE reporter = 'CHN' AND year = ? GROUP BY 1", [y]).fetchall()
basket = con.execute("SELECT product, sum(value) FROM f WHERE reporter = 'CHN' AND year = ? AND product IN ('870360','870370','870380','850760','854142','854143') GROUP BY 1", [y]).fetchall()
unit = con.execute("SELECT product, year, sum(value), sum(quantity) FROM f WHERE reporter = 'CHN' AND year IN (?, ?) AND quantity IS NOT NULL GROUP BY ALL", [y, y - 1]).fetchall()
print('SECONDS', time.perf_counter() - t, file=sys.stderr)
b = [r for r in totals if r[0] == y][0]
import json; print('EXTRA ' + json.dumps({'balance': b[1] - b[2]}), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it; reuse it if there")
    args = parser.parse_args()
    first = 2025 - args.years + 1
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        reuse = args.keep is not None and (work / "store" / "manifest.json").exists()
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        for k, year in enumerate([] if reuse else range(first, 2026)):
            path = work / f"BACI_HS22_Y{year}_V202601.csv"
            generate(path, args.rows // args.years, seed=k)
            text = path.read_text()
            path.write_text(text.replace("\n2022,", f"\n{year},"))
            # ingest in a child process, so that this process stays small and the timed children's
            # peak memory is their own (a child's max RSS starts from its parent's at fork)
            run_child("ingest", INGEST, str(work), str(path))
            path.unlink()
            print(
                f"year {year}: ingested {args.rows // args.years:,} rows ({time.perf_counter() - t0:.0f}s so far)",
                file=sys.stderr,
            )
        ingest_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        run_child("derive", DERIVE, str(work))  # nothing to do on a kept store derived before
        derive_seconds = time.perf_counter() - t1
        rows = [run_child("duckdb-sql", FLOOR, str(work), "2025"), run_child("tradeflux", TRADEFLUX, str(work), "2025")]
    floor = rows[0]["seconds"]
    for r in rows:
        r["x_floor"] = round(r["seconds"] / floor, 2)
    print_table(rows, ["method", "seconds", "x_floor", "peak_rss_mb", "balance"])
    ratio = rows[1]["x_floor"]
    summary = {
        "rows": args.rows,
        "years": args.years,
        "ingest_seconds": round(ingest_seconds, 1),
        "derive_seconds": round(derive_seconds, 1),
        "results": rows,
        "tradeflux_vs_floor": ratio,
        "goal": "<= 1.5",
        "goal_met": ratio <= 1.5,
    }
    print(
        f"\nstore of {args.rows:,} flows loaded in {ingest_seconds:.0f}s, derived rows written in {derive_seconds:.0f}s; report / floor = {ratio} (goal <= 1.5); goal met: {summary['goal_met']}"
    )
    print(f"wrote {write(f'report_{args.rows // 1_000_000}m', summary)}")


if __name__ == "__main__":
    main()
