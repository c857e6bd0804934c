"""Query engines over the store's Parquet files: a small protocol and a registry.

The store decides which files each table is made of at a vintage and which columns are constant
per file (:class:`FileGroup`, from the manifest); an engine turns that into tables it can query.
DuckDB is the default; Apache Spark (:mod:`tradeflux.store.spark`, the ``spark`` extra) runs the
same SQL, transpiled. A further engine implements :class:`Engine` and is added to :data:`ENGINES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from tradeflux import schema
from tradeflux._sql import literal
from tradeflux._sql import value as sql_value
from tradeflux.errors import NotFound

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "FileGroup", "get", "has_view"]


@dataclass(frozen=True)
class FileGroup:
    """Parquet files of one ingested file for one table, and the columns constant across them."""

    files: tuple[str, ...]
    constants: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """What the store needs of an engine."""

    name: str
    store_url: str | None  # where the engine reads the files, if not at the store's local path

    def connect(
        self,
        tables: dict[str, Sequence[FileGroup]],
        quarantine: Sequence[Path],
        dimensions: dict[str, Path] | None = None,
        numbered: dict[str, Path] | None = None,
    ) -> Any:
        """A connection on which each canonical table, ``quarantine``, each dimension table
        (``dim_countries``...) and each ``numbered`` file can be queried by name; a numbered file's view has
        ``row_id``, each row's place in the file from 1."""
        ...


class DuckDBEngine:
    """DuckDB: one in-memory connection with a view per table over the Parquet files."""

    name = "duckdb"
    store_url = None  # reads the local files

    @staticmethod
    def relation_sql(table: str, groups: Sequence[FileGroup]) -> str:
        """SQL selecting ``table`` as its canonical columns; constant columns are added back as literals."""
        spec = schema.TABLES[table]
        parts = []
        for group in groups:
            listing = ", ".join(literal(f) for f in group.files)
            cols = ", ".join(
                f"CAST({sql_value(group.constants[c.name]) if c.name in group.constants else c.name} AS {c.type}) "
                f"AS {c.name}"
                for c in spec.columns
            )
            parts.append(
                f"SELECT {cols} FROM read_parquet([{listing}], hive_partitioning = true, union_by_name = true)"
            )
        if not parts:
            cols = ", ".join(f"CAST(NULL AS {c.type}) AS {c.name}" for c in spec.columns)
            return f"SELECT {cols} WHERE false"
        return "\nUNION ALL\n".join(parts)

    def connect(
        self,
        tables: dict[str, Sequence[FileGroup]],
        quarantine: Sequence[Path],
        dimensions: dict[str, Path] | None = None,
        numbered: dict[str, Path] | None = None,
    ) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute("SET parquet_metadata_cache = true")  # the store's files are never rewritten in place
        for name, path in (dimensions or {}).items():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({literal(str(path))})")
        for name, path in (numbered or {}).items():
            con.execute(
                f"CREATE VIEW {name} AS SELECT file_row_number + 1 AS row_id, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({literal(str(path))}, file_row_number = true)"
            )
        for table, groups in tables.items():
            con.execute(f"CREATE VIEW {table} AS {self.relation_sql(table, groups)}")
        if quarantine:
            listing = ", ".join(literal(str(f)) for f in quarantine)
            con.execute(f"CREATE VIEW quarantine AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        else:
            con.execute(
                "CREATE VIEW quarantine AS SELECT CAST(NULL AS VARCHAR) AS table_name, CAST(NULL AS VARCHAR) AS source, "
                "CAST(NULL AS VARCHAR) AS dataset, CAST(NULL AS VARCHAR) AS file, CAST(NULL AS BIGINT) AS line, "
                "CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS reason WHERE false"
            )
        return con


def _spark(**options: Any) -> Engine:
    from tradeflux.store.spark import SparkEngine

    return SparkEngine(**options)


ENGINES: dict[str, Any] = {"duckdb": lambda **_options: DuckDBEngine(), "spark": _spark}


def get(name: str = "duckdb", **options: Any) -> Engine:
    """The engine registered under ``name``. Options (each engine takes what it uses): ``master``,
    ``store_url``, ``local_root``."""
    if name not in ENGINES:
        raise NotFound(f"unknown engine {name!r}; engines: {', '.join(ENGINES)}")
    return ENGINES[name](**options)


def has_view(con: Any, name: str) -> bool:
    """Whether a store connection (of any engine) has a view called ``name``."""
    if hasattr(con, "has_view"):
        return con.has_view(name)
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]).fetchone()[0])
