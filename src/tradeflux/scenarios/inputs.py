"""Model inputs read from files: tariff layers, elasticities, GE baselines, PE lines and weights.

The models in :mod:`tradeflux.models` take arrays and frames; this module is where those come
from. Shared datasets are found through :mod:`tradeflux.catalog`; the US import files through the
``us-census`` reader's own functions, so each file has one reader.
"""

from __future__ import annotations

import csv
import os
import struct
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tradeflux import catalog, settings
from tradeflux._io import read_toml
from tradeflux.errors import InputError, NotFound
from tradeflux.models import ge, pe, tariffs
from tradeflux.sources import census

__all__ = [
    "BASELINES",
    "LAYER_CSV_FIELDS",
    "baseline",
    "broda_weinstein",
    "elasticities_from_file",
    "layers_path",
    "load_layers",
    "pe_baseline",
    "piie_averages",
    "tracker_events",
    "us_china_hts10_weights",
    "with_elasticities_file",
    "yotov_2006",
]

PathLike = str | os.PathLike[str]

# ---- tariff layers -------------------------------------------------------------------------------
LAYER_CSV_FIELDS = ("id", "measure", "imposing", "target", "mode", "start", "end", "rate_pct", "products", "exclude")


def layers_path(name_or_path: PathLike = "us_china_2025") -> Path:
    """A layers file: a path that exists, or the name of a file shipped with tradeflux."""
    given = Path(name_or_path)
    if given.exists():
        return given
    shipped = Path(str(resources.files("tradeflux") / "data" / "tariff_layers" / f"{given.name}.toml"))
    if not shipped.exists():
        raise NotFound(f"{name_or_path}: no such layers file and no shipped layers of that name")
    return shipped


def _read_list(spec: dict, data_dir: Path, where_file: str) -> tuple[str, ...]:
    """Codes from a list file: ``{file, column, where = {col = [values]}, suffix}``."""
    path = data_dir / spec["file"]
    if not path.exists():
        raise NotFound(f"{where_file}: product list {path} not found (set the data directory)")
    wanted = {
        k: {str(v) for v in (vals if isinstance(vals, list) else [vals])} for k, vals in spec.get("where", {}).items()
    }
    codes = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if all(row.get(k) in vals for k, vals in wanted.items()):
                codes.append(row[spec["column"]].strip() + spec.get("suffix", ""))
    if not codes:
        raise InputError(f"{where_file}: product list {path} gives no codes for {spec}")
    return tuple(codes)


def _csv_items(path: Path) -> list[tuple[str, dict]]:
    """Rows of a layers CSV as TOML-like items: blank cells are absent; ``products`` and ``exclude``
    hold code prefixes separated by spaces or semicolons."""
    items = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        required = ("id", "measure", "imposing", "target", "start", "rate_pct")
        missing = [f for f in required if f not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)}; columns: {', '.join(LAYER_CSV_FIELDS)}, ..."
            )
        for line, row in enumerate(reader, start=2):
            item = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip() != ""}
            for key in ("products", "exclude"):
                if key in item:
                    item[key] = item[key].replace(";", " ").split()
            items.append((f"{path}, line {line} ({item.get('id', '?')})", item))
    return items


def load_layers(path: PathLike = "us_china_2025", data_dir: PathLike | None = None) -> tariffs.Schedule:
    """A tariff schedule from a TOML file (``[[layers]]`` tables) or a CSV (a row a layer,
    :data:`LAYER_CSV_FIELDS`), or a shipped name; product lists are read from the data directory."""
    path = layers_path(path)
    folder = settings.data_dir(data_dir)
    if path.suffix.lower() == ".csv":
        items = _csv_items(path)
    else:
        data = read_toml(path, what="valid TOML", error=InputError)
        items = [
            (f"{path}, layer {n} ({item.get('id', '?')})", item) for n, item in enumerate(data.get("layers", []), 1)
        ]
    layers = []
    for where, item in items:
        products = item.get("products")
        if "list" in item:
            products = _read_list(item["list"], folder, where)
        exclude = tuple(item.get("exclude", ()))
        if "exclude_list" in item:
            exclude += _read_list(item["exclude_list"], folder, where)
        layers.append(tariffs.layer_from_item(where, item, products, exclude))
    return tariffs.Schedule(layers, str(path))


def us_china_hts10_weights(data_dir: PathLike | None = None) -> pd.DataFrame:
    """US 2024 imports from China by HTS10 as tariff weights: ``product, value, duty`` (USD, customs value)."""
    return us_china_hts10(data_dir).rename(columns={"imports": "value"})


def tracker_events(partner_name: str = "CHINA", data_dir: PathLike | None = None) -> pd.DataFrame:
    """tradewartracker's trade-weighted add-on rate for one partner at each event: ``date, effective_tariff_pct``."""
    frame = pd.read_csv(catalog.path("tracker_events", data_dir))
    return frame[frame.census_country_name == partner_name].reset_index(drop=True)


def piie_averages(importer: str = "USA", exporter: str = "CHN", data_dir: PathLike | None = None) -> pd.DataFrame:
    """PIIE's trade-weighted averages (all layers) from the milestones file: ``date, rate_pct``."""
    ms = pd.read_csv(catalog.path("piie_milestones", data_dir))
    chosen = (
        (ms.imposing_country == importer)
        & (ms.target_country == exporter)
        & (ms.rate_type == "trade-weighted average (PIIE)")
    )
    return ms[chosen].reset_index(drop=True)


# ---- US tariff rules for every partner (tradewartracker's engine, as data) ----------------------
RULES_FILE = "us-tariffs-tradewartracker/us_tariff_engine_rules_2025_2026.csv"
SEC232_FILES = (
    "us_sec232_product_lists_2025.csv",
    "us_metals_annex_IA_2026.csv",
    "us_metals_annex_IB_2026.csv",
    "us_metals_annex_III_temporary_2026.csv",
    "us_sec232_timber_2025_inferred.csv",
)


def _list_codes(folder: Path, spec: str, where: str) -> frozenset[str]:
    """Codes of a list file, ``file[column=value|value]`` (zero-padded text)."""
    name, _, flt = spec.partition("[")
    path = folder / name.strip()
    if not path.is_file():
        raise NotFound(f"{where}: product list {path} not found (set the data directory)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if flt:
        column, _, values = flt.rstrip("]").partition("=")
        if column not in frame:
            raise InputError(f"{where}: {name} has no column {column!r} to filter on")
        frame = frame[frame[column].isin(values.split("|"))]
    code = next((c for c in ("hts_code", "hts10", "hts8") if c in frame), None)
    if code is None:
        raise InputError(f"{where}: {name} has no code column (hts_code, hts10 or hts8)")
    return frozenset(c.strip() for c in frame[code] if c.strip())


def _exclusions(folder: Path, text: str, where: str) -> tuple[tuple, frozenset[str], bool]:
    """An ``exclude`` cell: (prefix pairs, chapters out, everything excluded)."""
    from tradeflux.models.tariff_rules import Selection  # noqa: F401  (documents the shape)

    pairs, chapters, everything = [], set(), False
    sec232 = None
    for item in (i.strip() for i in text.split(";") if i.strip()):
        if item == "ALL_LINES":
            everything = True
        elif item.startswith("hts2="):
            low, _, high = item[5:].partition("-")
            chapters |= {f"{c:02d}" for c in range(int(low), int(high or low) + 1)}
        elif item in ("SEC232_ALL", "SEC232_ALL_EXCEPT_METALS_ANNEX_II"):
            sec232 = sec232 or frozenset().union(*(_list_codes(folder, f, where) for f in SEC232_FILES))
            unless = (
                _list_codes(folder, "us_metals_annex_II_removed_2026.csv", where) if "EXCEPT" in item else frozenset()
            )
            pairs.append((sec232, unless))
        else:
            pairs.append((_list_codes(folder, item, where), frozenset()))
    return tuple(pairs), frozenset(chapters), everything


def load_rules(data_dir: PathLike | None = None):
    """The US tariff rules for every partner the tracker computes (51, the EU as one), 2025-2026, as a
    :class:`~tradeflux.models.tariff_rules.RuleTable`; product lists are read from the same folder."""
    from tradeflux.models.tariff_rules import Rule, RuleTable, Selection

    path = settings.data_dir(data_dir) / RULES_FILE
    if not path.is_file():
        raise NotFound(f"{path}: not found; the data directory needs the 'us-tariffs-tradewartracker' dataset")
    folder = path.parent
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rules = []
    for line, row in enumerate(frame.to_dict(orient="records"), start=2):
        where = f"{path}, line {line} ({row['rule_id']})"
        try:
            product_list = row["product_list"].strip()
            prefixes, exact, nothing = None, frozenset(), product_list == "NO_LINES"
            if product_list and not nothing:
                spec = product_list + (f"[{row['list_filter']}]" if row["list_filter"] else "")
                codes = _list_codes(folder, spec, where)
                if row["hs_level"] == "hts8+00":
                    exact = frozenset(c + "00" for c in codes)
                else:
                    prefixes = codes
            condition = row["line_condition"].strip()
            chapters_in = frozenset([condition[5:]]) if condition.startswith("hts2=") else frozenset()
            chapters_out = frozenset([condition[6:]]) if condition.startswith("hts2!=") else frozenset()
            pairs, excluded_chapters, everything = _exclusions(folder, row["exclude"], where)
            selection = Selection(
                prefixes=prefixes,
                exact=exact,
                chapters_in=chapters_in,
                chapters_out=chapters_out | excluded_chapters,
                exclude=pairs,
                nothing=nothing or everything,
            )
            countries = row["countries"].strip()
            rules.append(
                Rule(
                    id=row["rule_id"],
                    order=int(row["order"]),
                    start=tariffs.as_date(row["start_date"]),
                    end=tariffs.as_date(row["end_date"]) if row["end_date"] else None,
                    partners=None if countries == "ALL" else frozenset(countries.split(";")),
                    except_partners=frozenset(c for c in row["countries_except"].split(";") if c),
                    selection=selection,
                    rate_pct=float(row["rate_pct"]),
                    mode=row["mode"],
                    basis=row["legal_basis"],
                    reference=row["reference"],
                    note=row["note"],
                )
            )
        except (KeyError, ValueError) as exc:
            raise InputError(f"{where}: {exc}") from None
    weights = us_imports_by_partner(data_dir)
    return RuleTable(rules, tuple(sorted(weights.iso3.unique())), str(path))


def us_imports_by_partner(data_dir: PathLike | None = None) -> pd.DataFrame:
    """US 2024 imports by HTS10 for the tracker's 51 partners: ``iso3, census_country_name, hts10, imports_usd,
    calculated_duty_usd`` (customs value, USD; ``EUU`` is the EU aggregate)."""
    path = settings.data_dir(data_dir) / "us-tariffs-tradewartracker" / "us_imports_2024_hts10_by_country.parquet"
    if not path.is_file():
        raise NotFound(f"{path}: not found; the data directory needs the 'us-tariffs-tradewartracker' dataset")
    frame = pd.read_parquet(path)
    frame["hts10"] = frame["hts10"].astype(str)
    return frame


def tracker_all_partners(data_dir: PathLike | None = None) -> pd.DataFrame:
    """tradewartracker's add-on rate for every partner at every event date, with ISO3: ``date, iso3, effective_tariff_pct``."""
    events = pd.read_csv(catalog.path("tracker_events", data_dir))
    names = us_imports_by_partner(data_dir)[["census_country_name", "iso3"]].drop_duplicates()
    return events.merge(names, on="census_country_name", how="left")


# ---- elasticities --------------------------------------------------------------------------------
def elasticities_from_file(path: PathLike, products: pd.Series) -> pd.DataFrame:
    """Per-line elasticities from a CSV with ``product`` (an HS prefix) and any of ``import_demand``,
    ``substitution``, ``export_supply``; the longest matching prefix wins, unmatched lines get NaN."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"{path}: no such elasticities file")
    table = pd.read_csv(path, dtype={"product": str})
    if "product" not in table:
        raise InputError(f"{path}: needs a 'product' column (HS code prefixes)")
    try:
        return pe.elasticities_by_prefix(table, products)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def with_elasticities_file(elasticities: pe.Elasticities, path: PathLike, products: pd.Series) -> pe.Elasticities:
    """``elasticities`` with per-line values from a file; lines the file misses keep theirs."""
    return elasticities.with_table(elasticities_from_file(path, products), f"from {path}")


def broda_weinstein(products: pd.Series, country: str = "USA", data_dir: PathLike | None = None) -> np.ndarray:
    """Substitution elasticities from Broda and Weinstein (2006), 3-digit HS 1988/92, per line
    (see :func:`tradeflux.models.pe.sigma_by_hs3` for how they are matched and winsorised)."""
    path = catalog.path("broda_weinstein", data_dir)
    table = pd.read_csv(path, dtype={"HS0_3d": str})
    table = table[table.iso3c == country]
    if table.empty:
        raise NotFound(f"{path}: no estimates for {country}")
    return pe.sigma_by_hs3(table.set_index("HS0_3d").sigma, products)


# ---- GE baselines --------------------------------------------------------------------------------
BASELINES = ("goods2019", "wiod", "icio", "yotov2006")


def yotov_2006(data_dir: PathLike | None = None) -> pd.DataFrame:
    """Manufacturing trade 2006, 69 economies with intra-national flows, millions of USD (Yotov et al. 2016)."""
    frame = pd.read_csv(catalog.path("yotov_2006", data_dir), usecols=["exporter", "importer", "trade"])
    for col in ("exporter", "importer"):
        frame[col] = frame[col].replace("ZZZ", "DEU")  # the book's code for Germany
    return frame


def _icio(data_dir: PathLike | None) -> ge.SectorBaseline:
    """OECD ICIO 2022 intermediate flows by selling industry: 80 economies x 50 industries.

    Intermediate inputs only (final demand is not split by destination in the source) and no
    rest of the world: results describe trade in inputs, which every result says.
    """
    frame = pd.read_csv(catalog.path("icio_intermediates", data_dir))
    countries = tuple(sorted(set(frame.exporter_iso3) | set(frame.importer_iso3)))
    sectors = tuple(sorted(frame.exporter_sector.unique()))
    ci = {c: n for n, c in enumerate(countries)}
    si = {c: n for n, c in enumerate(sectors)}
    X = np.zeros((len(countries), len(countries), len(sectors)))
    X[frame.exporter_iso3.map(ci), frame.importer_iso3.map(ci), frame.exporter_sector.map(si)] = (
        frame.value_usd_mn.to_numpy()
    )
    return ge.SectorBaseline(countries, sectors, X, np.zeros_like(X))


def baseline(spec: dict, data_dir: PathLike | None = None) -> ge.SectorBaseline:
    """The GE baseline a scenario's ``[baseline]`` table names (``dataset``, and ``year`` for WIOD)."""
    dataset = spec.get("dataset")
    if dataset == "goods2019":
        return goods_baseline(int(spec.get("year", 2019)), data_dir)[0]
    if dataset == "icio":
        return _icio(data_dir)
    if dataset == "yotov2006":
        base = ge.Baseline.from_frame(yotov_2006(data_dir))
        return ge.SectorBaseline(base.countries, ("manufacturing",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))
    if dataset != "wiod":
        raise InputError(f"unknown baseline dataset {dataset!r}; available: {', '.join(BASELINES)}")
    frame = pd.read_csv(catalog.path("wiod_aggregate", data_dir))
    year = int(spec.get("year", 2014))
    frame = frame[frame.year == year]
    if frame.empty:
        raise InputError(f"the WIOD baseline has no year {year} (years: 2000, 2005, 2010, 2014)")
    base = ge.Baseline.from_frame(frame)
    return ge.SectorBaseline(base.countries, ("all",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))


# ---- a current goods-only baseline ------------------------------------------------------------------
GOODS_THETA = 4.0  # trade elasticity for goods (Simonovska and Waugh 2014 estimate about 4)
HUB_EXPORT_SHARE = 0.75  # exports above this share of goods output are treated as re-exports
CIF_FOB = 1.06  # imports CIF / 1.06: the FOB value the exporter declares
BALANCE_TOLERANCE = 0.01  # a baseline balance may differ from the data's by 1% of GDP
ROW = "ROW"


def _gdp(output: pd.DataFrame) -> pd.Series:
    """GDP at basic prices by economy (USD mn): ICIO 2022 gross output minus intermediate inputs, all sectors."""
    value_added = output.gross_output_usd_mn - output.intermediate_inputs_from_80_economies_usd_mn
    return value_added.groupby(output.iso3).sum()


def _fit_within_totals(X: np.ndarray, reporters: list[int], exports: np.ndarray, imports: np.ndarray) -> None:
    """Scale bilateral flows down (in place) until no reporter's flows with the 80 exceed its total exports or
    imports: the two sides of a flow are declared apart (an exporter's FOB exports to a partner can exceed what
    the partner declares), and the rest of the world takes what the totals leave."""
    for _ in range(200):
        changed = False
        for i, e in zip(reporters, exports, strict=True):
            total = X[i, :].sum()
            if total > e * (1 + 1e-9):
                X[i, :] *= e / total
                changed = True
        for j, m in zip(reporters, imports, strict=True):
            total = X[:, j].sum()
            if total > m * (1 + 1e-9):
                X[:, j] *= m / total
                changed = True
        if not changed:
            return


def _route_re_exports(X: np.ndarray, hub: int, re_exports: float) -> None:
    """Take ``re_exports`` out of a hub's exports and, as the goods were imported first, out of its imports, and
    send them from their origins straight to their destinations (in proportion to the hub's import and export
    shares); every other economy's exports and imports stay as they were."""
    bought = X[:, hub].sum()
    if bought <= 0 or X[hub, :].sum() <= 0:
        return  # nothing to route: the hub imports (or exports) nothing
    amount = min(re_exports, bought)
    origins = X[:, hub] / bought
    destinations = X[hub, :] / X[hub, :].sum()
    X[hub, :] -= amount * destinations
    X[:, hub] -= amount * origins
    routed = amount * np.outer(origins, destinations)
    np.fill_diagonal(routed, 0.0)  # goods re-exported to where they came from leave trade altogether
    X += routed


def goods_baseline(year: int = 2019, data_dir: PathLike | None = None) -> tuple[ge.SectorBaseline, list[str]]:
    """Merchandise trade of the 80 OECD ICIO economies and the rest of the world, with domestic sales, and US
    tariffs in force. Millions of USD.

    * Bilateral goods trade in ``year``: the exporter's IMF DOTS exports (FOB); where the exporter does not
      report (Taiwan), the importer's CIF imports / 1.06.
    * The rest of the world (``ROW``): each reporter's total exports (DOTS totals, FOB) less its exports to the
      80, and its total imports (CIF / 1.06) less its imports from the 80, so that every reporter's exports,
      imports and balance are the data's. ROW's domestic sales are set so that it exports the median share
      of output of the 80 (stated in the notes).
    * Domestic sales: goods gross output (ICIO 2022, sectors A01-C33) minus exports (output not rescaled to
      the trade year). Re-export hubs (exports above 75% of goods output: Hong Kong, Singapore, the
      Netherlands ...) re-export goods made elsewhere: the excess is taken out of their exports and, by the
      same amount, out of their imports, so that their balance stays the data's.
    * Every reporter's baseline balance is checked against the data's (exports FOB - imports CIF / 1.06) and
      must lie within 1% of its GDP (ICIO 2022 value added); otherwise the baseline is refused.
    * Tariffs: the US 2024 applied rate on each partner (duties collected / imports, 2024 HTS10 data; EU
      members take the EU aggregate's rate; other partners and ROW the rate on all other imports). Other
      importers' tariffs are not in the shared data and are zero.
    """
    folder = settings.data_dir(data_dir)
    output = pd.read_csv(folder / "oecd-icio-2022-intermediates" / "icio2022_gross_output_by_country_sector.csv")
    goods = output[output.sector.str[0].isin(list("ABC"))].groupby("iso3").gross_output_usd_mn.sum()
    gdp = _gdp(output)
    icio = tuple(sorted(goods.index))
    countries = (*icio, ROW)
    index = {c: n for n, c in enumerate(countries)}
    dots = pd.read_csv(
        folder / "imf-dots-1960-2020" / "imf_dots_bilateral_1960_2020.csv.gz",
        dtype={"reporter_iso3": str, "partner_iso3": str},
    )
    dots = dots[(dots.year == year) & dots.reporter_iso3.isin(icio) & dots.partner_iso3.isin(icio)]
    if dots.empty:
        raise InputError(f"IMF DOTS has no bilateral trade among the ICIO economies in {year}")
    totals = pd.read_csv(folder / "imf-dots-1960-2020" / "imf_dots_country_totals_1960_2020.csv")
    totals = totals[(totals.year == year) & totals.reporter_iso3.isin(icio)].set_index("reporter_iso3")
    n = len(countries)
    X = np.zeros((n, n))
    exports = dots[dots.flow == "X_FOB"]
    X[exports.reporter_iso3.map(index), exports.partner_iso3.map(index)] = exports.value_usd_mn.to_numpy()
    imports = dots[dots.flow == "M_CIF"]
    fill = np.zeros((n, n))
    fill[imports.partner_iso3.map(index), imports.reporter_iso3.map(index)] = imports.value_usd_mn.to_numpy() / CIF_FOB
    reported = np.zeros((n, n), bool)
    reported[exports.reporter_iso3.map(index), exports.partner_iso3.map(index)] = True
    X = np.where(reported, X, fill)
    np.fill_diagonal(X, 0.0)
    row = index[ROW]
    reporters = [index[c] for c in totals.index]
    sold = totals.exports_fob_usd_mn.to_numpy(float)
    bought = totals.imports_cif_usd_mn.to_numpy(float) / CIF_FOB
    _fit_within_totals(X, reporters, sold, bought)
    data_balance = {}
    for c, i, e, m in zip(totals.index, reporters, sold, bought, strict=True):
        X[i, row] = max(e - X[i, :].sum(), 0.0)
        X[row, i] = max(m - X[:, i].sum(), 0.0)
        data_balance[c] = e - m
    out = np.append(goods.reindex(icio).to_numpy(float), np.nan)
    sold_abroad = X.sum(axis=1)
    hubs = [c for c in icio if sold_abroad[index[c]] > HUB_EXPORT_SHARE * out[index[c]]]
    for c in hubs:
        _route_re_exports(X, index[c], sold_abroad[index[c]] - HUB_EXPORT_SHARE * out[index[c]])
    share = np.median([X[index[c]].sum() / out[index[c]] for c in icio if c not in hubs])
    out[row] = X[row].sum() / share
    np.fill_diagonal(X, out - X.sum(axis=1))
    if (np.diagonal(X) < 0).any() or not np.isfinite(X).all():
        raise InputError("goods baseline: a domestic sale is negative")
    gaps = []
    for c, balance in data_balance.items():
        i = index[c]
        model = X[i].sum() - X[i, i] - (X[:, i].sum() - X[i, i])
        if not abs(model - balance) <= BALANCE_TOLERANCE * gdp[c]:  # NaN is refused too
            gaps.append(f"{c} {model / 1e3:,.1f} bn against {balance / 1e3:,.1f} bn")
    if gaps:
        raise InputError(
            "goods baseline refused: balances differ from the data's by more than 1% of GDP: " + "; ".join(gaps)
        )
    tariffs = np.zeros((n, n))
    us = index["USA"]
    applied = us_applied_rates(data_dir)
    eu = set(_eu_members(folder))
    other = applied.pop("__other__")
    for c, i in index.items():
        if i != us:
            tariffs[i, us] = applied.get(c, applied.get("EUU") if c in eu else other)
    unreported = sorted(set(icio) - set(totals.index))
    notes = [
        f"Baseline: merchandise trade {year} of the 80 OECD ICIO economies and the rest of the world (IMF DOTS, "
        "exporters' FOB figures; importers' CIF / 1.06 where the exporter does not report), with domestic sales = "
        "ICIO 2022 goods output minus exports (output not rescaled to the trade year); one sector, goods only. "
        f"The rest of the world (ROW) carries each reporter's trade with economies outside the 80, so that every "
        f"reporter's exports, imports and balance are the data's; ROW exports {share * 100:.0f}% of its output "
        "(the median of the 80).",
        f"Re-export hubs (exports above 75% of goods output): {', '.join(hubs)}; the excess is re-exports, taken out "
        "of their exports and of their imports alike, so their balances stay the data's.",
        f"Baseline balances equal the data's (exports FOB - imports CIF / 1.06) within 1% of GDP for all "
        f"{len(data_balance)} reporters"
        + (
            f"; {', '.join(unreported)} not a DOTS reporter (its flows are its partners' declarations)."
            if unreported
            else "."
        ),
        "Tariffs in the baseline: the US 2024 applied rate on each partner (duties / imports); other importers' "
        "tariffs are not in the shared data and are zero. Shocks are added to these rates.",
    ]
    return ge.SectorBaseline(countries, ("goods",), X[:, :, None], tariffs[:, :, None]), notes


def store_tariff_rates(store, countries: Sequence[str]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Applied tariffs the store holds (UNCTAD TRAINS via WITS, HS6 simple averages) as one rate per importer and
    exporter (a fraction), for the importers among ``countries`` (an EU member takes the EU's rates), from each
    importer's latest year held. Over products, each rate is weighted by the importer's HS6 imports of the product
    from the store (from that exporter where held, else from every partner), else a simple mean; a product's rate
    for the exporter itself (a preference) before its MFN rate. The United States keep their 2024 applied rates."""
    from tradeflux.analysis.canonical import canonical
    from tradeflux.reference import countries as _countries

    table = _countries.load(store.data_dir)
    con = store.connect()
    try:
        rates = con.execute(
            "SELECT imposing, target, product, year, rate_pct, measure, authority FROM tariffs "
            "WHERE rate_kind = 'applied' AND length(product) = 6"
        ).df()
        flows = canonical(con, flow="import") if not rates.empty else pd.DataFrame()
    finally:
        con.close()
    if rates.empty:
        return {}, [
            "Tariffs of other importers: the store holds none (fetch them with `tradeflux update --service wits-trains`); they are zero."
        ]
    out: dict[str, dict[str, float]] = {}
    notes = []
    for imposing, held in rates.groupby("imposing"):
        year = int(held.year.max())
        held = held[held.year == year]
        eu = table.members("EU27", year)
        importers = (
            [c for c in countries if c in eu] if imposing == "EUU" else [imposing] if imposing in countries else []
        )
        if not importers or imposing == "USA":
            continue
        bought = (
            flows[
                flows.reporter.isin(importers)
                & (flows.year == year)
                & (flows.period_kind == "year")
                & flows.classification.str.startswith("HS")
                & (flows["product"].str.len() == 6)
            ]
            if not flows.empty
            else flows
        )
        mfn = held[held.target == "WLD"].drop_duplicates("product").set_index("product").rate_pct
        own = held[held.target != "WLD"].set_index(["target", "product"]).rate_pct
        weights = bought.groupby("product").value.sum() if not bought.empty else pd.Series(dtype=float)
        by_partner = bought.groupby(["partner", "product"]).value.sum() if not bought.empty else pd.Series(dtype=float)
        products = sorted(set(mfn.index) | set(own.index.get_level_values(1)))
        rate_of: dict[str, float] = {}
        for exporter in countries:
            if exporter in importers or (imposing == "EUU" and exporter in eu):
                continue
            r = np.array([own.get((exporter, p), mfn.get(p, np.nan)) for p in products], float)
            w = np.array(
                [by_partner.get((exporter, p), weights.get(p, 0.0)) if not weights.empty else 1.0 for p in products],
                float,
            )
            ok = ~np.isnan(r) & (w > 0)
            rate_of[exporter] = float((r[ok] * w[ok]).sum() / w[ok].sum() / 100) if ok.any() else 0.0
        for importer in importers:
            out[importer] = rate_of
        weighting = (
            "weighted by its HS6 imports in the store"
            if not weights.empty
            else "a simple mean (no HS6 imports in the store)"
        )
        who = f"the EU ({len(importers)} members in the baseline)" if imposing == "EUU" else imposing
        shown = ", ".join(f"{c} {v * 100:.1f}%" for c, v in sorted(rate_of.items(), key=lambda kv: -kv[1])[:5])
        notes.append(
            f"Tariffs of {who} from the store: {held.authority.iloc[0]}, {year}, {len(products)} HS6 products, "
            f"{weighting}; highest: {shown}"
        )
    return out, notes


RECIPROCAL_FLOOR_PCT = 10.0  # the reciprocal rate of every partner without a country rate (EO 14257)
_RECIPROCAL_2025_08 = ("2025-08-07", "2026-02-19")  # in force from, to (the IEEPA rules end on 19 February 2026)


def us_reciprocal_rates_2025_08(data_dir: PathLike | None = None, day: str | None = None) -> dict[str, float]:
    """Country rates (percent) of 7 August 2025 that the tracker's rules do not carry (``engine_name_join`` 0),
    by ISO3; empty when ``day`` is outside the time they were in force."""
    if day is not None and not (_RECIPROCAL_2025_08[0] <= str(day)[:10] <= _RECIPROCAL_2025_08[1]):
        return {}
    path = settings.data_dir(data_dir) / "us-tariffs-tradewartracker" / "us_reciprocal_tariff_rates_2025-08-07.csv"
    rates = pd.read_csv(path, dtype={"iso3": str})
    missing = rates[(rates.engine_name_join == 0) & rates.iso3.notna()]
    return dict(zip(missing.iso3, missing.reciprocal_tariff_pct.astype(float), strict=True))


def _eu_members(folder: Path) -> list[str]:
    from tradeflux.reference import countries

    return countries.load(folder).members("EU27", 2024)


def us_applied_rates(data_dir: PathLike | None = None) -> dict[str, float]:
    """US 2024 applied tariff by partner (duties collected / imports, a fraction), the 51 partners of the
    tracker's data (``EUU`` the EU), and ``__other__``: the rate on all other partners' imports."""
    weights = us_imports_by_partner(data_dir)
    by = weights.groupby("iso3")[["calculated_duty_usd", "imports_usd"]].sum()
    rates = (by.calculated_duty_usd / by.imports_usd).to_dict()
    census = census_hs6(data_dir)
    rest = census[~census.partner.isin(by.index)]
    rates["__other__"] = float(rest.duty.sum() / rest.imports.sum()) if rest.imports.sum() > 0 else 0.0
    return rates


def census_hs6(data_dir: PathLike | None = None) -> pd.DataFrame:
    """US 2024 imports by HS6 and partner: ``product, partner, imports, duty``."""
    return census.hs6_by_partner_frame(settings.data_dir(data_dir))


# ---- PE lines ------------------------------------------------------------------------------------
PE_BASELINE = "US imports for consumption 2024 by HS6 and partner (Census via tradewartracker; customs value, USD)"


def pe_baseline(data_dir: PathLike | None = None) -> pd.DataFrame:
    """The US 2024 HS6 x partner lines: ``product, partner, imports, tariff_pct`` (2024 applied = duty / imports)."""
    frame = census_hs6(data_dir)
    # Chapters 98 and 99 are US special provisions (goods returned, low-value shipments), not products.
    frame = frame[(frame.imports > 0) & ~frame["product"].str[:2].isin(["98", "99"])].reset_index(drop=True)
    frame["tariff_pct"] = frame.duty / frame.imports * 100
    return frame


def us_china_hts10(data_dir: PathLike | None = None) -> pd.DataFrame:
    """US 2024 imports from China by HTS10: ``product, imports, duty`` (USD)."""
    return census.hts10_china_frame(settings.data_dir(data_dir))


def pe_lines(path: PathLike) -> pd.DataFrame:
    """A user's PE lines: CSV with ``product, partner, imports, tariff_pct, new_tariff_pct`` [, ``importer``]."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype={"product": str, "partner": str, "importer": str})
    except (ValueError, OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({type(exc).__name__}: {exc})") from None
    missing = [c for c in PE_LINE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: PE lines need columns {', '.join(PE_LINE_COLUMNS)}; missing {', '.join(missing)}")
    return frame


PE_LINE_COLUMNS = ("product", "partner", "imports", "tariff_pct", "new_tariff_pct")


# ---- estimation panels and specifications --------------------------------------------------------
def estimation_table(path: PathLike) -> pd.DataFrame:
    """A gravity panel from a CSV (optionally gzipped), Parquet or Stata file."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        elif name.endswith(".dta"):
            frame = pd.read_stata(path)
        else:
            frame = pd.read_csv(path)
    except (ValueError, OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, struct.error) as exc:
        kind = "Parquet" if name.endswith((".parquet", ".pq")) else "Stata" if name.endswith(".dta") else "CSV"
        raise InputError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc})") from None
    if frame.empty:
        raise InputError(f"{path}: no rows to estimate on")
    return frame


def gravity_config(path: PathLike) -> dict:
    """A gravity TOML file as read (``[models.NAME]`` tables, and optional ``join`` files)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path}: no such specification file")
    return read_toml(path, what="valid TOML", error=InputError)


def join_columns(
    data: pd.DataFrame, files: list[PathLike], *, relative_to: PathLike | None = None, data_dir: PathLike | None = None
) -> pd.DataFrame:
    """``data`` with the columns of other tables joined on the columns they share with it (exporter,
    importer, year ...), e.g. the Advanced Guide's RTA history (lags and leads reaching before and after
    the panel). A file is looked for as given, beside ``relative_to``, then in the data directory. Only
    columns ``data`` lacks are added; rows of ``data`` without a match keep missing values."""
    for name in files:
        candidates = [Path(name)]
        if relative_to is not None:
            candidates.append(Path(relative_to) / name)
        candidates.append(settings.data_dir(data_dir) / name)
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise NotFound(f"join file {name}: not found (looked in {', '.join(str(c.parent) for c in candidates)})")
        other = estimation_table(found)
        keys = [c for c in ("exporter", "importer", "year") if c in data.columns and c in other.columns]
        if not keys:
            raise InputError(f"{found}: shares none of exporter, importer, year with the data")
        extra = [
            c for c in other.columns if c not in data.columns and c.lower() not in {k.lower() for k in data.columns}
        ]
        if other.duplicated(keys).any():
            raise InputError(f"{found}: more than one row for some {', '.join(keys)}")
        data = data.merge(other[[*keys, *extra]], on=keys, how="left")
    return data


def gravity_specs(path: PathLike) -> dict[str, object]:
    """The specifications of a gravity TOML file: one ``[models.NAME]`` table each (or one at the top)."""
    from tradeflux.models import gravity

    path = Path(path)
    config = gravity_config(path)
    models = config.get("models") or {"(1)": {k: v for k, v in config.items() if k != "join"}}
    specs = {}
    for name, spec in models.items():
        try:
            specs[name] = gravity.GravitySpec.from_dict(spec)
        except (TypeError, ValueError, KeyError) as exc:
            raise InputError(f"{path}: model {name}: {exc}") from None
    return specs
