#!/usr/bin/env bash
# The main job: install, build the store from the data directory (../shared/data by default),
# then write China's 2025 trade report (terminal summary; HTML, JSON and CSV in reports/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/tradeflux ingest
.venv/bin/tradeflux report "${1:-CHN}" --year "${2:-2025}" --out reports
