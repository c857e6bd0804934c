"""Other importers' applied tariffs from the store (TRAINS) in the goods GE baseline: the rates, their source in
the notes, and a tariff shock added on top of them (as PE does). The store is the one of `test_pe_importer`:
Germany's made-up HS6 imports and the EU's 10% MFN on HS 870380 (a constructed WITS answer)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tradeflux import scenarios
from tradeflux.scenarios.spec import Scenario

runner = CliRunner(env={"COLUMNS": "200"})
SCENARIO = """
name = "EU 20% on China, goods 2019"
[baseline]
dataset = "goods2019"
year = 2019
[model]
theta = 4.0
[[shocks]]
type = "tariff"
imposing = "EU27"
target = "CHN"
rate_pct = 20
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "eu_china.toml"
    path.write_text(SCENARIO)
    return Scenario.load(path)


def test_the_eus_rates_enter_the_goods_baseline_and_the_shock_adds_to_them(germany, scenario, data_dir):
    with_rates = scenarios.simulate(scenario, data_dir, store=germany)
    countries = with_rates.result.baseline.countries
    chn, usa, deu, fra = (countries.index(c) for c in ("CHN", "USA", "DEU", "FRA"))
    # the one rate held, 10% on 870380, weighted by Germany's imports of that product: 10% on every outsider
    assert with_rates.result.baseline.tariffs[chn, deu, 0] == pytest.approx(0.10)
    assert with_rates.result.baseline.tariffs[usa, fra, 0] == pytest.approx(0.10)
    assert with_rates.result.baseline.tariffs[fra, deu, 0] == 0.0  # inside the EU
    assert with_rates.result.tariffs_new[chn, deu, 0] == pytest.approx(0.30)  # 10% held + 20% shock
    note = next(n for n in with_rates.notes if n.startswith("Tariffs of the EU"))
    assert note.startswith(
        "Tariffs of the EU (27 members in the baseline) from the store: UNCTAD TRAINS via World Bank WITS, 2024, "
        "1 HS6 products, weighted by its HS6 imports in the store; highest: "
    )
    without = scenarios.simulate(scenario, data_dir)
    assert without.result.baseline.tariffs[chn, deu, 0] == 0.0 and without.result.tariffs_new[chn, deu, 0] == 0.20
    assert any("other importers' tariffs are not in the shared data and are zero" in n for n in without.notes)
