"""The command line: tables by default, full results with --json, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})
# US-reported 2024 trade with China, from china-trade-mirror-comtrade (USD)
EXPORTS_2024 = 462_620_339_617.0
IMPORTS_2024 = 143_545_716_168.0


@pytest.fixture
def st(tmp_path, data_dir):
    args = ["--store", str(tmp_path / "store"), "--data-dir", str(data_dir)]
    result = runner.invoke(app, ["ingest", "gacc", "comtrade-mirror", *args, "--json"])
    assert result.exit_code == 0, result.output
    return args


def test_ingest_json_accounting(st, tmp_path, data_dir):
    result = runner.invoke(app, ["sources", *st, "--json"])
    rows = json.loads(result.stdout)
    assert [(r["source"], r["dataset"]) for r in rows] == [
        ("gacc", "headlines"),
        ("gacc", "monthly"),
        ("comtrade-mirror", "exports"),
        ("comtrade-mirror", "imports"),
        ("comtrade-mirror", "totals"),
    ]
    assert all(r["staged"] == r["loaded"] + r["quarantined"] for r in rows)
    # the canonical rows were written once for this state: a second ingest loads nothing and writes nothing
    again = json.loads(runner.invoke(app, ["ingest", "gacc", "comtrade-mirror", *st, "--json"]).stdout)
    assert {r["status"] for r in again["ingested"]} == {"unchanged"}
    assert again["canonical_rows"]["rows_written"] is None
    assert Path(again["canonical_rows"]["file"]).exists()


def test_sources_table(st):
    result = runner.invoke(app, ["sources", *st])
    assert result.exit_code == 0
    assert "comtrade-mirror" in result.stdout and "2026-01-14" in result.stdout


def test_query_formats(st, tmp_path):
    result = runner.invoke(
        app,
        [
            "query",
            *st,
            "--reporter",
            "CHN",
            "--partner",
            "USA",
            "--year",
            "2024",
            "--source",
            "comtrade-mirror",
            "--json",
        ],
    )
    rows = json.loads(result.stdout)
    assert sorted((r["flow"], r["value"], r["declarant"], r["valuation"]) for r in rows) == [
        ("export", EXPORTS_2024, "USA", "CIF"),
        ("import", IMPORTS_2024, "USA", "FOB"),
    ]
    csv_out = runner.invoke(
        app, ["query", *st, "--table", "indicators", "--metric", "trade_balance", "--format", "csv"]
    )
    assert csv_out.stdout.splitlines()[0].startswith("period,period_kind,year,month,reporter,partner,metric")
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["query", *st, "--source", "gacc", "--format", "parquet", "--out", str(out)])
    assert result.exit_code == 0
    # 9 headline flows; monthly: 10 months x (month + ytd) x 2 flows + 3 cumulative 2024 figures
    assert len(pd.read_parquet(out)) == 9 + 43


def test_query_errors(st):
    result = runner.invoke(app, ["query", *st, "--table", "tariffs", "--reporter", "CHN"])
    assert result.exit_code == 2
    assert "table tariffs has no column reporter" in result.stderr
    result = runner.invoke(app, ["query", *st, "--format", "xlsx"])
    assert "--format must be table, csv, parquet or json, not 'xlsx'" in result.stderr


def test_ingest_file_errors(st, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", *st, "--file", str(bad), "--source", "gacc", "--dataset", "headlines"])
    assert result.exit_code == 2
    assert "expected columns metric, period" in result.stderr


def test_reference_commands(data_dir):
    result = runner.invoke(
        app, ["countries", "Rep. of Korea", "Other Asia, nes", "--json", "--data-dir", str(data_dir)]
    )
    assert [r["iso3"] for r in json.loads(result.stdout)] == ["KOR", "TWN"]
    result = runner.invoke(app, ["countries", "Narnia", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    result = runner.invoke(app, ["group", "ASEAN", "--year", "2026", "--json", "--data-dir", str(data_dir)])
    assert "TLS" in json.loads(result.stdout)["members"]
    result = runner.invoke(app, ["basket", "new-three", "--json", "--data-dir", str(data_dir)])
    codes = json.loads(result.stdout)["codes"]
    assert {c["code"] for c in codes if c["revision"] == "HS2022"} == {
        "870360",
        "870370",
        "870380",
        "850760",
        "854142",
        "854143",
    }


def test_gravity_formula_json(data_dir):
    path = data_dir / "gegravity-sample" / "sample_gravity_data_2006.csv"
    result = runner.invoke(
        app,
        ["gravity", str(path), "--formula", "trade ~ lndist + pta | exporter + importer", "--vcov", "stata", "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["(1)"]
    assert out["nobs"] == 900 and out["dropped"] == [] and out["omitted"] == {}
    assert set(out["coefficients"]) == {"lndist", "pta"}


def test_gravity_spec_file_table(data_dir, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[models.A]\nregressors = ["ln_DIST", "CNTG", "INTL_BRDR"]\nfixed_effects = ["exporter", "importer"]\nvcov = "stata"\n'
    )
    path = data_dir / "yotov-gravity-guide" / "agtpa_ch2_trade_without_border_2006.csv.gz"
    result = runner.invoke(app, ["gravity", str(path), "--spec", str(spec), "--csv", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert "-0.7913" in result.stdout and "-2.4745" in result.stdout
    assert (tmp_path / "t.csv").read_text().splitlines()[1] == "ln_DIST,-0.7913"


def test_gravity_errors(data_dir):
    path = data_dir / "gegravity-sample" / "sample_gravity_data_2006.csv"
    result = runner.invoke(app, ["gravity", str(path), "--formula", "trade ~ tariff | exporter"])
    assert result.exit_code == 2 and "regressors not in the data: tariff" in result.stderr
    result = runner.invoke(app, ["gravity", str(path)])
    assert "give exactly one of --formula or --spec" in result.stderr


def test_gravity_options_that_do_not_apply_are_refused(data_dir, tmp_path):
    """`gravity --spec s.toml --estimator ols --vcov cluster` dropped both options without a word."""
    spec = tmp_path / "spec.toml"
    spec.write_text('[models.A]\nregressors = ["ln_DIST"]\nfixed_effects = ["exporter", "importer"]\n')
    path = data_dir / "yotov-gravity-guide" / "agtpa_ch2_trade_without_border_2006.csv.gz"
    args = ["gravity", str(path), "--spec", str(spec), "--estimator", "ols", "--vcov", "cluster"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--estimator, --vcov go with --formula; with --spec each model sets them in its [models.NAME] table" in (
        result.stderr
    )
    result = runner.invoke(app, ["gravity", str(path), "--formula", "trade ~ ln_DIST", "--cluster", "pair"])
    assert result.exit_code == 2 and "--cluster pair needs --vcov cluster" in result.stderr


def test_report_command(st, tmp_path):
    result = runner.invoke(app, ["report", "CHN", "--year", "2025", *st, "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    figures = {f["id"]: f for f in out["figures"]}
    assert figures["balance"]["value"] == 1.189e12 and figures["exports_to_usa_growth"]["value"] == -20.0
    assert (tmp_path / "out" / "CHN_2025_report.html").exists()
    table = runner.invoke(app, ["report", "CHN", "--year", "2025", *st, "--out", str(tmp_path / "out")])
    assert "China's merchandise trade surplus was USD 1,189 bn in 2025" in table.stdout


def test_report_on_an_empty_store(tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(
        app, ["report", "CHN", "--year", "2025", "--store", str(tmp_path / "empty"), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "the store is empty: run `tradeflux ingest` first" in result.stderr
    missing = tmp_path / "missing"
    result = runner.invoke(
        app, ["report", "CHN", "--year", "2025", "--store", str(missing), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and f"--store {missing}: no such folder" in result.stderr and not missing.exists()


def test_ge_check_command(data_dir):
    result = runner.invoke(app, ["ge-check", "eu", "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["summary"]["max_abs_diff"] < 1e-5 and len(out["table"]) == 44
    assert runner.invoke(app, ["ge-check", "tpp", "--data-dir", str(data_dir)]).exit_code == 2


def test_tariff_command(data_dir, tmp_path):
    result = runner.invoke(
        app, ["tariff", "--product", "7301205000", "--date", "2025-06-03", "--data-dir", str(data_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["table"][0]["rate_pct"] == 50.0
    result = runner.invoke(app, ["tariff", "--compare", "--data-dir", str(data_dir), "--out", str(tmp_path), "--json"])
    data = json.loads(result.stdout)
    rows = {r["date"]: r for r in data["table"]}
    assert rows["2025-04-09"]["tradeflux_addon_pct"] == pytest.approx(112.186, abs=1e-3)
    assert rows["2025-05-14"]["piie_pct"] == 51.1
    chart = (tmp_path / "tariff_compare.html").read_text()
    assert data["chart"] == str(tmp_path / "tariff_compare.html")
    assert "chart-tariff-timeline" in chart and "PIIE, all layers" in chart
    result = runner.invoke(app, ["tariff", "--data-dir", str(data_dir), "--out", str(tmp_path), "--json"])
    data = json.loads(result.stdout)
    assert "tradeflux, trade-weighted" in (tmp_path / "tariff_timeline.html").read_text()
    assert {r["date"] for r in data["table"]} >= {"2025-04-09", "2025-05-12", "2025-11-14"}


def test_tariff_averages_need_the_importers_weights(data_dir):
    result = runner.invoke(app, ["tariff", "--importer", "CHN", "--exporter", "USA", "--data-dir", str(data_dir)])
    assert result.exit_code == 2 and "the data directory has US imports from China only" in result.output
    args = ["tariff", "--importer", "CHN", "--exporter", "USA", "--product", "10079000", "--date", "2025-04-12"]
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir), "--json"])
    assert json.loads(result.stdout)["table"][0]["rate_pct"] == 135.0


def test_ge_check_borders_with_monte_carlo_intervals(data_dir):
    result = runner.invoke(app, ["ge-check", "borders", "--draws", "20", "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    usa = next(r for r in json.loads(result.stdout)["table"] if r["country"] == "USA")
    assert usa["real_gdp_q2.5"] < usa["real_gdp_pct"] < usa["real_gdp_q97.5"]
    refused = runner.invoke(app, ["ge-check", "nafta", "--draws", "20", "--data-dir", str(data_dir)])
    assert refused.exit_code == 2 and "--draws goes with the borders check" in refused.output
