"""US Census Bureau international trade API: US exports and imports by partner and HS product, monthly or annual.

``https://api.census.gov/data/timeseries/intltrade/{exports,imports}/hs`` answers a JSON array of arrays: a
header row of the variables asked for, then one row per partner, product and month, every value as text (the
genuine answer kept in ``tests/fixtures/services/census`` shows the exact form). The variables read:

* exports: ``ALL_VAL_MO`` (the month) or ``ALL_VAL_YR`` (the year to date), total exports, free alongside ship
  (stored as FOB), by ``E_COMMODITY`` (Schedule B);
* imports: ``GEN_VAL_MO``/``GEN_VAL_YR`` general imports at customs value, or ``CON_VAL_MO``/``CON_VAL_YR``
  imports for consumption, with ``CAL_DUT_MO``/``CAL_DUT_YR`` the calculated duty, by ``I_COMMODITY`` (HTS);
* ``CTY_CODE`` the Census country code (``CTY_NAME`` its name, matched where the code is not known here),
  ``COMM_LVL`` ``HS2`` ... ``HS10``, ``time`` ``YYYY-MM``.

A year-to-date value in December is the calendar year; in another month, the months to date. Values in USD.
The API takes a key (``CENSUS_API_KEY``, optional below 500 requests a day) in the query string; it is not kept
in the recorded URL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from tradeflux.errors import FormatError, InputError
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged
from tradeflux.sources.http import Service, ServiceClient, ServiceRequest

__all__ = ["CENSUS", "CENSUS_API", "CensusRequest", "read_intltrade"]

DEFAULT_BASE_URL = "https://api.census.gov/data/timeseries/intltrade"
SERVICE = "us-census-api"
# Census country codes known here (Schedule C); other partners are matched by CTY_NAME
CODES = {"1220": "CAN", "2010": "MEX", "5700": "CHN", "0003": "EUU", "-": "WLD"}
LEVELS = ("HS2", "HS4", "HS6", "HS10")
_VALUES = {  # value variable -> (flow, valuation, duty variable)
    "ALL_VAL_MO": ("export", "FOB", None),
    "ALL_VAL_YR": ("export", "FOB", None),
    "GEN_VAL_MO": ("import", "CUSTOMS", "CAL_DUT_MO"),
    "GEN_VAL_YR": ("import", "CUSTOMS", "CAL_DUT_YR"),
    "CON_VAL_MO": ("import", "CUSTOMS", "CAL_DUT_MO"),
    "CON_VAL_YR": ("import", "CUSTOMS", "CAL_DUT_YR"),
}


class CensusRequest:
    """US ``exports`` or ``imports`` of ``year`` at ``level`` (HS2 ... HS10) with every partner (or ``partner``, a
    Census code), the calendar year's total (or each month with ``monthly``); imports for consumption with duties."""

    def __init__(self, flow: str, year: int, level: str = "HS6", *, partner: str | None = None, monthly: bool = False):
        if flow not in ("exports", "imports"):
            raise InputError(f"US Census: flow {flow!r}: give exports or imports")
        if level not in LEVELS:
            raise InputError(f"US Census: level {level!r}: give one of {', '.join(LEVELS)}")
        if not 2010 <= int(year) <= 2100:
            raise InputError(f"US Census: year {year!r}: the API holds 2010 on")
        if partner is not None and not re.fullmatch(r"[0-9]{4}", partner):
            raise InputError(f"US Census: partner {partner!r}: give a 4-digit Census country code (1220 Canada)")
        self.flow, self.year, self.level, self.partner, self.monthly = flow, int(year), level, partner, monthly

    @property
    def key(self) -> str:
        return f"census_{self.flow}_{self.level}_{self.partner or 'all'}_{'M' if self.monthly else 'A'}_{self.year}"

    def service_request(self) -> ServiceRequest:
        period = "MO" if self.monthly else "YR"
        if self.flow == "exports":
            names = ["CTY_CODE", "CTY_NAME", f"ALL_VAL_{period}", "E_COMMODITY"]
        else:
            names = ["CTY_CODE", "CTY_NAME", f"CON_VAL_{period}", f"CAL_DUT_{period}", "I_COMMODITY"]
        params = [("get", ",".join(names)), ("COMM_LVL", self.level)]
        params.append(("time", f"from {self.year}-01 to {self.year}-12" if self.monthly else f"{self.year}-12"))
        if self.partner:
            params.append(("CTY_CODE", self.partner))
        return ServiceRequest(CENSUS, self.key, f"/{self.flow}/hs", tuple(params))


def _rows(body: bytes, where: str | Path) -> pd.DataFrame:
    """The answer's rows under its header, as text; :class:`FormatError` if it is not the API's array of arrays."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{where}: not a Census API answer (not JSON: {exc})") from None
    if not (isinstance(data, list) and data and all(isinstance(r, list) for r in data)):
        raise FormatError(f"{where}: not a Census API answer (expected an array of arrays, a header row first)")
    header, rows = [str(h) for h in data[0]], data[1:]
    bad = next((n for n, r in enumerate(rows, 2) if len(r) != len(header)), None)
    if bad is not None:
        raise FormatError(f"{where}: row {bad} has {len(data[bad - 1])} values for a header of {len(header)}")
    values = [v for v in header if v in _VALUES]
    commodity = [c for c in header if c in ("E_COMMODITY", "I_COMMODITY")]
    missing = [n for n, ok in (("a value variable", values), ("a commodity", commodity)) if not ok]
    missing += [c for c in ("CTY_CODE", "time") if c not in header]
    if missing:
        raise FormatError(f"{where}: the answer lacks {', '.join(missing)} (header: {', '.join(header)})")
    return pd.DataFrame(rows, columns=header, dtype="string")


def read_intltrade(ctx: ReadContext, path: Path) -> list[Staged]:
    """Flows from a Census API answer; a row's ``line`` is its place in the array (the header is line 1)."""
    frame = _rows(path.read_bytes(), path)
    value = next(v for v in frame.columns if v in _VALUES)
    flow, valuation, duty = _VALUES[value]
    commodity = "E_COMMODITY" if "E_COMMODITY" in frame else "I_COMMODITY"
    for optional in ("CTY_NAME", "COMM_LVL", duty or "_no_duty"):
        if optional not in frame:
            frame[optional] = pd.Series([None] * len(frame), dtype="string")
    raw = ctx.register(frame, path, [value, commodity, "CTY_CODE", "time"], first_line=2)
    codes = {c: CODES.get(c) for c in ctx.distinct(raw, "CTY_CODE")}
    names = {n: _match(ctx, n) for n in ctx.distinct(raw, "CTY_NAME")}
    by_code, by_name = ctx.register_map(codes, "codes"), ctx.register_map(names, "names")
    # a year-to-date value: December is the year; another month, the months to date
    period = (
        "CASE WHEN right(r.time, 2) = '12' THEN left(r.time, 4) ELSE left(r.time, 4) || '-01/' || r.time END"
        if value.endswith("_YR")
        else "r.time"
    )
    level = "coalesce(r.COMM_LVL, 'HS' || length(r." + commodity + "))"
    exprs = {
        "period_raw": period,
        "reporter": "'USA'",
        "reporter_code": "'United States'",
        "partner": "coalesce(c.code, n.code)",
        "partner_code": "r.CTY_CODE",
        "flow": f"'{flow}'",
        "classification": f"CASE WHEN {level} = 'HS10' THEN 'HTS' ELSE 'HS2022' END",
        "product": f"r.{commodity}",
        "value_raw": f"r.{value}",
        "valuation": f"'{valuation}'",
        "duty_raw": f"r.{duty}" if duty else "NULL",
        "_reason": "CASE WHEN coalesce(c.code, n.code) IS NULL THEN 'unknown Census country code ' || quote(r.CTY_CODE) "
        "|| coalesce(' (' || r.CTY_NAME || ')', '') END",
        "_field": "CASE WHEN coalesce(c.code, n.code) IS NULL THEN 'CTY_CODE' END",
    }
    sql_from = f"{raw} r LEFT JOIN {by_code} c ON r.CTY_CODE = c.key LEFT JOIN {by_name} n ON r.CTY_NAME = n.key"
    return [Staged.of("flows", exprs, sql_from, line="r._line")]


def _match(ctx: ReadContext, name: str) -> str | None:
    if name.strip().upper() in ("TOTAL FOR ALL COUNTRIES", "WORLD TOTAL"):
        return "WLD"
    found = ctx.countries.match(name)
    return found if found and re.fullmatch(r"[A-Z]{3}", found) else None


CENSUS_API = Source(
    id=SERVICE,
    title="US exports and imports by partner and HS product (US Census Bureau international trade API), fetched",
    vintage_note="the day the answer was fetched",
    licence="US Government work, public domain",
    datasets=(
        Dataset(
            "intltrade",
            f"{SERVICE}/*.json",
            read_intltrade,
            "Census API answers kept by `tradeflux update`",
            supersedes="request",
        ),
    ),
)

CENSUS = Service(
    id=SERVICE,
    source=SERVICE,
    dataset="intltrade",
    table="flows",
    value="value",
    suffix=".json",
    base_url=DEFAULT_BASE_URL,
    client=lambda base_url: ServiceClient(
        SERVICE, base_url, accept=("json",), key_env="CENSUS_API_KEY", key_param="key", min_interval=1.0
    ),
    check=lambda body, where: _rows(body, where),
)
