"""One figure per fact: which source's value counts for each flow, chosen by a declared order.

A fact is one reporter's flow with one partner in one period, for one product and currency:
``(reporter, partner, flow, period, classification, product, currency)``. Several sources may
hold it (China's exports to the US in 2014 are in ``imf-china`` and in ``imf-dots``, and the US
declares the mirror figure). The precedence table (``data/precedence.csv``, shipped with the
package) ranks them: the reporter's official release, then its declaration to UN Comtrade or its
customs, then IMF DOTS, then reconciled data (BACI), then anything else, then the partner's
mirror figure. Analytical datasets (gravity panels, input-output tables) are never canonical
merchandise trade. The lowest rank wins; the winner carries its ``tier`` and ``reason``, and how
many candidates it won over. No report adds figures across sources.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from tradeflux import schema
from tradeflux._sql import literal as _literal
from tradeflux.errors import InputError
from tradeflux.store.engines import has_view

__all__ = ["FACT_KEY", "ROW_ORDER", "VIEW", "Rule", "canonical", "materialize", "page", "precedence", "rules"]

FACT_KEY = ("reporter", "partner", "flow", "period", "classification", "product", "currency")


@dataclass(frozen=True)
class Rule:
    """One line of the precedence table; ``*`` matches any source, dataset or mirror flag."""

    rank: int | None  # None: never canonical
    source: str
    dataset: str
    mirror: str  # "true", "false" or "*"
    tier: str
    reason: str

    def matches(self, source: str, dataset: str, mirror: bool) -> bool:
        return (
            self.source in ("*", source)
            and self.dataset in ("*", dataset)
            and self.mirror in ("*", "true" if mirror else "false")
        )

    @property
    def specificity(self) -> int:
        return (self.source != "*") * 4 + (self.dataset != "*") * 2 + (self.mirror != "*")


def rules() -> list[Rule]:
    """The shipped precedence table, in file order."""
    path = resources.files("tradeflux") / "data" / "precedence.csv"
    out = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rank = int(row["rank"]) if row["rank"].strip() else None
            out.append(Rule(rank, row["source"], row["dataset"], row["mirror"], row["tier"], row["reason"]))
    return out


def precedence(combos: pd.DataFrame, table: list[Rule] | None = None) -> pd.DataFrame:
    """The rank, tier and reason of each ``source, dataset, mirror`` combination (the most specific
    matching rule wins); rank is missing for datasets that are never canonical."""
    table = table if table is not None else rules()
    rows = []
    for source, dataset, mirror in combos[["source", "dataset", "mirror"]].itertuples(index=False):
        matching = [r for r in table if r.matches(source, dataset, bool(mirror))]
        if not matching:
            raise InputError(f"no precedence rule for source {source!r}, dataset {dataset!r}, mirror {mirror}")
        rule = max(matching, key=lambda r: r.specificity)
        rows.append(
            {
                "source": source,
                "dataset": dataset,
                "mirror": bool(mirror),
                "precedence": rule.rank,
                "tier": rule.tier,
                "reason": rule.reason,
            }
        )
    return pd.DataFrame(rows, columns=["source", "dataset", "mirror", "precedence", "tier", "reason"])


# filters on these columns select whole facts, so they can narrow the rows before the ranking; a filter on any
# other column (source, dataset, vintage ...) selects among the ranked rows: ``source="imf-dots"`` gives the facts
# IMF DOTS wins, not IMF DOTS ranked against itself
_FACT_COLUMNS = {*FACT_KEY, "year", "month", "period_kind"}
ROW_ORDER = ("reporter", "partner", "year", "flow", "period", "classification", "product", "currency")
VIEW = "canonical_flows"  # the materialized canonical rows of the latest vintage, where the store holds them


def _where(filters: dict[str, object], alias: str = "f") -> tuple[str, list]:
    clauses, params = [], []
    for column, wanted in filters.items():
        if wanted is None or (isinstance(wanted, (list, tuple, set)) and not wanted):
            continue
        if column not in schema.FLOWS.column_names:
            raise InputError(f"cannot filter flows on {column!r}: not a column")
        values = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        clauses.append(f"{alias}.{column} IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    return (" AND ".join(clauses) if clauses else "true"), params


def _ranked_sql(inner: str, outer: str, all_sources: bool) -> str:
    """Every candidate row of each fact with its rank (``_order``, 1 = canonical) and why; ``_precedence`` is a
    registered table of :func:`precedence`."""
    key = ", ".join(f"f.{k}" for k in FACT_KEY)
    return f"""
        SELECT * EXCLUDE (_order), _order = 1 AS canonical,
               CASE WHEN product = 'TOTAL' THEN 'total'
                    ELSE classification || ' ' || length(product) || '-digit' END AS product_level,
               CASE WHEN _order = 1 THEN tier || ': ' || reason
                         || CASE WHEN candidates > 1 THEN ' (first of ' || candidates || ' sources)' ELSE '' END
                    ELSE 'superseded by ' || won_by || ' (' || won_tier || ')' END AS why
        FROM (
          SELECT f.*, p.precedence, p.tier, p.reason,
                 row_number() OVER w AS _order, count(*) OVER w AS candidates,
                 first_value(f.source) OVER w AS won_by, first_value(p.tier) OVER w AS won_tier
          FROM flows f JOIN _precedence p ON f.source = p.source AND f.dataset = p.dataset AND f.mirror = p.mirror
          WHERE {inner} AND p.precedence IS NOT NULL
          WINDOW w AS (PARTITION BY {key} ORDER BY p.precedence, f.source, f.dataset, f.line)
        ) f
        WHERE {outer} {"" if all_sources else "AND _order = 1"}
    """


def canonical(
    con, *, all_sources: bool = False, limit: int | None = None, after: int | None = None, **filters: object
) -> pd.DataFrame:
    """Flows matching ``filters`` (column = value or list), one row per fact: the winning source's.

    ``product_level`` says at which level a row is ("total", "HS 2-digit", "HTS 10-digit"): each level adds
    up to the total on its own, so rows of different levels must not be summed together.
    With ``all_sources`` every candidate row is returned, with ``canonical`` (did it win),
    ``precedence``, ``tier`` and ``why`` (the reason it won, or which source it lost to).
    ``con`` is a store connection (:meth:`tradeflux.Store.connect`). Where the store holds its canonical
    rows (written at ingest), they are read, not recomputed; they carry ``row_id``, their place in the
    order reporter, partner, year, flow, period, classification, product, currency, and ``after`` pages by it
    (rows with a larger ``row_id``, in that order).
    """
    if not all_sources and has_view(con, VIEW):
        return _written(con, filters, limit, after)
    if after is not None:
        raise InputError("paging by row_id needs the store's canonical rows: run `tradeflux ingest` to write them")
    key_filters = {k: v for k, v in filters.items() if k in _FACT_COLUMNS}
    inner, inner_params = _where(key_filters)
    outer, outer_params = _where({k: v for k, v in filters.items() if k not in _FACT_COLUMNS})
    combos = con.execute(f"SELECT DISTINCT source, dataset, mirror FROM flows f WHERE {inner}", inner_params).df()
    con.register("_precedence", precedence(combos))
    sql = _ranked_sql(inner, outer, all_sources) + (f" LIMIT {int(limit)}" if limit is not None else "")
    try:
        return con.execute(sql, [*inner_params, *outer_params]).df()
    finally:
        con.unregister("_precedence")


def _written(con, filters: dict[str, object], limit: int | None, after: int | None, fetch=lambda r: r.df()):
    """A page of the written canonical rows. ``row_id`` numbers the rows without gaps, so a page after ``after``
    is looked for in a window of row ids, widened until it holds ``limit`` rows or reaches the end: a page deep
    in the file reads the rows around it, not every row after it. ``fetch`` turns the query's result into rows."""
    where, params = _where(filters)
    sql = f"SELECT * FROM {VIEW} f WHERE {where}"
    if limit is None:
        return fetch(con.execute(f"{sql} AND f.row_id > ? ORDER BY f.row_id", [*params, after or 0]))
    start, width = after or 0, int(limit)  # without a filter, the page is exactly the next ``limit`` row ids
    last = None
    while True:
        page = fetch(
            con.execute(
                f"{sql} AND f.row_id > ? AND f.row_id <= ? ORDER BY f.row_id LIMIT {int(limit)}",
                [*params, start, start + width],
            )
        )
        if len(page) >= limit:
            return page
        if last is None:
            last = int(con.execute(f"SELECT count(*) FROM {VIEW}").fetchone()[0])  # row ids are 1 .. count
        if start + width >= last:
            return page
        width *= 16


def _records(result) -> list[dict]:
    names = [d[0] for d in result.description]
    # DuckDB names each column's type; where an engine does not, every column is checked
    typed = all(len(d) > 1 for d in result.description)
    floats = [d[0] for d in result.description if not typed or str(d[1]) in ("DOUBLE", "FLOAT")]
    records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for record in records:
        for name in floats:
            if isinstance(record[name], float) and record[name] != record[name]:  # NaN is null
                record[name] = None
    return records


def page(con, *, limit: int, after: int | None = None, **filters: object) -> list[dict]:
    """A page of the store's written canonical rows as plain records (``row_id`` order): what an API serves,
    without a frame in between. ``con`` must have the written rows (``has_view(con, VIEW)``)."""
    return _written(con, filters, limit, after, fetch=_records)


def materialize(con, path: str, scratch: str) -> int:
    """Write the canonical rows of ``con``'s flows to the Parquet file ``path`` in :data:`ROW_ORDER`; the number
    of rows. Engines number them by their place in the file (``row_id``, from 1). ``con`` is a DuckDB connection
    of the store; ``scratch`` a file path for the unsorted rows on the way.

    The same rows as ranking every fact (:func:`canonical`), at the cost of one sort: only facts that several
    sources hold are ranked (a hash aggregate finds them); every other row wins alone."""
    combos = con.execute("SELECT DISTINCT source, dataset, mirror FROM flows").df()
    con.register("_precedence", precedence(combos))
    fact = ", ".join(f"f.{k}" for k in FACT_KEY)
    row = (*schema.FLOWS.key, "source", "dataset", "file", "vintage", "line")  # one row: unique in a file
    candidates = """flows f JOIN _precedence p ON f.source = p.source AND f.dataset = p.dataset AND f.mirror = p.mirror
        AND p.precedence IS NOT NULL"""
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _contested AS SELECT {fact} FROM {candidates} GROUP BY ALL HAVING count(*) > 1"
        )
        on_fact = " AND ".join(f"f.{k} IS NOT DISTINCT FROM c.{k}" for k in FACT_KEY)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _ranks AS
            SELECT {", ".join(f"f.{k}" for k in row)},
                   row_number() OVER w AS _order, count(*) OVER w AS candidates,
                   first_value(f.source) OVER w AS won_by, first_value(p.tier) OVER w AS won_tier
            FROM {candidates} JOIN _contested c ON {on_fact}
            WINDOW w AS (PARTITION BY {fact} ORDER BY p.precedence, f.source, f.dataset, f.line)"""
        )
        on_row = " AND ".join(f"f.{k} IS NOT DISTINCT FROM r.{k}" for k in row)
        columns = """f.*, p.precedence, p.tier, p.reason, {candidates} AS candidates, {won_by} AS won_by,
            {won_tier} AS won_tier, true AS canonical,
            CASE WHEN f.product = 'TOTAL' THEN 'total'
                 ELSE f.classification || ' ' || length(f.product) || '-digit' END AS product_level,
            p.tier || ': ' || p.reason || {first_of} AS why"""
        # rows of the datasets that hold no contested fact win alone, without a join
        pairs = con.execute("SELECT DISTINCT source, dataset FROM _ranks ORDER BY ALL").fetchall()
        involved = " OR ".join(f"(f.source = {_literal(a)} AND f.dataset = {_literal(b)})" for a, b in pairs)
        involved = f"({involved or 'false'})"
        alone = columns.format(candidates="1", won_by="f.source", won_tier="p.tier", first_of="''")
        ranked = columns.format(
            candidates="coalesce(r.candidates, 1)",
            won_by="coalesce(r.won_by, f.source)",
            won_tier="coalesce(r.won_tier, p.tier)",
            first_of="CASE WHEN r.candidates > 1 THEN ' (first of ' || r.candidates || ' sources)' ELSE '' END",
        )
        # written unsorted first, then sorted from that one file: sorting the union of the store's many files
        # directly keeps a sort state per file and does not spill (out of memory at 2 GB on a 3.5M-row store)
        con.execute(
            f"""COPY (
                SELECT {alone} FROM {candidates} WHERE NOT {involved}
                UNION ALL
                SELECT {ranked} FROM {candidates} LEFT JOIN _ranks r ON {on_row}
                WHERE {involved} AND coalesce(r._order, 1) = 1
            ) TO {_literal(scratch)} (FORMAT parquet)"""
        )
        con.execute(
            f"COPY (SELECT * FROM read_parquet({_literal(scratch)}) ORDER BY {', '.join(ROW_ORDER)}) "
            f"TO {_literal(path)} (FORMAT parquet, ROW_GROUP_SIZE 50000)"
        )
    finally:
        con.unregister("_precedence")
        con.execute("DROP TABLE IF EXISTS _contested; DROP TABLE IF EXISTS _ranks")
    return int(con.execute(f"SELECT count(*) FROM read_parquet({_literal(path)})").fetchone()[0])
