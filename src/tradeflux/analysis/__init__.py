"""Analysis: pure metrics, figures with their provenance, named read queries and the country report.

Modules are loaded on first use: ``from tradeflux.analysis import metrics, report``.
"""
