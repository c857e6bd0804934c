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
    """Every dataset of the data directory, ingested once for the session, with its canonical rows written (as
    ``tradeflux ingest`` leaves a store)."""
    store = tradeflux.open(tmp_path_factory.mktemp("store"), data_dir=data_dir)
    store.ingest_all()
    store.derive()
    return store


@pytest.fixture
def store(tmp_path: Path, data_dir: Path) -> tradeflux.Store:
    return tradeflux.open(tmp_path / "store", data_dir=data_dir)


@pytest.fixture
def browser_page():
    """Open an HTML file in Debian's headless Chromium; yields ``open(path, wait_for) -> (page, errors)``."""
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is installed by .ci/run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        errors: list[str] = []

        def open_page(path: Path, wait_for: str):
            page = browser.new_page(viewport={"width": 1200, "height": 1800})
            page.set_default_timeout(0)  # no wall-clock deadline: a busy machine is slow, not broken
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(path if isinstance(path, str) else path.as_uri())
            page.wait_for_selector(wait_for)
            return page, errors

        yield open_page
        browser.close()
