"""Scenarios in partial equilibrium (SMART) on the US 2024 HS6 imports: tariff shocks to line rates, the run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import settings
from tradeflux._results import Result
from tradeflux.errors import InputError
from tradeflux.models import pe
from tradeflux.models import tariffs as _tariffs
from tradeflux.reference import countries as _countries
from tradeflux.reference import products as _products
from tradeflux.scenarios import inputs
from tradeflux.scenarios.ge_run import expand_secondary
from tradeflux.scenarios.inputs import PE_BASELINE

__all__ = ["RULES", "PERun", "pe_tables", "pe_tariffs", "rules_rates_hs6", "schedule_rates_hs6", "simulate_pe"]


@dataclass
class PERun(Result):
    """A PE model run: its title, the model's result, and what was applied or left out."""

    title: str
    result: pe.PEResult
    notes: list[str]
    source: str = ""

    def to_dict(self) -> dict:
        return {"title": self.title, "notes": self.notes, "source": self.source, **self.result.to_dict()}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"market": self.result.market(), "partners": self.result.by("partner")}


def _pe_targets(code: str, partners: set[str], table: _countries.CountryTable) -> list[str]:
    if code == "*":
        return sorted(partners)
    if code in partners:
        return [code]
    group = table.group_id(code)
    if group is None:
        return []
    found = [c for c in table.members(group, 2024) if c in partners]
    if group == "EU27" and "EUU" in partners:
        found.append("EUU")
    return found


def _to_hs6(
    codes: pd.Series, hts10: pd.Series, rates: np.ndarray, imports: pd.Series, fallback: np.ndarray
) -> np.ndarray:
    """Rates on HS6 ``codes``: the 2024-import-weighted mean of the HTS10 lines' ``rates``; codes the
    HTS10 data lack take ``fallback``."""
    frame = pd.DataFrame(
        {
            "hs6": hts10.astype(str).str[:6].to_numpy(),
            "w": rates * imports.to_numpy(float),
            "m": imports.to_numpy(float),
        }
    )
    grouped = frame.groupby("hs6")[["w", "m"]].sum()
    by_hs6 = (grouped.w / grouped.m.where(grouped.m > 0)).dropna()
    mapped = pd.Series(codes.astype(str).to_numpy()).map(by_hs6).to_numpy(float)
    return np.where(np.isnan(mapped), fallback, mapped)


def schedule_rates_hs6(
    schedule: _tariffs.Schedule, exporter: str, day: str, lines: pd.DataFrame, data_dir: Path
) -> np.ndarray:
    """The additional US rate on ``exporter`` on ``day`` for each HS6 line (percent).

    For China, each HS6 rate is the 2024-import-weighted mean of its HTS10 lines' rates, since
    exclusions and Section 232 lists are written at HTS8/10; other partners take the HS6 code.
    """
    codes = lines["product"].astype(str)
    rates = schedule.rates("USA", exporter, codes.to_numpy(), day)
    if exporter == "CHN":
        hts = inputs.us_china_hts10(data_dir)
        hts10_rates = schedule.rates("USA", "CHN", hts["product"].to_numpy(str), day)
        rates = _to_hs6(codes, hts["product"], hts10_rates, hts["imports"], rates)
    return rates


RULES = "us_all_2025_2026"  # the tracker's rules for every partner, as data (us_tariff_engine_rules_2025_2026.csv)


def rules_rates_hs6(lines: pd.DataFrame, day: str, data_dir: Path) -> tuple[np.ndarray, list[str]]:
    """The additional US duty (percent) on each HS6 line of the PE baseline on ``day``, for every partner
    the rules cover: the 2024-import-weighted mean of the partner's HTS10 lines' rates; an HS6 line the
    partner's HTS10 data lack takes the rate of the code itself. Other partners get 0 (no change)."""
    rules = inputs.load_rules(data_dir)
    weights = inputs.us_imports_by_partner(data_dir)
    added = np.zeros(len(lines))
    covered = sorted(set(rules.partners) & set(lines["partner"]))
    for partner in covered:
        hit = (lines["partner"] == partner).to_numpy()
        own = weights[weights.iso3 == partner].reset_index(drop=True)
        codes = lines.loc[hit, "product"].astype(str).reset_index(drop=True)
        fallback = rules.rates(partner, codes + "0000", day)
        added[hit] = _to_hs6(codes, own["hts10"], rules.rates(partner, own["hts10"], day), own["imports_usd"], fallback)
    return added, covered


def pe_tariffs(shocks: list[dict], lines: pd.DataFrame, data_dir: Path) -> tuple[np.ndarray, list[str]]:
    """New tariffs (percent) for the US HS6 lines under a scenario's shocks, and what was applied."""
    table = _countries.load(data_dir)
    partners = set(lines["partner"])
    new = lines["tariff_pct"].to_numpy(float).copy()
    codes = lines["product"].astype(str)
    notes: list[str] = []
    shocks = expand_secondary(shocks, data_dir, notes)
    for n, shock in enumerate(shocks, start=1):
        kind = shock["type"]
        if kind == "surplus":
            notes.append(f"shock {n} (surplus) is a general-equilibrium shock; the PE model leaves it out")
            continue
        if kind == "schedule" and shock.get("layers", RULES) == RULES:
            day = str(shock["date"])
            added, covered = rules_rates_hs6(lines, day, data_dir)
            new += added
            share = lines.loc[lines.partner.isin(covered), "imports"].sum() / lines["imports"].sum() * 100
            notes.append(
                f"US additional duties in force on {day} for every partner the tracker's rules cover "
                f"({len(covered)} partners, {share:.1f}% of 2024 imports; the EU as one): "
                "country rates, Section 232 lists, exemptions and stacked actions; other partners keep their 2024 rates"
            )
            continue
        if kind == "schedule":
            layers = shock.get("layers", "us_china_2025")
            path = inputs.layers_path(layers)
            schedule = inputs.load_layers(path, data_dir)
            day = str(shock["date"])
            targets = sorted({layer.target for layer in schedule.layers if layer.imposing == "USA"} & partners)
            for target in targets:
                hit = (lines["partner"] == target).to_numpy()
                new[hit] += schedule_rates_hs6(schedule, target, day, lines[hit], data_dir)
            notes.append(f"US additional duties in force on {day} from {path.stem} on {', '.join(targets)}")
            continue
        if shock.get("imposing") != "USA":
            notes.append(
                f"shock {n} ({shock.get('imposing')} on {shock.get('target')}) left out: the PE baseline holds US imports only"
            )
            continue
        if shock.get("sectors"):
            notes.append(
                f"shock {n} is scoped to ICIO sectors {shock['sectors']}; the PE model needs HS codes ('products')"
            )
            continue
        targets = _pe_targets(str(shock["target"]), partners, table)
        if not targets:
            inside_eu = "EUU" in partners and shock["target"] in table.members("EU27", 2024)
            why = "it is inside the EU aggregate 'EUU' in this baseline" if inside_eu else "no line from it"
            notes.append(f"shock {n} ({shock['imposing']} on {shock['target']}) left out: {why}")
            continue
        hit = lines["partner"].isin(targets).to_numpy()
        scope = "all goods"
        if shock.get("products"):
            prefixes = tuple(str(p) for p in shock["products"])
            hit = hit & codes.str.startswith(prefixes).to_numpy()
            scope = "HS " + ", ".join(prefixes)
        new[hit] += float(shock["rate_pct"])
        notes.append(f"US additional {shock['rate_pct']}% on {scope} from {', '.join(targets)}, on top of 2024 rates")
    return new, notes


def simulate_pe(
    shocks: list[dict],
    *,
    title: str,
    elasticities: pe.Elasticities | None = None,
    substitution: str | float | None = None,
    elasticities_file: str | Path | None = None,
    form: pe.Form = "linear",
    data_dir: str | Path | None = None,
    source: str = "",
) -> PERun:
    """SMART on the US 2024 HS6 lines under ``shocks`` (scenario shock tables)."""
    folder = settings.data_dir(data_dir)
    lines = inputs.pe_baseline(folder)
    new, notes = pe_tariffs(shocks, lines, folder)
    elasticities = elasticities or pe.Elasticities()
    if elasticities_file is not None:
        elasticities = inputs.with_elasticities_file(elasticities, elasticities_file, lines["product"])
    if substitution == "broda-weinstein":
        sigma = inputs.broda_weinstein(lines["product"], "USA", folder)
        elasticities = elasticities.replace(
            "substitution",
            sigma,
            "Broda and Weinstein 2006, US, HS 3-digit, winsorised at the 5th and 95th percentiles",
        )
    result = pe.Market(lines, name="us-hs6-2024", importer="USA").simulate(new, elasticities, form=form)
    notes = [
        f"Baseline: {PE_BASELINE}; chapters 98-99 (US special provisions) left out; "
        "'EUU' is the EU aggregate (Slovakia also appears alone)",
        *notes,
    ]
    floor = result.by().get("floor_adjustment")
    if floor is not None and float(floor.iloc[0]) > 0:
        notes.append(
            f"creation + diversion + floor adjustment = total change: the floor adjustment "
            f"(USD {float(floor.iloc[0]) / 1e9:,.1f} bn) is what cutting lines at zero imports adds back to the "
            "linear formulas"
        )
    return PERun(title, result, notes + result.notes, source)


def pe_tables(run: PERun, data_dir: str | Path | None = None, top: int = 15) -> dict[str, pd.DataFrame]:
    """The PE run's tables: partners (winners and losers), and the products each top gainer gains in."""
    names = _products.load(settings.data_dir(data_dir))
    table = _countries.load(settings.data_dir(data_dir))
    partners = run.result.by("partner").sort_values("total_effect").reset_index(drop=True)
    partners.insert(1, "name", partners.partner.map(lambda c: "European Union" if c == "EUU" else _name(table, c)))
    pairs = run.result.by("product", "partner")
    gainers = partners[partners.total_effect > 0].nlargest(5, "total_effect").partner.tolist()
    products = pairs[pairs.partner.isin(gainers) & (pairs.total_effect > 0)]
    products = products.sort_values("total_effect", ascending=False).groupby("partner", sort=False).head(top)
    products = products.assign(description=products["product"].map(lambda c: names.describe(c) or ""))
    return {"partners": partners, "gaining_products": products.reset_index(drop=True)}


def _name(table: _countries.CountryTable, code: str) -> str:
    try:
        return table.name(code)
    except KeyError:
        return code


def run_lines(
    lines: pd.DataFrame,
    elasticities: pe.Elasticities,
    *,
    name: str,
    form: pe.Form = "linear",
    elasticities_file: str | Path | None = None,
) -> PERun:
    """The PE model on the user's own lines: SMART for one importer, GSIM when an ``importer`` column
    names several (GSIM is log-linear: ``form`` must then be ``linear``)."""
    if elasticities_file is not None:
        elasticities = inputs.with_elasticities_file(elasticities, elasticities_file, lines["product"])
    several = "importer" in lines and lines["importer"].nunique() > 1
    if several and form != "linear":
        raise InputError("GSIM (several importers) is log-linear; --form constant is for one market")
    result = pe.gsim(lines, elasticities, name=name) if several else pe.smart(lines, elasticities, name=name, form=form)
    return PERun(f"PE on {Path(name).name}", result, result.notes, name)
