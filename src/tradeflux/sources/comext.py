"""Eurostat Comext: EU members' trade by partner and product (dataset DS-045409), through Eurostat's SDMX API.

``https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/<freq>.<reporter>.<partner>.
<product>.<flow>.<indicators>`` answers an SDMX-ML 2.1 structure-specific message (read with ``sdmx1``, the
``fetch`` extra): ``reporter`` and ``partner`` are two-letter codes (Greece ``GR``), ``product`` an HS2, HS4,
HS6 or CN8 code or ``TOTAL``, ``flow`` ``1`` imports (CIF) or ``2`` exports (FOB), ``indicators``
``VALUE_IN_EUROS``; ``TIME_PERIOD`` ``2024`` or ``2024-03``.

Values are euros and are stored as EUR: reports in dollars do not add them to dollar figures. The store keeps
HS6 lines and totals: the answer's HS2 and HS4 subtotals and CN8 lines go to quarantine saying so (adding them to
the HS6 lines would count the same trade twice).

Experimental: no recorded Comext answer was found in any public store (see the README); the reader is tested on
a message built in the tests in the shape of Eurostat's genuine structure-specific messages.
"""

from __future__ import annotations

import re
from pathlib import Path

from tradeflux.errors import InputError
from tradeflux.sources._sdmx import observations, sdmx_service
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged
from tradeflux.sources.http import ServiceRequest

__all__ = ["COMEXT", "COMEXT_SOURCE", "ComextRequest", "read_comext"]

DEFAULT_BASE_URL = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1"
SERVICE = "eurostat-comext"
DATASET = "DS-045409"
# Comext's two-letter codes that are not ISO 3166 alpha-2, and its aggregates
SPECIAL = {"GR": "GRC", "EL": "GRC", "UK": "GBR", "XK": "XKX", "WORLD": "WLD", "EU27_2020_EXTRA": "AGG:eu27-extra"}


class ComextRequest:
    """An EU member's imports and exports in euros with every partner, for ``year`` (annual, or each month with
    ``monthly``), of ``products`` (HS6 codes separated by ``+``, or every product)."""

    def __init__(self, reporter: str, year: int, products: str = "", *, monthly: bool = False):
        from tradeflux.reference import countries

        table = countries.load()
        code = table.match(reporter)
        if code is None or code not in table.members("EU27", int(year)):
            raise InputError(f"Eurostat Comext: {reporter!r} is not an EU member in {year}")
        if products and not re.fullmatch(r"[0-9]{6}(\+[0-9]{6})*", products):
            raise InputError(f"Eurostat Comext: products {products!r}: give HS6 codes separated by '+', or none")
        if not 2002 <= int(year) <= 2100:
            raise InputError(f"Eurostat Comext: year {year!r}: give a year from 2002 on")
        self.reporter, self.iso2 = code, table.countries[code].iso2 or ""
        self.year, self.products, self.monthly = int(year), products, monthly

    @property
    def key(self) -> str:
        products = self.products.replace("+", "-") or "all"
        return f"comext_{self.reporter}_{products}_{'M' if self.monthly else 'A'}_{self.year}"

    def service_request(self) -> ServiceRequest:
        freq = "M" if self.monthly else "A"
        path = f"/data/{DATASET}/{freq}.{self.iso2}..{self.products}.1+2.VALUE_IN_EUROS"
        period = (f"{self.year}-01", f"{self.year}-12") if self.monthly else (str(self.year), str(self.year))
        return ServiceRequest(COMEXT, self.key, path, (("startPeriod", period[0]), ("endPeriod", period[1])))


def read_comext(ctx: ReadContext, path: Path) -> list[Staged]:
    """Flows from a Comext answer; the observation's place in the message is its ``line``."""
    frame = observations(path, path)
    frame.columns = [c if c == "value" else c.upper() for c in frame.columns]
    required = ["REPORTER", "PARTNER", "PRODUCT", "FLOW", "TIME_PERIOD", "value"]
    for column in [*required, "INDICATORS"]:
        if column not in frame:
            frame[column] = None
    frame = frame.astype("string")
    raw = ctx.register(frame, path, required, first_line=1)
    codes = {*ctx.distinct(raw, "REPORTER"), *ctx.distinct(raw, "PARTNER")}
    by_iso2 = {(c.iso2 or "").upper(): c.iso3 for c in ctx.countries.countries.values() if c.iso2}
    places = ctx.register_map({c: SPECIAL.get(c) or by_iso2.get(c) for c in codes}, "areas")
    level = "CASE WHEN r.PRODUCT = 'TOTAL' THEN 'TOTAL' WHEN length(r.PRODUCT) = 6 THEN 'HS2022' END"
    exprs = {
        "period_raw": "r.TIME_PERIOD",
        "reporter": "i.code",
        "reporter_code": "r.REPORTER",
        "partner": "p.code",
        "partner_code": "r.PARTNER",
        "flow": "CASE r.FLOW WHEN '1' THEN 'import' WHEN '2' THEN 'export' END",
        "classification": level,
        "product": "r.PRODUCT",
        "value_raw": "r.value",
        "currency": "'EUR'",
        "valuation": "CASE r.FLOW WHEN '1' THEN 'CIF' WHEN '2' THEN 'FOB' END",
        "_reason": "CASE WHEN coalesce(r.INDICATORS, 'VALUE_IN_EUROS') <> 'VALUE_IN_EUROS' THEN 'indicator ' || "
        "quote(r.INDICATORS) || ' is not a value in euros' "
        f"WHEN {level} IS NULL THEN 'product ' || quote(r.PRODUCT) || ': an HS2 or HS4 subtotal or a CN8 line "
        "(the store keeps HS6 lines and totals)' "
        "WHEN r.FLOW NOT IN ('1', '2') THEN 'unknown flow ' || quote(r.FLOW) "
        "WHEN i.code IS NULL THEN 'unknown reporter ' || quote(r.REPORTER) "
        "WHEN p.code IS NULL THEN 'unknown partner ' || quote(r.PARTNER) END",
        "_field": "CASE WHEN coalesce(r.INDICATORS, 'VALUE_IN_EUROS') <> 'VALUE_IN_EUROS' THEN 'INDICATORS' "
        f"WHEN {level} IS NULL THEN 'PRODUCT' WHEN r.FLOW NOT IN ('1', '2') THEN 'FLOW' "
        "WHEN i.code IS NULL THEN 'REPORTER' WHEN p.code IS NULL THEN 'PARTNER' END",
    }
    sql_from = f"{raw} r LEFT JOIN {places} i ON r.REPORTER = i.key LEFT JOIN {places} p ON r.PARTNER = p.key"
    return [Staged.of("flows", exprs, sql_from, line="r._line")]


COMEXT_SOURCE = Source(
    id=SERVICE,
    title="EU members' trade by partner and product in euros (Eurostat Comext DS-045409), fetched (experimental)",
    vintage_note="the day the answer was fetched",
    licence="Eurostat: reuse with attribution (Commission Decision 2011/833/EU; CC BY 4.0)",
    datasets=(
        Dataset(
            "ds-045409",
            f"{SERVICE}/*.xml",
            read_comext,
            "Eurostat SDMX answers kept by `tradeflux update`",
            supersedes="request",
        ),
    ),
)

COMEXT = sdmx_service(SERVICE, "ds-045409", "flows", "value", DEFAULT_BASE_URL)
