"""Reference data: countries (codes, names, dated groups) and products (HS nomenclature, baskets)."""

from tradeflux.reference import countries, products

__all__ = ["countries", "products"]
