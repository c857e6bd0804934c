"""One figure per fact: the store's canonical rows (see :mod:`tradeflux.store.canonical`), as the analysis
layer names them."""

from tradeflux.store.canonical import FACT_KEY, Rule, canonical, precedence, rules

__all__ = ["FACT_KEY", "Rule", "canonical", "precedence", "rules"]
