"""Country totals summed from HS6 products, for sources that publish no totals (BACI-like bulk files).

A product-level source gives a country's trade with each partner only as the sum of its HS6 lines. Summing
them is the report's most expensive read on a large store (every HS6 row of the country, grouped), so
``tradeflux ingest`` writes the sums for every reporter and partner once per state of the store (the view
:data:`VIEW`, beside the canonical rows); without that file they are summed for the one country asked.
Both ways give the same rows (``tests/store/test_product_totals.py``).

Money in the source's units (USD for the rows summed here: annual rows in USD only).
"""

from __future__ import annotations

from tradeflux import schema
from tradeflux._sql import literal as _literal
from tradeflux.store.engines import has_view

__all__ = ["VIEW", "for_country", "materialize"]

VIEW = "hs6_totals"

# One row per source, reporter, partner, flow and year: the sum of the source's HS6 lines, shaped as a TOTAL row.
_BY_PARTNER = """
SELECT period, period_kind, year, month, reporter, NULL::VARCHAR AS reporter_code, partner, NULL::VARCHAR AS partner_code,
       flow, 'TOTAL' AS classification, 'TOTAL' AS product, sum(value) AS value, currency, min(valuation) AS valuation,
       sum(quantity) AS quantity, NULL::VARCHAR AS quantity_unit, sum(duty) AS duty, declarant, mirror, false AS estimated,
       source, 'sum of ' || min(dataset) AS dataset, max(vintage) AS vintage, min(file) AS file, NULL::BIGINT AS line
FROM flows
WHERE period_kind = 'year' AND currency = 'USD' AND classification LIKE 'HS%' AND length(product) = 6{country}
GROUP BY period, period_kind, year, month, reporter, partner, flow, currency, declarant, mirror, source
"""

# For one country (parameters: the country four times, after those of the summed rows): its rows with every
# partner, from the sources that hold no TOTAL rows of its own; a source with only exporter-side rows (BACI: reconciled) gives the country's
# imports as its partners' exports; and the world as the sum over partners, where the source gives no world lines.
_FOR_COUNTRY = """
WITH by_partner AS MATERIALIZED (
  SELECT * FROM {summed} s
  WHERE (reporter = ? OR partner = ?)
    AND source NOT IN (SELECT DISTINCT source FROM flows WHERE classification = 'TOTAL' AND reporter = ?)
),
partners_exports AS MATERIALIZED (
  SELECT period, period_kind, year, month, partner AS reporter, reporter_code, reporter AS partner, partner_code, 'import' AS flow, classification, product, value, currency, valuation, quantity,
         quantity_unit, duty, partner AS declarant, false AS mirror, estimated, source, dataset, vintage, file, line
  FROM by_partner b WHERE partner = ? AND flow = 'export'
    AND NOT EXISTS (SELECT 1 FROM by_partner h WHERE h.source = b.source AND h.flow = 'import')
)
SELECT {columns} FROM by_partner
UNION ALL
SELECT period, period_kind, year, month, reporter, reporter_code, partner, partner_code, flow, classification,
       product, value, currency, valuation, quantity, quantity_unit, duty, declarant, mirror, estimated, source,
       dataset || ' (partners'' exports)', vintage, file, line
FROM partners_exports
UNION ALL
SELECT period, period_kind, year, month, reporter, NULL::VARCHAR, 'WLD', NULL::VARCHAR, flow, classification, product,
       sum(value), currency, min(valuation), NULL::DOUBLE, NULL::VARCHAR, sum(duty), reporter, false, false,
       source, min(dataset), max(vintage), min(file), NULL::BIGINT
FROM (SELECT {columns} FROM by_partner UNION ALL SELECT * FROM partners_exports) x
WHERE NOT mirror AND partner NOT LIKE 'AGG:%' AND partner NOT IN ('WLD', 'EUU')
  AND NOT EXISTS (  -- a source that gives the world's lines itself (Comtrade asked for every partner)
    SELECT 1 FROM by_partner w
    WHERE w.partner = 'WLD' AND w.source = x.source AND w.reporter = x.reporter AND w.flow = x.flow AND w.year = x.year
  )
GROUP BY period, period_kind, year, month, reporter, flow, classification, product, currency, source
"""


_COLUMNS = ", ".join(schema.FLOWS.column_names)  # the flows columns, without the view's row_id


def for_country(con, country: str) -> tuple[str, list[str]]:
    """SQL and parameters of ``country``'s totals summed from HS6: read from the written sums where the
    connection has them, summed from its flows otherwise."""
    if has_view(con, VIEW):
        return _FOR_COUNTRY.format(summed=VIEW, columns=_COLUMNS), [country] * 4
    # the same rows as the written file, for this country only; row_id as the view numbers it
    country_filter = " AND (reporter = ? OR partner = ?)"
    summed = f"(SELECT NULL::BIGINT AS row_id, * FROM ({_BY_PARTNER.format(country=country_filter)}))"
    return _FOR_COUNTRY.format(summed=summed, columns=_COLUMNS), [country] * 6


def materialize(con, path: str) -> int:
    """Write the HS6 sums of every reporter and partner in ``con``'s flows to the Parquet file ``path``; the
    number of rows."""
    con.execute(
        f"COPY ({_BY_PARTNER.format(country='')} ORDER BY reporter, partner, source, year, flow) "
        f"TO {_literal(path)} (FORMAT parquet)"
    )
    return int(con.execute(f"SELECT count(*) FROM read_parquet({_literal(path)})").fetchone()[0])
