#!/usr/bin/env bash
# The test suite: install (if needed), then run ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
