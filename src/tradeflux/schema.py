"""The canonical tables of the store and the rules every staged row must pass.

Three tables:

``flows``
    One trade flow: what ``reporter`` exported to / imported from ``partner`` in ``period``.
    ``declarant`` is the country whose statistics the figure comes from: the reporter itself, or
    the partner (a *mirror* figure, ``mirror = true``: China's exports to the US measured by the
    US's imports from China). ``value`` is in units of ``currency`` (never thousands or
    millions: readers scale on the way in); ``valuation`` is how goods were valued at the
    border (``FOB``, ``CIF``, ``CUSTOMS`` for US customs value, ``BASIC`` for basic prices in
    input-output tables, ``UNKNOWN``).

``indicators``
    An officially reported figure that is not a flow (a balance, a growth rate, a share, a
    count of vehicles), kept exactly as reported with its unit and citation.

``tariffs``
    A tariff measure or a published tariff average: who imposes it on whom, on which products,
    from when to when, at what rate (percent ad valorem), and of what kind.

Readers hand over *staged* rows: text columns named as below (``*_raw`` for those parsed here)
plus ``_line`` (the line of the source file), ``_reason`` and ``_field`` (a problem the reader
already found). :func:`validate_sql` turns a staged relation into typed rows with ``_reason`` and
``_field`` set for every row that must go to quarantine.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from tradeflux.errors import NotFound

__all__ = [
    "ALIASES",
    "AREA_COLUMNS",
    "DISPLAY_COLUMNS",
    "FLOWS",
    "FLOW_INPUTS",
    "FLOW_KINDS",
    "INDICATORS",
    "PERIOD_KINDS",
    "PER_FILE",
    "PLAIN_NUMBER",
    "RATE_KINDS",
    "STAGED_DEFAULTS",
    "TABLES",
    "TARIFFS",
    "VALUATIONS",
    "Column",
    "TableSpec",
    "constant_columns",
    "field_check_sql",
    "literal_columns",
    "staged_select",
    "validate_sql",
]


FLOW_KINDS = ("export", "import", "re-export", "re-import")
VALUATIONS = ("FOB", "CIF", "CUSTOMS", "BASIC", "UNKNOWN")
PERIOD_KINDS = ("year", "month", "ytd")
RATE_KINDS = (
    "additional",  # an additional duty in force (percent ad valorem)
    "effective",  # a trade-weighted effective rate published by a tracker
    "applied",  # an applied average (calculated duty / imports)
    "exemption",  # a product list exempt from a measure (no rate)
    "scope",  # a product list a measure covers (rate set elsewhere)
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns (in order), duplicate key, compared values and partitions."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    compared: tuple[str, ...]
    partition_by: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# Constant for one ingested file: kept in the manifest, not in the Parquet files, and added back when read.
PER_FILE = ("dataset", "vintage", "file")

_PROVENANCE = (
    Column("source", "VARCHAR", "source id (e.g. imf-dots, comtrade, baci)"),
    Column("dataset", "VARCHAR", "dataset of the source (one kind of file)"),
    Column("vintage", "VARCHAR", "release date of the data, ISO date"),
    Column("file", "VARCHAR", "file the row was read from"),
    Column("line", "BIGINT", "line of that file (header = line 1)"),
)

FLOWS = TableSpec(
    name="flows",
    columns=(
        Column("period", "VARCHAR", "YYYY, YYYY-MM, or YYYY-MM/YYYY-MM for a cumulative (year-to-date) figure"),
        Column("period_kind", "VARCHAR", "year | month | ytd"),
        Column("year", "INTEGER", "calendar year of the period"),
        Column("month", "INTEGER", "month (last month of a ytd period); null for a year"),
        Column("reporter", "VARCHAR", "ISO3 of the country whose trade this is (WLD, EUU, AGG:<slug> for aggregates)"),
        Column("reporter_code", "VARCHAR", "the source's own code or name for the reporter"),
        Column("partner", "VARCHAR", "ISO3 of the partner (WLD for the world)"),
        Column("partner_code", "VARCHAR", "the source's own code or name for the partner"),
        Column("flow", "VARCHAR", "export | import | re-export | re-import, from the reporter's side"),
        Column(
            "classification",
            "VARCHAR",
            "product classification and revision: HS2022, HS2017, HS (as reported), TOTAL, WIOD56, ICIO50, ...",
        ),
        Column("product", "VARCHAR", "product code at any level (digits, leading zeros kept) or TOTAL"),
        Column("value", "DOUBLE", "value in units of currency"),
        Column("currency", "VARCHAR", "ISO 4217 currency of value (USD, CNY)"),
        Column("valuation", "VARCHAR", "FOB | CIF | CUSTOMS | BASIC | UNKNOWN"),
        Column("quantity", "DOUBLE", "quantity in quantity_unit, where known"),
        Column("quantity_unit", "VARCHAR", "unit of quantity (kg, t, u, ...)"),
        Column("duty", "DOUBLE", "calculated import duty in units of currency, where known"),
        Column("declarant", "VARCHAR", "ISO3 of the country whose statistics report the figure"),
        Column("mirror", "BOOLEAN", "true when declarant is the partner, not the reporter"),
        Column("estimated", "BOOLEAN", "true when the source flags the value as an estimate"),
        *_PROVENANCE,
    ),
    key=("period", "reporter", "partner", "flow", "classification", "product", "declarant", "currency", "valuation"),
    compared=("value",),
    partition_by=("source", "classification", "year"),
)

INDICATORS = TableSpec(
    name="indicators",
    columns=(
        Column("period", "VARCHAR", "YYYY, YYYY-MM, or YYYY-MM/YYYY-MM"),
        Column("period_kind", "VARCHAR", "year | month | ytd"),
        Column("year", "INTEGER", "calendar year of the period"),
        Column("month", "INTEGER", "month, null for a year"),
        Column("reporter", "VARCHAR", "ISO3 of the country reporting the figure about itself"),
        Column("partner", "VARCHAR", "partner country or aggregate (WLD, AGG:asean, ...)"),
        Column("metric", "VARCHAR", "what the figure is (trade_balance, exports_growth, ...)"),
        Column("flow", "VARCHAR", "export | import | balance | total (exports + imports)"),
        Column("value", "DOUBLE", "the figure in unit, money in base units (null when only a growth rate is reported)"),
        Column("unit", "VARCHAR", "unit of value: the currency for money (USD, not billion USD), else as reported"),
        Column("currency", "VARCHAR", "currency of value, if it is money"),
        Column("yoy_pct", "DOUBLE", "year-on-year change in percent, as reported"),
        Column("yoy_basis", "VARCHAR", "what yoy_pct was computed on: USD, CNY or units"),
        Column("source_url", "VARCHAR", "where the figure was read"),
        Column("note", "VARCHAR", "remarks from the source table"),
        *_PROVENANCE,
    ),
    key=("period", "reporter", "partner", "metric", "flow", "unit", "currency", "yoy_basis"),
    compared=("value", "yoy_pct"),
    partition_by=("source", "year"),
)

TARIFFS = TableSpec(
    name="tariffs",
    columns=(
        Column("date_from", "DATE", "first day the rate applies"),
        Column("date_to", "DATE", "last day the rate applies (inclusive); null if open"),
        Column("year", "INTEGER", "year of date_from"),
        Column("imposing", "VARCHAR", "ISO3 of the country imposing the tariff"),
        Column("target", "VARCHAR", "ISO3 of the country whose goods are taxed (WLD for all)"),
        Column("classification", "VARCHAR", "product classification of product (HS, HTS)"),
        Column("product", "VARCHAR", "product code prefix the row covers, or TOTAL"),
        Column("measure", "VARCHAR", "name of the measure or series"),
        Column("authority", "VARCHAR", "legal basis (Section 301, IEEPA, ...) or publisher"),
        Column("rule_id", "VARCHAR", "the source's own id of the rule or list entry"),
        Column("rate_pct", "DOUBLE", "rate in percent ad valorem (null for product lists)"),
        Column("rate_kind", "VARCHAR", "additional | effective | applied | exemption | scope"),
        Column("note", "VARCHAR", "remarks from the source"),
        *_PROVENANCE,
    ),
    key=("date_from", "imposing", "target", "classification", "product", "measure", "rule_id", "rate_kind"),
    compared=("rate_pct",),
    partition_by=("source", "year"),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (FLOWS, INDICATORS, TARIFFS)}

# The columns a table shows on screen (every column goes to CSV, Parquet and JSON).
DISPLAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "flows": (
        "period",
        "reporter",
        "partner",
        "flow",
        "classification",
        "product",
        "product_level",
        "value",
        "currency",
        "valuation",
        "declarant",
        "source",
        "vintage",
    ),
    "indicators": (
        "period",
        "reporter",
        "partner",
        "metric",
        "flow",
        "value",
        "unit",
        "yoy_pct",
        "yoy_basis",
        "source",
    ),
    "tariffs": ("date_from", "date_to", "imposing", "target", "product", "measure", "rate_pct", "rate_kind", "source"),
}

# Staged columns each reader provides (text unless noted), with the default when it leaves one out.
STAGED_DEFAULTS: dict[str, dict[str, str]] = {
    "flows": {
        "period_raw": "NULL",
        "reporter": "NULL",
        "reporter_code": "NULL",
        "partner": "NULL",
        "partner_code": "NULL",
        "flow": "NULL",
        "classification": "'TOTAL'",
        "product": "'TOTAL'",
        "value_raw": "NULL",
        "value_scale": "1.0",
        "currency": "'USD'",
        "valuation": "'UNKNOWN'",
        "quantity_raw": "NULL",
        "quantity_unit": "NULL",
        "duty_raw": "NULL",
        "declarant": "NULL",
        "estimated": "false",
    },
    "indicators": {
        "period_raw": "NULL",
        "reporter": "NULL",
        "partner": "NULL",
        "metric": "NULL",
        "flow": "NULL",
        "value_raw": "NULL",
        "value_scale": "1.0",
        "unit": "NULL",
        "currency": "NULL",
        "yoy_raw": "NULL",
        "yoy_basis": "NULL",
        "source_url": "NULL",
        "note": "NULL",
    },
    "tariffs": {
        "date_from_raw": "NULL",
        "date_to_raw": "NULL",
        "imposing": "NULL",
        "target": "NULL",
        "classification": "'HS'",
        "product": "'TOTAL'",
        "measure": "NULL",
        "authority": "NULL",
        "rule_id": "NULL",
        "rate_raw": "NULL",
        "rate_kind": "NULL",
        "note": "NULL",
    },
}


_LITERAL = re.compile(r"^(NULL|true|false|-?[0-9]+(\.[0-9]*)?(e-?[0-9]+)?|'(?:[^']|'')*')$", re.IGNORECASE)

# Staged inputs of each canonical flows column: a column whose inputs are all literals is the same
# on every row of an ingested file, so it is kept once in the manifest instead of in the Parquet files.
FLOW_INPUTS = {
    "period": ("period_raw",),
    "period_kind": ("period_raw",),
    "year": ("period_raw",),
    "month": ("period_raw",),
    "reporter": ("reporter",),
    "reporter_code": ("reporter_code",),
    "partner": ("partner",),
    "partner_code": ("partner_code",),
    "flow": ("flow",),
    "classification": ("classification",),
    "product": ("product",),
    "value": ("value_raw", "value_scale"),
    "currency": ("currency",),
    "valuation": ("valuation",),
    "quantity": ("quantity_raw",),
    "quantity_unit": ("quantity_unit",),
    "duty": ("duty_raw", "value_scale"),
    "declarant": ("declarant", "reporter"),
    "mirror": ("declarant", "reporter"),
    "estimated": ("estimated",),
}


def literal_columns(table: str, exprs: dict[str, str]) -> dict[str, str]:
    """Staged columns of ``table`` whose expression (given or default) is a SQL literal."""
    out = {}
    for name, default in STAGED_DEFAULTS[table].items():
        expr = str(exprs.get(name, default)).strip()
        if _LITERAL.match(expr):
            out[name] = expr
    return out


def constant_columns(table: str, literals: dict[str, str]) -> list[str]:
    """Canonical columns that are the same on every row, given the staged literal columns."""
    if table != "flows" or not literals:
        return []
    out = [col for col, inputs in FLOW_INPUTS.items() if all(i in literals for i in inputs)]
    if literals.get("declarant", "").upper() == "NULL":
        out += [c for c in ("mirror", "declarant") if c not in out]  # the reporter declares: see ALIASES
    return out


# Constant columns that repeat another column of the same row rather than a value.
ALIASES = {"declarant": "reporter"}


def _substitute(sql: str, literals: dict[str, str]) -> str:
    """Put literal values in place of the bare column names in ``sql`` (outside quoted strings), so
    that the engine folds every check on a constant once instead of on every row."""
    if not literals:
        return sql
    names = "|".join(sorted(map(re.escape, literals), key=len, reverse=True))
    ident = re.compile(rf"(?<![\w.])(?<!AS )({names})(?![\w])")
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else ident.sub(lambda m: f"({literals[m.group(1)]})", p) for i, p in enumerate(parts))


def staged_select(table: str, exprs: dict[str, str], line: str = "_line") -> str:
    """A SQL select list giving every staged column of ``table``: ``exprs`` where given, else defaults.

    Reader-found problems go in ``_reason``/``_field`` (pass them in ``exprs``).
    """
    defaults = STAGED_DEFAULTS[table]
    unknown = set(exprs) - set(defaults) - {"_reason", "_field"}
    if unknown:
        raise NotFound(f"not staged columns of {table}: {sorted(unknown)}")
    parts = [f"{exprs.get(name, default)} AS {name}" for name, default in defaults.items()]
    parts.append(f"{line} AS _line")
    parts.append(f"{exprs.get('_reason', 'NULL')}::VARCHAR AS _reason")
    parts.append(f"{exprs.get('_field', 'NULL')}::VARCHAR AS _field")
    return ",\n  ".join(parts)


# A number as text: digits with an optional sign, decimal point and exponent; no thousands separators,
# underscores, inner spaces, NaN or infinity (DuckDB's cast would accept "1_000" and "inf").
PLAIN_NUMBER = r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"


def _bad_text_number(raw: str) -> str:
    """SQL true when ``raw`` holds text that is not a plain, finite number."""
    return (
        f"nullif(trim({raw}), '') IS NOT NULL AND (NOT regexp_full_match(trim({raw}), '{PLAIN_NUMBER}') "
        f"OR NOT coalesce(isfinite(TRY_CAST(trim({raw}) AS DOUBLE)), false))"
    )


def _number(field: str, raw: str, *, required: bool, numeric: bool = False) -> list[tuple[str, str, str]]:
    """Rules for a number staged as text (``numeric=False``) or already typed by the reader."""
    if numeric:
        rules = [(field, f"{raw} IS NULL", f"'missing {field}'")] if required else []
        rules.append((field, f"NOT isfinite({raw})", f"'not a finite number: {field} ' || CAST({raw} AS VARCHAR)"))
        return [*rules, (field, f"{raw} < 0", f"'negative {field} ' || {raw}")]
    rules = []
    if required:
        rules.append((field, f"{raw} IS NULL OR trim({raw}) = ''", f"'missing {field}'"))
    rules.append(
        (
            field,
            _bad_text_number(raw),
            f"'non-numeric {field} ' || quote(({raw})::VARCHAR)",
        )
    )
    rules.append((field, f"TRY_CAST(trim({raw}) AS DOUBLE) < 0", f"'negative {field} ' || trim({raw})"))
    return rules


def _scaled(field: str, raw: str, numeric: bool) -> tuple[str, str, str]:
    """A number finite as written but not once scaled (1.7e308 thousands) is out of range, not infinity."""
    scaled = f"{_as_double(raw, numeric)} * value_scale"
    return (
        field,
        f"{_as_double(raw, numeric)} IS NOT NULL AND NOT isfinite({scaled})",
        f"'{field} out of range once scaled by ' || CAST(value_scale AS VARCHAR)",
    )


def _as_double(raw: str, numeric: bool) -> str:
    return f"CAST({raw} AS DOUBLE)" if numeric else f"TRY_CAST(trim({raw}) AS DOUBLE)"


_NUMERIC_TYPES = (
    "DOUBLE",
    "FLOAT",
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "HUGEINT",
    "UBIGINT",
    "UINTEGER",
    "DECIMAL",
)


def _is_numeric(types: dict[str, str], column: str) -> bool:
    return types.get(column, "VARCHAR").upper().startswith(_NUMERIC_TYPES)


def _period_cols(raw: str) -> str:
    """SQL computing period_kind, year, month from a raw period text column (years take the fast path)."""
    p = f"replace(trim({raw}), ' ', '')"
    is_year = f"(length({p}) = 4 AND TRY_CAST({p} AS INTEGER) IS NOT NULL)"
    is_month = f"regexp_full_match({p}, '[0-9]{{4}}-?[0-9]{{2}}')"
    is_ytd = f"regexp_full_match({p}, '[0-9]{{4}}-[0-9]{{2}}/[0-9]{{4}}-[0-9]{{2}}')"
    return f"""
    CASE WHEN {is_year} THEN 'year' WHEN {is_month} THEN 'month' WHEN {is_ytd} THEN 'ytd' END AS period_kind,
    TRY_CAST(substr({p}, 1, 4) AS INTEGER) AS year,
    CASE WHEN {is_year} THEN NULL WHEN {is_month} OR {is_ytd} THEN TRY_CAST(right({p}, 2) AS INTEGER) END AS month,
    CASE WHEN {is_year} THEN true
         WHEN {is_ytd} AND (substr({p}, 1, 4) <> substr({p}, 9, 4) OR substr({p}, 6, 2) > right({p}, 2)) THEN false
         ELSE true END AS _period_ordered,
    {p} AS _period_text"""


AREA_COLUMNS = {
    "flows": ("reporter", "partner", "declarant"),
    "indicators": ("reporter", "partner"),
    "tariffs": ("imposing", "target"),
}


# The type marker of a staged column whose values are known country codes (the ingest engine's ENUM
# of them): such a column needs no lookup and cannot be empty text.
AREA = "AREA"


def _missing_code(col: str, types: dict[str, str]) -> str:
    return f"{col} IS NULL" if types.get(col) == AREA else f"{col} IS NULL OR {col} = ''"


def _area_check(col: str) -> str:
    """True when the code in ``col`` is given but unknown (``_known_<col>`` comes from a join with _areas)."""
    return f"({col} IS NOT NULL AND NOT _known_{col})"


def field_check_sql(table: str, field: str, literals: dict[str, str]) -> str:
    """SQL giving why a value of ``field`` breaks the table's rules (NULL when it does not).

    For readers that check each distinct value once, in a lookup, instead of on every row (and say
    so with ``Staged.checked``); other columns the rules read must be given in ``literals``.
    """
    rules = [(cond, reason) for name, cond, reason in _rules(table, {}) if name == field]
    if not rules:
        raise NotFound(f"{table} has no rules for {field!r}")
    return _substitute("CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in rules) + " END", literals)


def _hs_code_ok(col: str, lengths: str = "2, 4, 6, 8, 10") -> str:
    return f"(length({col}) IN ({lengths}) AND regexp_full_match({col}, '[0-9]+'))"


def _period_rules() -> list[tuple[str, str, str]]:
    return [
        ("period", "_period_text IS NULL OR _period_text = ''", "'missing period'"),
        (
            "period",
            "period_kind IS NULL OR year NOT BETWEEN 1900 AND 2100 OR (month IS NOT NULL AND month NOT BETWEEN 1 AND 12) OR NOT _period_ordered",
            "'impossible period ' || quote(_period_text)",
        ),
    ]


def _rules(table: str, types: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, condition, reason) in the order they are checked; the first that holds wins."""
    if table == "flows":
        kinds = ", ".join(f"'{k}'" for k in FLOW_KINDS)
        vals = ", ".join(f"'{k}'" for k in VALUATIONS)
        return [
            *_period_rules(),
            ("reporter", _missing_code("reporter", types), "'missing reporter code'"),
            ("reporter", _area_check("reporter"), "'unknown country code ' || quote(reporter)"),
            ("partner", _missing_code("partner", types), "'missing partner code'"),
            ("partner", _area_check("partner"), "'unknown country code ' || quote(partner)"),
            ("declarant", _area_check("declarant"), "'unknown country code ' || quote(declarant)"),
            ("flow", f"flow IS NULL OR flow NOT IN ({kinds})", "'unknown flow ' || quote(coalesce(flow, ''))"),
            ("product", "product IS NULL OR product = ''", "'missing product code'"),
            (
                "product",
                f"(classification LIKE 'HS%' OR classification = 'HTS') AND product <> 'TOTAL' AND NOT {_hs_code_ok('product')}",
                "'malformed HS code ' || quote(product)",
            ),
            *_number("value", "value_raw", required=True, numeric=_is_numeric(types, "value_raw")),
            _scaled("value", "value_raw", _is_numeric(types, "value_raw")),
            *_number("quantity", "quantity_raw", required=False, numeric=_is_numeric(types, "quantity_raw")),
            *_number("duty", "duty_raw", required=False, numeric=_is_numeric(types, "duty_raw")),
            _scaled("duty", "duty_raw", _is_numeric(types, "duty_raw")),
            (
                "currency",
                "currency IS NULL OR length(currency) <> 3 OR upper(currency) <> currency",
                "'bad currency ' || quote(coalesce(currency, ''))",
            ),
            ("valuation", f"valuation NOT IN ({vals})", "'unknown valuation ' || quote(valuation)"),
        ]
    if table == "indicators":
        return [
            *_period_rules(),
            ("reporter", _missing_code("reporter", types), "'missing reporter code'"),
            ("reporter", _area_check("reporter"), "'unknown country code ' || quote(reporter)"),
            ("partner", _area_check("partner"), "'unknown country code ' || quote(partner)"),
            ("metric", "metric IS NULL OR metric = ''", "'missing metric'"),
            (
                "value",
                _bad_text_number("value_raw"),
                "'non-numeric value ' || quote(value_raw)",
            ),
            (
                "yoy_pct",
                _bad_text_number("yoy_raw"),
                "'non-numeric yoy_pct ' || quote(yoy_raw)",
            ),
            (
                "value",
                "nullif(trim(value_raw), '') IS NULL AND nullif(trim(yoy_raw), '') IS NULL",
                "'neither value nor yoy_pct given'",
            ),
        ]
    if table == "tariffs":
        kinds = ", ".join(f"'{k}'" for k in RATE_KINDS)
        return [
            (
                "date_from",
                "TRY_CAST(date_from_raw AS DATE) IS NULL",
                "'impossible date ' || quote(coalesce(date_from_raw, ''))",
            ),
            (
                "date_to",
                "nullif(date_to_raw, '') IS NOT NULL AND TRY_CAST(date_to_raw AS DATE) IS NULL",
                "'impossible date ' || quote(date_to_raw)",
            ),
            (
                "date_to",
                "TRY_CAST(date_to_raw AS DATE) < TRY_CAST(date_from_raw AS DATE)",
                "'date_to before date_from'",
            ),
            ("imposing", "imposing IS NULL OR imposing = ''", "'missing imposing country code'"),
            ("imposing", _area_check("imposing"), "'unknown country code ' || quote(imposing)"),
            ("target", "target IS NULL OR target = ''", "'missing target country code'"),
            ("target", _area_check("target"), "'unknown country code ' || quote(target)"),
            ("product", "product IS NULL OR product = ''", "'missing product code'"),
            (
                "product",
                f"product <> 'TOTAL' AND NOT {_hs_code_ok('product', '2, 3, 4, 5, 6, 7, 8, 9, 10')}",
                "'malformed HS code ' || quote(product)",
            ),
            (
                "rate_kind",
                f"rate_kind IS NULL OR rate_kind NOT IN ({kinds})",
                "'unknown rate kind ' || quote(coalesce(rate_kind, ''))",
            ),
            (
                "rate_pct",
                "rate_kind NOT IN ('exemption', 'scope') AND nullif(trim(rate_raw), '') IS NULL",
                "'missing rate_pct'",
            ),
            (
                "rate_pct",
                _bad_text_number("rate_raw"),
                "'non-numeric rate_pct ' || quote(rate_raw)",
            ),
            ("rate_pct", "TRY_CAST(trim(rate_raw) AS DOUBLE) < 0", "'negative rate_pct ' || trim(rate_raw)"),
        ]
    raise NotFound(table)


def _typed(table: str, types: dict[str, str]) -> str:
    """Select list of the typed canonical columns (before provenance) from a checked stage."""

    def num(raw: str) -> str:
        return _as_double(raw, _is_numeric(types, raw))

    if table == "flows":
        return f"""
    CASE WHEN period_kind = 'month' THEN substr(_period_text, 1, 4) || '-' || right(_period_text, 2)
         ELSE _period_text END AS period,
    period_kind AS period_kind, year AS year, month AS month, reporter AS reporter, reporter_code AS reporter_code,
    partner AS partner, partner_code AS partner_code, flow AS flow, classification AS classification,
    product AS product, {num("value_raw")} * value_scale AS value, currency AS currency, valuation AS valuation,
    {num("quantity_raw")} AS quantity, quantity_unit AS quantity_unit, {num("duty_raw")} * value_scale AS duty,
    coalesce(declarant, reporter) AS declarant, coalesce(declarant, reporter) <> reporter AS mirror,
    coalesce(estimated, false) AS estimated"""
    if table == "indicators":
        return f"""
    CASE WHEN period_kind = 'month' THEN substr(_period_text, 1, 4) || '-' || right(_period_text, 2)
         ELSE _period_text END AS period,
    period_kind, year, month, reporter, coalesce(partner, 'WLD') AS partner, metric, flow,
    {num("value_raw")} * value_scale AS value, unit, currency, {num("yoy_raw")} AS yoy_pct, yoy_basis,
    source_url, note"""
    if table == "tariffs":
        return """
    TRY_CAST(date_from_raw AS DATE) AS date_from, TRY_CAST(date_to_raw AS DATE) AS date_to,
    year(TRY_CAST(date_from_raw AS DATE))::INTEGER AS year, imposing, target, classification, product,
    measure, authority, rule_id, TRY_CAST(trim(rate_raw) AS DOUBLE) AS rate_pct, rate_kind, note"""
    raise NotFound(table)


def validate_sql(
    table: str,
    staged: str,
    *,
    source: str,
    dataset: str,
    vintage: str,
    file: str,
    types: dict[str, str] | None = None,
    literals: dict[str, str] | None = None,
    checked: Collection[str] = (),
) -> str:
    """SQL over the staged relation named ``staged`` giving typed rows plus ``_reason``/``_field``.

    Needs a table ``_areas(code)`` of known country codes in the same connection. Each rule is
    checked once per row: the first that holds sets both the field and the reason. ``types`` gives
    the staged columns' SQL types: numbers a reader already typed skip the text checks, and country
    columns typed :data:`AREA` (known codes by construction) skip the lookup. The rules of the
    fields in ``checked`` are left out: the reader applied them (:func:`field_check_sql`).
    """
    types = types or {}
    literals = literals or {}
    types = {**types, **{name: "LITERAL" for name in literals}}  # literals are text or NULL: never "typed numbers"
    rules = [rule for rule in _rules(table, types) if rule[0] not in checked]
    first = " ".join(f"WHEN {cond} THEN {{'f': '{field}', 'r': {reason}}}" for field, cond, reason in rules)
    joins, known = [], []
    for col in AREA_COLUMNS[table]:
        if literals.get(col, "").upper() == "NULL" or types.get(col) == AREA:  # no lookup per row needed
            known.append(f"true AS _known_{col}")
            continue
        joins.append(f"LEFT JOIN _areas _a_{col} ON s.{col} = _a_{col}.code")
        known.append(
            f"(_a_{col}.code IS NOT NULL OR (s.{col} LIKE 'AGG:%' AND regexp_full_match(s.{col}, 'AGG:[a-z0-9][a-z0-9-]*'))) AS _known_{col}"
        )
    period = f", {_period_cols('period_raw')}" if table != "tariffs" else ""
    pre = f"SELECT s.*, {', '.join(known)}{period} FROM {staged} s {' '.join(joins)}"
    lit = {k: v.replace("'", "''") for k, v in dict(source=source, dataset=dataset, vintage=vintage, file=file).items()}
    sql = f"""
SELECT {_typed(table, types)},
    '{lit["source"]}' AS source, '{lit["dataset"]}' AS dataset, '{lit["vintage"]}' AS vintage,
    '{lit["file"]}' AS file, _line AS line,
    coalesce(_reason, _first.r) AS _reason,
    CASE WHEN _reason IS NOT NULL THEN coalesce(_field, 'row') ELSE _first.f END AS _field
FROM (SELECT *, CASE WHEN _reason IS NOT NULL THEN NULL {first} END AS _first FROM ({pre}) AS s0) AS s
"""
    return _substitute(sql, literals)
