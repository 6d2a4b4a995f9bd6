"""Bulk writes of rows computed in DuckDB into the operational database.

An import writes up to millions of rows inside one transaction of Django's connection
(so the audit event and the run commit with them). Building a model instance, or even
a Python value, per cell is what made that slow; here:

- PostgreSQL: DuckDB writes the rows as CSV and `COPY ... FROM STDIN` reads them, so
  no Python object is made per row at all;
- SQLite: chunks of plain tuples fetched from DuckDB go to `executemany`; values that
  are the same for every row (owner, times of the write, defaults) are literals in the
  statement instead of parameters, which halves the values Python has to make.

A `Rows` says what to write: for each column, a DuckDB expression over `source` (in
the database's own text form: `db_time` for times) or one constant for every row.
Updates go the same way into a temporary table, then one `UPDATE ... FROM` it.
"""

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from django.core.management.color import no_style
from django.db import connection, models

Step = Callable[[int], None]  # called with the number of rows just written
CHUNK_ROWS = 50_000
COPY_BLOCK = 1 << 16
DEFER_INDEXES_ROWS = 50_000


@dataclass
class Rows:
    """The rows of one model: per-row expressions and constants, keyed by attname."""

    model: type[models.Model]
    source: str  # DuckDB: "FROM ... WHERE ..."
    columns: dict[str, str]
    constants: dict[str, Any] = field(default_factory=dict)
    order: str = ""  # the order to insert in (by id: each B-tree page filled once)

    def with_defaults(self) -> "Rows":
        """Every concrete column: the ones not given take the field's default."""
        given = {**self.columns, **self.constants}
        attnames = {f.attname for f in self.model._meta.concrete_fields}
        unknown = set(given) - attnames
        if unknown:
            raise ValueError(f"{self.model.__name__} has no columns {sorted(unknown)}")
        defaults = {
            f.attname: _default(f)
            for f in self.model._meta.concrete_fields
            if f.attname not in given
        }
        constants = {**self.constants, **defaults}
        return Rows(self.model, self.source, self.columns, constants, self.order)


def _default(field: models.Field) -> Any:
    """A field's default as the text or number the database stores (JSON as its text)."""
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return None if value is None else json.dumps(value)
    return field.get_db_prep_save(value, connection)


def db_time(expr: str) -> str:
    """A DuckDB TIMESTAMPTZ (session time zone UTC) as the database stores it."""
    if connection.vendor == "postgresql":
        return f"strftime({expr}, '%Y-%m-%d %H:%M:%S+00')"
    return f"strftime({expr}, '%Y-%m-%d %H:%M:%S')"


def db_now() -> str:
    """Now, in whole seconds, in the database's text form (every row of a run alike)."""
    text = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00" if connection.vendor == "postgresql" else text


def count(con: duckdb.DuckDBPyConnection, rows: Rows) -> int:
    return con.execute(f"SELECT count(*) {rows.source}").fetchone()[0]  # noqa: S608


def insert(con: duckdb.DuckDBPyConnection, rows: Rows, step: Step, chunk: int = CHUNK_ROWS) -> int:
    """Insert every row, `chunk` rows between calls of `step`; returns how many."""
    rows = rows.with_defaults()
    n = count(con, rows)
    if n == 0:
        return 0
    names = [*rows.columns, *rows.constants]
    with connection.cursor() as cursor, _indexes_deferred(cursor, rows.model, n):
        target = _target(rows.model, names)
        if connection.vendor == "postgresql":
            _copy(con, cursor, rows, f"COPY {target} FROM STDIN (FORMAT csv)", n, step)
        else:
            values = ", ".join(
                ["%s"] * len(rows.columns) + [_sqlite_literal(v) for v in rows.constants.values()]
            )
            sql = f"INSERT INTO {target} VALUES ({values})"  # noqa: S608
            _executemany(con, cursor, rows, sql, step, chunk)
    reset_sequence(rows.model)
    return n


def update(con: duckdb.DuckDBPyConnection, rows: Rows, step: Step, chunk: int = CHUNK_ROWS) -> int:
    """UPDATE rows of the model by `id` (a column of `rows`); constants set on each."""
    n = count(con, rows)
    if n == 0:
        return 0
    fields = {f.attname: f for f in rows.model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(rows.model._meta.db_table)
    temp = quote(f"imports_tmp_{rows.model._meta.db_table}")
    names = list(rows.columns)
    types = ", ".join(
        f"{quote(fields[k].column)} {'bigint' if k == 'id' else fields[k].db_type(connection)}"
        for k in names
    )
    sets = [f"{quote(fields[k].column)} = s.{quote(fields[k].column)}" for k in names if k != "id"]
    sets += [f"{quote(fields[k].column)} = %s" for k in rows.constants]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({types})")
        into = f"{temp} ({', '.join(quote(fields[k].column) for k in names)})"
        plain = Rows(rows.model, rows.source, rows.columns)
        if connection.vendor == "postgresql":
            _copy(con, cursor, plain, f"COPY {into} FROM STDIN (FORMAT csv)", n, step)
        else:
            holes = ", ".join(["%s"] * len(names))
            sql = f"INSERT INTO {into} VALUES ({holes})"  # noqa: S608
            _executemany(con, cursor, plain, sql, step, chunk)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} FROM {temp} s WHERE {table}.id = s.id",  # noqa: S608
            list(rows.constants.values()),
        )
        cursor.execute(f"DROP TABLE {temp}")
    return n


def _target(model: type[models.Model], names: list[str]) -> str:
    quote = connection.ops.quote_name
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    return f"{quote(model._meta.db_table)} ({', '.join(quote(columns[n]) for n in names)})"


def _select(rows: Rows, constants: bool) -> str:
    parts = [f"{expr} AS {_alias(name)}" for name, expr in rows.columns.items()]
    if constants:
        parts += [f"{_duckdb_literal(v)} AS {_alias(k)}" for k, v in rows.constants.items()]
    order = f" ORDER BY {rows.order}" if rows.order else ""
    return f"SELECT {', '.join(parts)} {rows.source}{order}"


def _alias(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _executemany(con, cursor, rows: Rows, sql: str, step: Step, chunk: int) -> None:
    """SQLite: plain tuples from DuckDB, a chunk at a time."""
    result = con.execute(_select(rows, constants=False))
    while batch := result.fetchmany(chunk):
        cursor.executemany(sql, batch)
        step(len(batch))


def _copy(con, cursor, rows: Rows, sql: str, n: int, step: Step) -> None:
    """PostgreSQL: DuckDB writes CSV (NULL unquoted and empty, "" an empty string), COPY
    reads it; progress goes by the share of bytes sent."""
    with tempfile.TemporaryDirectory(prefix="tandem-import-") as folder:
        path = Path(folder) / "rows.csv"
        con.execute(
            f"COPY ({_select(rows, constants=True)}) TO '{path}' (FORMAT csv, HEADER false)"  # noqa: S608
        )
        size, sent, reported = path.stat().st_size or 1, 0, 0
        block = max(COPY_BLOCK, size // 20)  # progress every 5% of the bytes
        with path.open("rb") as data, cursor.cursor.copy(sql) as stream:
            while chunk := data.read(block):
                stream.write(chunk)
                sent += len(chunk)
                done = n * sent // size
                step(done - reported)
                reported = done


def _sqlite_literal(value: Any) -> str:
    # Through Django's cursor, "%" in the statement must be written "%%".
    return _duckdb_literal(value, bool_as_int=True).replace("%", "%%")


def _duckdb_literal(value: Any, bool_as_int: bool = False) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("1" if value else "0") if bool_as_int else ("true" if value else "false")
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@contextmanager
def _indexes_deferred(cursor, model: type[models.Model], rows: int) -> Iterator[None]:
    """SQLite: for a large insert into a smaller table, drop the table's plain indexes
    and build them again after.

    Building an index once from the finished table is cheaper than updating each one
    row by row, unless the table already holds more rows than arrive. It runs inside
    the caller's transaction: a failure leaves the indexes as they were. Unique
    constraints are part of the table and stay, so they are checked row by row.
    """
    table = model._meta.db_table
    if connection.vendor != "sqlite" or rows < DEFER_INDEXES_ROWS:
        yield
        return
    cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
    if cursor.fetchone()[0] > rows:
        yield
        return
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
        " AND sql IS NOT NULL ORDER BY name",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _sql in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    for _name, sql in indexes:
        cursor.execute(sql)


def reset_sequence(model: type[models.Model]) -> None:
    """After inserts with explicit ids, PostgreSQL's sequence must move past them."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def max_id(model: type[models.Model]) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {quote(model._meta.db_table)}")  # noqa: S608
        return int(cursor.fetchone()[0] or 0)
