"""Scenarios: scenario files, the inputs models need, GE and PE runs, and published GE checks.

==============  =============================================================================
``spec``        the scenario file format (:class:`Scenario`, :func:`find`, :func:`shipped`)
``inputs``      baselines, elasticities, tariff layers and weights, read from files
``ge_run``      a scenario in general equilibrium (:func:`simulate` -> :class:`Simulation`)
``pe_run``      a scenario or tariff schedule in partial equilibrium (:func:`simulate_pe` -> :class:`PERun`)
``checks``      published GE counterfactuals solved again and compared
==============  =============================================================================
"""

from tradeflux.scenarios.ge_run import Simulation, icio_theta, secondary_targets, simulate
from tradeflux.scenarios.inputs import PE_BASELINE, pe_baseline
from tradeflux.scenarios.pe_run import PERun, pe_tables, pe_tariffs, run_lines, schedule_rates_hs6, simulate_pe
from tradeflux.scenarios.spec import SHOCK_TYPES, Scenario, find, shipped

__all__ = [
    "PE_BASELINE",
    "SHOCK_TYPES",
    "PERun",
    "Scenario",
    "Simulation",
    "find",
    "icio_theta",
    "pe_baseline",
    "pe_tables",
    "pe_tariffs",
    "run_lines",
    "schedule_rates_hs6",
    "secondary_targets",
    "shipped",
    "simulate",
    "simulate_pe",
]
