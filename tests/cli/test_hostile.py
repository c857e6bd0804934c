"""Every command with hostile arguments: exit 2, one ``error:`` line, no traceback, nothing written
outside ``--out`` (paths with ``..`` and quotes, huge and negative numbers, invalid dates, unknown codes)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradeflux.cli import app

runner = CliRunner(env={"COLUMNS": "200"})

HOSTILE_CODES = ["../../X", "C'HN", 'a"b', "/etc/passwd", "", "ZZZ", "CHN; DROP TABLE flows"]
HOSTILE_DATES = ["notadate", "2025-02-30", "99999-01-01", "'; --", "-1"]
HOSTILE_NUMBERS = ["-5", "1e400", "nan", "99999999999999999999", "ten"]


def _commands(code: str, day: str, number: str) -> list[list[str]]:
    return [
        ["report", code, "--year", "2025"],
        ["report", "CHN", "--year", number],
        ["reconcile", code, "USA", "--year", "2019"],
        ["query", "--vintage", day],
        ["query", "--year", number],
        ["query", "--limit", number],
        ["group", code or "none", "--year", "2020"],
        ["basket", code or "none"],
        ["tariff", "--product", "850760", "--date", day],
        ["tariff", "--date", day],
        ["tariff", "--importer", code or "none"],
        ["pe", "--date", day],
        ["pe", "--date", "2025-11-10", "--import-demand", number],
        ["pe", "--lines", f"{code or 'none'}.csv"],
        ["simulate", code or "none"],
        ["ge-check", code or "none"],
        ["ge-check", "borders", "--draws", number],
        ["fetch", "comtrade", "--reporter", "CHN", "--period", day],
        ["gravity", f"{code or 'none'}.csv", "--formula", "trade ~ x"],
    ]


def _run(args: list[str], tmp_path, data_dir):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    extra = []
    if args[0] in ("report", "tariff", "pe", "simulate", "fetch"):
        extra += ["--out", str(out)]
    if args[0] in ("report", "reconcile", "query"):
        extra += ["--store", str(tmp_path / "store")]
    if args[0] not in ("gravity", "fetch", "simulate", "scenarios"):
        extra += ["--data-dir", str(data_dir)]
    return runner.invoke(app, [*args, *extra])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(HOSTILE_CODES), day=st.sampled_from(HOSTILE_DATES), number=st.sampled_from(HOSTILE_NUMBERS))
def test_hostile_arguments_exit_2_with_one_line(code, day, number, tmp_path_factory, data_dir):
    tmp_path = tmp_path_factory.mktemp("hostile")
    before = set(tmp_path.parent.iterdir())
    for args in _commands(code, day, number):
        if args[0] == "pe" and "--import-demand" in args and number == "-5":
            continue  # a valid elasticity: the run itself is tested in tests/models/test_pe.py
        result = _run(args, tmp_path, data_dir)
        assert result.exit_code == 2, (args, result.exit_code, result.output)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert "Traceback" not in result.output
        assert not any((tmp_path / "out").iterdir()), args  # nothing written for a refused command
    assert set(tmp_path.parent.iterdir()) == before  # nothing outside --out either


@pytest.mark.parametrize("path", ["../../escape", "a'quote", 'dq"uote'])
def test_quotes_and_dots_in_store_paths(path, tmp_path, data_dir):
    store = tmp_path / "deep" / path
    result = runner.invoke(app, ["ingest", "gacc", "--store", str(store), "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["query", "--reporter", "CHN", "--store", str(store), "--data-dir", str(data_dir), "--json"]
    )
    assert result.exit_code == 0 and "CHN" in result.stdout
