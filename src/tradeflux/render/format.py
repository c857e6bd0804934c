"""Numbers for people (see :mod:`tradeflux._format`, which the analysis layer shares)."""

from tradeflux._format import MONEY, cell, money, number

__all__ = ["MONEY", "cell", "money", "number"]
