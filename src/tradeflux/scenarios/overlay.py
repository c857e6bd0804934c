"""A policy scenario as percentage changes of one reporter's exports by destination, for the
outlook's overlay (:func:`tradeflux.analysis.outlook.overlay`).

Two kinds: a GE scenario (the reporter's exports to every destination of the GE baseline, all
sectors) and the US duties in force on a date in PE (SMART on US 2024 imports: the change in
US imports from the reporter, i.e. its exports to the US; other destinations unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tradeflux.errors import InputError, NotFound
from tradeflux.scenarios.ge_run import simulate
from tradeflux.scenarios.pe_run import simulate_pe
from tradeflux.scenarios.spec import find

__all__ = ["ScenarioChanges", "changes"]


@dataclass(frozen=True)
class ScenarioChanges:
    """``frame``: ``partner, change_pct``; ``label`` names the scenario and its model."""

    frame: pd.DataFrame
    label: str
    notes: list[str] = field(default_factory=list)


def changes(
    reporter: str, *, scenario: str | None = None, pe_date: str | None = None, data_dir: str | Path | None = None
) -> ScenarioChanges:
    """The percentage changes of ``reporter``'s exports by destination under ``scenario`` (GE, a
    shipped name or a TOML file) or under the US duties in force on ``pe_date`` (PE)."""
    if (scenario is None) == (pe_date is None):
        raise InputError("give one of a GE scenario or a PE date")
    if scenario is not None:
        sim = simulate(find(scenario), data_dir)
        frame = sim.exports_change(reporter)[["partner", "change_pct"]]
        return ScenarioChanges(frame, f"{sim.scenario.name} (GE)", list(sim.notes))
    shocks = [{"type": "schedule", "layers": "us_all_2025_2026", "date": pe_date}]
    run = simulate_pe(shocks, title=f"US duties in force on {pe_date}", data_dir=data_dir)
    partners = run.result.by("partner")
    hit = partners[partners.partner == reporter]
    if hit.empty:
        raise NotFound(f"{reporter} sells nothing to the US in the PE baseline")
    pct = float(hit.total_effect.iloc[0] / hit.imports.iloc[0] * 100)
    frame = pd.DataFrame({"partner": ["USA"], "change_pct": [pct]})
    return ScenarioChanges(frame, f"US duties in force on {pe_date} (PE, SMART)", list(run.notes))
