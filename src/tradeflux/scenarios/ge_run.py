"""Scenarios in general equilibrium: the baseline, the shocks applied to it, the solution tabulated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import settings
from tradeflux._results import Result, jsonable
from tradeflux.errors import NotFound
from tradeflux.models import ge
from tradeflux.reference import countries as _countries
from tradeflux.scenarios import inputs
from tradeflux.scenarios.spec import Scenario

__all__ = ["Simulation", "icio_theta", "secondary_targets", "simulate"]


@dataclass
class Simulation(Result):
    """A scenario solved in general equilibrium: per-country results, China's exports by destination."""

    scenario: Scenario
    result: ge.SectorResult
    countries: pd.DataFrame
    destinations: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)

    def exports_change(self, reporter: str) -> pd.DataFrame:
        """``reporter``'s exports by destination before and after, all sectors: ``partner, before,
        after, change_pct`` (baseline units)."""
        countries = self.result.baseline.countries
        if reporter not in countries:
            raise NotFound(f"{reporter} is not in the GE baseline of {self.scenario.name!r}")
        i = countries.index(reporter)
        before = self.result.baseline.X[i].sum(axis=1)
        after = self.result.X_new[i].sum(axis=1)
        frame = pd.DataFrame({"partner": countries, "before": before, "after": after})
        frame = frame[(frame.partner != reporter) & (frame.before > 0)]
        return frame.assign(change_pct=(frame.after / frame.before - 1) * 100).reset_index(drop=True)

    def to_dict(self) -> dict:
        return {
            "sensitivity": jsonable(self.sensitivity),
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "notes": self.notes,
            "iterations": self.result.iterations,
            "residual": self.result.residual,
            "countries": jsonable(self.countries),
            "chn_destinations": jsonable(self.destinations),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {
            "countries": self.countries,
            "pairs": self.result.pairs_frame(by_sector=len(self.result.baseline.sectors) > 1),
        }
        if not self.destinations.empty:
            out["chn_destinations"] = self.destinations
        if not self.sensitivity.empty:
            out["sensitivity"] = self.sensitivity
        return out


# Caliendo and Parro (2015) trade elasticities for the OECD ICIO industries. A judgement mapping
# from ISIC Rev.4 to CP's ISIC Rev.3 groups; services take 8.22, the value CP's replication code
# gives every non-tradable sector. C26 (computer, electronic, optical) takes Communication (3.95).
_CP_THETA = {
    "Agriculture": 9.11,
    "Mining": 13.53,
    "Food": 2.62,
    "Textile": 8.10,
    "Wood": 11.50,
    "Paper": 16.52,
    "Petroleum": 64.85,
    "Chemicals": 3.13,
    "Plastic": 1.67,
    "Minerals": 2.41,
    "Basic metals": 3.28,
    "Metal products": 6.99,
    "Machinery n.e.c.": 1.45,
    "Communication": 3.95,
    "Electrical": 12.91,
    "Auto": 8.22,
    "Other Transport": 8.22,
    "Other": 3.98,
}
ICIO_TO_CP = {
    "A01": "Agriculture",
    "A02": "Agriculture",
    "A03": "Agriculture",
    "B05": "Mining",
    "B06": "Mining",
    "B07": "Mining",
    "B08": "Mining",
    "B09": "Mining",
    "C10T12": "Food",
    "C13T15": "Textile",
    "C16": "Wood",
    "C17_18": "Paper",
    "C19": "Petroleum",
    "C20": "Chemicals",
    "C21": "Chemicals",
    "C22": "Plastic",
    "C23": "Minerals",
    "C24A": "Basic metals",
    "C24B": "Basic metals",
    "C25": "Metal products",
    "C26": "Communication",
    "C27": "Electrical",
    "C28": "Machinery n.e.c.",
    "C29": "Auto",
    "C301": "Other Transport",
    "C302T309": "Other Transport",
    "C31T33": "Other",
}
SERVICES_THETA = 8.22


def icio_theta(sectors: tuple[str, ...]) -> np.ndarray:
    """Trade elasticity of each ICIO industry (Caliendo and Parro 2015, mapped as above)."""
    return np.array([_CP_THETA[ICIO_TO_CP[s]] if s in ICIO_TO_CP else SERVICES_THETA for s in sectors])


def secondary_targets(shock: dict, data_dir: Path) -> tuple[list[str], str]:
    """The countries a secondary tariff hits: the largest trading partners of ``partner_of``.

    Ranked by two-way manufacturing trade with it in the Yotov et al. 2006 data (the only shared
    dataset with Iran's bilateral trade and domestic flows): the ``top`` N, or those whose trade
    with it is at least ``min_share_pct`` of their international trade, or an explicit ``targets``.
    """
    if shock.get("targets"):
        return list(shock["targets"]), "listed in the scenario"
    frame = inputs.yotov_2006(data_dir)
    frame = frame[frame.exporter != frame.importer]
    of = shock["partner_of"]
    with_partner = (
        frame[frame.exporter == of]
        .set_index("importer")
        .trade.add(frame[frame.importer == of].set_index("exporter").trade, fill_value=0.0)
    )
    if with_partner.empty:
        raise NotFound(f"{of!r} is not in the 2006 data used to find its trading partners")
    imposing = shock.get("imposing")
    with_partner = with_partner.drop(index=[imposing], errors="ignore").sort_values(ascending=False)
    if "min_share_pct" in shock:
        total = frame.groupby("exporter").trade.sum().add(frame.groupby("importer").trade.sum(), fill_value=0.0)
        share = with_partner / total.reindex(with_partner.index) * 100
        chosen = share[share >= float(shock["min_share_pct"])].index.tolist()
        return (
            chosen,
            f"trade with {of} at least {shock['min_share_pct']}% of their international trade (2006 manufacturing)",
        )
    top = int(shock.get("top", 5))
    return with_partner.head(top).index.tolist(), f"the {top} largest partners of {of} by 2006 manufacturing trade"


def _members(code: str, baseline: ge.SectorBaseline, table: _countries.CountryTable, year: int) -> list[int]:
    if code in baseline.countries:
        return [baseline.countries.index(code)]
    group = table.group_id(code)
    if group is None:
        raise NotFound(f"{code!r} is neither in the baseline ({', '.join(baseline.countries)}) nor a country group")
    found = [baseline.countries.index(c) for c in table.members(group, year) if c in baseline.countries]
    if not found:
        raise NotFound(f"no member of {group} is in the baseline")
    return found


def expand_secondary(shocks: list[dict], data_dir: Path, notes: list[str]) -> list[dict]:
    """Secondary tariffs become one tariff shock per country they hit."""
    out = []
    for shock in shocks:
        if shock["type"] != "secondary":
            out.append(shock)
            continue
        targets, rule = secondary_targets(shock, data_dir)
        notes.append(
            f"secondary tariff: {shock['imposing']} {shock['rate_pct']}% on countries trading with "
            f"{shock['partner_of']} ({rule}): {', '.join(targets)}"
        )
        out.extend({**shock, "type": "tariff", "target": target, "note": "secondary"} for target in targets)
    return out


@dataclass
class _Model:
    """What the shock appliers change: the baseline's tariffs and the new imbalances."""

    baseline: ge.SectorBaseline
    table: _countries.CountryTable
    year: int
    dataset: str
    tariffs: np.ndarray
    deficits: np.ndarray | None = None
    data_dir: Path | None = None


def _schedule(shock: dict, model: _Model) -> str:
    """The US duties in force on a date, from the tracker's rules, as each partner's trade-weighted add-on
    (2024 HTS10 weights) on top of the baseline's applied rate. Only on the goods baseline.

    Partners without 2024 HTS10 lines in the tracker's data (and the rest of the world) take the rules on the
    US import mix of all partners; those with a country rate of 7 August 2025 that the rules lack (Laos 40%,
    Myanmar 40%, Brunei 25% ...) take that rate in place of the 10% floor while it is in force."""
    from tradeflux.scenarios.pe_run import RULES

    if model.dataset != "goods2019" or shock.get("layers", RULES) != RULES:
        return f"schedule shock ({shock.get('layers')} on {shock.get('date')}) is for the PE model or the goods baseline; skipped here"
    rules = inputs.load_rules(model.data_dir)
    weights = inputs.us_imports_by_partner(model.data_dir)
    eu = set(model.table.members("EU27", 2024))
    us = model.baseline.countries.index("USA")
    day = str(shock["date"])
    averages = {p: rules.average(p, lines.reset_index(drop=True), day) for p, lines in weights.groupby("iso3")}
    mix = weights.groupby("hts10", as_index=False).imports_usd.sum()
    country_rates = inputs.us_reciprocal_rates_2025_08(model.data_dir, day)
    applied, mixed, own_rate = [], [], []
    for i, c in enumerate(model.baseline.countries):
        if i == us:
            continue
        code = c if c in averages else ("EUU" if c in eu else None)
        if code is not None:
            add_on = averages[code]
            applied.append(c)
        else:
            add_on = rules.average(c, mix, day)
            if c in country_rates:
                # the country rate replaces the floor only on the lines that pay the floor (not on exempt or
                # Section 232 lines)
                rates = rules.rates(c, mix.hts10, day)
                floor = mix.imports_usd.to_numpy(float)[rates == inputs.RECIPROCAL_FLOOR_PCT].sum()
                add_on += (country_rates[c] - inputs.RECIPROCAL_FLOOR_PCT) * floor / mix.imports_usd.sum()
                own_rate.append(f"{c} {country_rates[c]:g}%")
            else:
                mixed.append(c)
        model.tariffs[i, us, :] = model.baseline.tariffs[i, us, :] + add_on / 100
    share = model.baseline.X[[model.baseline.countries.index(c) for c in applied], us, :].sum() / (
        model.baseline.X[:, us, :].sum() - model.baseline.X[us, us, :].sum()
    )
    return (
        f"US add-on duties in force on {day} (the tracker's rules, each partner's 2024-weighted average) on "
        f"{len(applied)} economies ({share * 100:.1f}% of US goods imports in the baseline), on top of 2024 applied "
        f"rates; the rules on the US import mix of all partners for {', '.join(mixed) or 'none'}"
        + (
            f"; with the country rate of 7 August 2025 in place of the 10% floor: {', '.join(own_rate)}"
            if own_rate
            else ""
        )
    )


def _tariff(shock: dict, model: _Model) -> str:
    baseline = model.baseline
    if shock.get("products") and not shock.get("sectors"):
        return (
            f"{shock['imposing']} tariff on HS {', '.join(map(str, shock['products']))} from {shock['target']} "
            "left out: the GE baseline has industries, not products (give 'sectors')"
        )
    rate = float(shock["rate_pct"]) / 100
    wanted = shock.get("sectors")
    unknown = sorted(set(wanted or ()) - set(baseline.sectors))
    if unknown:
        raise NotFound(f"sectors {unknown} are not in the baseline ({', '.join(baseline.sectors)})")
    ks = [baseline.sectors.index(k) for k in wanted] if wanted else list(range(len(baseline.sectors)))
    for i in _members(shock["target"], baseline, model.table, model.year):
        for j in _members(shock["imposing"], baseline, model.table, model.year):
            if i != j:  # on top of the baseline's rate, as the notes and the PE model say
                model.tariffs[i, j, ks] = model.baseline.tariffs[i, j, ks] + rate
    everything = {"yotov2006": "all manufactured goods", "icio": "all industries"}
    scope = f"sectors {', '.join(wanted)}" if wanted else everything.get(model.dataset, "all goods and services")
    note = f" ({shock['note']})" if shock.get("note") else ""
    return f"{shock['imposing']} tariff of {shock['rate_pct']}% on {scope} from {shock['target']}{note}"


def _surplus(shock: dict, model: _Model) -> str:
    x = model.baseline.X
    n = x.shape[0]
    current = x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))  # deficit = expenditure - income
    (c,) = _members(shock["country"], model.baseline, model.table, model.year)
    target = current.copy()
    target[c] = current[c] * float(shock["factor"])
    change = target[c] - current[c]
    others = np.arange(n) != c
    output = x.sum(axis=(1, 2))
    target[others] -= change * output[others] / output[others].sum()
    model.deficits = target
    return (
        f"{shock['country']}'s trade surplus scaled by {shock['factor']}; "
        "the others absorb the change in proportion to their output"
    )


# One applier per shock type: it changes the model and returns the sentence the result carries.
APPLIERS: dict[str, Callable[[dict, _Model], str]] = {"schedule": _schedule, "tariff": _tariff, "surplus": _surplus}

_BASELINE_NOTES = {
    "yotov2006": "Baseline: Yotov et al. (2016) 2006 manufacturing trade, {n} economies with intra-national flows, "
    "one sector, no tariffs in the baseline (oil and services are not in it).",
    "icio": "Baseline: OECD ICIO 2022 intermediate inputs only, {n} economies x {k} industries, no rest of the "
    "world, no tariffs in the baseline; Caliendo-Parro elasticities by industry.",
    "goods2019": "{goods_note}",
    "wiod": "Baseline: WIOD {year}, {n} economies, goods and services at basic prices, one sector, no tariffs in "
    "the baseline.",
}


def simulate(scenario: Scenario, data_dir: str | Path | None = None, *, store=None) -> Simulation:
    """Run a scenario: build the baseline, apply the shocks, solve, and tabulate. With a ``store``, the goods
    baseline takes the other importers' applied tariffs the store holds (:func:`inputs.store_tariff_rates`)."""
    folder = settings.data_dir(data_dir)
    dataset = scenario.baseline.get("dataset")
    year = int(scenario.baseline.get("year", 2019 if dataset == "goods2019" else 2014))
    goods_note = ""
    if dataset == "goods2019":
        baseline, goods_notes = inputs.goods_baseline(year, folder)
        goods_note = " ".join(goods_notes)
    else:
        baseline = inputs.baseline(scenario.baseline, folder)
    n = len(baseline.countries)
    notes = [_BASELINE_NOTES[dataset].format(n=n, k=len(baseline.sectors), year=year, goods_note=goods_note)]
    if store is not None and dataset == "goods2019":
        held, rate_notes = inputs.store_tariff_rates(store, baseline.countries)
        tariffs = baseline.tariffs.copy()
        index = {c: i for i, c in enumerate(baseline.countries)}
        for importer, by_exporter in held.items():
            for exporter, rate in by_exporter.items():
                tariffs[index[exporter], index[importer], :] = rate
        baseline = ge.SectorBaseline(baseline.countries, baseline.sectors, baseline.X, tariffs)
        notes += rate_notes
    elif store is not None:
        notes.append(f"other importers' tariffs from the store apply to the goods2019 baseline only, not {dataset}")
    if dataset == "icio":
        theta = icio_theta(baseline.sectors)
    else:
        default = {"yotov2006": 6.0, "goods2019": inputs.GOODS_THETA}.get(dataset, 4.0)
        theta = np.array([float(scenario.model.get("theta", default))])
    model = _Model(baseline, _countries.load(folder), year, dataset, baseline.tariffs.copy(), data_dir=folder)
    for shock in expand_secondary(scenario.shocks, folder, notes):
        notes.append(APPLIERS[shock["type"]](shock, model))
    closure = scenario.model.get("closure", "additive")
    notes.append(
        "closure: each economy's trade balance is held at its baseline value in USD (the model has no savings "
        "or capital flows to move it), so an economy whose imports fall must export less by as much: the US "
        "deficit cannot shrink, and US exports fall with US imports"
        if closure == "additive"
        else "closure: trade imbalances held multiplicatively (moving with each country's factory price)"
    )

    def solve(elasticity: np.ndarray) -> ge.SectorResult:
        return ge.solve_sectors(
            baseline,
            elasticity,
            tariffs_new=model.tariffs,
            deficits_new=model.deficits,
            closure=closure,
            reference=scenario.model.get("reference"),
        )

    result = solve(theta)
    frame = _countries_table(result)
    sensitivity = pd.DataFrame()
    band = scenario.model.get("theta_band", [2.0, 8.0] if dataset == "goods2019" else None)
    if band and len(baseline.sectors) == 1:
        low, high = (_countries_table(solve(np.array([float(b)]))) for b in band)
        sensitivity = pd.DataFrame(
            {
                "country": frame.country,
                f"welfare_pct_theta_{band[0]:g}": low.welfare_pct.to_numpy(),
                f"welfare_pct_theta_{float(theta[0]):g}": frame.welfare_pct.to_numpy(),
                f"welfare_pct_theta_{band[1]:g}": high.welfare_pct.to_numpy(),
                f"exports_pct_theta_{band[0]:g}": low.exports_pct.to_numpy(),
                f"exports_pct_theta_{float(theta[0]):g}": frame.exports_pct.to_numpy(),
                f"exports_pct_theta_{band[1]:g}": high.exports_pct.to_numpy(),
            }
        )
        notes.append(
            f"trade elasticity theta {float(theta[0]):g}; the sensitivity table gives welfare and exports at "
            f"theta {band[0]:g} and {band[1]:g}"
        )
    elif len(theta) == 1:
        notes.append(f"trade elasticity theta {float(theta[0]):g}")
    x0 = baseline.X.sum(axis=2)
    frame["balance_before"] = x0.sum(axis=1) - x0.sum(axis=0)
    destinations = pd.DataFrame()
    if "CHN" in baseline.countries:
        c = baseline.countries.index("CHN")
        before, after = baseline.X[c, :, :].sum(axis=1), result.X_new[c, :, :].sum(axis=1)
        destinations = pd.DataFrame(
            {"destination": baseline.countries, "before": before, "after": after, "change": after - before}
        )
        destinations = destinations[destinations.destination != "CHN"]
        destinations["change_pct"] = destinations.change / destinations.before * 100
    return Simulation(scenario, result, frame, destinations, notes, sensitivity)


def _countries_table(result: ge.SectorResult) -> pd.DataFrame:
    frame = result.countries_frame()
    frame["welfare_pct"] = (frame.welfare - 1) * 100
    frame["exports_pct"] = (frame.exports_after / frame.exports_before - 1) * 100
    return frame
