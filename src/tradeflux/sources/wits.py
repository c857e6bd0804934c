"""World Bank WITS: UNCTAD TRAINS tariffs by importer, partner and HS6 product, through the WITS SDMX API.

An answer is an SDMX-ML 2.1 generic data message (read with ``sdmx1``): one series per reporter (the
importer, ISO numeric), partner (``000``: every partner, the MFN rate) and product, one observation per year,
whose value is the simple average of the tariff lines' ad valorem rates in percent, with the tariff type
(``MFN``, ``AHS`` applied, ``BND`` bound) and the nomenclature (``H0`` = HS 1988/92 ... ``H6`` = HS 2022) as
attributes. Rows go to the ``tariffs`` table with ``rate_kind`` ``applied`` (MFN and AHS) or ``bound``.

The API is public (no key); WITS asks for moderate use: one request a second. Experimental: tested on one
genuine recorded answer (``tests/fixtures/services/wits``); no recorded answer with several series was found.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from tradeflux.errors import InputError
from tradeflux.schema import staged_select
from tradeflux.sources._sdmx import observations, sdmx_service
from tradeflux.sources.base import Dataset, ReadContext, Source, Staged
from tradeflux.sources.http import ServiceRequest

__all__ = ["DEFAULT_BASE_URL", "TRAINS", "WITS_TRAINS", "TrainsRequest", "read_trains"]

DEFAULT_BASE_URL = "https://wits.worldbank.org/API/V1/SDMX/V21"
SERVICE = "wits-trains"
EU = "918"  # WITS's code for the European Union
_TYPES = {"MFN": "applied", "AHS": "applied", "BND": "bound"}


class TrainsRequest:
    """One WITS TRAINS request: an importer, a partner (``000`` = every partner), products and a year. Codes are
    ISO numeric (WITS's own) or ISO3, which is turned into numeric."""

    def __init__(self, importer: str, year: int, products: str = "all", partner: str = "000"):
        from tradeflux.reference import countries

        table = countries.load()

        def numeric(code: str) -> str:
            if re.fullmatch(r"[0-9]{3}", code):
                return code
            if code.upper() in ("EUU", "EU", "EU27"):
                return EU  # the EU's common external tariff: WITS's reporter for its members' tariffs
            country = table.countries.get(table.code(code))
            if country is None or not country.numeric:
                raise InputError(f"WITS TRAINS: no ISO numeric code known for {code!r}")
            return f"{int(country.numeric):03d}"

        if not re.fullmatch(r"all|[0-9]{6}(;[0-9]{6})*", products):
            raise InputError(f"WITS TRAINS: products {products!r}: give 'all' or HS6 codes separated by ';'")
        products = ";".join(sorted(set(products.split(";"))))  # the same request however the codes are listed
        if not 1988 <= int(year) <= 2100:
            raise InputError(f"WITS TRAINS: year {year!r} is not a year of TRAINS data (1988 on)")
        self.importer, self.partner = numeric(importer), numeric(partner)
        self.year, self.products = int(year), products

    @property
    def path(self) -> str:
        return (
            f"/datasource/TRN/reporter/{self.importer}/partner/{self.partner}/product/{self.products}"
            f"/year/{self.year}/datatype/reported"
        )

    @property
    def key(self) -> str:
        """The request's name among the kept answers (a long product list by its hash: file names stay short)."""
        products = self.products.replace(";", "-")
        if len(products) > 40:
            products = "h" + hashlib.sha256(self.products.encode()).hexdigest()[:16]
        return f"trn_{self.importer}_{self.partner}_{products}_{self.year}"

    def service_request(self) -> ServiceRequest:
        return ServiceRequest(TRAINS, self.key, self.path)


def read_trains(ctx: ReadContext, path: Path) -> list[Staged]:
    """Tariffs from a WITS TRAINS answer; the observation's place in the message is its ``line``."""
    frame = observations(path, path)
    required = ["REPORTER", "PARTNER", "PRODUCTCODE", "TIME_PERIOD", "value", "TARIFFTYPE", "NOMENCODE"]
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in required})
    for optional in ("OBS_VALUE_MEASURE", "TOTALNOOFLINES", "MIN_RATE", "MAX_RATE"):
        if optional not in frame:
            frame[optional] = pd.Series([None] * len(frame), dtype="string")
    raw = ctx.register(frame, path, required, first_line=1)
    by_number = {int(c.numeric): c.iso3 for c in ctx.countries.countries.values() if c.numeric and c.numeric.isdigit()}
    by_number[int(EU)] = "EUU"
    codes = {*ctx.distinct(raw, "REPORTER"), *ctx.distinct(raw, "PARTNER")}
    places = ctx.register_map({c: by_number.get(int(c)) if c.isdigit() else None for c in codes}, "countries")
    kind = "CASE r.TARIFFTYPE " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _TYPES.items()) + " END"
    select = staged_select(
        "tariffs",
        {
            "date_from_raw": "r.TIME_PERIOD || '-01-01'",
            "date_to_raw": "r.TIME_PERIOD || '-12-31'",
            "imposing": "i.code",
            "target": "CASE WHEN r.PARTNER = '000' THEN 'WLD' ELSE p.code END",
            "classification": "'HS'",
            "product": "r.PRODUCTCODE",
            "measure": "'TRAINS ' || r.TARIFFTYPE || ' ' || coalesce(r.OBS_VALUE_MEASURE, 'rate')",
            "authority": "'UNCTAD TRAINS via World Bank WITS'",
            "rule_id": "r.REPORTER || '.' || r.PARTNER || '.' || r.PRODUCTCODE || '.' || r.TARIFFTYPE",
            "rate_raw": "r.value",
            "rate_kind": kind,
            "note": "'nomenclature ' || r.NOMENCODE || '; ' || coalesce(r.TOTALNOOFLINES, '?') || ' tariff lines, "
            "min ' || coalesce(r.MIN_RATE, '?') || ', max ' || coalesce(r.MAX_RATE, '?')",
            "_reason": f"CASE WHEN i.code IS NULL THEN 'unknown reporter ' || quote(r.REPORTER) "
            f"WHEN r.PARTNER <> '000' AND p.code IS NULL THEN 'unknown partner ' || quote(r.PARTNER) "
            f"WHEN {kind} IS NULL THEN 'unknown tariff type ' || quote(r.TARIFFTYPE) END",
            "_field": "CASE WHEN i.code IS NULL THEN 'REPORTER' WHEN r.PARTNER <> '000' AND p.code IS NULL "
            f"THEN 'PARTNER' WHEN {kind} IS NULL THEN 'TARIFFTYPE' END",
        },
        line="r._line",
    )
    sql = (
        f"SELECT {select} FROM {raw} r LEFT JOIN {places} i ON r.REPORTER = i.key "
        f"LEFT JOIN {places} p ON r.PARTNER = p.key"
    )
    return [Staged("tariffs", sql)]


WITS_TRAINS = Source(
    id=SERVICE,
    title="Tariffs by importer, partner and HS6 product (UNCTAD TRAINS via World Bank WITS), fetched",
    vintage_note="the day the answer was fetched",
    licence="World Bank WITS terms of use; TRAINS data (c) UNCTAD",
    datasets=(
        Dataset(
            "trains",
            f"{SERVICE}/*.xml",
            read_trains,
            "WITS SDMX answers kept by `tradeflux fetch`",
            supersedes="request",
        ),
    ),
)

TRAINS = sdmx_service(SERVICE, "trains", "tariffs", "rate_pct", DEFAULT_BASE_URL)
