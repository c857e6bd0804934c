"""Models: gravity estimation, tariff schedules, partial (PE) and general (GE) equilibrium.

Arrays and frames in, typed results out; no module here opens a file (an import contract in
``pyproject.toml`` holds it). Modules are loaded on first use: ``from tradeflux.models import ge``.
"""
