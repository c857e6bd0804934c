"""Where tradeflux reads source files from and where it keeps its store.

Settings, each an option on the command line and an environment variable:

* ``TRADEFLUX_DATA``: the directory of source datasets (default ``../shared/data``, relative to the
  working directory, as laid out in this project's workplace).
* ``TRADEFLUX_STORE``: the directory of the Parquet store (default ``.tradeflux/store``).
* ``TRADEFLUX_ENGINE``: the query engine, ``duckdb`` (default) or ``spark``.
* ``TRADEFLUX_SPARK_MASTER``: Spark's master URL (default ``local[2]``); other Spark settings come
  from Spark's own ``spark-defaults.conf`` (``SPARK_CONF_DIR``).
* ``TRADEFLUX_STORE_URL``: where the engine reads the store's files when they are not at the local
  path, e.g. ``s3a://bucket/tradeflux/store`` for a copy in object storage (the manifest is read
  locally, the files by the cluster).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tradeflux.errors import InputError

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_STORE_DIR",
    "data_dir",
    "engine",
    "spark_master",
    "store_dir",
    "store_url",
]


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


def engine(override: str | None = None) -> str:
    """The query engine's name: ``duckdb`` unless set."""
    return override or os.environ.get("TRADEFLUX_ENGINE", "duckdb")


def spark_master(override: str | None = None) -> str:
    """Spark's master URL: ``local[2]`` (two cores of this machine) unless set."""
    return override or os.environ.get("TRADEFLUX_SPARK_MASTER", "local[2]")


def store_url(override: str | None = None) -> str | None:
    """Where an engine reads the store's files, if not at the store's local path: a URL with a scheme
    (``s3a://bucket/store``, ``hdfs://...``, ``file:///...``) or an absolute path."""
    url = override or os.environ.get("TRADEFLUX_STORE_URL") or None
    if url is not None and not (re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+", url) or url.startswith("/")):
        raise InputError(
            f"TRADEFLUX_STORE_URL {url!r}: not a URL such as s3a://bucket/store or file:///path, nor an absolute path"
        )
    return url
