"""Tariff schedules applied: the rate on one line, averages over time, and the comparison with published averages.

Averages weight each line by the importer's 2024 imports from the exporter; the data directory has
those weights for US imports from China (HTS10), so averages are for that pair.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
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


class _RulesAsSchedule:
    """The rules table seen through :meth:`tradeflux.models.tariffs.Schedule.average`'s signature."""

    def __init__(self, rules, lines: pd.DataFrame):
        self.rules, self.lines = rules, lines

    def average(self, importer: str, exporter: str, day, weights) -> dict:
        return {"trade_weighted_pct": self.rules.average(exporter, self.lines, day)}


def compare(
    schedule: tariffs.Schedule | None, importer: str = "USA", exporter: str = "CHN", data_dir: PathLike | None = None
) -> TariffTable:
    """The averages beside tradewartracker's and PIIE's at every published date: the layers of
    ``schedule``, or, with ``None``, the rules table (every measure through 2026)."""
    _check_pair(importer, exporter)
    weights = inputs.us_china_hts10_weights(data_dir)
    notes = list(COMPARISON_NOTES)
    if schedule is None:
        notes = [n for n in notes if not n.startswith(("From 14 October", "From 20 February"))] + [RULES_NOTE]
        all_lines = inputs.us_imports_by_partner(data_dir)
        schedule = _RulesAsSchedule(
            inputs.load_rules(data_dir), all_lines[all_lines.iso3 == exporter].reset_index(drop=True)
        )
    tracker = inputs.tracker_events("CHINA", data_dir)
    piie = inputs.piie_averages(importer, exporter, data_dir)
    applied = float(weights.duty.sum() / weights.value.sum() * 100)
    table = tariffs.compare_published(schedule, weights, tracker, piie, applied, importer=importer, exporter=exporter)
    return TariffTable(
        f"{importer} tariffs on {exporter}: tradeflux against published averages (percent; 2024 applied {applied:.2f}%)",
        table,
        notes,
        applied,
    )


# ---- every partner, from the tracker's rules -------------------------------------------------------
def _partner_lines(partner: str, data_dir: PathLike | None) -> tuple[list[str], pd.DataFrame]:
    """The partners a code names (an ISO3 code, ``EUU``, or a group such as ASEAN: its members among the
    rules' partners) and their 2024 HTS10 lines."""
    from tradeflux.reference import countries

    weights = inputs.us_imports_by_partner(data_dir)
    known = sorted(weights.iso3.unique())
    code = partner.upper()
    table = countries.load(data_dir)
    if code in known:
        members = [code]
    elif code in table.members("EU27", 2025) and "EUU" in known:
        members = ["EUU"]  # the US treats the EU as one: a member's duties are the EU's
    else:
        group = table.group_id(partner)
        if group is None:
            raise InputError(f"--partner {partner!r}: not one of the rules' partners ({', '.join(known)}) nor a group")
        members = [m for m in table.members(group, 2025) if m in known]
        if group == "EU27" and "EUU" in known:
            members = ["EUU"]
        if not members:
            raise InputError(f"--partner {partner!r}: no member of {group} is among the rules' partners")
    return members, weights[weights.iso3.isin(members)].reset_index(drop=True)


def _group_average(rules, members: list[str], lines: pd.DataFrame, day) -> float:
    total = lines.imports_usd.sum()
    parts = [
        rules.rates(m, lines.loc[lines.iso3 == m, "hts10"].reset_index(drop=True), day)
        * lines.loc[lines.iso3 == m, "imports_usd"].to_numpy()
        for m in members
    ]
    return float(sum(p.sum() for p in parts) / total)


def partner_rate(partner: str, product: str, day: str, data_dir: PathLike | None = None) -> TariffTable:
    """The US additional duty on one HTS line from one partner on a date, and the rules that set it."""
    rules = inputs.load_rules(data_dir)
    members, _ = _partner_lines(partner, data_dir)
    rows = []
    for m in members:
        rate = rules.rates(m, pd.Series([product]), day)[0]
        active = [
            r.id for r in rules.active(m, day) if r.mode == "replace" or r.selection.mask(pd.Series([product]))[0]
        ]
        rows.append({"partner": m, "product": product, "date": day, "rate_pct": rate, "rules": ", ".join(active)})
    return TariffTable(f"US additional duty on {product} on {day} (percent)", pd.DataFrame(rows), [RULES_NOTE])


RULES_NOTE = (
    "tradewartracker's rules for its 51 partners (the EU as one), 2025-02-04 to 2026-08-19, read from "
    "us_tariff_engine_rules_2025_2026.csv: the 2025-2026 add-on only (MFN and earlier duties are in the 2024 rate)"
)


def partner_timeline(partner: str, day: str | None = None, data_dir: PathLike | None = None) -> TariffTable:
    """A partner's (or group's) trade-weighted add-on at every change date, on one date, or over ``A..B``."""
    rules = inputs.load_rules(data_dir)
    members, lines = _partner_lines(partner, data_dir)
    if day and ".." in day:
        start, end = (tariffs.as_date(d) for d in day.split("..", 1))
        if end < start:
            raise InputError(f"the range ends ({end}) before it starts ({start})")
        days = pd.date_range(start, end, freq="D").date
        values = [_group_average(rules, members, lines, d) for d in days]
        table = pd.DataFrame(
            [{"from": start.isoformat(), "to": end.isoformat(), "day_weighted_pct": float(np.mean(values))}]
        )
        return TariffTable(
            f"Day-weighted US add-on on {_whom(partner, members)}, {start} to {end}", table, [RULES_NOTE]
        )
    days = [tariffs.as_date(day)] if day else sorted({d for m in members for d in rules.change_dates(m)})
    table = pd.DataFrame(
        [{"date": d.isoformat(), "trade_weighted_pct": _group_average(rules, members, lines, d)} for d in days]
    )
    return TariffTable(
        f"US add-on tariff on {_whom(partner, members)} (2024 HTS10 import weights)", table, [RULES_NOTE]
    )


def _whom(partner: str, members: list[str]) -> str:
    """What the timeline is of: a member of the EU gets the EU's rates and weights, and says so."""
    if members == ["EUU"] and partner.upper() not in ("EUU", "EU27", "EU"):
        return f"{partner.upper()} as part of the EU (the EU's rates and the EU's imports as weights)"
    return partner.upper()


def partner_compare(partner: str, data_dir: PathLike | None = None) -> TariffTable:
    """tradeflux's add-on beside tradewartracker's at every event date, for one partner or ``all``."""
    rules = inputs.load_rules(data_dir)
    events = inputs.tracker_all_partners(data_dir)
    weights = inputs.us_imports_by_partner(data_dir)
    wanted = sorted(events.iso3.dropna().unique()) if partner.lower() == "all" else _partner_lines(partner, data_dir)[0]
    rows = []
    for iso3 in wanted:
        lines = weights[weights.iso3 == iso3].reset_index(drop=True)
        for ev in events[events.iso3 == iso3].itertuples():
            ours = rules.average(iso3, lines, ev.date)
            rows.append(
                {
                    "partner": iso3,
                    "date": ev.date,
                    "tradeflux_addon_pct": ours,
                    "tradewartracker_addon_pct": ev.effective_tariff_pct,
                    "diff_pp": ours - ev.effective_tariff_pct,
                }
            )
    table = pd.DataFrame(rows)
    notes = [
        RULES_NOTE,
        "the three dates from 2026-07-24 carry the forced-labor exemption list the tracker never "
        "published: there the rules use the provenance's stand-in (differences up to 0.30 pp)",
    ]
    if partner.lower() == "all":
        table = (
            table.assign(late=table.date > "2026-07-22")
            .groupby(["partner", "late"])
            .diff_pp.apply(lambda s: s.abs().max())
            .unstack()
            .rename(columns={False: "max_diff_to_2026_07_22_pp", True: "max_diff_after_pp"})
            .reset_index()
        )
        return TariffTable("tradeflux against tradewartracker, every partner (largest difference, pp)", table, notes)
    return TariffTable(f"US add-on on {partner}: tradeflux against tradewartracker (percent)", table, notes)
