"""The job registry shared by the server's worker processes through a folder (``tradeflux serve --workers``)."""

from __future__ import annotations

import threading

import pytest

from tradeflux.web.jobs import JobBusy, Jobs


def test_a_job_submitted_to_one_worker_is_answered_by_another(tmp_path):
    first, second = Jobs(max_running=1, folder=tmp_path), Jobs(max_running=1, folder=tmp_path)  # two processes
    release = threading.Event()

    def work(job):
        job.progress = "half way"
        release.wait()
        return {"answer": 42}

    job = first.submit("pe", {"date": "2025-05-14"}, work)
    seen = second.get(job.id)
    assert seen is not None and seen.kind == "pe" and seen.request == {"date": "2025-05-14"}
    with pytest.raises(JobBusy, match="1 jobs are running; try again when one has finished"):
        second.submit("pe", {}, lambda _job: {})  # the limit counts every worker's jobs
    release.set()
    first._pool.shutdown(wait=True)
    done = second.get(job.id)
    assert (done.status, done.progress, done.result, done.error) == ("done", "done", {"answer": 42}, None)
    assert done.finished is not None
    assert second.get("0123456789ab") is None
    assert second.submit("pe", {}, lambda _job: {}).status in ("queued", "running", "done")


def test_a_failed_job_says_why_in_every_worker(tmp_path):
    from tradeflux.errors import InputError

    first, second = Jobs(folder=tmp_path), Jobs(folder=tmp_path)

    def work(_job):
        raise InputError("date: 2025-13-45 is not a date")

    job = first.submit("pe", {}, work)
    first._pool.shutdown(wait=True)
    failed = second.get(job.id)
    assert (failed.status, failed.error) == ("failed", "date: 2025-13-45 is not a date")


def test_serve_with_two_workers_answers_as_one(full_store, data_dir):
    """`tradeflux serve --workers 2`: pages and a job polled across both processes; the report built once."""
    import json
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = [sys.executable, "-m", "tradeflux.cli", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(
        [*cli, "--store", str(full_store.root), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # no deadline: a busy machine starts slowly; a server that dies ends the wait
            if server.poll() is not None:
                pytest.fail(f"the server stopped: {server.stderr.read().decode()[-500:]}")
            try:
                if httpx.get(base + "/api/health", timeout=None).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=None) as client:
            figures = [client.get("/api/report/CHN/2019/figures").json() for _ in range(6)]
            assert all(f == figures[0] for f in figures)  # whichever worker answered
            page = client.get("/api/flows", params={"reporter": "CHN", "limit": 5}).json()
            assert len(page["rows"]) == 5 and page["next_cursor"]
            after = client.get("/api/flows", params={"reporter": "CHN", "limit": 5, "cursor": page["next_cursor"]})
            assert after.status_code == 200 and after.json()["rows"][0]["row_id"] > page["rows"][-1]["row_id"]
            job = client.post("/api/jobs/pe", json={"date": "2025-11-10"}).json()
            while True:  # each poll may reach either worker
                seen = client.get(f"/api/jobs/{job['id']}")
                assert seen.status_code == 200, seen.text
                if seen.json()["status"] in ("done", "failed"):
                    break
                time.sleep(0.5)
            assert seen.json()["status"] == "done", json.dumps(seen.json())[:500]
    finally:
        server.terminate()
        server.wait()
