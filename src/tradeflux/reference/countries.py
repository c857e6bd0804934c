"""Countries, aggregates and country groups with membership dates.

Codes are ISO 3166-1 alpha-3 (``CHN``), extended with:

* historical and statistical codes that trade sources still use (``SUN`` USSR, ``CSK``, ``DDR``,
  ``YUG``, ``SCG``, ``ANT``, ``BLX`` Belgium-Luxembourg, ``YAR``, ``YMD``, ``XKX`` Kosovo, ``MYS-W``);
* ``WLD`` for the world and ``EUU`` for the European Union as a reporting unit;
* ``AGG:<slug>`` for any other aggregate a source reports (``AGG:advanced-economies``).

Names are matched by a normalised token key, so word order, abbreviations (``Rep.``, ``Dem.``,
``St.``) and accents do not matter; statistical-agency labels that no spelling rule can reach
(``Other Asia, nes`` is Comtrade's label for Taiwan) are listed in :data:`SOURCE_LABELS`.

Groups (:func:`members`) are dated: a country counts in a group's aggregate for a year if it was a
member on 1 July of that year (so the United Kingdom is out of ``EU27`` from 2020 and Timor-Leste,
admitted to ASEAN on 2025-10-26, counts from 2026). Geographic groups (``AFRICA``, ``LATAM``,
``NORTHERN_AMERICA``) follow UN M49 and are read from the reference dataset
``country-codes-regions`` when it is present.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from tradeflux import settings
from tradeflux.errors import InputError, NotFound

__all__ = [
    "EUROPEAN_UNION",
    "GROUP_LABELS",
    "GROUP_NAMES",
    "HISTORICAL",
    "LEGACY_ISO3",
    "SOURCE_LABELS",
    "WORLD",
    "Country",
    "CountryTable",
    "Membership",
    "aggregate_code",
    "is_aggregate",
    "load",
    "normalise_name",
    "reference_file",
]


WORLD = "WLD"
EUROPEAN_UNION = "EUU"

HISTORICAL = {
    "ANT": "Netherlands Antilles",
    "BLX": "Belgium-Luxembourg",
    "CSK": "Czechoslovakia",
    "DDR": "German Democratic Republic",
    "SCG": "Serbia and Montenegro",
    "SUN": "USSR",
    "YUG": "Yugoslavia",
    "YAR": "Yemen Arab Republic",
    "YMD": "Yemen, Democratic",
    "XKX": "Kosovo",
    "MYS-W": "West Malaysia",
}

# Alpha-3 codes withdrawn from ISO 3166 that datasets still carry, and their current code.
LEGACY_ISO3 = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS"}

# Labels used by statistical agencies that spelling rules cannot map (checked against the sources).
SOURCE_LABELS = {
    "other asia, nes": "TWN",  # UN Comtrade's name for Taiwan (code 490)
    "taiwan province of china": "TWN",  # IMF
    "china, p.r.: mainland": "CHN",  # IMF
    "china, p.r.: hong kong": "HKG",  # IMF
    "china, p.r.: macao": "MAC",  # IMF
    "china, hong kong sar": "HKG",  # UN Comtrade
    "china, macao sar": "MAC",  # UN Comtrade
    "usa": "USA",
    "us": "USA",
    "united states": "USA",
    "uk": "GBR",
    "united kingdom": "GBR",
    "russia": "RUS",
    "kosovo": "XKX",
    "kosovo, rep. of": "XKX",
    "turkey": "TUR",
    "türkiye": "TUR",
    "czechia": "CZE",
    "czech rep.": "CZE",
    "swaziland": "SWZ",
    "eswatini": "SWZ",
    "macedonia, fyr": "MKD",
    "north macedonia": "MKD",
    "cabo verde": "CPV",
    "cape verde": "CPV",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "iran": "IRN",
    "laos": "LAO",
    "lao people's dem. rep.": "LAO",
    "syria": "SYR",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "south korea": "KOR",
    "korea": "KOR",
    "north korea": "PRK",
    "dem. people's rep. of korea": "PRK",
    "korea, dem. people's rep. of": "PRK",
    "congo, dem. rep. of the": "COD",
    "dem. rep. of the congo": "COD",
    "congo, rep. of": "COG",
    "congo": "COG",
    "côte d'ivoire": "CIV",
    "cote d'ivoire": "CIV",
    "curaçao": "CUW",
    "curacao": "CUW",
    "holy see": "VAT",
    "micronesia": "FSM",
    "micronesia, federated states of": "FSM",
    "fmr sudan": "SDN",
    "state of palestine": "PSE",
    "west bank and gaza": "PSE",
    "bosnia herzegovina": "BIH",
    "br. virgin isds": "VGB",
    "british virgin islands": "VGB",
    "us virgin isds": "VIR",
    "fr. south antarctic terr.": "ATF",
    "heard island and mcdonald islands": "HMD",
    "saint helena": "SHN",
    "wallis and futuna isds": "WLF",
    "serbia and montenegro": "SCG",
    "netherlands antilles": "ANT",
    "belgium-luxembourg": "BLX",
    "yemen, people's dem. rep. of": "YMD",
    "eastern germany": "DDR",
    "venezuela, rep. bolivariana de": "VEN",
    "world": WORLD,
    "european union": EUROPEAN_UNION,
    "eu": EUROPEAN_UNION,
}

_ABBREVIATIONS = {
    "rep": "republic",
    "dem": "democratic",
    "fed": "federal",
    "st": "saint",
    "is": "islands",
    "isds": "islands",
    "isl": "islands",
    "pdr": "peoples democratic republic",
    "utd": "united",
}
_STOPWORDS = {"the", "of", "and", "p", "r"}


def normalise_name(name: str) -> str:
    """A key for a country name that ignores case, accents, punctuation, word order and abbreviations."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "")
    tokens = re.split(r"[^a-z0-9]+", text)
    words: list[str] = []
    for token in tokens:
        if not token:
            continue
        words.extend(_ABBREVIATIONS.get(token, token).split())
    return " ".join(sorted(set(words) - _STOPWORDS))


@dataclass(frozen=True)
class Country:
    """One code of the area table."""

    iso3: str
    name: str
    iso2: str | None = None
    numeric: str | None = None
    historical: bool = False


@dataclass(frozen=True)
class Membership:
    """A country's membership of a group: member from ``start`` (inclusive) to ``end`` (exclusive)."""

    group: str
    iso3: str
    start: dt.date | None = None
    end: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# Treaty facts. EU: accession dates; the United Kingdom left on 2020-02-01.
_EU_ACCESSIONS = {
    "1958-01-01": "BEL DEU FRA ITA LUX NLD",
    "1973-01-01": "DNK IRL GBR",
    "1981-01-01": "GRC",
    "1986-01-01": "ESP PRT",
    "1995-01-01": "AUT FIN SWE",
    "2004-05-01": "CYP CZE EST HUN LVA LTU MLT POL SVK SVN",
    "2007-01-01": "BGR ROU",
    "2013-07-01": "HRV",
}
_EU_EXITS = {"GBR": "2020-02-01"}
_ASEAN_ACCESSIONS = {
    "1967-08-08": "IDN MYS PHL SGP THA",
    "1984-01-07": "BRN",
    "1995-07-28": "VNM",
    "1997-07-23": "LAO MMR",
    "1999-04-30": "KHM",
    "2025-10-26": "TLS",
}


def _dated(group: str, accessions: dict[str, str], exits: dict[str, str]) -> list[Membership]:
    rows = []
    for start, codes in accessions.items():
        for code in codes.split():
            end = _d(exits[code]) if code in exits else None
            rows.append(Membership(group, code, _d(start), end))
    return rows


GROUP_LABELS = {
    "EU27": "European Union (members at the date)",
    "ASEAN": "Association of Southeast Asian Nations",
    "AFRICA": "Africa (UN M49)",
    "LATAM": "Latin America and the Caribbean (UN M49)",
    "NORTHERN_AMERICA": "Northern America (UN M49)",
}
GROUP_NAMES = {
    "EU27": "EU27",
    "ASEAN": "ASEAN",
    "AFRICA": "Africa",
    "LATAM": "Latin America",
    "NORTHERN_AMERICA": "Northern America",
}
# Spellings of group names in sources and press releases.
_GROUP_ALIASES = {
    "eu": "EU27",
    "eu27": "EU27",
    "european union": "EU27",
    "asean": "ASEAN",
    "africa": "AFRICA",
    "latin america": "LATAM",
    "latin america and the caribbean": "LATAM",
    "lac": "LATAM",
    "northern america": "NORTHERN_AMERICA",
}


@dataclass
class CountryTable:
    """The area table: countries, historical codes, aggregates, name index and dated groups."""

    countries: dict[str, Country]
    names: dict[str, str]
    memberships: list[Membership] = field(default_factory=list)

    # ---- codes -----------------------------------------------------------------------------
    def is_known(self, code: str) -> bool:
        return code in self.countries or is_aggregate(code)

    def name(self, code: str) -> str:
        if code in self.countries:
            return self.countries[code].name
        if code.startswith("AGG:"):
            group = self.group_id(code[4:].replace("-", " "))
            if group:
                return GROUP_NAMES[group]
            return code[4:].replace("-", " ").capitalize()
        return code

    def match(self, name: str) -> str | None:
        """ISO3 (or WLD/EUU) for a country name in any of the usual spellings, or None."""
        text = name.strip()
        if not text:
            return None
        if text.upper() in self.countries:
            return text.upper()
        text = re.sub(r",\s*kingdom of the netherlands$", "", text, flags=re.IGNORECASE)
        label = SOURCE_LABELS.get(text.lower())
        if label:
            return label
        return self.names.get(normalise_name(text))

    def code(self, text: str) -> str:
        """The ISO3 code for ``text`` (a code or a name); :class:`NotFound` if it is neither."""
        found = self.match(text) if isinstance(text, str) else None
        if found is None:
            raise NotFound(f"unknown country {text!r}: not an ISO3 code or a country name tradeflux knows")
        return found

    def match_many(self, names: Iterable[str]) -> dict[str, str | None]:
        return {name: self.match(name) for name in set(names)}

    # ---- groups ------------------------------------------------------------------------------
    @property
    def groups(self) -> list[str]:
        return sorted({m.group for m in self.memberships})

    def group_id(self, label: str) -> str | None:
        """The group id for a label such as ``"EU27"``, ``"Latin America"`` or ``"asean"``."""
        if label.upper() in self.groups:
            return label.upper()
        return _GROUP_ALIASES.get(label.strip().lower())

    def members_on(self, group: str, day: dt.date) -> list[str]:
        group = self._require_group(group)
        return sorted({m.iso3 for m in self.memberships if m.group == group and m.active_on(day)})

    def members(self, group: str, year: int) -> list[str]:
        """Members counted in the group's aggregate for ``year``: members on 1 July of that year."""
        return self.members_on(group, dt.date(year, 7, 1))

    def add_groups_from_file(self, path: str | Path) -> None:
        """Add user-defined groups from a CSV with columns ``group, iso3`` and optional ``start, end``."""
        path = Path(path)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"group", "iso3"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: group file needs columns group, iso3 (missing {sorted(missing)})")
            for line, row in enumerate(reader, start=2):
                code = row["iso3"].strip().upper()
                if code not in self.countries:
                    raise InputError(f"{path}, line {line}, field iso3: unknown country code {code!r}")
                try:
                    start = _d(row["start"]) if row.get("start") else None
                    end = _d(row["end"]) if row.get("end") else None
                except ValueError as exc:
                    raise InputError(f"{path}, line {line}: bad date ({exc})") from None
                self.memberships.append(Membership(row["group"].strip().upper(), code, start, end))

    def _require_group(self, group: str) -> str:
        gid = self.group_id(group)
        if gid is None:
            known = ", ".join(self.groups)
            raise NotFound(f"unknown country group {group!r}; known groups: {known}")
        return gid


def is_aggregate(code: str) -> bool:
    """True for WLD, EUU and ``AGG:`` codes."""
    return code in (WORLD, EUROPEAN_UNION) or bool(re.fullmatch(r"AGG:[a-z0-9][a-z0-9-]*", code))


def aggregate_code(label: str) -> str:
    """The code of an aggregate a source reports under ``label`` (``World`` gives ``WLD``)."""
    key = label.strip().lower()
    if key == "world":
        return WORLD
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode())
    return "AGG:" + slug.strip("-")


_LATAM_REGIONS = ("South America", "Central America", "Caribbean")


def _m49_regions() -> list[Membership]:
    """UN M49 Africa, Latin America and the Caribbean, and Northern America, from the regions that
    country_converter ships (the same 60, 52 and 5 economies as the UN's M49 table), so that groups never
    depend on the data directory."""
    import country_converter

    data = country_converter.CountryConverter().data
    out = []
    for iso3, continent, region in zip(data.ISO3, data.continent, data.UNregion, strict=True):
        if continent == "Africa":
            out.append(Membership("AFRICA", iso3))
        if region in _LATAM_REGIONS:
            out.append(Membership("LATAM", iso3))
        if region == "Northern America":
            out.append(Membership("NORTHERN_AMERICA", iso3))
    return out


def _build(reference_csv: Path | None) -> CountryTable:
    countries: dict[str, Country] = {}
    names: dict[str, str] = {}

    def add_name(name: str | None, code: str) -> None:
        if name:
            names.setdefault(normalise_name(name), code)

    for c in pycountry.countries:
        countries[c.alpha_3] = Country(c.alpha_3, getattr(c, "common_name", None) or c.name, c.alpha_2, c.numeric)
        for attr in ("name", "official_name", "common_name"):
            add_name(getattr(c, attr, None), c.alpha_3)
    for code, name in HISTORICAL.items():
        countries[code] = Country(code, name, historical=True)
        add_name(name, code)
    countries[WORLD] = Country(WORLD, "World")
    countries[EUROPEAN_UNION] = Country(EUROPEAN_UNION, "European Union")
    memberships = _dated("EU27", _EU_ACCESSIONS, _EU_EXITS) + _dated("ASEAN", _ASEAN_ACCESSIONS, {})
    memberships += _m49_regions()

    if reference_csv is not None and reference_csv.exists():
        with reference_csv.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                code = row["iso3"]
                if code not in countries:
                    countries[code] = Country(code, row["name_short"], row["iso2"], row["iso_numeric"])
                for col in ("name_short", "name_unterm_en", "name_official_en"):
                    add_name(row.get(col), code)

    for label, code in SOURCE_LABELS.items():
        names.setdefault(normalise_name(label), code)
    return CountryTable(countries, names, memberships)


@functools.cache
def _cached(reference_csv: str | None) -> CountryTable:
    return _build(Path(reference_csv) if reference_csv else None)


def reference_file(data: Path | None = None) -> Path:
    return (data or settings.data_dir()) / "country-codes-regions" / "country_codes_regions.csv"


def load(data: str | Path | None = None) -> CountryTable:
    """The country table, with UN M49 groups when the reference dataset is in the data directory.

    A fresh table is returned each call (cheap: the reference is cached), so that
    :meth:`CountryTable.add_groups_from_file` never changes another caller's table.
    """
    path = reference_file(Path(data) if data is not None else None)
    base = _cached(str(path.resolve()) if path.exists() else None)
    return CountryTable(dict(base.countries), dict(base.names), list(base.memberships))
