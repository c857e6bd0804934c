"""Where tradeflux reads source files from and where it keeps its store.

Two settings, each an option on the command line and an environment variable:

* ``TRADEFLUX_DATA``: the directory of source datasets (default ``../shared/data``, relative to the
  working directory, as laid out in this project's workplace).
* ``TRADEFLUX_STORE``: the directory of the Parquet store (default ``.tradeflux/store``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_DATA_DIR", "DEFAULT_STORE_DIR", "data_dir", "store_dir"]


DEFAULT_DATA_DIR = Path("../shared/data")
DEFAULT_STORE_DIR = Path(".tradeflux/store")


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the source datasets (one folder per dataset with a PROVENANCE.md)."""
    if override is not None:
        return Path(override)
    return Path(os.environ.get("TRADEFLUX_DATA", DEFAULT_DATA_DIR))


def store_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the Parquet store."""
    if override is not None:
        return Path(override)
    return Path(os.environ.get("TRADEFLUX_STORE", DEFAULT_STORE_DIR))
