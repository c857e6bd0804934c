"""`tradeflux update` end to end against a local server: a reporter other than China gets a 2023-2024 report from
IMF IMTS answers, figures checked by hand; a second run fetches nothing; a revised answer becomes a new vintage and
the update lists the figures that changed; a request that fails loads nothing.

No genuine IMTS data answer exists in any public store (see the README): the answers here are built in code, in
the shape of the IMF's genuine WEO message of the same API (``message:StructureSpecificData``, ``Sender
id="iData"``, ``SCALE="6"`` on values in dollars). Their figures are made up for the test and stated below.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import tradeflux
from sources._replay import Replay, Step  # tests/ is on the path: its folders are packages
from tradeflux.cli import app
from tradeflux.errors import InputError
from tradeflux.store.update import compare, plan

runner = CliRunner(env={"COLUMNS": "200"})
PATH = "/data/IMF.STA,IMTS/VNM.XG_FOB_USD+MG_CIF_USD+MG_FOB_USD..A"

# Viet Nam's exports (XG_FOB_USD) and imports (MG_CIF_USD) in billions of dollars, made up for the test
EXPORTS = {
    2023: {"G001": 354.7, "USA": 97.0, "CHN": 61.2, "KOR": 23.5, "JPN": 23.3, "DEU": 6.7, "NLD": 7.5, "THA": 6.1},
    2024: {"G001": 405.5, "USA": 119.5, "CHN": 61.0, "KOR": 25.6, "JPN": 24.6, "DEU": 7.9, "NLD": 9.6, "THA": 6.6},
}
IMPORTS = {
    2023: {"G001": 326.4, "CHN": 111.6, "KOR": 52.5, "JPN": 21.6, "THA": 11.5, "USA": 13.8, "DEU": 3.9},
    2024: {"G001": 380.8, "CHN": 144.0, "KOR": 55.9, "JPN": 22.0, "THA": 11.7, "USA": 15.1, "DEU": 4.1},
}


def imts_message(year: int, exports: dict[str, float], imports: dict[str, float]) -> bytes:
    series = []
    for indicator, values in (("XG_FOB_USD", exports), ("MG_CIF_USD", imports)):
        for partner, bn in values.items():
            series.append(
                f'<Series COUNTRY="VNM" INDICATOR="{indicator}" COUNTERPART_COUNTRY="{partner}" FREQUENCY="A" '
                f'SCALE="6"><Obs TIME_PERIOD="{year}" OBS_VALUE="{bn * 1e9:.0f}"/></Series>'
            )
    flow = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=IMF.STA:IMTS(1.0.0):ObsLevelDim:TIME_PERIOD"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<message:StructureSpecificData xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" '
        f'xmlns:ns1="{flow}" xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<message:Header><message:ID>DS0</message:ID><message:Test>true</message:Test>"
        '<message:Prepared>2026-12-03T00:00:00Z</message:Prepared><message:Sender id="iData"/>'
        f'<message:Structure structureID="IMF.STA_IMTS_1_0_0" namespace="{flow}" dimensionAtObservation="TIME_PERIOD">'
        '<common:StructureUsage><Ref agencyID="IMF.STA" id="IMTS" version="1.0.0"/></common:StructureUsage>'
        "</message:Structure></message:Header>"
        '<message:DataSet ss:dataScope="DataStructure" xsi:type="ns1:DataSetType" '
        f'ss:structureRef="IMF.STA_IMTS_1_0_0" action="Replace">{"".join(series)}</message:DataSet>'
        "</message:StructureSpecificData>"
    ).encode()


def _script(revised_2024: bytes | None = None) -> dict[str, list[Step]]:
    out = {}
    for year in (2023, 2024):
        steps = [Step(200, imts_message(year, EXPORTS[year], IMPORTS[year]))]
        if year == 2024 and revised_2024 is not None:
            steps.append(Step(200, revised_2024))
        out[f"{PATH}?startPeriod={year}&endPeriod={year}"] = steps
    return out


def _update(server, store_dir, *extra):
    args = ["update", "--reporter", "VNM", "--year", "2023-2024", "--base-url", f"imf-imts={server.url}"]
    result = runner.invoke(app, [*args, "--store", str(store_dir), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _report(store_dir, tmp_path):
    result = runner.invoke(
        app, ["report", "VNM", "--year", "2024", "--store", str(store_dir), "--out", str(tmp_path / "r"), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _figure(report: dict, prefix: str) -> float:
    return next(f["value"] for f in report["figures"] if f["label"].startswith(prefix))


def test_a_reporter_other_than_china_gets_a_2024_report(tmp_path):
    revised = imts_message(2024, {**EXPORTS[2024], "USA": 121.0, "G001": 407.0}, IMPORTS[2024])
    with Replay(_script(revised)) as server:
        first = _update(server, tmp_path / "store")
        assert first["fetched"] == 2 and len(first["loaded"]) == 2
        assert sum(c["change"] == "new" for c in first["changes"]) == 30  # 16 + 14 series, one year each
        report = _report(tmp_path / "store", tmp_path)
        # by hand from the answers: exports 405.5 bn, imports 380.8 bn, balance 24.7 bn; to the US 119.5 bn
        assert _figure(report, "Exports 2024") == pytest.approx(405.5e9)
        assert _figure(report, "Imports 2024") == pytest.approx(380.8e9)
        assert _figure(report, "Trade balance 2024") == pytest.approx(24.7e9)
        assert _figure(report, "Exports to United States 2024") == pytest.approx(119.5e9)
        assert _figure(report, "Imports from China 2024") == pytest.approx(144.0e9)
        groups = {(g["group"], g["flow"]): g for g in report["tables"]["groups"]}
        assert groups["EU27", "export"]["value"] == pytest.approx(7.9e9 + 9.6e9)  # Germany and the Netherlands
        assert groups["EU27", "export"]["growth_pct"] == pytest.approx((17.5 / 14.2 - 1) * 100)
        assert groups["ASEAN", "import"]["value"] == pytest.approx(11.7e9)  # Thailand
        eu = report["tables"]["bilateral"][-1]
        assert eu["partner"] == "EU (of its 27 members in 2024, 2 with exports and 1 with imports)"
        assert eu["balance"] == pytest.approx(eu["exports"] - eu["imports"]) == pytest.approx(13.4e9)

        second = _update(server, tmp_path / "store")
        assert second["fetched"] == 0 and second["loaded"] == [] and second["changes"] == []
        assert len(server.log) == 2  # nothing asked again

        third = _update(server, tmp_path / "store", "--refresh")
    assert third["fetched"] == 2 and len(third["loaded"]) == 1  # 2023 came back the same: not loaded again
    changed = {(c["key"]["partner"], c["key"]["flow"]): (c["old"], c["new"]) for c in third["changes"]}
    assert changed == {("USA", "export"): (119.5e9, 121.0e9), ("WLD", "export"): (405.5e9, 407.0e9)}
    assert all(c["change"] == "revised" and c["key"]["period"] == "2024" for c in third["changes"])
    after = _report(tmp_path / "store", tmp_path)
    assert _figure(after, "Exports to United States 2024") == pytest.approx(121.0e9)
    store = tradeflux.open(tmp_path / "store")
    kept = sorted(p.name for p in (tmp_path / "store" / "raw" / "imf-imts").glob("*.json"))
    assert kept == ["imts_VNM_A_2023-2023.json", "imts_VNM_A_2024-2024.json"]
    everything = store.query("flows", source="imf-imts", vintage="all", partner="USA", flow="export", year=2024)
    assert sorted(everything.value) == [119.5e9, 121.0e9]  # the first answer stays readable as an older vintage


def test_a_failing_request_loads_nothing_and_the_next_run_fetches_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr("tradeflux.sources.http.time.sleep", lambda _s: None)  # back-off not waited here
    script = _script()
    key_2024 = f"{PATH}?startPeriod=2024&endPeriod=2024"
    good_2024 = script[key_2024]
    script[key_2024] = [Step(503, b"busy", "text/plain")] * 5 + good_2024
    with Replay(script) as server:
        args = ["update", "--reporter", "VNM", "--year", "2023-2024", "--base-url", f"imf-imts={server.url}"]
        failed = runner.invoke(app, [*args, "--store", str(tmp_path / "store")])
        assert failed.exit_code != 0
        assert failed.output.strip().splitlines() == [
            f"error: imf-imts: GET {server.url}{key_2024}: gave up after 5 attempts: HTTP 503 (nothing loaded; "
            "1 of 2 answers kept, 1 fetched in this run; run the same command again to fetch the rest)"
        ]
        assert tradeflux.open(tmp_path / "store").query("flows").empty
        again = _update(server, tmp_path / "store")
    assert again["fetched"] == 1 and len(again["loaded"]) == 2
    assert [a["fetched"] for a in again["answers"]] == [False, True]


def test_values_beyond_ten_trillion_are_quarantined_as_mis_scaled(store, tmp_path):
    path = tmp_path / "imts_VNM_A_2024-2024.x.xml"
    path.write_bytes(imts_message(2024, {"G001": 405.5e6}, {"G001": 380.8}))  # millions read as... millions
    result = store.ingest("imf-imts", path, dataset="imts", vintage="2026-12-03")
    assert (result.counts["flows"].loaded, result.counts["flows"].quarantined) == (1, 1)
    row = store.quarantine().iloc[0]
    assert row.field == "OBS_VALUE" and row.reason.startswith("over 10 trillion dollars: a value in millions (SCALE 6)")


def test_plans_one_request_per_reporter_year_and_service():
    requests = plan(["VNM", "Germany"], [2023, 2024], ["imf-imts", "comtrade", "wits-trains"], detail="hs2")
    keys = [r.key for r in requests]
    assert keys[:4] == ["imts_VNM_A_2023-2023", "imts_VNM_A_2024-2024", "imts_DEU_A_2023-2023", "imts_DEU_A_2024-2024"]
    assert keys[4] == "comtrade_VNM_2023_all_X-M_AG2_C_A_HS"
    assert dict(requests[4].params)["reporterCode"] == "704" and dict(requests[6].params)["reporterCode"] == "276"
    assert keys[8:] == ["trn_704_000_all_2023", "trn_704_000_all_2024", "trn_918_000_all_2023", "trn_918_000_all_2024"]
    with pytest.raises(InputError, match="--detail 'hs8': give one of totals, hs2, hs4, hs6"):
        plan(["VNM"], [2024], ["comtrade"], detail="hs8")
    with pytest.raises(InputError, match="'Atlantis' is not a country: give an ISO3 code or a country's name"):
        plan(["Atlantis"], [2024])


def test_compare_lists_new_revised_and_gone_rows():
    import pandas as pd

    key = {"period": "2024", "reporter": "VNM", "flow": "export", "classification": "TOTAL", "product": "TOTAL"}
    before = pd.DataFrame([{**key, "partner": "USA", "value": 1.0}, {**key, "partner": "CHN", "value": 2.0}])
    after = pd.DataFrame([{**key, "partner": "USA", "value": 1.5}, {**key, "partner": "KOR", "value": 3.0}])
    changes = [(c.change, c.key["partner"], c.old, c.new) for c in compare(before, after, "flows", "value")]
    assert changes == [("revised", "USA", 1.0, 1.5), ("new", "KOR", None, 3.0), ("gone", "CHN", 2.0, None)]


def test_comtrade_product_detail_gives_an_eu_members_product_section(tmp_path, monkeypatch):
    """Germany's exports by HS6 to three partners and the world (Comtrade, every partner: made-up figures); the
    report reads the world rows (not the world plus the partners) and finds the 'new three' by hand: EVs
    (870380) 25 bn + lithium-ion batteries (850760) 6 bn = 31 bn in 2024."""
    from sources.test_comtrade import record

    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)  # the public preview endpoint
    world = {
        2023: {"870380": 30e9, "850760": 5e9, "300490": 40e9},
        2024: {"870380": 25e9, "850760": 6e9, "300490": 45e9},
    }
    shares = {(842, "USA"): 0.25, (156, "CHN"): 0.15, (251, "FRA"): 0.2, (0, "W00"): 1.0}

    def answer(year: int) -> bytes:
        data = [
            record(
                period=str(year),
                refYear=year,
                reporterCode=276,
                reporterISO="DEU",
                partnerCode=code,
                partnerISO=iso,
                cmdCode=cmd,
                primaryValue=value * share,
                fobvalue=value * share,
                qty=None,
                qtyUnitAbbr=None,
                netWgt=None,
            )
            for cmd, value in world[year].items()
            for (code, iso), share in shares.items()
        ]
        return json.dumps({"elapsedTime": "0.1 secs", "count": len(data), "data": data, "error": ""}).encode()

    script = {
        "/public/v1/preview/C/A/HS": [
            Step(200, answer(2023), "application/json"),
            Step(200, answer(2024), "application/json"),
        ]
    }
    with Replay(script) as server:
        args = ["update", "--reporter", "Germany", "--year", "2023-2024", "--service", "comtrade", "--detail", "hs6"]
        result = runner.invoke(
            app, [*args, "--base-url", f"comtrade={server.url}", "--store", str(tmp_path / "store"), "--json"]
        )
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    assert done["fetched"] == 2 and "reporterCode=276" in done["answers"][0]["url"]
    report = runner.invoke(
        app,
        ["report", "DEU", "--year", "2024", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "r"), "--json"],
    )
    report = json.loads(report.output)
    new_three = next(f for f in report["figures"] if f["label"] == "'New three' exports of DEU, 2024")
    assert new_three["value"] == pytest.approx(31e9) and new_three["basis"] == "DEU-reported exports (HS2022), FOB"
    chapters = {r["chapter"]: r["value"] for r in report["tables"]["hs_chapters"]}
    assert chapters == pytest.approx({"30": 45e9, "87": 25e9, "85": 6e9})
    assert _figure(report, "Exports to United States 2024") == pytest.approx(0.25 * 76e9)
    # no TOTAL rows: the world's HS6 lines summed (76 bn), not those plus the partners' (another 45.6 bn)
    assert _figure(report, "Exports 2024") == pytest.approx(76e9)
