"""Readers: one per real format, registered by source id."""

from __future__ import annotations

from tradeflux.errors import NotFound
from tradeflux.sources.baci import BACI
from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source, Staged
from tradeflux.sources.census import US_CENSUS
from tradeflux.sources.census_api import CENSUS_API
from tradeflux.sources.comext import COMEXT_SOURCE
from tradeflux.sources.comtrade import CHINA_MIRROR, COMTRADE
from tradeflux.sources.gacc import GACC
from tradeflux.sources.gravity_data import GEGRAVITY, WIOD, YOTOV
from tradeflux.sources.imf import CHINA_REPORTED, IMF_DOTS
from tradeflux.sources.imts import IMTS_SOURCE
from tradeflux.sources.io_tables import OECD_ICIO
from tradeflux.sources.tariff_lists import TRADEWARTRACKER
from tradeflux.sources.wits import WITS_TRAINS

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        GACC,
        CHINA_MIRROR,
        CHINA_REPORTED,
        IMF_DOTS,
        US_CENSUS,
        TRADEWARTRACKER,
        YOTOV,
        GEGRAVITY,
        WIOD,
        OECD_ICIO,
        COMTRADE,
        BACI,
        WITS_TRAINS,
        IMTS_SOURCE,
        CENSUS_API,
        COMEXT_SOURCE,
    )
}


def find_source(source_id: str) -> Source:
    try:
        return SOURCES[source_id]
    except KeyError:
        raise NotFound(f"unknown source {source_id!r}; known sources: {', '.join(SOURCES)}") from None


__all__ = ["SOURCES", "Dataset", "FormatError", "ReadContext", "Source", "Staged", "find_source"]
