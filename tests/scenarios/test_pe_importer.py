"""`tradeflux pe --importer X`: another importer's HS6 imports and its applied tariffs from the store (TRAINS), the
rates shown with their source, and SMART's trade creation checked by hand.

Germany's imports are made up for the test (Comtrade's answer shape); the EU's MFN rate on HS 870380 is the
genuine WITS TRAINS answer (``tests/fixtures/services/wits``) with its reporter, product, year and value changed
to the EU's 10% duty on cars (constructed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradeflux
from sources.test_comtrade import record  # tests/ is on the path: its folders are packages
from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})
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


def test_an_eu_members_tariffs_from_trains_enter_the_pe_model(germany, tmp_path):
    args = ["pe", "--importer", "DEU", "--year", "2024", "--tariff", "CHN:870380=20.7"]
    result = runner.invoke(app, [*args, "--store", str(germany.root), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    rates = {(r["product"], r["partner"]): r for r in run["rates"]}
    china_cars = rates["870380", "CHN"]
    assert (china_cars["tariff_pct"], china_cars["new_tariff_pct"]) == (10.0, pytest.approx(30.7))
    assert china_cars["rate_source"] == "UNCTAD TRAINS via World Bank WITS, the EU, 2024: MFN"
    assert rates["870380", "USA"]["tariff_pct"] == 10.0 and rates["870380", "USA"]["new_tariff_pct"] == 10.0
    assert rates["850760", "CHN"]["rate_source"] == "none held: 0%"
    assert any(
        n.startswith("Baseline tariffs: UNCTAD TRAINS via World Bank WITS, the EU, 2024 (the EU common external tariff")
        and "3 of 5 lines (52.2% of imports); trade-weighted mean 5.22%" in n
        for n in run["notes"]
    ), run["notes"]
    partners = {r["partner"]: r for r in run["by_partner"]}
    # by hand: SMART's creation m eps (t1 - t0) / (1 + t0) = 2 bn x -1 x 0.207 / 1.10, on China's cars only
    assert partners["CHN"]["trade_creation"] == pytest.approx(-2.0e9 * 0.207 / 1.10)
    assert sum(r["trade_diversion"] for r in partners.values()) == pytest.approx(0.0, abs=1e-3)
    # diversion goes to the other suppliers of cars in proportion to their imports (3 : 1), none to Korea
    assert partners["USA"]["trade_diversion"] == pytest.approx(3 * partners["JPN"]["trade_diversion"])
    assert partners["KOR"]["total_effect"] == 0


def test_the_table_names_the_rates_and_their_source(germany, tmp_path):
    args = ["pe", "--importer", "Germany", "--tariff", "CHN:870380=20.7", "--store", str(germany.root)]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (
        "Tariffs of Germany: baseline and new (%), largest lines changed; the baseline rate's source" in result.output
    )
    assert "UNCTAD TRAINS via World Bank WITS, the EU, 2024: MFN" in result.output


def test_an_importer_without_hs6_imports_is_told_how_to_fetch_them(germany, tmp_path):
    result = runner.invoke(app, ["pe", "--importer", "FRA", "--tariff", "CHN:870380=10", "--store", str(germany.root)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: no HS6 imports of FRA in 2024 by partner in the store; fetch them with "
        "`tradeflux update --reporter FRA --year 2024 --service comtrade --detail hs6`"
    )
