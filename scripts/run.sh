#!/usr/bin/env bash
# The main job: install, build the store from the data directory (../shared/data by default),
# write China's 2025 trade report, then the tariff chain: the US duties in force after the
# November 2025 truce at the product level (SMART) and the truce in general equilibrium, and the
# outlook for next year with the duties in force overlaid.
# Everything lands in reports/ (HTML with charts, JSON, CSV).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/tradeflux ingest
.venv/bin/tradeflux report "${1:-CHN}" --year "${2:-2025}" --out reports
.venv/bin/tradeflux pe --date 2025-11-10 --out reports
.venv/bin/tradeflux simulate us_tariffs_truce_2025_11_goods --out reports
.venv/bin/tradeflux outlook CHN --horizon 1 --pe-date 2025-11-10 --out reports
