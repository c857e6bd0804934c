"""Shared fixtures: the data directory and a store with every shared dataset ingested."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tradeflux

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TRADEFLUX_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "china-2025-gacc-headlines").is_dir():
        pytest.fail(f"the shared data directory is missing: {DATA} (set TRADEFLUX_DATA)")
    return DATA


@pytest.fixture(scope="session")
def full_store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tradeflux.Store:
    """Every dataset of the data directory, ingested once for the session."""
    store = tradeflux.open(tmp_path_factory.mktemp("store"), data_dir=data_dir)
    store.ingest_all()
    return store


@pytest.fixture
def store(tmp_path: Path, data_dir: Path) -> tradeflux.Store:
    return tradeflux.open(tmp_path / "store", data_dir=data_dir)
