"""The claim checker: extraction on the corpus (precision and recall), verdicts with known answers
on the shared data, and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradeflux.analysis import claims
from tradeflux.cli import app

TODAY = pd.Timestamp("2026-01-14")


def test_extraction_on_the_corpus(data_dir):
    from tradeflux.reference import countries

    result = claims.evaluate(countries.load(data_dir))
    assert result["sentences"] >= 40
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result["misses"]


def _one(text: str, store, **kw) -> claims.Check:
    report = claims.check(text, store, today=TODAY, **kw)
    assert len(report.checks) == 1, [c.claim for c in report.checks]
    return report.checks[0]


def test_a_yuan_based_growth_rate_is_right_in_yuan_and_wrong_in_dollars(full_store):
    check = _one("China's exports grew 6.1% in 2025.", full_store)
    assert check.verdict == "consistent" and check.found == pytest.approx(6.1)
    assert any(r.startswith("yuan versus dollar basis") for r in check.reasons)
    dollars = _one("China's exports grew 5.5% in 2025.", full_store)
    assert dollars.verdict == "consistent" and dollars.basis == "USD basis" and dollars.reasons == []


def test_reporter_versus_mirror(full_store):
    check = _one("Vietnam's exports to the US were about 67 billion dollars in 2019.", full_store)
    assert check.verdict == "consistent" and "declared by USA" in check.basis
    assert any(r.startswith("reporter versus mirror") for r in check.reasons)
    implied = _one("China's exports to the US were 525 billion dollars in 2024.", full_store)
    assert implied.verdict == "consistent" and implied.basis == "implied by the 2025 customs release"


def test_headline_versus_effective_tariff(full_store):
    headline = _one("US tariffs on Chinese goods peaked at 145% in 2025.", full_store)
    assert headline.verdict == "consistent" and headline.found == 145.0
    assert headline.reasons == ["headline versus effective tariff: the statutory rate, not the trade-weighted one"]
    effective = _one("The effective US tariff on Chinese imports reached 112% in 2025.", full_store)
    assert effective.verdict == "consistent" and effective.found == pytest.approx(112.186, abs=1e-3)


def test_a_group_whose_membership_changed(full_store):
    check = _one("Germany's exports to the EU fell 7% in 2020.", full_store)
    assert check.verdict == "consistent"
    assert check.reasons and check.reasons[-1].startswith("group definitions: EU27's membership changed (GBR)")


def test_inconsistent_claims_say_what_the_data_say(full_store):
    check = _one("China's trade surplus was 1.5 trillion dollars in 2025.", full_store)
    assert check.verdict == "inconsistent" and check.found == pytest.approx(1.189e12)
    assert check.reasons[0].startswith("the canonical figure is 1,189.0 bn USD")
    deficit = _one("The United States' trade deficit widened to 905 billion dollars in 2020.", full_store)
    assert deficit.verdict == "consistent" and deficit.found == pytest.approx(-904.994679e9)
    bound = _one("The US trade deficit was more than 850 billion dollars in 2019.", full_store)
    assert bound.verdict == "consistent"
    about = _one("China's surplus was about 1.2 trillion dollars in 2025.", full_store)
    assert about.verdict == "consistent" and about.claim.tolerance == pytest.approx(0.1e12)


def test_this_year_and_last_year_from_the_texts_date(full_store):
    report = claims.check("January 14, 2026. China's trade surplus rose 20% last year.", full_store, today=TODAY)
    assert [c.claim.year for c in report.checks] == [2025]


def test_check_command(full_store, data_dir, tmp_path):
    text = tmp_path / "news.txt"
    text.write_text(
        "BEIJING, January 14, 2026. China's trade surplus reached a record 1.2 trillion dollars last year, up 20%. "
        "Exports to the United States fell 20% while exports to Africa rose 25.8%."
    )
    runner = CliRunner()
    args = ["--store", str(full_store.root), "--data-dir", str(data_dir), "--out", str(tmp_path)]
    result = runner.invoke(app, ["check", str(text), "--json", *args])
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)["checks"]
    assert [c["verdict"] for c in checks] == ["consistent"] * 4
    html = (tmp_path / "claims.html").read_text()
    assert html.count('class="claim"') == 4 and 'data-verdict="consistent"' in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the text is empty"),
        ("中国2025年贸易顺差达到1.19万亿美元，同比增长20%。".encode(), "not in English"),
        (b"\x00\x01binary\xff", "binary data, not text"),
    ],
)
def test_bad_input(content, message, full_store, data_dir, tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(
        app, ["check", str(path), "--store", str(full_store.root), "--data-dir", str(data_dir), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_a_file_over_10_mb_is_refused(full_store, data_dir, tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"China's exports rose 5%. " * 450_000)
    result = CliRunner().invoke(app, ["check", str(path), "--store", str(full_store.root), "--data-dir", str(data_dir)])
    assert result.exit_code == 2 and "at most 10,485,760 are read" in result.stderr


def test_a_partner_counts_within_its_clause_and_signs_are_checked(full_store):
    report = claims.check(
        "Japan's exports to China rose 8.4% in 2018, while its trade surplus was about 11 billion dollars.",
        full_store,
        today=TODAY,
    )
    exports, balance = report.checks
    assert (exports.claim.partner, exports.verdict) == ("CHN", "consistent")  # 8.4185% in IMF DOTS
    assert balance.claim.partner is None and balance.verdict == "inconsistent"
    assert balance.reasons[1] == "the sign differs: a surplus is claimed where the data show a deficit"
