"""The project's contracts across packages: every result has the same JSON-safe shape, every command
prints parseable JSON with --json, and bad input on any command exits 2 with one ``error:`` line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradeflux
from tradeflux._results import Result
from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


def _dumps(value) -> str:
    return json.dumps(value, allow_nan=False)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, data_dir):
    st = tradeflux.open(tmp_path_factory.mktemp("contracts") / "store", data_dir=data_dir)
    st.ingest_all(["gacc", "comtrade-mirror"])
    return st


def _results(small_store, data_dir, tmp_path_factory) -> dict[str, Result]:
    from tradeflux import scenarios
    from tradeflux.analysis import report
    from tradeflux.models import ge, gravity, pe
    from tradeflux.scenarios import checks, inputs, tariff_run

    out: dict[str, Result] = {}
    out["IngestResult"] = small_store.ingest_all(["gacc"])[0]
    out["CountryReport"] = report.build(small_store, "CHN", 2025)
    sample = pd.read_csv(data_dir / "gegravity-sample" / "sample_gravity_data_2006.csv")
    out["GravityResult"] = gravity.estimate_formula(sample, "trade ~ lndist + international | exporter + importer")
    lines = pd.DataFrame(
        {
            "product": ["850760", "850760", "870380"],
            "partner": ["CHN", "KOR", "DEU"],
            "imports": [15.7e9, 3.1e9, 1.0e9],
            "tariff_pct": [7.0, 3.4, 2.5],
            "new_tariff_pct": [57.0, 3.4, 2.5],
        }
    )
    out["PEResult"] = pe.smart(lines, pe.Elasticities(import_demand=-1.5))
    out["PERun"] = scenarios.run_lines(lines, pe.Elasticities(), name="lines.csv")
    flows = pd.DataFrame(
        {
            "exporter": list("AABBCC") + list("ABC"),
            "importer": list("BCACAB") + list("ABC"),
            "trade": [10.0, 5.0, 8.0, 4.0, 6.0, 3.0, 50.0, 40.0, 30.0],
        }
    )
    base = ge.Baseline.from_frame(flows)
    phi = np.ones((3, 3))
    phi[0, 1] = phi[1, 0] = 1.2
    out["GEResult"] = ge.solve(base, phi, theta=4.0)
    sector = ge.SectorBaseline(base.countries, ("all",), base.X[:, :, None], np.zeros((*base.X.shape, 1)))
    tariffs = np.zeros((3, 3, 1))
    tariffs[0, 1, 0] = 0.1
    out["SectorResult"] = ge.solve_sectors(sector, np.array([4.0]), tariffs_new=tariffs)
    out["Check"] = checks.eu_enlargement(data_dir)
    out["Simulation"] = scenarios.simulate(scenarios.find("us_secondary_tariff_iran"), data_dir)
    from tradeflux.analysis import outlook

    out["Outlook"] = outlook.build(small_store.connect(), "CHN", small_store.countries, flows=("export",))
    out["TariffTable"] = tariff_run.rate(
        inputs.load_layers("us_china_2025", data_dir), "USA", "CHN", "850760", "2025-06-03"
    )
    return out


def test_every_result_has_the_same_json_safe_shape(small_store, data_dir, tmp_path_factory):
    results = _results(small_store, data_dir, tmp_path_factory)
    assert len(results) == 11
    for name, result in results.items():
        assert isinstance(result, Result), name
        data = result.to_dict()
        json.loads(_dumps(data))  # no NaN, no numpy types, no frames
        tables = result.tables()
        assert all(isinstance(t, pd.DataFrame) for t in tables.values()), name
        assert isinstance(result.notes, list) and all(isinstance(n, str) for n in result.notes), name


def test_jsonable_turns_nan_and_numpy_into_json():
    from tradeflux.render.json import dumps

    data = {"a": np.float64("nan"), "b": np.int64(3), "c": [np.inf, 1.5], "d": pd.DataFrame({"x": [1.0, None]})}
    assert json.loads(dumps(data)) == {"a": None, "b": 3, "c": [None, 1.5], "d": [{"x": 1.0}, {"x": None}]}


JSON_COMMANDS = [
    ["sources"],
    ["query", "--reporter", "CHN", "--limit", "3"],
    ["quarantine"],
    ["countries", "Viet Nam"],
    ["group", "ASEAN", "--year", "2026"],
    ["basket", "new-three"],
    ["report", "CHN", "--year", "2025"],
    ["tariff", "--product", "850760", "--date", "2025-06-03"],
    ["tariff", "--date", "2025-05-14"],
    ["scenarios"],
    ["outlook", "CHN", "--flow", "export"],
]


@pytest.mark.parametrize("command", JSON_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_prints_json(command, small_store, data_dir, tmp_path):
    args = [*command, "--json"]
    if command[0] in ("sources", "query", "quarantine", "report", "outlook"):
        args += ["--store", str(small_store.root)]
    if command[0] in ("report", "tariff", "outlook"):
        args += ["--out", str(tmp_path)]
    if command[0] != "scenarios":
        args += ["--data-dir", str(data_dir)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


BAD = [
    (["report", "Narnia", "--year", "2025"], "unknown country 'Narnia'"),
    (["report", "CHN", "--year", "notayear"], "Invalid value for '--year'"),
    (["query", "--table", "nope"], "unknown table 'nope'"),
    (["query", "--format", "xml"], "--format must be table, csv, parquet or json, not 'xml'"),
    (["query", "--limit", "-5"], "Invalid value for '--limit': Input should be greater than or equal to 0"),
    (["ingest", "nope"], "unknown sources: nope"),
    (["ingest", "--file", "missing.csv", "--source", "gacc"], "missing.csv: no such file"),
    (["group", "Atlantis", "--year", "2020"], "Atlantis"),
    (["basket", "old-five"], "old-five"),
    (["tariff", "--product", "850760", "--date", "notadate"], "notadate"),
    (["tariff", "--date", "2025-13-01"], "2025-13-01"),
    (["tariff", "--layers", "nolayers"], "nolayers: no such layers file"),
    (["tariff", "--importer", "FRA"], "US imports from China only"),
    (["pe"], "give a scenario, --date YYYY-MM-DD, --tariff PARTNER:HS=PCT, or --lines FILE"),
    (["pe", "--lines", "missing.csv"], "missing.csv: no such file"),
    (["pe", "--date", "2025-11-10", "--substitution", "lots"], "--substitution must be a number"),
    (["simulate", "no_such_scenario"], "no scenario file 'no_such_scenario'"),
    (["ge-check", "moon"], "unknown check 'moon'"),
    (["ge-check", "eu", "--draws", "-5"], "Invalid value for '--draws'"),
    (["gravity", "missing.csv", "--formula", "trade ~ x"], "missing.csv: no such file"),
    (["gravity", "missing.csv"], "give exactly one of --formula or --spec"),
    (["outlook", "Narnia"], "unknown country 'Narnia'"),
    (["outlook"], "name a reporter (tradeflux outlook CHN) or ask for --track-record"),
    (["outlook", "CHN", "--horizon", "9"], "Invalid value for '--horizon'"),
    (["outlook", "CHN", "--flow", "sideways"], "--flow must be export, import or both, not 'sideways'"),
    (["outlook", "CHN", "--method", "arima"], "unknown forecast method 'arima'"),
]


@pytest.mark.parametrize(("command", "message"), BAD, ids=lambda c: " ".join(c) if isinstance(c, list) else None)
def test_bad_input_exits_2_with_one_error_line(command, message, small_store, data_dir, tmp_path):
    args = [*command] if command[0] == "gravity" else [*command, "--data-dir", str(data_dir)]
    if command[0] in ("report", "query", "ingest", "outlook"):
        args += ["--store", str(small_store.root)]
    if command[0] in ("report", "tariff", "pe", "simulate", "outlook"):
        args += ["--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_tables_do_not_wrap_when_piped(small_store, data_dir):
    """Through a pipe (no terminal, 80 columns by default) a wide table keeps every cell on one line."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeflux.cli",
            "sources",
            "--store",
            str(small_store.root),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"},
    )
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if "lines_read" in line)
    assert "lines_read" in header and "quarantined" in header and "first_period" in header
    assert "e+" not in proc.stdout


def test_numbers_are_formatted_by_unit():
    from tradeflux._format import cell

    assert cell("value", 1.189e12) == "1,189.0 bn"
    assert cell("value", 2.31e13) == "23.10 tn"
    assert cell("growth_pct", 19.93) == "+19.9%"
    assert cell("contribution_pp", -3.4512) == "-3.45 pp"
    assert cell("share_pct", 14.8) == "14.8%"
    assert cell("residual", -4.52515e-05) == "-0.0000452515"
    assert cell("balance", -0.0) == "0"
