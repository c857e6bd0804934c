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

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tradeflux._io import read_toml
from tradeflux.errors import InputError, NotFound

__all__ = ["SHOCK_TYPES", "Scenario", "check_shock", "find", "shipped"]

SHOCK_TYPES = ("tariff", "surplus", "schedule", "secondary")


# What each shock type needs: field -> (kind, lower bound exclusive or None)
_REQUIRED = {
    "tariff": {"imposing": "code", "target": "code", "rate_pct": "rate"},
    "secondary": {"imposing": "code", "partner_of": "code", "rate_pct": "rate"},
    "surplus": {"country": "code", "factor": "factor"},
    "schedule": {"layers": "text", "date": "date"},
}


def check_shock(shock: dict, where: str) -> None:
    """A shock table's fields, checked: the type is known, each field it needs is there and sensible
    (a tariff rate a finite number above -100%, a surplus factor finite, a date a date)."""
    import datetime as dt
    import math

    kind = shock.get("type")
    if kind not in SHOCK_TYPES:
        raise InputError(f"{where} has type {kind!r}; types: {', '.join(SHOCK_TYPES)}")
    for name, what in _REQUIRED[kind].items():
        if name not in shock:
            raise InputError(f"{where} ({kind}) needs '{name}'")
        value = shock[name]
        if what in ("rate", "factor"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(f"{where} ({kind}): {name} must be a finite number, not {value!r}")
            if what == "rate" and value <= -100:
                raise InputError(
                    f"{where} ({kind}): {name} must be above -100 (a price cannot fall below zero), not {value}"
                )
        elif what == "code" and (not isinstance(value, str) or not value.strip()):
            raise InputError(f"{where} ({kind}): {name} must be a country code or group name, not {value!r}")
        elif what == "date":
            try:
                dt.date.fromisoformat(str(value))
            except ValueError:
                raise InputError(f"{where} ({kind}): {name} must be a date YYYY-MM-DD, not {value!r}") from None
    if kind == "tariff" and str(shock["imposing"]).strip().upper() == str(shock["target"]).strip().upper():
        raise InputError(f"{where} ({kind}): {shock['imposing']} cannot put a tariff on its own goods")
    # optional fields: a number that is not one was taken as "no partner qualifies" without a word
    if "min_share_pct" in shock:
        value = shock["min_share_pct"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise InputError(f"{where} ({kind}): min_share_pct must be a finite number >= 0, not {value!r}")
    if "top" in shock and (isinstance(shock["top"], bool) or not isinstance(shock["top"], int) or shock["top"] < 1):
        raise InputError(f"{where} ({kind}): top must be a whole number >= 1, not {shock['top']!r}")


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
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a scenario file")
        data = read_toml(path, what="valid TOML", error=InputError)
        for key in ("name", "baseline", "shocks"):
            if key not in data:
                raise InputError(f"{path}: a scenario needs '{key}'")
        if not isinstance(data["shocks"], list) or not all(isinstance(s, dict) for s in data["shocks"]):
            raise InputError(f"{path}: 'shocks' must be a list of tables ([[shocks]])")
        for n, shock in enumerate(data["shocks"], start=1):
            check_shock(shock, f"{path}: shock {n}")
        _check_settings(data, path)
        return cls(
            data["name"],
            data["baseline"],
            data.get("model", {}),
            data["shocks"],
            data.get("description", ""),
            str(path),
        )


def _number(value) -> bool:
    import math

    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _check_settings(data: dict, path: Path) -> None:
    """The scenario's own fields and its [baseline] and [model] tables, by type (a year given as text ended in a
    Python error)."""
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise InputError(f"{path}: {key} must be text, not {data[key]!r}")
    for table in ("baseline", "model"):
        if not isinstance(data.get(table, {}), dict):
            raise InputError(f"{path}: [{table}] must be a table, not {data[table]!r}")
    baseline, model = data["baseline"], data.get("model", {})
    if "dataset" in baseline and not isinstance(baseline["dataset"], str):
        raise InputError(f"{path}: baseline.dataset must be text, not {baseline['dataset']!r}")
    if "year" in baseline and (isinstance(baseline["year"], bool) or not isinstance(baseline["year"], int)):
        raise InputError(f"{path}: baseline.year must be a whole number such as 2019, not {baseline['year']!r}")
    if "theta" in model and not (_number(model["theta"]) and model["theta"] > 0):
        raise InputError(f"{path}: model.theta must be a positive number, not {model['theta']!r}")
    band = model.get("theta_band")
    if band is not None and not (isinstance(band, list) and len(band) == 2 and all(_number(b) and b > 0 for b in band)):
        raise InputError(f"{path}: model.theta_band must be two positive numbers such as [2.0, 8.0], not {band!r}")
    if "closure" in model and not isinstance(model["closure"], str):
        raise InputError(f"{path}: model.closure must be text, not {model['closure']!r}")


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
    raise NotFound(
        f"no scenario file {name_or_path!r} and no shipped scenario of that name; shipped: {', '.join(sorted(known))}"
    )
