"""Scenario files: a baseline, the model's settings and a list of shocks, run as one counterfactual.

A scenario is a TOML file::

    name = "US-China escalation at its peak (April-May 2025)"
    [baseline]
    dataset = "wiod"        # the WIOD 44-economy matrix in the data directory
    year = 2014
    [model]
    theta = 4.0             # trade elasticity (sigma - 1)
    closure = "additive"    # trade imbalances fixed in USD, or "multiplicative"
    [[shocks]]
    type = "tariff"         # an additional ad valorem tariff, percent
    imposing = "USA"
    target = "CHN"
    rate_pct = 145
    [[shocks]]
    type = "surplus"        # scale a country's trade surplus (Dekle, Eaton and Kortum 2008)
    country = "CHN"
    factor = 0.5            # the others absorb the change in proportion to their output
    [[shocks]]
    type = "secondary"      # a tariff on the largest trading partners of a country
    imposing = "USA"
    partner_of = "IRN"
    rate_pct = 25
    top = 5                 # or min_share_pct = 1.0, or targets = ["CHN", "IND"]
    [[shocks]]
    type = "schedule"       # PE only: the US duties in force on a date, from tariff layers
    layers = "us_china_2025"
    date = "2025-11-10"

Baselines: ``wiod`` (44 economies, goods and services, 2000-2014), ``icio`` (OECD ICIO 2022,
intermediate inputs, 80 economies x 50 industries, Caliendo-Parro elasticities) and ``yotov2006``
(Yotov et al. 2016 manufacturing, 69 economies including Iran). Countries may be ISO3 codes or
group names (``EU27``: members present in the baseline; the rest of the world sits in ``ROW`` when
the baseline has one). The one-sector baselines have no tariffs in them, so tariff shocks are
additional rates on all trade from the target: a statement each result carries. Tariff shocks may
name ``sectors`` (ICIO industries, GE) or ``products`` (HS prefixes, PE).

The same files drive the partial-equilibrium model (:func:`simulate_pe`) on the US 2024 HS6
imports: US tariff shocks apply to the partners' lines; shocks it cannot apply are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import settings
from tradeflux._io import atomic_write_text, read_toml
from tradeflux.models import ge, pe
from tradeflux.models import tariffs as _tariffs
from tradeflux.reference import countries as _countries

SHOCK_TYPES = ("tariff", "surplus", "schedule", "secondary")


@dataclass
class Scenario:
    name: str
    baseline: dict
    model: dict
    shocks: list[dict]
    description: str = ""
    source: str = ""

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        path = Path(path)
        data = read_toml(path, what="valid TOML")
        for key in ("name", "baseline", "shocks"):
            if key not in data:
                raise ValueError(f"{path}: a scenario needs '{key}'")
        for n, shock in enumerate(data["shocks"], start=1):
            if shock.get("type") not in SHOCK_TYPES:
                raise ValueError(f"{path}: shock {n} has type {shock.get('type')!r}; types: {', '.join(SHOCK_TYPES)}")
        return cls(
            data["name"],
            data["baseline"],
            data.get("model", {}),
            data["shocks"],
            data.get("description", ""),
            str(path),
        )


def shipped() -> dict[str, Path]:
    """The scenarios that come with tradeflux, by name (file stem)."""
    folder = resources.files("tradeflux") / "data" / "scenarios"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


def find(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if path.exists():
        return Scenario.load(path)
    known = shipped()
    if name_or_path in known:
        return Scenario.load(known[name_or_path])
    raise KeyError(
        f"no scenario file {name_or_path!r} and no shipped scenario of that name; shipped: {', '.join(sorted(known))}"
    )


@dataclass
class Simulation:
    scenario: Scenario
    result: ge.SectorResult
    countries: pd.DataFrame
    destinations: pd.DataFrame
    notes: list[str] = field(default_factory=list)


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


BASELINES = ("wiod", "icio", "yotov2006")
YOTOV_2006 = "yotov-gravity-guide/agtpa_ch2_trade_without_border_2006.csv.gz"


def load_baseline(spec: dict, data_dir: Path) -> ge.SectorBaseline:
    if spec.get("dataset") == "icio":
        return _icio_baseline(data_dir)
    if spec.get("dataset") == "yotov2006":
        base = ge.Baseline.from_frame(_yotov_2006(data_dir))
        return ge.SectorBaseline(base.countries, ("manufacturing",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))
    if spec.get("dataset") != "wiod":
        raise ValueError(f"unknown baseline dataset {spec.get('dataset')!r}; available: {', '.join(BASELINES)}")
    frame = pd.read_csv(data_dir / "wiod-gegravity-2000-2014" / "wiod_aggregate_trade_44_2000_2014.csv")
    year = int(spec.get("year", 2014))
    frame = frame[frame.year == year]
    if frame.empty:
        raise ValueError(f"the WIOD baseline has no year {year} (years: 2000, 2005, 2010, 2014)")
    base = ge.Baseline.from_frame(frame)
    return ge.SectorBaseline(base.countries, ("all",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))


def _yotov_2006(data_dir: Path) -> pd.DataFrame:
    """Manufacturing trade 2006, 69 economies with intra-national flows, millions of USD (Yotov et al. 2016)."""
    frame = pd.read_csv(data_dir / YOTOV_2006, usecols=["exporter", "importer", "trade"])
    for col in ("exporter", "importer"):
        frame[col] = frame[col].replace("ZZZ", "DEU")  # the book's code for Germany
    return frame


def secondary_targets(shock: dict, data_dir: Path) -> tuple[list[str], str]:
    """The countries a secondary tariff hits: the largest trading partners of ``partner_of``.

    Ranked by two-way manufacturing trade with it in the Yotov et al. 2006 data (the only shared
    dataset with Iran's bilateral trade and domestic flows): the ``top`` N, or those whose trade
    with it is at least ``min_share_pct`` of their international trade, or an explicit ``targets``.
    """
    if shock.get("targets"):
        return list(shock["targets"]), "listed in the scenario"
    frame = _yotov_2006(data_dir)
    frame = frame[frame.exporter != frame.importer]
    of = shock["partner_of"]
    with_partner = (
        frame[frame.exporter == of]
        .set_index("importer")
        .trade.add(frame[frame.importer == of].set_index("exporter").trade, fill_value=0.0)
    )
    if with_partner.empty:
        raise KeyError(f"{of!r} is not in the 2006 data used to find its trading partners")
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


def _icio_baseline(data_dir: Path) -> ge.SectorBaseline:
    """OECD ICIO 2022 intermediate flows by selling industry: 80 economies x 50 industries.

    Intermediate inputs only (final demand is not split by destination in the source) and no
    rest of the world: results describe trade in inputs, which every result says.
    """
    frame = pd.read_csv(
        data_dir / "oecd-icio-2022-intermediates" / "icio2022_intermediate_sales_by_exporter_sector.csv.gz"
    )
    countries = tuple(sorted(set(frame.exporter_iso3) | set(frame.importer_iso3)))
    sectors = tuple(sorted(frame.exporter_sector.unique()))
    ci = {c: n for n, c in enumerate(countries)}
    si = {c: n for n, c in enumerate(sectors)}
    X = np.zeros((len(countries), len(countries), len(sectors)))
    X[frame.exporter_iso3.map(ci), frame.importer_iso3.map(ci), frame.exporter_sector.map(si)] = (
        frame.value_usd_mn.to_numpy()
    )
    return ge.SectorBaseline(countries, sectors, X, np.zeros_like(X))


def _members(code: str, baseline: ge.SectorBaseline, table: _countries.CountryTable, year: int) -> list[int]:
    if code in baseline.countries:
        return [baseline.countries.index(code)]
    group = table.group_id(code)
    if group is None:
        raise KeyError(f"{code!r} is neither in the baseline ({', '.join(baseline.countries)}) nor a country group")
    found = [baseline.countries.index(c) for c in table.members(group, year) if c in baseline.countries]
    if not found:
        raise KeyError(f"no member of {group} is in the baseline")
    return found


def _expand_secondary(shocks: list[dict], data_dir: Path, notes: list[str]) -> list[dict]:
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


def simulate(scenario: Scenario, data_dir: str | Path | None = None) -> Simulation:
    """Run a scenario: build the baseline, apply the shocks, solve, and tabulate."""
    folder = settings.data_dir(data_dir)
    baseline = load_baseline(scenario.baseline, folder)
    table = _countries.load(folder)
    year = int(scenario.baseline.get("year", 2014))
    n = len(baseline.countries)
    tariffs = baseline.tariffs.copy()
    deficits = None
    dataset = scenario.baseline.get("dataset")
    if dataset == "yotov2006":
        notes = [
            f"Baseline: Yotov et al. (2016) 2006 manufacturing trade, {n} economies with intra-national flows, one sector, no tariffs in the baseline (oil and services are not in it)."
        ]
        theta = np.array([float(scenario.model.get("theta", 6.0))])
    elif scenario.baseline.get("dataset") == "icio":
        notes = [
            f"Baseline: OECD ICIO 2022 intermediate inputs only, {n} economies x {len(baseline.sectors)} industries, no rest of the world, no tariffs in the baseline; Caliendo-Parro elasticities by industry."
        ]
        theta = icio_theta(baseline.sectors)
    else:
        notes = [
            f"Baseline: WIOD {year}, {n} economies, goods and services at basic prices, one sector, no tariffs in the baseline."
        ]
        theta = np.array([float(scenario.model.get("theta", 4.0))])
    for shock in _expand_secondary(scenario.shocks, folder, notes):
        if shock["type"] == "schedule":
            notes.append(
                f"schedule shock ({shock.get('layers')} on {shock.get('date')}) is for the PE model; skipped here"
            )
        elif shock["type"] == "tariff" and shock.get("products") and not shock.get("sectors"):
            notes.append(
                f"{shock['imposing']} tariff on HS {', '.join(map(str, shock['products']))} from {shock['target']} "
                "left out: the GE baseline has industries, not products (give 'sectors')"
            )
        elif shock["type"] == "tariff":
            rate = float(shock["rate_pct"]) / 100
            wanted = shock.get("sectors")
            unknown = sorted(set(wanted or ()) - set(baseline.sectors))
            if unknown:
                raise KeyError(f"sectors {unknown} are not in the baseline ({', '.join(baseline.sectors)})")
            ks = [baseline.sectors.index(k) for k in wanted] if wanted else list(range(len(baseline.sectors)))
            for i in _members(shock["target"], baseline, table, year):
                for j in _members(shock["imposing"], baseline, table, year):
                    if i != j:
                        tariffs[i, j, ks] = rate
            everything = {"yotov2006": "all manufactured goods", "icio": "all industries"}
            scope = f"sectors {', '.join(wanted)}" if wanted else everything.get(dataset, "all goods and services")
            note = f" ({shock['note']})" if shock.get("note") else ""
            notes.append(f"{shock['imposing']} tariff of {shock['rate_pct']}% on {scope} from {shock['target']}{note}")
        elif shock["type"] == "surplus":
            x = baseline.X
            current = x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))  # deficit = expenditure - income
            (c,) = _members(shock["country"], baseline, table, year)
            target = current.copy()
            target[c] = current[c] * float(shock["factor"])
            change = target[c] - current[c]
            others = np.arange(n) != c
            output = x.sum(axis=(1, 2))
            target[others] -= change * output[others] / output[others].sum()
            deficits = target
            notes.append(
                f"{shock['country']}'s trade surplus scaled by {shock['factor']}; the others absorb the change in proportion to their output"
            )
    closure = scenario.model.get("closure", "additive")
    notes.append(
        "trade imbalances held additively (fixed in USD)"
        if closure == "additive"
        else "trade imbalances held multiplicatively (moving with each country's factory price)"
    )
    result = ge.solve_sectors(
        baseline,
        theta,
        tariffs_new=tariffs,
        deficits_new=deficits,
        closure=closure,
        reference=scenario.model.get("reference"),
    )
    frame = result.countries_frame()
    frame["welfare_pct"] = (frame.welfare - 1) * 100
    frame["exports_pct"] = (frame.exports_after / frame.exports_before - 1) * 100
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
    return Simulation(scenario, result, frame, destinations, notes)


def write(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """The simulation as HTML (charts: winners and losers, where Chinese exports go), JSON and CSV."""
    import html
    import json

    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(sim.scenario.source).stem or "scenario"
    countries = sim.countries.sort_values("welfare_pct")
    charts = []
    fig = go.Figure(
        go.Bar(
            x=countries.welfare_pct,
            y=countries.country,
            orientation="h",
            marker_color=["#c53030" if v < 0 else "#2f855a" for v in countries.welfare_pct],
        )
    )
    fig.update_layout(title="Welfare change, % (real expenditure)", height=900)
    charts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-welfare"))
    if not sim.destinations.empty:
        dest = sim.destinations.sort_values("change")
        fig = go.Figure(go.Bar(x=dest.change / 1e3, y=dest.destination, orientation="h", marker_color="#2b6cb0"))
        fig.update_layout(title="Change in China's exports by destination, USD bn", height=900)
        charts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-destinations"))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in sim.notes)
    table = sim.countries.to_html(index=False, float_format=lambda v: f"{v:,.4g}", border=0)
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(sim.scenario.name)}</title>
<script>{get_plotlyjs()}</script><style>body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }} td, th {{ padding: 2px 6px; border-bottom: 1px solid #e2e8f0; }}</style></head><body>
<h1>{html.escape(sim.scenario.name)}</h1><p>{html.escape(sim.scenario.description)}</p><ul>{notes}</ul>
{"".join(charts)}<h2>Countries</h2>{table}
<p>Solver: {sim.result.iterations} iterations, market-clearing residual {sim.result.residual:.2g}.</p></body></html>"""
    paths = {
        "html": atomic_write_text(out / f"{stem}.html", page),
        "countries_csv": atomic_write_text(out / f"{stem}_countries.csv", sim.countries.to_csv(index=False)),
        "pairs_csv": atomic_write_text(
            out / f"{stem}_pairs.csv",
            sim.result.pairs_frame(by_sector=len(sim.result.baseline.sectors) > 1).to_csv(index=False),
        ),
        "json": atomic_write_text(out / f"{stem}.json", json.dumps(to_dict(sim), indent=1, default=str)),
    }
    if not sim.destinations.empty:
        paths["destinations_csv"] = atomic_write_text(
            out / f"{stem}_chn_destinations.csv", sim.destinations.to_csv(index=False)
        )
    return paths


def to_dict(sim: Simulation) -> dict:
    return {
        "scenario": sim.scenario.name,
        "description": sim.scenario.description,
        "notes": sim.notes,
        "iterations": sim.result.iterations,
        "residual": sim.result.residual,
        "countries": sim.countries.to_dict(orient="records"),
        "chn_destinations": sim.destinations.to_dict(orient="records"),
    }


# ---- partial equilibrium (SMART) on the US 2024 HS6 imports ------------------------------------

PE_BASELINE = "US imports for consumption 2024 by HS6 and partner (Census via tradewartracker; customs value, USD)"


@dataclass
class PERun:
    title: str
    result: pe.PEResult
    notes: list[str]
    source: str = ""


def pe_baseline(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The US 2024 HS6 x partner lines: ``product, partner, imports, tariff_pct`` (2024 applied = duty / imports)."""
    from tradeflux.sources import census

    frame = census.hs6_by_partner_frame(settings.data_dir(data_dir))
    # Chapters 98 and 99 are US special provisions (goods returned, low-value shipments), not products.
    frame = frame[(frame.imports > 0) & ~frame["product"].str[:2].isin(["98", "99"])].reset_index(drop=True)
    frame["tariff_pct"] = frame.duty / frame.imports * 100
    return frame


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


def schedule_rates_hs6(
    schedule: _tariffs.Schedule, exporter: str, day: str, lines: pd.DataFrame, data_dir: Path
) -> np.ndarray:
    """The additional US rate on ``exporter`` on ``day`` for each HS6 line (percent).

    For China, each HS6 rate is the 2024-import-weighted mean of its HTS10 lines' rates, since
    exclusions and Section 232 lists are written at HTS8/10; other partners take the HS6 code.
    """
    codes = lines["product"].astype(str).to_numpy()
    rates = schedule.rates("USA", exporter, codes, day)
    if exporter == "CHN":
        from tradeflux.sources import census

        hts = census.hts10_china_frame(data_dir)
        hts["rate"] = schedule.rates("USA", "CHN", hts["product"].to_numpy(str), day)
        hts["hs6"] = hts["product"].str[:6]
        grouped = hts.assign(w=hts.rate * hts.imports).groupby("hs6")[["w", "imports"]].sum()
        by_hs6 = (grouped.w / grouped.imports.where(grouped.imports > 0)).dropna()
        mapped = pd.Series(codes).map(by_hs6).to_numpy(float)
        rates = np.where(np.isnan(mapped), rates, mapped)
    return rates


def pe_tariffs(shocks: list[dict], lines: pd.DataFrame, data_dir: Path) -> tuple[np.ndarray, list[str]]:
    """New tariffs (percent) for the US HS6 lines under a scenario's shocks, and what was applied."""
    table = _countries.load(data_dir)
    partners = set(lines["partner"])
    new = lines["tariff_pct"].to_numpy(float).copy()
    codes = lines["product"].astype(str)
    notes: list[str] = []
    shocks = _expand_secondary(shocks, data_dir, notes)
    for n, shock in enumerate(shocks, start=1):
        kind = shock["type"]
        if kind == "surplus":
            notes.append(f"shock {n} (surplus) is a general-equilibrium shock; the PE model leaves it out")
            continue
        if kind == "schedule":
            layers = shock.get("layers", "us_china_2025")
            path = Path(layers) if Path(layers).exists() else _tariffs.shipped(layers)
            schedule = _tariffs.load(path, data_dir)
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
    lines = pe_baseline(folder)
    new, notes = pe_tariffs(shocks, lines, folder)
    elasticities = elasticities or pe.Elasticities()
    if elasticities_file is not None:
        elasticities = elasticities.with_file(elasticities_file, lines["product"])
    if substitution == "broda-weinstein":
        sigma = pe.broda_weinstein(lines["product"], "USA", folder)
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
    return PERun(title, result, notes + result.notes, source)


def pe_tables(run: PERun, data_dir: str | Path | None = None, top: int = 15) -> dict[str, pd.DataFrame]:
    """The PE run's tables: partners (winners and losers), and the products each top gainer gains in."""
    from tradeflux.reference import products as _products

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


def write_pe(run: PERun, out_dir: str | Path, stem: str, data_dir: str | Path | None = None) -> dict[str, Path]:
    """The PE run as HTML (who gains, who loses, in which products), CSV and JSON."""
    import html
    import json

    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = pe_tables(run, data_dir)
    partners = tables["partners"]
    fig = go.Figure()
    for column, colour in (("trade_creation", "#c05621"), ("trade_diversion", "#2b6cb0")):
        fig.add_bar(
            y=partners.partner,
            x=partners[column] / 1e9,
            name=column.replace("_", " "),
            orientation="h",
            marker_color=colour,
        )
    fig.update_layout(barmode="relative", title="Change in US imports by partner, USD bn", height=1000)
    charts = [fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-partners")]
    gaining = tables["gaining_products"]
    if not gaining.empty:
        fig = go.Figure()
        for partner, rows in gaining.groupby("partner", sort=False):
            top = rows.head(8).iloc[::-1]
            labels = [
                f"{partner} {code} {desc[:40]}" for code, desc in zip(top["product"], top.description, strict=True)
            ]
            fig.add_bar(y=labels, x=top.total_effect / 1e6, name=partner, orientation="h")
        fig.update_layout(title="Where the largest gainers gain: top HS6 lines, USD mn", height=1200, showlegend=True)
        charts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-products"))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in [*run.notes, run.result.elasticities])
    fmt = {"float_format": lambda v: f"{v:,.4g}", "border": 0, "index": False}
    summary = run.result.market().div(1e9)
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(run.title)}</title>
<script>{get_plotlyjs()}</script><style>body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }} td, th {{ padding: 2px 6px; border-bottom: 1px solid #e2e8f0; }}</style></head><body>
<h1>{html.escape(run.title)}</h1><ul>{notes}</ul><h2>Market totals (USD bn)</h2>{summary.to_html(**fmt)}
{"".join(charts)}<h2>Partners</h2>{partners.to_html(**fmt)}
<h2>Where the largest gainers gain: top products</h2>{gaining.to_html(**fmt)}</body></html>"""
    data = {"title": run.title, "notes": run.notes, "source": run.source, **run.result.to_dict()}
    return {
        "html": atomic_write_text(out / f"{stem}.html", page),
        "partners_csv": atomic_write_text(out / f"{stem}_partners.csv", partners.to_csv(index=False)),
        "products_csv": atomic_write_text(out / f"{stem}_gaining_products.csv", gaining.to_csv(index=False)),
        "json": atomic_write_text(out / f"{stem}.json", json.dumps(data, indent=1, default=str)),
    }
