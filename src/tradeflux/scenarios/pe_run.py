"""Scenarios in partial equilibrium (SMART): tariff shocks to line rates, the run. The baseline is the US 2024 HS6
imports of the shared data, or any importer's HS6 imports in the store with its applied tariffs from the store
(UNCTAD TRAINS via WITS, fetched with ``tradeflux update --service wits-trains``)."""

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

__all__ = [
    "RULES",
    "PEBaseline",
    "PERun",
    "pe_tables",
    "pe_tariffs",
    "rules_rates_hs6",
    "schedule_rates_hs6",
    "simulate_pe",
    "store_baseline",
]


@dataclass
class PERun(Result):
    """A PE model run: its title, the model's result, and what was applied or left out."""

    title: str
    result: pe.PEResult
    notes: list[str]
    source: str = ""
    rates: pd.DataFrame | None = None  # baseline and new tariff per line, with the baseline rate's source

    def to_dict(self) -> dict:
        # the run's notes hold the model's and come last: the model's own "notes" would hide the run's
        out = {**self.result.to_dict(), "title": self.title, "notes": self.notes, "source": self.source}
        if self.rates is not None:
            out["rates"] = self.rates.to_dict("records")
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"market": self.result.market(), "partners": self.result.by("partner")}
        if self.rates is not None:
            out["rates"] = self.rates
        return out


@dataclass
class PEBaseline:
    """An importer's HS6 lines (``product, partner, imports, tariff_pct``, plus ``rate_source``), and how they
    were built."""

    importer: str
    year: int
    lines: pd.DataFrame
    name: str
    notes: list[str]


def store_baseline(store, importer: str, year: int) -> PEBaseline:
    """``importer``'s imports in ``year`` by HS6 product and partner from the store's canonical flows, each line
    with the importer's applied tariff from the store's ``tariffs`` (an EU member's are the EU's): the rate for
    that partner where one is held (a preference), else the MFN rate for every partner; the latest year of
    rates up to ``year``. Lines without a rate keep 0%, counted in the notes."""
    from tradeflux.analysis.canonical import canonical

    table = _countries.load(store.data_dir)
    code = table.code(importer)
    con = store.connect()
    try:
        flows = canonical(con, reporter=code, flow="import")
        rates = con.execute(
            "SELECT imposing, target, product, year, rate_pct, measure, authority, source FROM tariffs "
            "WHERE rate_kind = 'applied' AND length(product) = 6 AND year <= ? AND imposing IN (?, 'EUU')",
            [year, code],
        ).df()
    finally:
        con.close()
    hs = flows[
        (flows.year == year)
        & (flows.period_kind == "year")
        & (flows.currency == "USD")
        & flows.classification.str.startswith("HS")
        & (flows["product"].str.len() == 6)
        & (flows.partner != "WLD")
        & ~flows.partner.str.startswith("AGG:")
    ]
    if hs.empty:
        raise InputError(
            f"no HS6 imports of {code} in {year} by partner in the store; fetch them with "
            f"`tradeflux update --reporter {code} --year {year} --service comtrade --detail hs6`"
        )
    lines = hs.groupby(["product", "partner"], as_index=False)["value"].sum().rename(columns={"value": "imports"})
    lines = lines[lines.imports > 0].reset_index(drop=True)
    imposing = code if (rates.imposing == code).any() or code not in table.members("EU27", year) else "EUU"
    rates = rates[rates.imposing == imposing]
    notes = [
        f"Baseline: {code}'s imports in {year} by HS6 and partner from the store ({', '.join(sorted(set(hs.source)))})"
    ]
    lines["tariff_pct"], lines["rate_source"] = 0.0, "none held: 0%"
    if rates.empty:
        notes.append(
            f"no applied tariffs of {code} up to {year} in the store: every line at 0% (fetch them with "
            f"`tradeflux update --reporter {code} --year {year} --service wits-trains`)"
        )
    else:
        held = int(rates.year.max())
        rates = rates[rates.year == held]
        # a rate for the partner itself (a preference) before the rate for every partner (MFN); AHS before MFN
        rates = rates.assign(_own=rates.target != "WLD", _ahs=rates.measure.str.contains("AHS"))
        rates = rates.sort_values(["_own", "_ahs"], ascending=False)
        own = rates[rates._own].drop_duplicates(["target", "product"]).set_index(["target", "product"])
        every = rates[~rates._own].drop_duplicates("product").set_index("product")
        keys = pd.MultiIndex.from_frame(lines[["partner", "product"]])
        own_rate = own.rate_pct.reindex(keys).to_numpy(float)
        every_rate = every.rate_pct.reindex(lines["product"]).to_numpy(float)
        label = f"{rates.authority.iloc[0]}, {'the EU' if imposing == 'EUU' else code}, {held}"
        lines["tariff_pct"] = np.where(~np.isnan(own_rate), own_rate, np.where(~np.isnan(every_rate), every_rate, 0.0))
        lines["rate_source"] = np.where(
            ~np.isnan(own_rate),
            f"{label}: rate for the partner",
            np.where(~np.isnan(every_rate), f"{label}: MFN", "none held: 0%"),
        )
        covered = lines.rate_source != "none held: 0%"
        weighted = float((lines.tariff_pct * lines.imports).sum() / lines.imports.sum())
        notes.append(
            f"Baseline tariffs: {label} ({'the EU common external tariff, ' if imposing == 'EUU' else ''}"
            f"simple averages of the tariff lines in each HS6): {int(covered.sum())} of {len(lines)} lines "
            f"({lines.imports[covered].sum() / lines.imports.sum() * 100:.1f}% of imports); "
            f"trade-weighted mean {weighted:.2f}%"
            + (f"; rates of {held} used for {year}" if held != year else "")
            + (f"; {int((~covered).sum())} lines without a rate kept at 0%" if (~covered).any() else "")
        )
    name = table.name(code)
    return PEBaseline(code, year, lines, f"{name}'s {year} HS6 imports from the store", notes)


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


def pe_tariffs(
    shocks: list[dict], lines: pd.DataFrame, data_dir: Path, importer: str = "USA", year: int = 2024
) -> tuple[np.ndarray, list[str]]:
    """New tariffs (percent) for ``importer``'s HS6 lines under a scenario's shocks, and what was applied. A shock
    applies when its ``imposing`` is the importer or a group the importer belongs to in ``year`` (EU27)."""
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
        if kind == "schedule" and importer != "USA":
            notes.append(f"shock {n} (US tariff schedule) left out: the importer is {importer}")
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
        imposing = str(shock.get("imposing"))
        group = table.group_id(imposing)
        if imposing != importer and not (group and importer in table.members(group, year)):
            notes.append(
                f"shock {n} ({imposing} on {shock.get('target')}) left out: the PE baseline holds {importer}'s imports only"
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
        notes.append(
            f"{'US' if importer == 'USA' else importer} additional {shock['rate_pct']}% on {scope} from "
            f"{', '.join(targets)}, on top of {year} rates"
        )
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
    baseline: PEBaseline | None = None,
) -> PERun:
    """SMART under ``shocks`` (scenario shock tables) on ``baseline`` (:func:`store_baseline`), by default the US
    2024 HS6 lines of the shared data."""
    folder = settings.data_dir(data_dir)
    if baseline is None:
        lines, importer, year, name = inputs.pe_baseline(folder), "USA", 2024, "us-hs6-2024"
        base_notes = [
            f"Baseline: {PE_BASELINE}; chapters 98-99 (US special provisions) left out; "
            "'EUU' is the EU aggregate (Slovakia also appears alone)"
        ]
    else:
        lines, importer, year = baseline.lines, baseline.importer, baseline.year
        name, base_notes = f"{importer.lower()}-hs6-{year}", list(baseline.notes)
    new, notes = pe_tariffs(shocks, lines, folder, importer, year)
    elasticities = elasticities or pe.Elasticities()
    if elasticities_file is not None:
        elasticities = inputs.with_elasticities_file(elasticities, elasticities_file, lines["product"])
    if substitution == "broda-weinstein":
        sigma = inputs.broda_weinstein(lines["product"], importer, folder)
        elasticities = elasticities.replace(
            "substitution",
            sigma,
            f"Broda and Weinstein 2006, {importer}, HS 3-digit, winsorised at the 5th and 95th percentiles",
        )
    result = pe.Market(lines, name=name, importer=importer).simulate(new, elasticities, form=form)
    notes = [*base_notes, *notes]
    floor = result.by().get("floor_adjustment")
    if floor is not None and float(floor.iloc[0]) > 0:
        notes.append(
            f"creation + diversion + floor adjustment = total change: the floor adjustment "
            f"(USD {float(floor.iloc[0]) / 1e9:,.1f} bn) is what cutting lines at zero imports adds back to the "
            "linear formulas"
        )
    rates = None
    if baseline is not None:
        rates = lines[["product", "partner", "imports", "tariff_pct", "rate_source"]].assign(new_tariff_pct=new)
        rates = rates.sort_values("imports", ascending=False).reset_index(drop=True)
    return PERun(title, result, notes + result.notes, source, rates)


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
