"""Reliability: nothing lost, nothing silently wrong, nothing injected (issue 11's defects, each by class)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import tradeflux
from tradeflux.cli import app
from tradeflux.errors import InputError, StoreBusy
from tradeflux.sources import baci
from tradeflux.sources.generic import Mapping, source_for

from .test_store import write_baci

runner = CliRunner(env={"COLUMNS": "200"})


# ---- 1. one writer at a time ------------------------------------------------------------------------
def test_a_second_writer_is_told_the_store_is_busy(store, tmp_path):
    path = write_baci(tmp_path / "baci", "2022,156,842,854142,1,1\n")
    with store.lock, pytest.raises(StoreBusy, match=r"is busy: process \d+ is writing to it"):
        tradeflux.open(store.root, data_dir=store.data_dir).ingest(baci.BACI, path)
    assert store.ingest(baci.BACI, path).status == "loaded"  # the lock is released


CSV = "year,exporter,importer,trade\n2020,CHN,USA,{v}\n"
MAPPING = 'table = "flows"\n[columns]\nperiod_raw = "year"\nreporter = "exporter"\npartner = "importer"\nflow = "=export"\nvalue_raw = "trade"\n'


def _mapping(**columns: str) -> Mapping:
    """The test files' mapping (year, exporter, importer, trade), with ``columns`` added or replaced."""
    base = {
        "period_raw": "year",
        "reporter": "exporter",
        "partner": "importer",
        "flow": "=export",
        "value_raw": "trade",
    }
    return Mapping("flows", {**base, **columns})


def _ingest_cli(store: Path, data_dir: Path, file: Path, mapping: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tradeflux.cli", "ingest", "--file", str(file), "--mapping", str(mapping)]
    cmd += ["--source", file.stem, "--vintage", "2025-01-01", "--store", str(store), "--data-dir", str(data_dir)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_concurrent_ingests_land_whole_or_fail_busy(tmp_path, data_dir):
    """Several ingests and queries at once, repeated: each ingest lands completely or fails with
    'store is busy'; nothing is lost; queries see every landed file whole."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    store_dir = tmp_path / "store"
    files = []
    for k in range(4):
        f = tmp_path / f"file{k}.csv"
        f.write_text(CSV.format(v=100 + k))
        files.append(f)
    for _round in range(2):
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda f: _ingest_cli(store_dir, data_dir, f, mapping), files))
        for run in runs:
            assert run.returncode in (0, 1), run.stderr
            if run.returncode == 1:
                assert run.stderr.startswith("error: the store") and "is busy" in run.stderr, run.stderr
                assert "Traceback" not in run.stderr
        landed = {f.stem for f, run in zip(files, runs, strict=True) if run.returncode == 0}
        store = tradeflux.open(store_dir, data_dir=data_dir)
        sources = set(store.sources().source)
        assert landed <= sources  # every success is listed
        values = store.query("flows").set_index("source").value
        for name in sources:
            assert values[name] == 100 + int(name[-1])  # whole, and never from another file
        for f in files:
            if f.stem not in sources:
                assert _ingest_cli(store_dir, data_dir, f, mapping).returncode == 0  # later, it lands
    store = tradeflux.open(store_dir, data_dir=data_dir)
    assert len(store.query("flows")) == 4 and len(store.sources()) == 4


# ---- 2. estimators and options are checked, not guessed -----------------------------------------
def test_unknown_estimator_is_refused_and_case_does_not_matter():
    from tradeflux.models import gravity

    with pytest.raises(InputError, match="estimator must be one of ppml, ols, not 'poisson'"):
        gravity.GravitySpec(regressors=("x",), estimator="poisson")
    assert gravity.GravitySpec(regressors=("x",), estimator="PPML").estimator == "ppml"
    with pytest.raises(InputError, match="vcov must be one of"):
        gravity.GravitySpec(regressors=("x",), vcov="robust")


# ---- 3. numbers: plain and finite, or quarantined ------------------------------------------------
@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1_000", "2 0 2 4", "0x10", "1,5"])
def test_non_plain_numbers_are_quarantined(text, store, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    f = tmp_path / "x.csv"
    f.write_text(f'year,exporter,importer,trade\n2020,CHN,USA,"{text}"\n2020,CHN,DEU,5\n')
    result = store.ingest(source_for(Mapping.from_file(mapping), "x", vintage="2025-01-01"), f)
    assert (result.loaded, result.quarantined) == (1, 1)
    q = store.quarantine("x")
    assert q.line.tolist() == [2] and q.field.tolist() == ["value"]
    assert all(math.isfinite(v) for v in store.query("flows").value)


def test_baci_numbers_are_finite(store, tmp_path):
    path = write_baci(
        tmp_path / "baci",
        "2022,156,842,854142,inf,1\n2022,156,842,854143,nan,1\n2022,156,842,854144,1e400,1\n2022,156,842,854145,3,1\n",
    )
    result = store.ingest(baci.BACI, path)
    assert (result.loaded, result.quarantined) == (1, 3)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.text(min_size=1, max_size=8))
def test_any_value_text_is_loaded_only_as_a_finite_non_negative_number(value, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("prop")
    store = tradeflux.open(folder / "store", data_dir=data_dir)
    mapping = folder / "m.toml"
    mapping.write_text(MAPPING)
    text = str(value).replace('"', "").replace("\n", " ").replace("\r", " ")
    f = folder / "x.csv"
    f.write_text(f'year,exporter,importer,trade\n2020,CHN,USA,"{text}"\n')
    result = store.ingest(source_for(Mapping.from_file(mapping), "x", vintage="2025-01-01"), f)
    assert result.staged == result.loaded + result.quarantined == 1
    for v in store.query("flows").value:
        assert math.isfinite(v) and v >= 0


# ---- 4. scenario and PE inputs ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("-100", "rate_pct must be above -100"),
        ("-200", "rate_pct must be above -100"),
        ("nan", "rate_pct must be a finite number, not nan"),
        ("inf", "rate_pct must be a finite number, not inf"),
        ('"high"', "rate_pct must be a finite number, not 'high'"),
    ],
)
def test_scenario_rates_are_checked(rate, message, tmp_path):
    from tradeflux import scenarios

    path = tmp_path / "s.toml"
    path.write_text(
        f'name = "x"\n[baseline]\ndataset = "wiod"\n[[shocks]]\ntype = "tariff"\nimposing = "USA"\ntarget = "CHN"\nrate_pct = {rate}\n'
    )
    with pytest.raises(InputError, match=message):
        scenarios.find(str(path))


def test_a_shock_without_its_rate_says_which_field(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "x"\n[baseline]\ndataset = "wiod"\n[[shocks]]\ntype = "tariff"\nimposing = "USA"\ntarget = "CHN"\n'
    )
    result = runner.invoke(app, ["simulate", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: shock 1 (tariff) needs 'rate_pct'"


def test_pe_refuses_infinite_tariffs():
    from tradeflux.models import pe

    lines = pd.DataFrame(
        {"product": ["850760"], "partner": ["CHN"], "imports": [1e9], "tariff_pct": [7.0], "new_tariff_pct": [np.inf]}
    )
    with pytest.raises(InputError, match="new tariffs must be finite numbers above -100%"):
        pe.smart(lines, pe.Elasticities())


def test_ge_nan_residual_is_not_converged():
    from tradeflux.models import ge

    flows = pd.DataFrame({"exporter": list("AABB"), "importer": list("ABAB"), "trade": [10.0, 2.0, 3.0, 8.0]})
    base = ge.Baseline.from_frame(flows)
    with pytest.raises(InputError, match="phi"):
        ge.solve(base, np.full((2, 2), np.nan), theta=4.0)


# ---- 5. gravity on degenerate data -----------------------------------------------------------------
def test_gravity_on_all_zero_trade_is_an_error_not_a_crash(tmp_path):
    frame = pd.DataFrame(
        {"exporter": list("AABB"), "importer": list("ABAB"), "trade": [0.0] * 4, "dist": [1.0, 2.0, 2.0, 1.0]}
    )
    path = tmp_path / "zero.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["gravity", str(path), "--formula", "trade ~ dist | exporter + importer"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: trade is zero in every observation: there is nothing to estimate"


def test_gravity_text_in_the_dependent_is_named(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("exporter,importer,trade,dist\nA,B,lots,1\nB,A,3,1\n")
    result = runner.invoke(app, ["gravity", str(path), "--formula", "trade ~ dist | exporter"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: column 'trade' must be numeric; it holds text such as 'lots'"


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff\xfe"])
def test_gravity_on_empty_or_binary_files(content, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(app, ["gravity", str(path), "--formula", "trade ~ dist"])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {path}: ")
    assert "Traceback" not in result.output


# ---- 7. mapping constants never become SQL ------------------------------------------------------------
@pytest.mark.parametrize(
    "scale",
    ["=1; COPY (SELECT 1) TO '/tmp/owned.csv'", "=-1", "=abc", "=0", "=inf", "=1e6 OR 1=1"],
)
def test_mapping_constants_are_values_not_sql(scale, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        MAPPING + f'value_scale = "{scale}"\n'.replace("'", "''")
        if False
        else MAPPING + f"value_scale = {json.dumps(scale)}\n"
    )
    with pytest.raises(InputError, match="value_scale must be a positive number such as =1e6"):
        Mapping.from_file(path)
    assert not Path("/tmp/owned.csv").exists()


def test_quotes_in_constants_and_column_names_stay_text(store, tmp_path):
    mapping = _mapping(value_raw='tr"ade', reporter_code="=People's Republic")
    f = tmp_path / "q.csv"
    f.write_text('year,exporter,importer,"tr""ade"\n2020,CHN,USA,5\n')
    result = store.ingest(source_for(mapping, "q", vintage="2025-01-01"), f)
    assert result.loaded == 1, store.quarantine("q")[["field", "reason"]].to_dict("records")
    assert store.query("flows").reporter_code.tolist() == ["People's Republic"]


# ---- 8. header-only and empty files ---------------------------------------------------------------
def test_a_header_only_csv_loads_zero_rows(store, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    f = tmp_path / "empty.csv"
    f.write_text("year,exporter,importer,trade\n")
    result = store.ingest(source_for(Mapping.from_file(mapping), "empty", vintage="2025-01-01"), f)
    assert (result.lines_read, result.staged, result.loaded, result.quarantined) == (0, 0, 0, 0)


# ---- 9. output paths stay inside --out ----------------------------------------------------------------
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["../../X", "..", "/etc/passwd", "CHN/../../Y", "C'HN", 'a"b']))
def test_report_country_cannot_escape_out(name, tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("out")
    store = tmp_path_factory.mktemp("s") / "store"
    result = runner.invoke(
        app, ["report", name, "--year", "2025", "--out", str(out), "--store", str(store), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert list(out.parent.glob("X*")) == [] and not any(out.iterdir())


def test_fetch_period_is_checked(tmp_path):
    result = runner.invoke(
        app, ["fetch", "comtrade", "--reporter", "CHN", "--period", "x/../../../y", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert "period" in result.stderr


# ---- 10. messages instead of tracebacks --------------------------------------------------------------
def test_a_corrupt_gzip_names_its_file(store, tmp_path):
    path = tmp_path / "baci" / "BACI_HS22_Y2022_V202501.csv"
    write_baci(tmp_path / "baci", "2022,156,842,854142,1,1\n")
    gz = path.with_suffix(".csv.gz")
    gz.write_bytes(b"\x1f\x8b\x08\x00garbage-not-gzip")
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    result = runner.invoke(
        app,
        [
            "ingest",
            "--file",
            str(gz),
            "--mapping",
            str(mapping),
            "--store",
            str(store.root),
            "--data-dir",
            str(store.data_dir),
        ],
    )
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {gz}: ")


def test_a_store_path_with_a_quote(tmp_path, data_dir):
    store = tradeflux.open(tmp_path / "it's a store", data_dir=data_dir)
    path = write_baci(tmp_path / "baci", "2022,156,842,854142,1,1\n")
    assert store.ingest(baci.BACI, path).loaded == 1
    assert store.query("flows").value.tolist() == [1000.0]


def test_a_damaged_manifest_is_named_with_its_repair(store, tmp_path):
    path = write_baci(tmp_path / "baci", "2022,156,842,854142,1,1\n")
    store.ingest(baci.BACI, path)
    (store.root / "manifest.json").write_text("{not json")
    result = runner.invoke(app, ["sources", "--store", str(store.root), "--data-dir", str(store.data_dir)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {store.root / 'manifest.json'} is damaged")
    assert "ingest again" in result.stderr


def test_a_deleted_parquet_file_is_named(store, tmp_path):
    path = write_baci(tmp_path / "baci", "2022,156,842,854142,1,1\n")
    store.ingest(baci.BACI, path)
    part = next((store.root / "flows").rglob("*.parquet"))
    part.unlink()
    result = runner.invoke(app, ["query", "--store", str(store.root), "--data-dir", str(store.data_dir)])
    assert result.exit_code == 1
    assert f"{part.name} is missing" in result.stderr and "ingest" in result.stderr


# ---- 12. vintages ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("vintage", ["yesterday", "2025-13-01", "'; DROP TABLE flows; --"])
def test_query_vintage_is_checked(vintage, store):
    result = runner.invoke(
        app, ["query", "--vintage", vintage, "--store", str(store.root), "--data-dir", str(store.data_dir)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: --vintage must be latest, all or a date YYYY-MM-DD, not {vintage!r}"


# ---- 13. kill -9 at any moment --------------------------------------------------------------------
def _tree_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for t in ("flows", "indicators", "tariffs") for p in (root / t).rglob("*.parquet")}


def test_kill_9_during_a_multi_file_ingest_leaves_before_or_after(tmp_path, data_dir):
    """Repeated: a multi-file ingest killed at a random moment. The store is then as before (empty) or as
    after (every file), other engines reading the partition tree see only files the manifest names, and
    the next ingest completes."""
    import random
    import signal
    import time

    rng = random.Random(11)
    cmd = [
        sys.executable,
        "-m",
        "tradeflux.cli",
        "ingest",
        "gacc",
        "comtrade-mirror",
        "--json",
        "--data-dir",
        str(data_dir),
    ]
    full = tradeflux.open(tmp_path / "reference", data_dir=data_dir)
    expected = len(full.ingest_all(["gacc", "comtrade-mirror"]))
    rows_after = len(full.query("flows"))
    outcomes = set()
    for trial in range(6):
        root = tmp_path / f"store{trial}"
        proc = subprocess.Popen([*cmd, "--store", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = tradeflux.open(root, data_dir=data_dir)
        entries = store.entries
        assert len(entries) in (0, expected), len(entries)
        outcomes.add(len(entries))
        named = {f["path"] for e in entries for c in e.counts.values() for f in c.files}
        assert _tree_files(root) <= named  # nothing outside the manifest is visible
        assert len(store.query("flows")) == (rows_after if entries else 0)
        again = store.ingest_all(["gacc", "comtrade-mirror"])
        assert len(again) == expected and len(store.query("flows")) == rows_after
        assert _tree_files(root) == {f["path"] for e in store.entries for c in e.counts.values() for f in c.files}
    assert outcomes  # at least one trial ran; the random moments usually hit both before and after


# ---- 6. quarantine line numbers are the file's lines ------------------------------------------------
def test_line_numbers_after_blank_lines_and_multi_line_values(store, tmp_path):
    mapping = _mapping(reporter_code="note")
    f = tmp_path / "lines.csv"
    f.write_text(
        "year,exporter,importer,trade,note\n"  # line 1
        "2020,CHN,USA,1,ok\n"  # line 2
        "\n"  # line 3: blank
        '2020,CHN,DEU,2,"a note\n'  # line 4, a value over two lines
        'on two lines"\n'  # line 5
        "2020,CHN,FRA,abc,bad\n"  # line 6: rejected
        "\n"  # line 7: blank
        "2020,XXX,ITA,3,bad\n"  # line 8: rejected
    )
    result = store.ingest(source_for(mapping, "lines", vintage="2025-01-01"), f)
    assert (result.staged, result.loaded, result.quarantined) == (4, 2, 2)
    q = store.quarantine("lines")
    assert list(zip(q.line, q.field, strict=True)) == [(6, "value"), (8, "reporter")]
    assert sorted(store.query("flows").line) == [2, 4]


# ---- 12. vintages and duplicate content --------------------------------------------------------------
def test_quarantine_lists_the_current_vintage_by_default(store, tmp_path):
    mapping = _mapping()
    f = tmp_path / "v.csv"
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,abc\n2020,CHN,DEU,1\n")
    store.ingest(source_for(mapping, "v", vintage="2025-01-01"), f)
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,5\n2020,CHN,DEU,1\n")
    store.ingest(source_for(mapping, "v", vintage="2025-06-01"), f)
    assert store.quarantine("v").empty
    assert len(store.quarantine("v", vintage="all")) == 1
    assert len(store.quarantine("v", vintage="2025-03-01")) == 1


def test_touching_a_file_makes_no_new_vintage_and_a_renamed_copy_is_not_counted_twice(store, tmp_path):
    import os
    import time

    mapping = _mapping()
    f = tmp_path / "t.csv"
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,5\n")
    first = store.ingest(source_for(mapping, "t"), f)
    later = time.time() + 3 * 86400
    os.utime(f, (later, later))  # `touch` to another day
    again = store.ingest(source_for(mapping, "t"), f)
    assert again.status == "unchanged" and again.vintage == first.vintage
    copy = tmp_path / "copy_of_t.csv"
    copy.write_bytes(f.read_bytes())
    with pytest.raises(InputError, match=r"the same content as .* is already in the store as source 't'"):
        store.ingest(source_for(mapping, "copy_of_t"), copy)
    assert len(store.query("flows")) == 1


# ---- issue 24: integrity and errors found by the hostile-input probe ---------------------------------
@pytest.mark.parametrize("vintage", ["20240101", "2024-W01-1", "2024-1-5"])
def test_a_vintage_is_a_plain_iso_date(vintage, store, tmp_path):
    """Vintages are compared as text: "20240101" (which Python's date parser takes) sorted after 2024-05-01."""
    f = tmp_path / "x.csv"
    f.write_text(CSV.format(v=5))
    with pytest.raises(InputError, match=rf"vintage must be an ISO date \(YYYY-MM-DD\), got '{vintage}'"):
        store.ingest(source_for(_mapping(), "x", vintage=vintage), f)
    with pytest.raises(InputError, match="--vintage must be latest, all or a date YYYY-MM-DD"):
        store.query("flows", vintage=vintage)


def test_a_value_out_of_range_once_scaled_is_quarantined(store, tmp_path):
    """1.7e308 is finite, 1.7e308 thousands is not: it loaded as inf."""
    f = tmp_path / "x.csv"
    f.write_text("year,exporter,importer,trade\n2020,CHN,USA,1.7e308\n2020,CHN,DEU,5\n")
    result = store.ingest(source_for(_mapping(value_scale="=1e3"), "x", vintage="2025-01-01"), f)
    assert (result.loaded, result.quarantined) == (1, 1)
    assert store.quarantine("x").reason.tolist() == ["value out of range once scaled by 1000.0"]
    assert store.query("flows").value.tolist() == [5000.0]


def test_a_store_without_its_manifest_says_so(store, tmp_path):
    """With manifest.json removed, queries answered an empty store (exit 0) and the next ingest deleted every
    other source's files."""
    from tradeflux.errors import StoreError

    f = tmp_path / "x.csv"
    f.write_text(CSV.format(v=5))
    store.ingest(source_for(_mapping(), "x", vintage="2025-01-01"), f)
    (store.root / "manifest.json").unlink()
    with pytest.raises(StoreError, match=r"manifest.json is missing, yet .* holds 1 data files"):
        store.query("flows")
    g = tmp_path / "y.csv"
    g.write_text(CSV.format(v=6))
    with pytest.raises(StoreError, match=r"manifest\.json is missing"):
        store.ingest(source_for(_mapping(), "y", vintage="2025-01-01"), g)
    assert len(list((store.root / "flows").glob("**/*.parquet"))) == 1  # nothing deleted


def test_reading_commands_do_not_create_a_store(tmp_path, data_dir):
    missing = tmp_path / "no-such-folder"
    for args in (["query"], ["sources"], ["quarantine"]):
        result = runner.invoke(app, [*args, "--store", str(missing), "--data-dir", str(data_dir)])
        assert result.exit_code == 2, result.output
        assert f"--store {missing}: no such folder" in result.stderr
    assert not missing.exists()


def test_pe_refuses_an_infinite_substitution(tmp_path, data_dir):
    result = runner.invoke(app, ["pe", "--substitution", "inf", "--data-dir", str(data_dir), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--substitution must be a finite number >= 0 or 'broda-weinstein', not 'inf'" in result.stderr


def test_a_link_out_of_the_data_directory_is_refused_without_echoing_its_target(tmp_path):
    """A file of the data directory that links to a system file: its parse error used to quote a line of it."""
    folder = tmp_path / "data" / "imf-dots-1960-2020"
    folder.mkdir(parents=True)
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:the secret line\n")
    (folder / "imf_dots_country_totals_1960_2020.csv").symlink_to(secret)
    store = tradeflux.open(tmp_path / "store", data_dir=tmp_path / "data")
    with pytest.raises(InputError) as caught:
        store.ingest_all(["imf-dots"])
    assert str(caught.value) == (
        f"{folder / 'imf_dots_country_totals_1960_2020.csv'}: a link to {secret.resolve()}, outside the data "
        f"directory {(tmp_path / 'data').resolve()}; copy the file into the data directory, or ingest it by name "
        "with --file"
    )
    assert "secret line" not in str(caught.value) and store.entries == []


def test_a_damaged_file_is_named_and_the_next_ingest_reads_its_source_again(store, tmp_path):
    """One Parquet file cut short (queries failed as "internal error") and one overwritten in the middle, same
    size (read without complaint): both are found by their checksums and read again; the rest stays."""
    store.ingest_all(["gacc"])
    before = store.query("flows")
    files = sorted((store.root / "flows").rglob("*.parquet"))
    short, overwritten = files[0], files[1]
    short.write_bytes(short.read_bytes()[: short.stat().st_size // 2])
    data = bytearray(overwritten.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = b"A" * 64
    overwritten.write_bytes(bytes(data))
    result = runner.invoke(app, ["query", "--store", str(store.root), "--data-dir", str(store.data_dir)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {short}: a file of the store cannot be read (No magic bytes found")
    assert result.stderr.rstrip().endswith(
        "run `tradeflux ingest` to read its source file again (a damaged file is detected by its checksum and replaced)"
    )
    owners = {
        e.dataset
        for e in store.entries
        for c in e.counts.values()
        for f in c.files
        if f["path"] in {str(short.relative_to(store.root)), str(overwritten.relative_to(store.root))}
    }
    again = {r.dataset: r.status for r in store.ingest_all(["gacc"])}
    assert again == {d: "replaced" if d in owners else "unchanged" for d in ("headlines", "monthly")}
    pd.testing.assert_frame_equal(
        store.query("flows")
        .drop(columns=["vintage"])
        .sort_values(["period", "reporter", "partner", "flow", "value"])
        .reset_index(drop=True),
        before.drop(columns=["vintage"])
        .sort_values(["period", "reporter", "partner", "flow", "value"])
        .reset_index(drop=True),
    )


def test_a_kill_just_after_the_commit_is_finished_by_the_next_reader(store, tmp_path, monkeypatch):
    """Killed between the manifest commit and the file moves: the superseded files stayed in the partition tree
    and the new ones in staging, so engines reading ``flows/**`` counted both. Opening a connection finishes it."""
    src = source_for(_mapping(), "k", vintage="2025-01-01")
    f = tmp_path / "k.csv"
    f.write_text(CSV.format(v=5))
    store.ingest(src, f)
    f.write_text(CSV.format(v=7))

    from tradeflux.store.manifest import Manifest

    committed, save, move_in = [], Manifest.save, tradeflux.Store._move_in

    def commit(self, entries):
        save(self, entries)
        committed.append(True)

    def killed(self, entry):
        if committed:
            raise KeyboardInterrupt("killed just after the commit")
        move_in(self, entry)

    with monkeypatch.context() as m:
        m.setattr(Manifest, "save", commit)
        m.setattr(tradeflux.Store, "_move_in", killed)
        with pytest.raises(KeyboardInterrupt):
            store.ingest(src, f)
    named = {fl["path"] for e in store.entries for c in e.counts.values() for fl in c.files}
    assert _tree_files(store.root) and not _tree_files(store.root) & named  # the old file only: superseded
    assert store.query("flows").value.tolist() == [7]  # reading finished the commit
    assert _tree_files(store.root) == named
    assert not (store.root / ".staging").exists() or not any((store.root / ".staging").iterdir())


def test_readers_during_ingests_see_before_or_after(store, tmp_path):
    """A server and the command line read while ingests replace a file again and again: every request is
    answered 200 with the value before or after (21 of 137 requests were 500 when replaced files moved away
    under open readers), and the API never serves a report of an older state."""
    import threading

    from fastapi.testclient import TestClient

    from tradeflux.web import create_app

    src = source_for(_mapping(), "k", vintage="2025-01-01")
    f = tmp_path / "k.csv"
    f.write_text(CSV.format(v=5))
    store.ingest(src, f)
    client = TestClient(create_app(store.root, store.data_dir))
    writer_store = tradeflux.open(store.root, data_dir=store.data_dir)
    done = threading.Event()

    def ingests():
        for k in range(12):
            f.write_text(CSV.format(v=5 + 2 * ((k + 1) % 2)))
            writer_store.ingest(src, f)
        done.set()

    writer = threading.Thread(target=ingests)
    writer.start()
    answers, n = [], 0
    while not done.is_set() or n < 30:
        response = client.get("/api/flows?reporter=CHN&partner=USA")
        assert response.status_code == 200, response.text
        answers.append(response.json()["rows"][0]["value"])
        n += 1
    writer.join()
    assert set(answers) <= {5, 7}
    assert client.get("/api/flows?reporter=CHN&partner=USA").json()["rows"][0]["value"] == 5  # after the last


def test_a_command_reads_again_when_an_ingest_replaced_a_file_under_it(store, tmp_path, monkeypatch):
    """The command line's reading: the first attempt meets a file an ingest moved away (as DuckDB reports it);
    the command reads the store again and answers."""
    import duckdb

    src = source_for(_mapping(), "k", vintage="2025-01-01")
    f = tmp_path / "k.csv"
    f.write_text(CSV.format(v=5))
    store.ingest(src, f)
    connect, calls = tradeflux.Store.connect, []

    def moved_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise duckdb.IOException(
                f'IO Error: No files found that match the pattern "{self.root}/flows/gone.parquet"'
            )
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(tradeflux.Store, "connect", moved_once)
    result = runner.invoke(app, ["query", "--store", str(store.root), "--data-dir", str(store.data_dir), "--json"])
    assert result.exit_code == 0, result.stderr
    assert [r["value"] for r in json.loads(result.stdout)] == [5] and len(calls) == 2


COLUMNS = '[columns]\nperiod_raw = "year"\nreporter = "exporter"\npartner = "importer"\nflow = "=export"\nvalue_raw = "trade"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("delimiter = 5\n" + COLUMNS, "mapping: delimiter must be one character such as ',' or ';', not 5"),
        ('delimiter = ";;"\n' + COLUMNS, "mapping: delimiter must be one character such as ',' or ';', not ';;'"),
        ('columns = "x"\n', 'm.toml: a mapping needs a [columns] table (target = "a column of the file")'),
        (
            COLUMNS + 'value_scale = "trade"\n',
            "mapping: value_scale must be a constant such as =1e6 (one scale per file), not 'trade'",
        ),
        (
            'table = "tariffs"\n[columns]\nimposing = "exporter"\n',
            "mapping: a tariffs mapping needs date_from_raw, imposing, target, measure, rate_raw; missing: "
            "date_from_raw, target, measure, rate_raw",
        ),
        ("table = 5\n" + COLUMNS, "unknown table 5; tables: flows, indicators, tariffs"),
    ],
)
def test_a_bad_mapping_is_one_line_naming_the_field(text, message, tmp_path):
    """These ended in "internal error" (a TypeError, a DuckDB binder error) instead of one line."""
    (tmp_path / "m.toml").write_text(text)
    (tmp_path / "a.csv").write_text(CSV.format(v=5))
    args = ["ingest", "--file", str(tmp_path / "a.csv"), "--mapping", str(tmp_path / "m.toml"), "--source", "a"]
    result = runner.invoke(app, [*args, "--vintage", "2025-01-01", "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert result.stderr.strip().replace(str(tmp_path) + "/", "") == f"error: {message}"


def test_files_in_the_way_and_unreadable_lines_are_one_line(store, tmp_path, data_dir):
    """`--out` or `--store` naming a file, `pe --lines` naming a file that is not CSV, and a header naming the
    value column twice: each ended in "internal error" or loaded the wrong column without a word."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    common = ["--data-dir", str(data_dir)]
    result = runner.invoke(app, ["sources", "--store", str(afile), *common])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        f"error: {afile}: a file is in the way where a folder is needed; give a folder's path",
    )
    store.ingest_all(["gacc"])
    result = runner.invoke(
        app, ["report", "CHN", "--year", "2025", "--store", str(store.root), *common, "--out", str(afile)]
    )
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        f"error: {afile}: a file is in the way where a folder is needed; give a folder's path",
    )
    lines = tmp_path / "lines.csv"
    lines.write_text("product,partner\n850760,CHN\n")
    result = runner.invoke(app, ["pe", "--lines", str(lines), *common])
    assert result.stderr.strip() == (
        f"error: {lines}: PE lines need columns product, partner, imports, tariff_pct, new_tariff_pct; "
        "missing imports, tariff_pct, new_tariff_pct"
    )
    two = tmp_path / "two.csv"
    two.write_text("year,exporter,importer,trade,trade\n2020,CHN,USA,5,6\n")
    with pytest.raises(tradeflux.FormatError) as caught:
        store.ingest(source_for(_mapping(), "two", vintage="2025-01-01"), two)
    assert (
        str(caught.value)
        == f"{two}: the header names 'trade' more than once (columns 4, 5); rename the one not to be read"
    )


@pytest.mark.parametrize("url", ["::bad", "relative/store", "s3a:/one-slash"])
def test_a_store_url_that_is_not_one_is_named(url, store, monkeypatch):
    """A bad TRADEFLUX_STORE_URL was read as a path, and its failure named a dimension file as "replaced"."""
    monkeypatch.setenv("TRADEFLUX_STORE_URL", url)
    result = runner.invoke(app, ["query", "--store", str(store.root), "--data-dir", str(store.data_dir)])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        f"error: TRADEFLUX_STORE_URL {url!r}: not a URL such as s3a://bucket/store or file:///path, nor an "
        "absolute path",
    )
