"""Products: the HS nomenclature, correspondence between HS revisions, and named baskets.

Product codes are strings of digits (``"854142"``), kept with their leading zeros, at any level
(2, 4, 6, 8 or 10 digits), or ``"TOTAL"`` for all goods. A code is always read with its
classification and revision (``HS2017``, ``HS2022``); ``HS`` alone means "as reported".

The HS 2022 descriptions and the HS 2017 code list come from the ``hs-nomenclature`` dataset in
the data directory. The correspondence between revisions is carried here only for the codes the
baskets need (WCO correlation table HS2017-HS2022); extend :data:`HS2017_TO_HS2022` as baskets grow.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from tradeflux import settings
from tradeflux.errors import NotFound

__all__ = [
    "BASKETS",
    "HS2017_TO_HS2022",
    "HS_REVISIONS",
    "NEW_THREE",
    "Basket",
    "BasketPart",
    "Nomenclature",
    "basket",
    "hs2017_to_hs2022",
    "hs2022_to_hs2017",
    "load",
]


HS_REVISIONS = ("HS1992", "HS1996", "HS2002", "HS2007", "HS2012", "HS2017", "HS2022")

# WCO HS2017 -> HS2022 correlation, for the subheadings the baskets use.
# 854140 "photosensitive semiconductor devices, incl. photovoltaic cells; LEDs" was split in 2022.
HS2017_TO_HS2022: dict[str, tuple[str, ...]] = {
    "854140": ("854141", "854142", "854143", "854149"),
    "850760": ("850760",),
    "870360": ("870360",),
    "870370": ("870370",),
    "870380": ("870380",),
}


@dataclass(frozen=True)
class BasketPart:
    """One product family of a basket, with the HS codes it uses in each revision."""

    name: str
    codes: dict[str, tuple[str, ...]]
    note: str = ""


@dataclass(frozen=True)
class Basket:
    """A named set of products defined across HS revisions."""

    name: str
    description: str
    parts: tuple[BasketPart, ...]

    def codes(self, revision: str) -> tuple[str, ...]:
        """The HS codes of the basket in ``revision`` (``HS2017`` or ``HS2022``)."""
        if revision not in HS_REVISIONS:
            raise NotFound(f"unknown HS revision {revision!r}; expected one of {', '.join(HS_REVISIONS)}")
        out: list[str] = []
        for part in self.parts:
            if revision not in part.codes:
                defined = ", ".join(part.codes)
                raise NotFound(
                    f"basket {self.name!r} part {part.name!r} has no codes for {revision} (defined: {defined})"
                )
            out.extend(part.codes[revision])
        return tuple(out)

    def part_of(self, code: str, revision: str) -> str | None:
        """The name of the part that HS ``code`` (6 digits or longer) belongs to, or None."""
        for part in self.parts:
            if any(code.startswith(c) for c in part.codes.get(revision, ())):
                return part.name
        return None


NEW_THREE = Basket(
    name="new-three",
    description=(
        "China's 'new three' exports: electric vehicles, lithium-ion batteries, photovoltaic cells and modules"
    ),
    parts=(
        BasketPart(
            "electric vehicles",
            {rev: ("870360", "870370", "870380") for rev in ("HS2017", "HS2022")},
            "Passenger cars with an electric motor that can be charged from outside: plug-in "
            "hybrids (870360 spark-ignition, 870370 diesel) and battery-electric (870380). "
            "Non-plug-in hybrids (870340, 870350) are excluded, as in China's 'new energy "
            "vehicle' definition.",
        ),
        BasketPart(
            "lithium-ion batteries",
            {rev: ("850760",) for rev in ("HS2017", "HS2022")},
            "Lithium-ion accumulators (850760), the same code in both revisions.",
        ),
        BasketPart(
            "photovoltaic cells and modules",
            {"HS2022": ("854142", "854143"), "HS2017": ("854140",)},
            "HS2022 separates PV cells not assembled (854142) and assembled in modules (854143). "
            "In HS2017 both sit inside 854140 together with LEDs and other photosensitive "
            "devices, so HS2017 data overstate the PV part.",
        ),
    ),
)

BASKETS: dict[str, Basket] = {NEW_THREE.name: NEW_THREE}


def basket(name: str) -> Basket:
    """A named basket (``"new-three"``)."""
    try:
        return BASKETS[name]
    except KeyError:
        raise NotFound(f"unknown basket {name!r}; known baskets: {', '.join(sorted(BASKETS))}") from None


def hs2017_to_hs2022(code: str) -> tuple[str, ...]:
    """HS2022 subheadings that an HS2017 subheading maps to (itself when unchanged and known)."""
    if code in HS2017_TO_HS2022:
        return HS2017_TO_HS2022[code]
    nomenclature = load()
    if code in nomenclature.hs2017 and code in nomenclature.descriptions:
        return (code,)
    raise NotFound(f"no HS2017->HS2022 correspondence known for {code!r}")


def hs2022_to_hs2017(code: str) -> tuple[str, ...]:
    """HS2017 subheadings that an HS2022 subheading comes from."""
    sources = tuple(old for old, new in HS2017_TO_HS2022.items() if code in new)
    if sources:
        return sources
    nomenclature = load()
    if code in nomenclature.hs2017:
        return (code,)
    raise NotFound(f"no HS2022->HS2017 correspondence known for {code!r}")


@dataclass(frozen=True)
class Nomenclature:
    """HS 2022 descriptions and levels; the HS 2017 subheading list."""

    descriptions: dict[str, str]
    parents: dict[str, str]
    hs2017: frozenset[str]

    def describe(self, code: str) -> str | None:
        return self.descriptions.get(code)

    def chapter(self, code: str) -> str:
        return code[:2]


@functools.cache
def _load(path: str | None) -> Nomenclature:
    descriptions: dict[str, str] = {}
    parents: dict[str, str] = {}
    hs2017: set[str] = set()
    if path is not None:
        folder = Path(path)
        with (folder / "hs_codes_descriptions.csv").open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                descriptions[row["hscode"]] = row["description"]
                parents[row["hscode"]] = row["parent"]
        conv = folder / "hs2017_to_sitc4_conversion.csv"
        if conv.exists():
            with conv.open(newline="", encoding="utf-8-sig") as handle:
                hs2017 = {row["hs2017"] for row in csv.DictReader(handle)}
    return Nomenclature(descriptions, parents, frozenset(hs2017))


def load(data: str | Path | None = None) -> Nomenclature:
    """The nomenclature from ``hs-nomenclature`` in the data directory (empty when absent)."""
    folder = (Path(data) if data is not None else settings.data_dir()) / "hs-nomenclature"
    return _load(str(folder.resolve()) if folder.exists() else None)
