#!/usr/bin/env bash
# The test suite: install (if needed), then run ruff, the import contract and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/lint-imports
# two workers (the CI machine has two cores), one test file per worker at a time so that module
# fixtures are built once
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
