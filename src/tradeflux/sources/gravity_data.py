"""Gravity datasets: Yotov et al. (2016) Advanced Guide files, the gegravity sample, the WIOD GE baseline.

``trade`` in these files is millions of USD; stored in USD. The gravity covariates (distance,
contiguity, ...) are not flows: the gravity module reads the files themselves for those.
Germany is coded ``ZZZ`` in the Advanced Guide's Chapter 2 file (the book's reference-country
trick) and Romania ``ROM`` (its ISO code before 2002); they are stored as ``DEU`` and ``ROU`` with
the file's code kept as the source code.
"""

from __future__ import annotations

from pathlib import Path

from tradeflux.reference.countries import LEGACY_ISO3
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged

__all__ = ["GEGRAVITY", "WIOD", "YOTOV", "read_wiod", "read_yotov"]


def _pairs(
    ctx: ReadContext, path: Path, *, classification: str, product: str, valuation: str, rest_of_world: bool = False
) -> list[Staged]:
    raw = ctx.load_csv(path, ["exporter", "importer", "year", "trade"])

    legacy = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in LEGACY_ISO3.items())

    def code(col: str) -> str:
        row = " WHEN 'ROW' THEN 'AGG:rest-of-world'" if rest_of_world else ""
        return f"CASE {col} WHEN 'ZZZ' THEN 'DEU' {legacy}{row} ELSE {col} END"

    exprs = {
        "period_raw": "year",
        "reporter": code("exporter"),
        "reporter_code": "exporter",
        "partner": code("importer"),
        "partner_code": "importer",
        "flow": "'export'",
        "classification": f"'{classification}'",
        "product": f"'{product}'",
        "value_raw": "trade",
        "value_scale": "1e6",
        "valuation": f"'{valuation}'",
    }
    return [Staged.of("flows", exprs, raw)]


def read_yotov(ctx: ReadContext, path: Path) -> list[Staged]:
    return _pairs(ctx, path, classification="TOTAL", product="TOTAL", valuation="UNKNOWN")


def read_wiod(ctx: ReadContext, path: Path) -> list[Staged]:
    """WIOD deliveries of all 56 sectors (goods and services, basic prices); ``ROW`` = rest of world."""
    return _pairs(ctx, path, classification="WIOD56", product="ALL", valuation="BASIC", rest_of_world=True)


_YOTOV = "yotov-gravity-guide/"
YOTOV = Source(
    id="yotov-agtpa",
    title="Yotov, Piermartini, Monteiro and Larch (2016), An Advanced Guide to Trade Policy Analysis: datasets",
    vintage="2016-01-01",
    vintage_note="book datasets published with the 2016 edition",
    licence="CC BY 4.0 (via the tradepolicy R package); attribute WTO/UNCTAD and the authors",
    datasets=(
        Dataset(
            "panel-1986-2006",
            _YOTOV + "agtpa_gravity_panel_1986_2006.csv*",
            read_yotov,
            "69x69 panel incl. domestic flows",
        ),
        Dataset("ch1-wto", _YOTOV + "agtpa_ch1_exercise1_wto.csv*", read_yotov, "Chapter 1 exercise 1"),
        Dataset("ch1-rta-lags", _YOTOV + "agtpa_ch1_exercise2_rta_lags_mfn.csv*", read_yotov, "Chapter 1 exercise 2"),
        Dataset(
            "ch2-without-border",
            _YOTOV + "agtpa_ch2_trade_without_border_2006.csv*",
            read_yotov,
            "Chapter 2, 2006 cross-section",
        ),
    ),
)

GEGRAVITY = Source(
    id="gegravity",
    title="gegravity sample data (USITC), 30 countries, 2006",
    vintage="2021-01-01",
    vintage_note="the sample shipped with gegravity 0.3 (2021)",
    licence="MIT (gegravity); trade data CC BY 4.0 (WTO/UNCTAD)",
    datasets=(
        Dataset("sample-2006", "gegravity-sample/sample_gravity_data_2006.csv", read_yotov, "30x30 incl. domestic"),
    ),
)

WIOD = Source(
    id="wiod",
    title="WIOD 2016 release aggregated to a 44-economy trade matrix incl. domestic flows (GEGravity R package)",
    vintage="2016-11-01",
    vintage_note="WIOD 2016 release",
    licence="CC BY 4.0 (WIOD); GPL-3 (GEGravity package)",
    datasets=(
        Dataset(
            "aggregate-44",
            "wiod-gegravity-2000-2014/wiod_aggregate_trade_44_2000_2014.csv",
            read_wiod,
            "goods and services, basic prices",
        ),
    ),
)
