"""tradeflux: explain and project a country's merchandise trade, every figure traceable to its source."""

from tradeflux import countries, products
from tradeflux.schema import FLOWS, INDICATORS, TARIFFS
from tradeflux.sources import SOURCES, FormatError
from tradeflux.store import IngestResult, Store, open

__version__ = "0.1.0"

__all__ = [
    "FLOWS",
    "INDICATORS",
    "SOURCES",
    "TARIFFS",
    "FormatError",
    "IngestResult",
    "Store",
    "countries",
    "open",
    "products",
]
