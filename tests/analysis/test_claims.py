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
# Scores on the corpus of real sentences (precision, recall, recall with reporter, partner, product and
# year also right), measured when this corpus was frozen; see docs and the issue note.
DEV_HELD_SENTENCES = (280, 189)
DEV_SCORES = (0.964, 0.959, 0.788)
HELD_SCORES = (0.858, 0.873, 0.612)
DECOY_CLAIMS = (6, 17)


# The seed article (China's record 2025 surplus, GACC press conference of Wednesday 14 January 2026) as
# quoted in issue 22; no stored copy of the whole article was found, so the sentences are those quotes
# joined with the fewest words needed to make sentences of them.
ARTICLE = (
    "China's trade surplus hits record in 2025\n"
    "The huge trade surplus – the difference between what it exports and what it imports – reached a record "
    "1.2 trillion dollars (about 1.1 trillion euros), an increase of 20% compared to 2024, the customs "
    "administration said this Wednesday.\n"
    "Exports to the United States fell 20%. In regions outside the United States, the value of goods sent to "
    "Africa rose by 26.5%, to ASEAN by 14%, to the European Union by 9% and to Latin America by 8%.\n"
    "Exports of high-tech products rose 13% year-on-year, while electric vehicles, batteries and solar panels "
    "grew 27%.\n"
    "In November, Washington and Beijing agreed a truce that reduced new tariffs on Chinese goods to 20%. "
    "Tariffs had briefly reached 145%.\n"
)


def test_the_seed_article(full_store):
    report = claims.check(ARTICLE, full_store, today=TODAY)
    got = [
        (
            c.claim.metric,
            c.claim.reporter,
            c.claim.partner,
            c.claim.product,
            c.claim.year,
            c.claim.kind,
            c.claim.value,
            c.claim.currency,
            c.verdict,
        )
        for c in report.checks
    ]
    assert got == [
        ("balance", "CHN", None, None, 2025, "level", 1.2e12, "USD", "consistent"),
        ("balance", "CHN", None, None, 2025, "level", 1.1e12, "EUR", "not checkable"),
        ("balance", "CHN", None, None, 2025, "change", 20.0, None, "consistent"),
        ("exports", "CHN", "USA", None, 2025, "change", -20.0, None, "consistent"),
        ("exports", "CHN", "AFRICA", None, 2025, "change", 26.5, None, "consistent"),
        ("exports", "CHN", "ASEAN", None, 2025, "change", 14.0, None, "consistent"),
        ("exports", "CHN", "EU27", None, 2025, "change", 9.0, None, "consistent"),
        ("exports", "CHN", "LATAM", None, 2025, "change", 8.0, None, "consistent"),
        ("exports", "CHN", None, "high_tech", 2025, "change", 13.0, None, "consistent"),
        ("exports", "CHN", None, "new_three", 2025, "change", 27.0, None, "consistent"),
        ("tariff", "USA", "CHN", None, 2025, "rate", 20.0, None, "consistent"),
        ("tariff", "USA", "CHN", None, 2025, "rate", 145.0, None, "consistent"),
    ]
    checks = report.checks
    assert checks[0].found == 1.189e12 and checks[0].basis == "customs release, USD"
    assert checks[1].reasons == ["no USD/EUR exchange rate for 2025 in the store to convert the figure"]
    assert checks[2].found == pytest.approx(19.8589, abs=1e-4)  # 1,189 / 992 - 1
    assert checks[4].found == pytest.approx(26.5155, abs=1e-4)  # (1 + 25.8%) x 1.061 / 1.055 - 1
    assert all(c.reasons == ["yuan versus dollar basis: the release computed this rate in yuan"] for c in checks[4:10])
    assert checks[10].basis.startswith("headline add-on rate after the last change (fentanyl 10% + reciprocal 10%")
    assert checks[11].basis.startswith("headline add-on rate at the peak (fentanyl 20% + reciprocal 125%")
    assert any(a.endswith("(trade-weighted average tariff (effective))") for a in checks[11].also)


@pytest.fixture(scope="module")
def scores(full_store):
    return claims.evaluate(full_store.countries, full_store)


def test_scores_on_real_sentences(scores):
    """Regression values: the development part is what the rules were tuned on; the held-out part was not
    looked at while tuning (see the issue's note for the scores when the corpus was first split)."""
    dev, held = scores["parts"]["development"], scores["parts"]["held-out"]
    assert (dev["sentences"], held["sentences"]) == DEV_HELD_SENTENCES
    assert dev["sentences"] + held["sentences"] >= 150
    assert round(dev["precision"], 3) == DEV_SCORES[0] and round(dev["recall"], 3) == DEV_SCORES[1]
    assert round(dev["recall_with_sides_and_year"], 3) == DEV_SCORES[2]
    assert round(held["precision"], 3) == HELD_SCORES[0] and round(held["recall"], 3) == HELD_SCORES[1]
    assert round(held["recall_with_sides_and_year"], 3) == HELD_SCORES[2]
    assert (dev["decoy_claims"], held["decoy_claims"]) == DECOY_CLAIMS


def test_verdicts_against_the_hand_checks(scores):
    """Verdicts on the corpus claims whose verdict was checked by hand from the raw files and found
    checkable (regression values; the development misses are tariff steps the store does not hold:
    China's 34% and 84% of April 2025, Viet Nam's 20% and India's 50% of August 2025)."""
    dev, held = scores["parts"]["development"], scores["parts"]["held-out"]
    assert (dev["verdicts"], dev["verdicts_right"]) == (28, 24)
    assert (held["verdicts"], held["verdicts_right"]) == (15, 13)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 300 + " percent",
        "exports rose " * 20_000,
        "China's exports to the United States, " * 5_000 + "fell 20%.",
        "$" * 50_000 + "5",
        "(" * 30_000 + "1.2 trillion dollars" + ")" * 30_000,
        "the difference between what it exports and " * 3_000 + "1%",
    ],
)
def test_no_input_makes_extraction_slow(text):
    """Extraction is linear in the text; these inputs made the quantulum3-based extractor run for minutes.
    Not timed: a regression would show as a suite that does not finish."""
    from tradeflux.reference import countries

    found = claims.extract(text, countries.load(), today=TODAY)
    assert len(found) <= 1


def test_decoys_give_no_claim():
    from tradeflux.reference import countries

    table = countries.load()
    for text in (
        "China's economy grew 5% in 2025, and its population fell 0.1% to 1.408 billion.",
        "Government debt rose to 120% of GDP, while inflation slowed to 2.1%.",
        "The yuan rose 0.5% against the dollar, and the Shanghai index fell 1.2%.",
    ):
        assert claims.extract(text, table, today=TODAY) == []


def _one(text: str, store, **kw) -> claims.Check:
    report = claims.check(text, store, today=TODAY, **kw)
    assert len(report.checks) == 1, [c.claim for c in report.checks]
    return report.checks[0]


def test_a_yuan_based_growth_rate_is_right_in_yuan_and_wrong_in_dollars(full_store):
    check = _one("China's exports grew 6.1% in 2025.", full_store)
    assert check.verdict == "consistent" and check.found == pytest.approx(6.1)
    assert any(r.startswith("yuan versus dollar basis") for r in check.reasons)
    dollars = _one("China's exports grew 5.5% in 2025.", full_store)
    assert dollars.verdict == "consistent" and dollars.basis == "customs release, y/y on a USD basis"
    assert dollars.reasons == []


def test_reporter_versus_mirror(full_store):
    check = _one("Vietnam's exports to the US were about 67 billion dollars in 2019.", full_store)
    assert check.verdict == "consistent" and "declared by USA" in check.basis
    assert any(r.startswith("reporter versus mirror") for r in check.reasons)
    implied = _one("China's exports to the US were 525 billion dollars in 2024.", full_store)
    assert implied.verdict == "consistent"
    assert implied.basis == "implied by the 2025 customs release (420.1 bn USD, -20.0%)"


def test_headline_versus_effective_tariff(full_store):
    headline = _one("US tariffs on Chinese goods peaked at 145% in 2025.", full_store)
    assert headline.verdict == "consistent" and headline.found == 145.0
    assert headline.reasons == [] and headline.basis.startswith("headline add-on rate at the peak")
    effective = _one("The effective US tariff on Chinese imports reached 112% in 2025.", full_store)
    assert effective.verdict == "consistent" and effective.found == pytest.approx(112.186, abs=1e-3)
    assert effective.reasons == ["headline versus effective tariff: the trade-weighted rate, not the statutory one"]


def test_a_group_whose_membership_changed(full_store):
    check = _one("Germany's exports to the EU fell 7% in 2020.", full_store)
    assert check.verdict == "consistent"
    assert check.reasons and check.reasons[-1].startswith("group definitions: EU27's membership changed (GBR)")


def test_inconsistent_claims_say_what_the_data_say(full_store):
    check = _one("China's trade surplus was 1.5 trillion dollars in 2025.", full_store)
    assert check.verdict == "inconsistent" and check.found == pytest.approx(1.189e12)
    assert check.reasons[0] == "the store's figure is 1,189.0 bn USD (customs release, USD)"
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
    assert balance.claim.year == 2018  # the sentence's year holds for its second clause


@pytest.mark.parametrize(
    ("text", "day", "expected"),
    [
        ("In the first half of 2024, China's exports rose 5%.", "2025-03-10", ("2024-01/2024-06", 5.0, None)),
        ("China's exports rose 5% in Q3 2024.", "2025-03-10", ("2024-07/2024-09", 5.0, None)),
        ("China's exports rose 5% in the third quarter of 2024.", "2025-03-10", ("2024-07/2024-09", 5.0, None)),
        ("In May, China's exports rose 5%.", "2025-07-09", ("2025-05", 5.0, None)),
        ("China's exports fell more than 10% in 2024.", "2025-03-10", ("2024", -10.0, "below")),
        ("The U.S. trade balance was a $50 billion deficit in 2024.", "2025-03-10", ("2024", -50e9, None)),
        ("The U.S. trade balance in 2024 was -$50 billion.", "2025-03-10", ("2024", -50e9, None)),
    ],
)
def test_periods_signs_and_bounds_a_reviewer_found_wrong(text, day, expected):
    from tradeflux.reference import countries

    (claim,) = claims.extract(text, countries.load(), today=pd.Timestamp(day))
    assert (claim.period, claim.value, claim.bound) == expected


def test_bases_conversions_and_ranges():
    from tradeflux.reference import countries

    table = countries.load()
    day = pd.Timestamp("2025-03-10")
    base = claims.extract(
        "China's surplus was $992 billion in 2024, up from $823 billion a year earlier.", table, today=day
    )
    assert [(c.period, c.value) for c in base] == [("2024", 992e9), ("2023", 823e9)]
    text = "China's exports to the US were $400 billion in 2024, while GDP was $18 trillion (130 trillion yuan)."
    assert [(c.metric, c.value, c.currency) for c in claims.extract(text, table, today=day)] == [
        ("exports", 400e9, "USD")
    ]
    assert claims.extract("China's exports were $400-450 billion in 2024.", table, today=day) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://en.ce.cn/main/latest/202502/10/t20250210_39287166.shtml", "CHN"),
        ("https://www.japantimes.co.jp/business/2024/01/18/exports/", "JPN"),
        ("https://www.thestar.com.my/business/2018/07/05/trade/", "MYS"),
        ("https://www.bbc.co.uk/news/business-123", "GBR"),
        ("https://www.geo.tv/latest/645080", None),  # .tv is sold to anyone
        ("https://www.reuters.com/markets/123", None),
    ],
)
def test_a_national_sites_country_is_the_default_reporter(url, expected, full_store):
    from tradeflux.analysis.claims._corpus import page_subject

    assert page_subject(url, full_store.countries) == expected
