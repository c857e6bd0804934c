"""Where each shared dataset lives in the data directory, written once.

Paths are relative to the data directory (``--data-dir``, ``TRADEFLUX_DATA``, default
``../shared/data``); :func:`path` resolves one and says which dataset is missing when it is not
there. Every folder has a ``PROVENANCE.md`` with the source, licence, units and caveats.
The readers in :mod:`tradeflux.sources` declare the file patterns they ingest next to their code.
"""

from __future__ import annotations

import os
from pathlib import Path

from tradeflux import settings
from tradeflux.errors import NotFound

__all__ = ["FILES", "path"]

FILES: dict[str, str] = {
    # reference
    "country_codes": "country-codes-regions/country_codes_regions.csv",
    "hs_descriptions": "hs-nomenclature/hs_codes_descriptions.csv",
    "hs2017_to_sitc4": "hs-nomenclature/hs2017_to_sitc4_conversion.csv",
    # tariffs and the weights for their averages
    "us_hts10_china_2024": "us-imports-hs-2024/us_imports_from_china_hts10_2024.csv",
    "tracker_events": "us-tariffs-tradewartracker/us_effective_tariff_by_country_events.csv",
    "piie_milestones": "us-tariffs-tradewartracker/us_china_tariff_milestones.csv",
    # elasticities
    "broda_weinstein": "trade-elasticities/broda_weinstein_2006_sigma_hs0_3digit_73countries.csv",
    # GE baselines and published results to check against
    "wiod_aggregate": "wiod-gegravity-2000-2014/wiod_aggregate_trade_44_2000_2014.csv",
    "ge_gravity_eu_enlargement": "wiod-gegravity-2000-2014/reference_ge_eu_enlargement_stata.csv",
    "icio_intermediates": "oecd-icio-2022-intermediates/icio2022_intermediate_sales_by_exporter_sector.csv.gz",
    "yotov_2006": "yotov-gravity-guide/agtpa_ch2_trade_without_border_2006.csv.gz",
    "yotov_panel": "yotov-gravity-guide/agtpa_gravity_panel_1986_2006.csv.gz",
    "yotov_borders_reference": "yotov-gravity-guide/reference_ge_trade_without_border_by_country.csv",
    "yotov_nafta_reference": "yotov-gravity-guide/reference_ge_nafta_removal_by_country.csv",
    "gegravity_sample": "gegravity-sample/sample_gravity_data_2006.csv",
}


def path(name: str, data_dir: str | os.PathLike[str] | None = None, *, must_exist: bool = True) -> Path:
    """The path of the shared file ``name`` (a key of :data:`FILES`) in the data directory."""
    if name not in FILES:
        raise NotFound(f"no dataset {name!r} in the catalog; known: {', '.join(sorted(FILES))}")
    found = settings.data_dir(data_dir) / FILES[name]
    if must_exist and not found.exists():
        folder = FILES[name].split("/", 1)[0]
        raise NotFound(f"{found}: not found; the data directory needs the {folder!r} dataset (set --data-dir)")
    return found
