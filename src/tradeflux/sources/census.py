"""US Census Bureau imports for consumption with calculated duties (2024), via tradewartracker.

Values are US customs value (``CUSTOMS``: the transaction value at the foreign port, excluding
freight and insurance), in USD. ``duty`` is Census's calculated duty in USD.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source, Staged

__all__ = [
    "HS6_FILE",
    "HTS10_FILE",
    "US_CENSUS",
    "hs6_by_partner_frame",
    "hts10_china_frame",
    "read_hs6_by_partner",
    "read_hts10_china",
]


def read_hts10_china(ctx: ReadContext, path: Path) -> list[Staged]:
    raw = ctx.load_csv(path, ["hts10", "imports_for_consumption_usd", "calculated_duty_usd"])
    exprs = {
        "period_raw": "'2024'",
        "reporter": "'USA'",
        "reporter_code": "'United States'",
        "partner": "'CHN'",
        "partner_code": "'5700'",
        "flow": "'import'",
        "classification": "'HTS'",
        "product": "hts10",
        "value_raw": "imports_for_consumption_usd",
        "valuation": "'CUSTOMS'",
        "duty_raw": "calculated_duty_usd",
    }
    return [Staged.of("flows", exprs, raw)]


def read_hs6_by_partner(ctx: ReadContext, path: Path) -> list[Staged]:
    """HS6 imports by partner. ``EUU`` is the EU aggregate (Slovakia also appears on its own)."""
    raw = ctx.load_csv(
        path,
        ["census_cty_code", "iso3", "census_country_name", "hs6", "imports_for_consumption_usd", "calculated_duty_usd"],
    )
    exprs = {
        "period_raw": "'2024'",
        "reporter": "'USA'",
        "reporter_code": "'United States'",
        "partner": "nullif(iso3, '')",
        "partner_code": "census_cty_code",
        "flow": "'import'",
        "classification": "'HS2022'",
        "product": "hs6",
        "value_raw": "imports_for_consumption_usd",
        "valuation": "'CUSTOMS'",
        "duty_raw": "calculated_duty_usd",
    }
    return [Staged.of("flows", exprs, raw)]


US_CENSUS = Source(
    id="us-census",
    title="US imports for consumption and calculated duties, 2024 (US Census Bureau via tradewartracker)",
    vintage=None,
    vintage_note="Census annual 2024 data as extracted upstream; the file's date is used",
    licence="US Government work, public domain",
    datasets=(
        Dataset(
            "hts10-china",
            "us-imports-hs-2024/us_imports_from_china_hts10_2024.csv",
            read_hts10_china,
            "HTS10 imports from China with duties",
        ),
        Dataset(
            "hs6-partners",
            "us-imports-hs-2024/us_imports_by_partner_hs6_2024.csv*",
            read_hs6_by_partner,
            "HS6 imports by the top 50 partners and the EU",
        ),
    ),
)


HS6_FILE = "us-imports-hs-2024/us_imports_by_partner_hs6_2024.csv.gz"
HTS10_FILE = "us-imports-hs-2024/us_imports_from_china_hts10_2024.csv"


def _frame(path: Path, columns: dict[str, str], codes: tuple[str, ...]) -> pd.DataFrame:
    """Read ``path`` as text, check every row's numbers; raise naming the file, line and field."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame]
    if missing:
        raise FormatError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in columns:
        if column in codes:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise FormatError(
                f"{path}: line {row + 2}, field {column}: {frame[column].iloc[row]!r} is not a non-negative number"
            )
        frame[column] = values
    return frame[list(columns)].rename(columns=columns)


def hs6_by_partner_frame(data_dir: Path) -> pd.DataFrame:
    """US 2024 imports by HS6 and partner: ``product, partner, imports, duty`` (USD, customs value)."""
    frame = _frame(
        data_dir / HS6_FILE,
        {"hs6": "product", "iso3": "partner", "imports_for_consumption_usd": "imports", "calculated_duty_usd": "duty"},
        ("hs6", "iso3"),
    )
    return frame


def hts10_china_frame(data_dir: Path) -> pd.DataFrame:
    """US 2024 imports from China by HTS10: ``product, imports, duty`` (USD, customs value)."""
    return _frame(
        data_dir / HTS10_FILE,
        {"hts10": "product", "imports_for_consumption_usd": "imports", "calculated_duty_usd": "duty"},
        ("hts10",),
    )
