"""Scenario runs as jobs: submitted, run in a bounded pool, polled by id.

At most ``max_running`` jobs run at once; a submission beyond that is refused (the API answers 429)
rather than queued without end. Finished jobs keep their result (JSON-safe) for polling.

With a ``folder``, the registry is shared by the server's worker processes: each job's state is a JSON
file there, written whole at every change, so any worker answers a poll, and the limit counts every
worker's jobs (a lock file makes check-and-submit one step across processes).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path

from tradeflux._io import atomic_write_bytes
from tradeflux._results import jsonable
from tradeflux.errors import TradefluxError

__all__ = ["Job", "JobBusy", "Jobs"]

_ACTIVE = ("queued", "running")


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
    on_change: Callable[[Job], None] | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        hook = self.__dict__.get("on_change")
        if hook is not None and name in ("status", "progress", "finished", "result", "error"):
            hook(self)

    def to_dict(self) -> dict:
        return jsonable({f.name: getattr(self, f.name) for f in fields(self) if f.name != "on_change"})

    @classmethod
    def from_dict(cls, data: dict) -> Job:
        return cls(**{f.name: data.get(f.name) for f in fields(cls) if f.name != "on_change" and f.name in data})


class Jobs:
    """A bounded pool of scenario runs; shared through ``folder`` by several processes if given."""

    def __init__(self, max_running: int = 2, keep: int = 100, folder: str | Path | None = None):
        self.max_running = max_running
        self.keep = keep
        self.folder = Path(folder) if folder is not None else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=max_running)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def running(self) -> int:
        return sum(1 for j in self._all() if j.status in _ACTIVE)

    def submit(self, kind: str, request: dict, work: Callable[[Job], dict]) -> Job:
        with self._lock, self._shared_lock():
            if self.running() >= self.max_running:
                raise JobBusy(f"{self.max_running} jobs are running; try again when one has finished")
            job = Job(uuid.uuid4().hex[:12], kind, request)
            self._jobs[job.id] = job
            self._save(job)
            job.on_change = self._save
            finished = [j for j in self._jobs.values() if j.finished]
            for old in sorted(finished, key=lambda j: j.finished)[: max(0, len(self._jobs) - self.keep)]:
                self._jobs.pop(old.id, None)
                if self.folder is not None:
                    (self.folder / f"{old.id}.json").unlink(missing_ok=True)
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], dict]) -> None:
        job.status, job.progress = "running", "running the model"
        try:
            job.result = jsonable(work(job))
            job.progress, job.status = "done", "done"
        except TradefluxError as exc:
            job.error, job.progress, job.status = str(exc), "failed", "failed"
        except Exception as exc:  # a defect: say so without a traceback
            job.error, job.progress, job.status = f"internal error ({type(exc).__name__})", "failed", "failed"
        job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        if job_id in self._jobs:
            return self._jobs[job_id]
        path = self.folder / f"{job_id}.json" if self.folder is not None else None
        if path is None or not path.is_file():
            return None
        return Job.from_dict(json.loads(path.read_text()))

    # ---- sharing between processes ----------------------------------------------------------------
    def _all(self) -> list[Job]:
        if self.folder is None:
            return list(self._jobs.values())
        found = []
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):  # pruned by another worker
                found.append(Job.from_dict(json.loads(path.read_text())))
        return found

    def _save(self, job: Job) -> None:
        if self.folder is not None:
            atomic_write_bytes(self.folder / f"{job.id}.json", json.dumps(job.to_dict()).encode())

    @contextlib.contextmanager
    def _shared_lock(self) -> Iterator[None]:
        if self.folder is None:
            yield
            return
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
