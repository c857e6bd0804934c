"""A store for the models of other importers: Germany's HS6 imports in 2024 (made up for the tests, in Comtrade's
answer shape) and the EU's MFN rate on HS 870380: the genuine WITS TRAINS answer (``tests/fixtures/services/wits``)
with its reporter, product, year and value changed to the EU's 10% duty on cars (constructed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tradeflux
from sources.test_comtrade import record  # tests/ is on the path: its folders are packages

GENUINE = Path(__file__).parents[1] / "fixtures" / "services" / "wits" / "trains_usa_020110_1989.xml"
IMPORTS = {  # Germany's 2024 imports, USD (made up)
    ("870380", 156, "CHN"): 2.0e9,
    ("870380", 842, "USA"): 3.0e9,
    ("870380", 392, "JPN"): 1.0e9,
    ("850760", 156, "CHN"): 4.0e9,
    ("850760", 410, "KOR"): 1.5e9,
}


@pytest.fixture
def germany(tmp_path, data_dir):
    store = tradeflux.open(tmp_path / "store", data_dir=data_dir)
    data = [
        record(
            period="2024",
            reporterCode=276,
            reporterISO="DEU",
            flowCode="M",
            partnerCode=code,
            partnerISO=iso,
            cmdCode=hs6,
            primaryValue=value,
            cifvalue=value,
            fobvalue=None,
            qty=None,
            qtyUnitAbbr=None,
            netWgt=None,
        )
        for (hs6, code, iso), value in IMPORTS.items()
    ]
    answer = tmp_path / "comtrade_DEU_2024_all_M_AG6_C_A_HS.a.json"
    answer.write_text(json.dumps({"count": len(data), "data": data, "error": ""}))
    store.ingest("comtrade", answer, dataset="api-fetched", vintage="2026-12-03")
    eu_rate = (
        GENUINE.read_bytes()
        .replace(b'"REPORTER" value="840"', b'"REPORTER" value="918"')
        .replace(b'"PRODUCTCODE" value="020110"', b'"PRODUCTCODE" value="870380"')
        .replace(b'"TIME_PERIOD" value="1989"', b'"TIME_PERIOD" value="2024"')
        .replace(b'<generic:ObsValue value="0"/>', b'<generic:ObsValue value="10"/>')
    )
    trains = tmp_path / "trn_918_000_all_2024.a.xml"
    trains.write_bytes(eu_rate)
    store.ingest("wits-trains", trains, dataset="trains", vintage="2026-12-03")
    return store
