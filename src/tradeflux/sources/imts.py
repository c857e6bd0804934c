"""IMF International Trade in Goods by partner country (IMTS, the successor of DOTS), through the IMF's SDMX API.

One request asks for one reporter's exports (``XG_FOB_USD``, FOB) and imports (``MG_CIF_USD``, CIF; ``MG_FOB_USD``
where a reporter declares FOB) with every partner, annual or monthly, for a range of years, from
``https://api.imf.org/external/sdmx/2.1/data/IMF.STA,IMTS/<reporter>.<indicators>..<A|M>``. The answer is an
SDMX-ML 2.1 structure-specific message (read with ``sdmx1``, the ``fetch`` extra): series keyed by ``COUNTRY``,
``INDICATOR``, ``COUNTERPART_COUNTRY`` and ``FREQUENCY``, observations by ``TIME_PERIOD`` (``2024``,
``2024-M03``).

Units: ``OBS_VALUE`` is read as US dollars. The IMF's genuine messages found (a WEO answer of the same API, the
IMF portal's CSV export of IMTS) carry values in units although their ``SCALE`` attribute says millions
(``SCALE="6"``): the attribute is a display hint. A value that would be more than 10 trillion dollars for one
partner and year is quarantined as mis-scaled rather than loaded.

Experimental: no recorded IMTS data answer was found in any public store (see the README); the reader is tested on
a message built in the tests in the shape of the IMF's genuine WEO message, and on the shared DOTS figures.
"""

from __future__ import annotations

import re
from pathlib import Path

from tradeflux.errors import InputError
from tradeflux.sources._sdmx import observations, sdmx_service
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged
from tradeflux.sources.http import ServiceRequest

__all__ = ["DEFAULT_BASE_URL", "IMTS", "IMTS_SOURCE", "ImtsRequest", "read_imts"]

DEFAULT_BASE_URL = "https://api.imf.org/external/sdmx/2.1"
SERVICE = "imf-imts"
# indicator -> (flow, valuation)
INDICATORS = {"XG_FOB_USD": ("export", "FOB"), "MG_CIF_USD": ("import", "CIF"), "MG_FOB_USD": ("import", "FOB")}
# the IMF's codes for areas that are not ISO 3166 countries
AREAS = {"G001": "WLD", "W00": "WLD", "G998": "EUU", "U2": "EUZ"}
_TOO_BIG = 1e13  # dollars for one reporter, partner and period: a value in millions read as units would not be


class ImtsRequest:
    """One reporter's exports and imports with every partner, for ``start`` to ``end`` (years), annual (``A``) or
    monthly (``M``)."""

    def __init__(self, reporter: str, start: int, end: int | None = None, frequency: str = "A"):
        from tradeflux.reference import countries

        code = countries.load().match(reporter)
        if code is None or not re.fullmatch(r"[A-Z]{3}", code) or code == "WLD":
            raise InputError(f"IMF IMTS: {reporter!r} is not a country the IMF reports for (give an ISO3 code)")
        end = start if end is None else end
        if not 1948 <= int(start) <= int(end) <= 2100:
            raise InputError(f"IMF IMTS: years {start}-{end}: give a range of years from 1948 on, start before end")
        if frequency not in ("A", "M"):
            raise InputError(f"IMF IMTS: frequency {frequency!r}: give A (annual) or M (monthly)")
        self.reporter, self.start, self.end, self.frequency = code, int(start), int(end), frequency

    @property
    def key(self) -> str:
        return f"imts_{self.reporter}_{self.frequency}_{self.start}-{self.end}"

    def service_request(self) -> ServiceRequest:
        indicators = "+".join(INDICATORS)
        return ServiceRequest(
            IMTS,
            self.key,
            f"/data/IMF.STA,IMTS/{self.reporter}.{indicators}..{self.frequency}",
            (("startPeriod", str(self.start)), ("endPeriod", str(self.end))),
        )


def read_imts(ctx: ReadContext, path: Path) -> list[Staged]:
    """Flows from an IMTS answer; the observation's place in the message is its ``line``."""
    frame = observations(path, path)
    required = ["COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "TIME_PERIOD", "value"]
    for column in [*required, "SCALE"]:
        if column not in frame:
            frame[column] = None
    frame = frame.astype("string")
    raw = ctx.register(frame, path, required, first_line=1)
    codes = {*ctx.distinct(raw, "COUNTRY"), *ctx.distinct(raw, "COUNTERPART_COUNTRY")}
    places = ctx.register_map({c: AREAS.get(c) or _iso3(ctx, c) for c in codes}, "areas")
    flows = " ".join(f"WHEN '{k}' THEN '{v[0]}'" for k, v in INDICATORS.items())
    valuations = " ".join(f"WHEN '{k}' THEN '{v[1]}'" for k, v in INDICATORS.items())
    period = "replace(r.TIME_PERIOD, '-M', '-')"  # 2024-M03 -> 2024-03
    too_big = f"abs(TRY_CAST(r.value AS DOUBLE)) >= {_TOO_BIG:.0f}"
    exprs = {
        "period_raw": period,
        "reporter": "i.code",
        "reporter_code": "r.COUNTRY",
        "partner": "p.code",
        "partner_code": "r.COUNTERPART_COUNTRY",
        "flow": f"CASE r.INDICATOR {flows} END",
        "value_raw": "r.value",
        "currency": "'USD'",
        "valuation": f"CASE r.INDICATOR {valuations} END",
        "_reason": f"CASE WHEN CASE r.INDICATOR {flows} END IS NULL THEN 'indicator ' || quote(r.INDICATOR) || "
        "' is not exports or imports (a balance is derived from them)' "
        "WHEN i.code IS NULL THEN 'unknown reporter ' || quote(r.COUNTRY) "
        "WHEN p.code IS NULL THEN 'unknown partner ' || quote(r.COUNTERPART_COUNTRY) "
        f"WHEN {too_big} THEN 'over 10 trillion dollars: a value in millions (SCALE ' || "
        "coalesce(r.SCALE, 'not given') || ') read as dollars?' END",
        "_field": f"CASE WHEN CASE r.INDICATOR {flows} END IS NULL THEN 'INDICATOR' WHEN i.code IS NULL THEN 'COUNTRY' "
        f"WHEN p.code IS NULL THEN 'COUNTERPART_COUNTRY' WHEN {too_big} THEN 'OBS_VALUE' END",
    }
    sql_from = (
        f"{raw} r LEFT JOIN {places} i ON r.COUNTRY = i.key LEFT JOIN {places} p ON r.COUNTERPART_COUNTRY = p.key"
    )
    return [Staged.of("flows", exprs, sql_from, line="r._line")]


def _iso3(ctx: ReadContext, code: str) -> str | None:
    found = ctx.countries.match(code)
    return found if found and re.fullmatch(r"[A-Z]{3}", found) else None


IMTS_SOURCE = Source(
    id=SERVICE,
    title="IMF International Trade in Goods by partner (IMTS), fetched from the IMF's SDMX API (experimental)",
    vintage_note="the day the answer was fetched",
    licence="IMF data: (c) IMF, see https://www.imf.org/external/terms.htm; cite 'IMF, IMTS'",
    datasets=(
        Dataset(
            "imts", f"{SERVICE}/*.xml", read_imts, "IMF SDMX answers kept by `tradeflux update`", supersedes="request"
        ),
    ),
)

IMTS = sdmx_service(SERVICE, "imts", "flows", "value", DEFAULT_BASE_URL)
