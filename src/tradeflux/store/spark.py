"""Apache Spark as a query engine over the store's Parquet files.

The monitor's SQL is written once, in DuckDB's dialect; here it is transpiled to Spark SQL with
sqlglot, with the query's ``?`` parameters bound as literals first. Results come back as Arrow and
are turned into pandas by DuckDB's own conversion, so a frame has the same columns, types and
missing values whichever engine produced it. Numerical work (estimation, GE) stays outside the
engine: it receives frames.

The session is created once per process: ``master`` is ``local[2]`` by default
(``TRADEFLUX_SPARK_MASTER`` or ``--spark-master``: ``spark://host:7077``, ``yarn``, ``k8s://...``);
everything else (memory, object-storage credentials) is Spark's own configuration
(``spark-defaults.conf`` under ``SPARK_CONF_DIR``). With ``store_url`` the files are read from that
prefix instead of the local store directory (a copy of the store in object storage).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from tradeflux import schema
from tradeflux._sql import value as sql_value
from tradeflux.errors import InputError, StoreError
from tradeflux.store.canonical import VIEW

__all__ = ["SparkConnection", "SparkEngine", "session", "to_spark_sql"]


MASTERS = re.compile(r"local(\[(\d+|\*)\])?|(spark|mesos|k8s)://\S+|yarn")


@functools.cache
def session(master: str):
    """The process's Spark session (created on first use)."""
    if not MASTERS.fullmatch(master):
        raise InputError(
            f"--spark-master: {master!r} is not a Spark master URL (local, local[N], spark://host:port, yarn, k8s://...)"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - the spark extra
        raise StoreError("the spark engine needs PySpark: pip install 'tradeflux[spark]'") from None
    builder = (
        SparkSession.builder.master(master)
        .appName("tradeflux")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):
        # one machine: a few shuffle partitions, not the cluster default of 200
        builder = builder.config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master is unreachable
        raise StoreError(f"Spark did not start with master {master!r} (is Java installed?): {exc}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _bind(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with its ``?`` placeholders replaced by literals, left to right."""
    tokens = [t for t in sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
    if len(tokens) != len(params):
        raise InputError(f"the query has {len(tokens)} parameters, {len(params)} given")
    out = sql
    for token, param in sorted(zip(tokens, params, strict=True), key=lambda tp: -tp[0].start):
        out = out[: token.start] + sql_value(param) + out[token.end + 1 :]
    return out


def _no_materialized(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


@functools.lru_cache(maxsize=256)
def to_spark_sql(sql: str) -> str:
    """A DuckDB query in Spark SQL (``MATERIALIZED`` hints dropped: Spark plans common subqueries itself)."""
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_no_materialized)
    return tree.sql(dialect="spark")


def _spark_type(duck_type: str) -> str:
    return exp.DataType.build(duck_type, dialect="duckdb").sql(dialect="spark")


class _Result:
    def __init__(self, frame):
        self._frame = frame

    def to_arrow_table(self):
        """The result as an Arrow table (what numerical code takes, as from DuckDB)."""
        return self._frame.toArrow()

    def df(self) -> pd.DataFrame:
        return duckdb.from_arrow(self.to_arrow_table()).df()

    @property
    def description(self) -> list[tuple]:
        """The result's column names, as DB-API's ``cursor.description`` gives them (name first)."""
        return [(name,) for name in self._frame.columns]

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self._frame.collect()]

    def fetchone(self) -> tuple | None:
        rows = self._frame.limit(1).collect()
        return tuple(rows[0]) if rows else None


class SparkConnection:
    """The part of DuckDB's connection API the analysis layer uses, on a Spark session: ``execute``
    (DuckDB SQL with ``?`` parameters) returning ``df()``/``fetchall()``/``fetchone()``/``to_arrow_table()``,
    ``register``/``unregister`` of a pandas frame as a view, ``close``."""

    def __init__(self, spark, views: list[str]):
        self.spark = spark
        self._views = list(views)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> _Result:
        bound = _bind(sql, params or [])
        return _Result(self.spark.sql(to_spark_sql(bound)))

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)
        self._views.append(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        if name in self._views:
            self._views.remove(name)

    def has_view(self, name: str) -> bool:
        return name in self._views

    def close(self) -> None:
        """Views stay in the session (they are cheap); the session lives as long as the process."""


class SparkEngine:
    """Spark: a temporary view per table, each the union of its file groups with the constant
    columns added as literals and every column cast to its canonical type."""

    name = "spark"

    def __init__(self, master: str = "local[2]", store_url: str | None = None, local_root: Path | None = None):
        self.master = master
        self.store_url = store_url.rstrip("/") if store_url else None
        self.local_root = local_root

    def _path(self, file: str) -> str:
        if self.store_url and self.local_root is not None:
            rel = Path(file).resolve().relative_to(self.local_root.resolve())
            return f"{self.store_url}/{rel.as_posix()}"
        return file

    def _base(self, file: str, table: str) -> str:
        """The table's folder above a file (Spark's ``basePath`` for partition discovery)."""
        path = self._path(file)
        head, sep, _ = path.rpartition(f"/{table}/")
        return head + sep.rstrip("/") if sep else str(Path(path).parent)

    def relation(self, spark, table: str, groups: Sequence[Any]):
        from pyspark.sql import functions as F

        spec = schema.TABLES[table]
        parts = []
        for group in groups:
            files = [self._path(f) for f in group.files]
            frame = spark.read.option("basePath", self._base(group.files[0], table)).parquet(*files)
            present = set(frame.columns)
            cols = []
            for c in spec.columns:
                kind = _spark_type(c.type)
                if c.name in group.constants:
                    constant = group.constants[c.name]
                    # a value, never SQL (Spark reads a backslash in a literal as an escape)
                    expr = F.col(constant["same_as"]) if isinstance(constant, dict) else F.lit(constant)
                elif c.name in present:
                    expr = F.col(c.name)
                else:
                    expr = F.lit(None)
                cols.append(expr.cast(kind).alias(c.name))
            parts.append(frame.select(*cols))
        if not parts:
            fields = ", ".join(f"CAST(NULL AS {_spark_type(c.type)}) AS {c.name}" for c in spec.columns)
            return spark.sql(f"SELECT {fields} WHERE false")
        out = parts[0]
        for part in parts[1:]:
            out = out.unionByName(part)
        return out

    def connect(
        self,
        tables: dict[str, Sequence[Any]],
        quarantine: Sequence[Path],
        dimensions: dict[str, Path] | None = None,
        numbered: dict[str, Path] | None = None,
    ) -> SparkConnection:
        from pyspark.sql import functions as F

        spark = session(self.master)
        spark.catalog.dropTempView(VIEW)  # views outlive connections in a session: an older store's must go
        views = []
        for name, path in (dimensions or {}).items():
            spark.read.parquet(self._path(str(path))).createOrReplaceTempView(name)
            views.append(name)
        for name, path in (numbered or {}).items():
            frame = spark.read.parquet(self._path(str(path)))
            row_id = (F.col("_metadata.row_index") + 1).cast("long").alias("row_id")
            frame.select(row_id, *frame.columns).createOrReplaceTempView(name)
            views.append(name)
        for table, groups in tables.items():
            self.relation(spark, table, groups).createOrReplaceTempView(table)
            views.append(table)
        if quarantine:
            frame = spark.read.option("mergeSchema", "true").parquet(*[self._path(str(f)) for f in quarantine])
        else:
            frame = spark.sql(
                "SELECT CAST(NULL AS STRING) AS table_name, CAST(NULL AS STRING) AS source, CAST(NULL AS STRING) AS "
                "dataset, CAST(NULL AS STRING) AS file, CAST(NULL AS BIGINT) AS line, CAST(NULL AS STRING) AS field, "
                "CAST(NULL AS STRING) AS reason WHERE false"
            )
        frame.createOrReplaceTempView("quarantine")
        return SparkConnection(spark, [*views, "quarantine"])
