"""Tariff schedules applied: the rate on one line, averages over time, and the comparison with published averages.

Averages weight each line by the importer's 2024 imports from the exporter; the data directory has
those weights for US imports from China (HTS10), so averages are for that pair.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError
from tradeflux.models import tariffs
from tradeflux.scenarios import inputs

__all__ = ["COMPARISON_NOTES", "TariffTable", "compare", "rate", "timeline"]

COMPARISON_NOTES = tariffs.COMPARISON_NOTES
PathLike = str | os.PathLike[str]


@dataclass
class TariffTable(Result):
    """Rates or averages (percent) in a table, with what they mean."""

    title: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    applied_2024_pct: float | None = None

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "table": jsonable(self.table),
            "notes": self.notes,
            "applied_2024_pct": jsonable(self.applied_2024_pct),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"rates": self.table}


def _check_pair(importer: str, exporter: str) -> None:
    if (importer, exporter) != ("USA", "CHN"):
        raise InputError(
            f"averages weight each line by the importer's imports; the data directory has US imports from China "
            f"only, not {importer}'s imports from {exporter}: ask for one product's rate with --product and --date"
        )


def rate(schedule: tariffs.Schedule, importer: str, exporter: str, product: str, day: str) -> TariffTable:
    """The additional rate in force on one product line, and the layers that set it."""
    tariffs.as_date(day)
    active = [layer.id for layer in schedule.active(importer, exporter, product, day)]
    row = {
        "importer": importer,
        "exporter": exporter,
        "product": product,
        "date": day,
        "rate_pct": schedule.rate(importer, exporter, product, day),
        "layers": ", ".join(active),
    }
    return TariffTable(f"Rate in force on {product}, {day} (additional, percent)", pd.DataFrame([row]))


def timeline(
    schedule: tariffs.Schedule,
    importer: str = "USA",
    exporter: str = "CHN",
    day: str | None = None,
    data_dir: PathLike | None = None,
) -> TariffTable:
    """Trade-weighted and simple averages at every date a layer changes, on one date, or over a range ``A..B``."""
    _check_pair(importer, exporter)
    weights = inputs.us_china_hts10_weights(data_dir)
    if day and ".." in day:
        start, end = day.split("..", 1)
        row = schedule.average_over(importer, exporter, start, end, weights)
        return TariffTable(
            f"Day-weighted average additional {importer} tariff on {exporter}, {start} to {end}", pd.DataFrame([row])
        )
    days = [tariffs.as_date(day)] if day else None
    table = schedule.timeline(importer, exporter, weights, days)
    return TariffTable(f"Average additional {importer} tariff on {exporter} (2024 HTS10 import weights)", table)


def compare(
    schedule: tariffs.Schedule, importer: str = "USA", exporter: str = "CHN", data_dir: PathLike | None = None
) -> TariffTable:
    """The schedule's averages beside tradewartracker's and PIIE's at every published date."""
    _check_pair(importer, exporter)
    weights = inputs.us_china_hts10_weights(data_dir)
    tracker = inputs.tracker_events("CHINA", data_dir)
    piie = inputs.piie_averages(importer, exporter, data_dir)
    applied = float(weights.duty.sum() / weights.value.sum() * 100)
    table = tariffs.compare_published(schedule, weights, tracker, piie, applied, importer=importer, exporter=exporter)
    return TariffTable(
        f"{importer} tariffs on {exporter}: tradeflux against published averages (percent; 2024 applied {applied:.2f}%)",
        table,
        list(COMPARISON_NOTES),
        applied,
    )
