"""What the benchmarks share: run a snippet in its own process and read its time and peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# Peak resident memory of the child itself: VmHWM belongs to the process image since exec, unlike
# getrusage's ru_maxrss, which starts from the parent's size at fork.
FOOTER = (
    "\nimport sys as _s\n"
    "_hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "print('MAXRSS', _hwm.split()[1], file=_s.stderr)\n"
)


def run_child(label: str, code: str, *args: str) -> dict:
    """Run ``code`` (a Python snippet that reads ``sys.argv``) in a fresh interpreter.

    The snippet may print ``SECONDS <float>`` to stderr to report the time of its own work
    (excluding imports and data loading); otherwise the wall time of the process is reported.
    """
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + FOOTER, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{label} failed:\n{proc.stderr[-3000:]}")
    lines = proc.stderr.splitlines()
    rss_kb = int(next(line.split()[1] for line in lines if line.startswith("MAXRSS")))
    seconds = next((float(line.split()[1]) for line in lines if line.startswith("SECONDS")), wall)
    extra = {}
    for line in lines:
        if line.startswith("EXTRA "):
            extra.update(json.loads(line[6:]))
    return {"method": label, "seconds": round(seconds, 3), "peak_rss_mb": round(rss_kb / 1024, 1), **extra}


def write(name: str, summary: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(summary, indent=2))
    return path


def print_table(rows: list[dict], columns: list[str]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) + 2 for c in columns]
    print("".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(columns, widths, strict=True))))
    for r in rows:
        print(
            "".join(
                str(r.get(c, "")).rjust(w) if i else str(r.get(c, "")).ljust(w)
                for i, (c, w) in enumerate(zip(columns, widths, strict=True))
            )
        )
