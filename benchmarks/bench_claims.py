"""Claim extraction speed: 1 MB of real news sentences (the shipped corpus, repeated), tradeflux beside
quantulum3 (the quantity parser the claim checker used before) on the same text, each in its own process.

    python benchmarks/bench_claims.py [--mb 1]

Prints a table and writes benchmarks/results/claims.json. Goal: 1 MB in under 10 s; the ratio to the peer
is what to compare across machines.
"""

from __future__ import annotations

import argparse

from _common import print_table, run_child, write

TEXT = """
import sys, time, datetime as dt
from tradeflux.analysis.claims import _corpus
frame = _corpus.load().drop_duplicates("sid")
unit = "\\n".join(frame.sentence)
size = int(float(sys.argv[1]) * 1_000_000)
text = (unit + "\\n") * (size // len(unit) + 1)
text = text[:size]
"""
OURS = (
    TEXT
    + """
from tradeflux.analysis import claims
from tradeflux.reference import countries
table = countries.load()
start = time.perf_counter()
found = claims.extract(text, table, today=dt.date(2026, 1, 14))
print("SECONDS", time.perf_counter() - start, file=sys.stderr)
import json; print("EXTRA " + json.dumps({"claims": len(found), "chars": len(text)}), file=sys.stderr)
"""
)
PEER = (
    TEXT
    + """
import warnings
warnings.simplefilter("ignore")
from quantulum3 import classifier, parser
classifier.USE_CLF = False
lines = text.split("\\n")
start = time.perf_counter()
n = sum(len(parser.parse(line)) for line in lines if line)
print("SECONDS", time.perf_counter() - start, file=sys.stderr)
import json; print("EXTRA " + json.dumps({"claims": n, "chars": len(text)}), file=sys.stderr)
"""
)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--mb", type=float, default=1.0, help="megabytes of text")
    mb = args.parse_args().mb
    rows = [run_child("tradeflux claims.extract", OURS, str(mb))]
    try:
        rows.append(run_child("quantulum3 parse (quantities only)", PEER, str(mb)))
    except RuntimeError as exc:
        print(f"peer skipped: {str(exc).splitlines()[-1]}")
    for r in rows:
        r["mb_per_s"] = round(r["chars"] / 1e6 / r["seconds"], 3)
    if len(rows) == 2:
        rows[0]["ratio_to_peer"] = round(rows[0]["seconds"] / rows[1]["seconds"], 3)
    print_table(rows, ["method", "seconds", "mb_per_s", "claims", "peak_rss_mb", "ratio_to_peer"])
    print(f"goal: {mb:g} MB in under 10 s: {'met' if rows[0]['seconds'] < 10 * mb else 'missed'}")
    print(f"written: {write('claims', {'mb': mb, 'rows': rows})}")


if __name__ == "__main__":
    main()
