"""tradeflux: explain and project a country's merchandise trade, every figure traceable to its source.

The top level holds the store and the errors; the rest is reached through its packages, loaded on
first use (``tradeflux.gravity`` imports pyfixest only when asked for):

======================  =========================================================================
``tradeflux.reference``  countries, dated groups, HS nomenclature and product baskets
``tradeflux.sources``    one reader per source format, and the registry of sources
``tradeflux.store``      the Parquet store: ingest, manifest, engines, queries
``tradeflux.analysis``   metrics, figures with provenance, the country report, the outlook
``tradeflux.models``     gravity, tariffs, partial (PE) and general (GE) equilibrium: no I/O
``tradeflux.scenarios``  scenario files, model inputs, GE and PE runs, published GE checks
``tradeflux.render``     JSON encoding, terminal tables, HTML pages and charts
``tradeflux.cli``        the ``tradeflux`` command
======================  =========================================================================

For convenience the most used modules keep short names: ``tradeflux.countries``, ``.products``,
``.metrics``, ``.report``, ``.outlook``, ``.gravity``, ``.tariffs``, ``.pe``, ``.ge``.
"""

from __future__ import annotations

import importlib
from typing import Any

from tradeflux import errors
from tradeflux.errors import FormatError, InputError, NotFound, TradefluxError
from tradeflux.schema import FLOWS, INDICATORS, TARIFFS
from tradeflux.store import IngestResult, Store, open

__version__ = "0.1.0"

_SHORT = {
    "countries": "tradeflux.reference.countries",
    "products": "tradeflux.reference.products",
    "metrics": "tradeflux.analysis.metrics",
    "report": "tradeflux.analysis.report",
    "outlook": "tradeflux.analysis.outlook",
    "gravity": "tradeflux.models.gravity",
    "tariffs": "tradeflux.models.tariffs",
    "pe": "tradeflux.models.pe",
    "ge": "tradeflux.models.ge",
    "reference": "tradeflux.reference",
    "sources": "tradeflux.sources",
    "analysis": "tradeflux.analysis",
    "models": "tradeflux.models",
    "scenarios": "tradeflux.scenarios",
    "render": "tradeflux.render",
}


def __getattr__(name: str) -> Any:
    if name == "SOURCES":
        from tradeflux.sources import SOURCES

        return SOURCES
    if name in _SHORT:
        return importlib.import_module(_SHORT[name])
    raise AttributeError(f"module 'tradeflux' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_SHORT])


__all__ = [
    "FLOWS",
    "INDICATORS",
    "SOURCES",
    "TARIFFS",
    "FormatError",
    "IngestResult",
    "InputError",
    "NotFound",
    "Store",
    "TradefluxError",
    "errors",
    "open",
]
