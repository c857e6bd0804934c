#!/usr/bin/env bash
# The main job: install, build the store from the data directory (../shared/data by default) and list it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/tradeflux ingest "$@"
