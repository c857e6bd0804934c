"""`tradeflux pe --importer X`: another importer's HS6 imports and its applied tariffs from the store (TRAINS), the
rates shown with their source, and SMART's trade creation checked by hand. The store: ``germany`` in conftest."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


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
