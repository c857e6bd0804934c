"""Eurostat Comext (experimental): an answer read into flows in euros, HS2/HS4 subtotals and CN8 lines kept out,
fetched through `update`, and an EU member's product section in euros.

No genuine Comext answer exists in any public store (see the README): the answer here is built in code in the
shape of Eurostat's genuine structure-specific messages (``ESTAT/NAMA_10_GDP-ss.xml`` in the sdmx1 project's test
data: lower-case dimension ids on ``Series``, ``OBS_VALUE`` on ``Obs``). Its figures are made up for the test."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tradeflux.cli import app
from tradeflux.errors import InputError
from tradeflux.sources.comext import ComextRequest

from ._replay import Replay, Step

runner = CliRunner(env={"COLUMNS": "200"})
PATH = "/data/DS-045409/A.DE...1+2.VALUE_IN_EUROS"
# (partner, product, flow) -> euros in 2024, made up
VALUES = {
    ("CN", "870380", "2"): 4.0e9,
    ("US", "870380", "2"): 9.0e9,
    ("CN", "850760", "2"): 0.5e9,
    ("CN", "850760", "1"): 7.0e9,
    ("US", "300490", "2"): 20.0e9,
    ("CN", "TOTAL", "2"): 90.0e9,
    ("CN", "TOTAL", "1"): 157.0e9,
    ("CN", "8703", "2"): 4.5e9,  # an HS4 subtotal: kept out
    ("CN", "87038010", "2"): 1.0e9,  # a CN8 line: kept out
}


def comext_message(values: dict) -> bytes:
    series = "".join(
        f'<Series freq="A" reporter="DE" partner="{partner}" product="{product}" flow="{flow}" '
        f'indicators="VALUE_IN_EUROS"><Obs TIME_PERIOD="2024" OBS_VALUE="{value:.0f}"/></Series>'
        for (partner, product, flow), value in values.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<m:StructureSpecificData xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" '
        'xmlns:u="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ESTAT:DS-045409(1.0):ObsLevelDim:TIME_PERIOD" '
        'xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<m:Header><m:ID>X</m:ID><m:Test>true</m:Test><m:Prepared>2026-12-03T00:00:00Z</m:Prepared><m:Sender id="ESTAT"/>'
        '<m:Structure dimensionAtObservation="TIME_PERIOD" structureID="STR1"><c:StructureUsage>'
        '<Ref id="DS-045409" agencyID="ESTAT" version="1.0"/></c:StructureUsage></m:Structure></m:Header>'
        f'<u:DataSet s:structureRef="STR1" s:dataScope="DataStructure" xsi:type="u:DataSetType">{series}</u:DataSet>'
        "</m:StructureSpecificData>"
    ).encode()


def test_an_answer_read_in_euros_with_subtotals_kept_out(store, tmp_path):
    path = tmp_path / "comext_DEU_all_A_2024.a.xml"
    path.write_bytes(comext_message(VALUES))
    result = store.ingest("eurostat-comext", path, dataset="ds-045409", vintage="2026-12-03")
    assert (result.counts["flows"].loaded, result.counts["flows"].quarantined) == (7, 2)
    rows = store.query("flows", source="eurostat-comext")
    assert set(rows.currency) == {"EUR"} and set(rows.reporter) == {"DEU"}
    cars = rows[(rows["product"] == "870380") & (rows.partner == "CHN")].iloc[0]
    assert (cars.flow, cars.valuation, cars.value, cars.classification) == ("export", "FOB", 4.0e9, "HS2022")
    imports = rows[(rows.flow == "import") & (rows["product"] == "TOTAL")].iloc[0]
    assert (imports.valuation, imports.value, imports.classification) == ("CIF", 157.0e9, "TOTAL")
    reasons = sorted(store.quarantine().reason)
    assert reasons == [
        "product '8703': an HS2 or HS4 subtotal or a CN8 line (the store keeps HS6 lines and totals)",
        "product '87038010': an HS2 or HS4 subtotal or a CN8 line (the store keeps HS6 lines and totals)",
    ]


def test_fetched_through_update_an_eu_members_product_section_in_euros(tmp_path):
    with Replay({PATH: [Step(200, comext_message(VALUES))]}) as server:
        args = ["update", "--reporter", "DEU", "--year", "2024", "--service", "eurostat-comext"]
        done = runner.invoke(
            app, [*args, "--base-url", f"eurostat-comext={server.url}", "--store", str(tmp_path / "s"), "--json"]
        )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["fetched"] == 1
    out = runner.invoke(
        app, ["report", "DEU", "--year", "2024", "--store", str(tmp_path / "s"), "--out", str(tmp_path / "r"), "--json"]
    )
    report = json.loads(out.output)
    new_three = next(f for f in report["figures"] if f["label"] == "'New three' exports of DEU, 2024")
    # by hand: EVs 4 + 9 bn and batteries 0.5 bn, in euros; the world's total of HS6 lines 33.5 bn
    assert (new_three["value"], new_three["unit"]) == (13.5e9, "EUR")
    assert new_three["note"].startswith("40.3% of 33.5 bn EUR")
    chapters = {r["chapter"]: (r["value"], r["currency"]) for r in report["tables"]["hs_chapters"]}
    assert chapters == {"30": (20.0e9, "EUR"), "87": (13.0e9, "EUR"), "85": (0.5e9, "EUR")}
    assert not any(f["label"].startswith("Exports 2024") for f in report["figures"])  # euros are not added to dollars


def test_only_eu_members():
    assert ComextRequest("Germany", 2024).service_request().path == PATH
    with pytest.raises(InputError, match="Eurostat Comext: 'USA' is not an EU member in 2024"):
        ComextRequest("USA", 2024)
    with pytest.raises(InputError, match="Eurostat Comext: 'GBR' is not an EU member in 2021"):
        ComextRequest("GBR", 2021)
