"""Scenario runs as jobs: submitted, run in a bounded pool, polled by id.

At most ``max_running`` jobs run at once; a submission beyond that is refused (the API answers 429)
rather than queued without end. Finished jobs keep their result (JSON-safe) for polling.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tradeflux._results import jsonable
from tradeflux.errors import TradefluxError

__all__ = ["Job", "JobBusy", "Jobs"]


class JobBusy(Exception):
    """Too many jobs are running."""


@dataclass
class Job:
    id: str
    kind: str
    request: dict
    status: str = "queued"  # queued | running | done | failed
    progress: str = "queued"
    submitted: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return jsonable(
            {
                "id": self.id,
                "kind": self.kind,
                "request": self.request,
                "status": self.status,
                "progress": self.progress,
                "submitted": self.submitted,
                "finished": self.finished,
                "result": self.result,
                "error": self.error,
            }
        )


class Jobs:
    """A bounded pool of scenario runs."""

    def __init__(self, max_running: int = 2, keep: int = 100):
        self.max_running = max_running
        self.keep = keep
        self._pool = ThreadPoolExecutor(max_workers=max_running)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def running(self) -> int:
        return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, kind: str, request: dict, work: Callable[[Job], dict]) -> Job:
        with self._lock:
            if self.running() >= self.max_running:
                raise JobBusy(f"{self.max_running} jobs are running; try again when one has finished")
            job = Job(uuid.uuid4().hex[:12], kind, request)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished]
            for old in sorted(finished, key=lambda j: j.finished)[: max(0, len(self._jobs) - self.keep)]:
                self._jobs.pop(old.id, None)
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], dict]) -> None:
        job.status, job.progress = "running", "running the model"
        try:
            job.result = jsonable(work(job))
            job.status, job.progress = "done", "done"
        except TradefluxError as exc:
            job.status, job.error, job.progress = "failed", str(exc), "failed"
        except Exception as exc:  # a defect: say so without a traceback
            job.status, job.error, job.progress = "failed", f"internal error ({type(exc).__name__})", "failed"
        job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)
