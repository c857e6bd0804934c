"""Numbers and names for people: no "United States's", no "USD 0 bn" for 452.7 mn."""

from __future__ import annotations

from tradeflux._format import money, possessive


def test_possessive():
    assert possessive("China") == "China's"
    assert possessive("United States") == "United States'"
    assert possessive("Netherlands") == "Netherlands'"


def test_money_below_a_billion_in_millions():
    assert money(452.7e6, "USD") == "452.7 mn USD"
    assert money(1.189e12) == "1,189.0 bn"
    assert money(2.3e13) == "23.00 tn"


def test_a_cut_table_says_so():
    import pandas as pd

    from tradeflux.render.html import table

    frame = pd.DataFrame({"year": range(1961, 2026), "balance": range(65)})
    html = table(frame, limit=25, whole="USA_2020_balance_series.csv")
    assert html.count("<tr>") == 26  # the header and 25 rows
    assert "The first 25 of 65 rows; all rows in USA_2020_balance_series.csv." in html
    assert "The first" not in table(frame.head(10), limit=25)
