"""Scenario files: a baseline, the model's settings and a list of shocks, run as one counterfactual.

A scenario is a TOML file::

    name = "US-China escalation at its peak (April-May 2025)"
    [baseline]
    dataset = "wiod"        # the WIOD 44-economy matrix in the data directory
    year = 2014
    [model]
    theta = 4.0             # trade elasticity (sigma - 1)
    [[shocks]]
    type = "tariff"         # an additional ad valorem tariff, percent
    imposing = "USA"
    target = "CHN"
    rate_pct = 145
    [[shocks]]
    type = "surplus"        # scale a country's trade surplus (Dekle, Eaton and Kortum 2008)
    country = "CHN"
    factor = 0.5            # the others absorb the change in proportion to their output

Countries may be ISO3 codes or group names (``EU27``: members present in the baseline; the rest
of the world sits in ``ROW`` when the baseline has one). The one-sector WIOD baseline covers goods
and services at basic prices with no tariffs in it, so tariff shocks are additional rates on all
trade from the target: a statement each result carries.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import countries as _countries
from tradeflux import ge, settings
from tradeflux._io import atomic_write_text

SHOCK_TYPES = ("tariff", "surplus")


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
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
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


def load_baseline(spec: dict, data_dir: Path) -> ge.SectorBaseline:
    if spec.get("dataset") == "icio":
        return _icio_baseline(data_dir)
    if spec.get("dataset") != "wiod":
        raise ValueError(f"unknown baseline dataset {spec.get('dataset')!r}; available: wiod, icio")
    frame = pd.read_csv(data_dir / "wiod-gegravity-2000-2014" / "wiod_aggregate_trade_44_2000_2014.csv")
    year = int(spec.get("year", 2014))
    frame = frame[frame.year == year]
    if frame.empty:
        raise ValueError(f"the WIOD baseline has no year {year} (years: 2000, 2005, 2010, 2014)")
    base = ge.Baseline.from_frame(frame)
    return ge.SectorBaseline(base.countries, ("all",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))


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


def simulate(scenario: Scenario, data_dir: str | Path | None = None) -> Simulation:
    """Run a scenario: build the baseline, apply the shocks, solve, and tabulate."""
    folder = settings.data_dir(data_dir)
    baseline = load_baseline(scenario.baseline, folder)
    table = _countries.load(folder)
    year = int(scenario.baseline.get("year", 2014))
    n = len(baseline.countries)
    tariffs = baseline.tariffs.copy()
    deficits = None
    if scenario.baseline.get("dataset") == "icio":
        notes = [
            f"Baseline: OECD ICIO 2022 intermediate inputs only, {n} economies x {len(baseline.sectors)} industries, no rest of the world, no tariffs in the baseline; Caliendo-Parro elasticities by industry."
        ]
        theta = icio_theta(baseline.sectors)
    else:
        notes = [
            f"Baseline: WIOD {year}, {n} economies, goods and services at basic prices, one sector, no tariffs in the baseline."
        ]
        theta = np.array([float(scenario.model.get("theta", 4.0))])
    for shock in scenario.shocks:
        if shock["type"] == "tariff":
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
            scope = f"sectors {', '.join(wanted)}" if wanted else "all goods and services"
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
    theta = float(scenario.model.get("theta", 4.0))
    result = ge.solve_sectors(
        baseline, [theta], tariffs_new=tariffs, deficits_new=deficits, reference=scenario.model.get("reference")
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
