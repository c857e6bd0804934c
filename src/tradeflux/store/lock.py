"""The store's write lock: one writer at a time, across processes.

An ingest holds an exclusive ``flock`` on ``<store>/.lock`` from its first write to its manifest
commit. A second writer does not wait: it fails at once with :class:`~tradeflux.errors.StoreBusy`,
naming the process that holds the lock, so nothing is half-written and nothing is lost. Readers
take no lock: the manifest is replaced atomically, so a query sees the store before or after an
ingest, never between; files an ingest replaces are removed by a later ingest, not while a reader
may still be reading them.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tradeflux.errors import StoreBusy

__all__ = ["WriteLock"]


class WriteLock:
    """A re-entrant (within one process) exclusive lock on a store directory."""

    def __init__(self, root: Path):
        self.path = root / ".lock"
        self._handle = None
        self._depth = 0

    def __enter__(self) -> WriteLock:
        if self._depth == 0:
            handle = self.path.open("a+")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise StoreBusy(
                    f"the store {self.path.parent} is busy: {holder} is writing to it; try again when it has finished"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"process {os.getpid()}")
            handle.flush()
            self._handle = handle
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0 and self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
