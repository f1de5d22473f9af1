"""Read marts for the report from a DuckDB file (the published ``marts.duckdb`` or the warehouse)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.publish.publisher import currency_minor_digits

MARTS_SCHEMA = "marts"
PUBLISHED_SCHEMA = "main"  # the published marts.duckdb keeps its marts in the default schema


class NoData(Exception):
    """A chart cannot be drawn: its mart (or a column it needs) is not there, or it has no rows."""


class MartReader:
    """Read-only access to the marts of one DuckDB file: the warehouse (schema ``marts``) or the
    published ``marts.duckdb`` (schema ``main``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema in (?, ?) "
            "order by table_schema, table_name, ordinal_position",
            [MARTS_SCHEMA, PUBLISHED_SCHEMA],
        ).fetchall()
        schemas = {schema for schema, _, _ in rows}
        self.schema = MARTS_SCHEMA if MARTS_SCHEMA in schemas else PUBLISHED_SCHEMA
        self._columns: dict[str, list[str]] = {}
        for schema, table, column in rows:
            if schema == self.schema:
                self._columns.setdefault(table, []).append(column)

    def table(self, mart: str) -> str:
        """The mart's qualified name in this file."""
        return f'"{self.schema}"."{mart}"'

    @property
    def marts(self) -> list[str]:
        return sorted(self._columns)

    def has(self, mart: str) -> bool:
        return mart in self._columns

    def columns(self, mart: str) -> list[str]:
        return self._columns.get(mart, [])

    def require(self, mart: str, columns: Sequence[str] = ()) -> None:
        """Raise ``NoData`` naming the mart (or its missing columns) unless all are there."""
        if not self.has(mart):
            raise NoData(f"{mart} not built")
        missing = [column for column in columns if column not in self._columns[mart]]
        if missing:
            raise NoData(f"{mart} has no column {', '.join(missing)}")

    def first_column(self, mart: str, candidates: Sequence[str]) -> str:
        """The first of ``candidates`` that ``mart`` has (for columns the spec does not name)."""
        for candidate in candidates:
            if candidate in self.columns(mart):
                return candidate
        raise NoData(f"{mart} has none of the columns {', '.join(candidates)}")

    def frame(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        return self._con.execute(sql, list(params)).df()

    @cached_property
    def publication(self) -> tuple[str | None, str]:
        """(publication id, reporting currency) of a published file, from its ledger ``meta.publication``;
        for the warehouse (no ledger) no id and the dbt var ``reporting_currency``."""
        columns = {
            row[0]
            for row in self._con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database() "
                "and table_schema = 'meta' and table_name = 'publication'"
            ).fetchall()
        }
        publication_id, currency = None, None
        if "publication_id" in columns:
            currency_column = "reporting_currency" if "reporting_currency" in columns else "null"
            row = self._con.execute(
                f"select publication_id, {currency_column} from meta.publication limit 1"
            ).fetchone()
            if row:
                publication_id, currency = row
        return publication_id, (currency or currency_minor_digits()[0]).upper()

    @property
    def currency(self) -> str:
        """The currency of every amount in the marts (ISO code, upper case)."""
        return self.publication[1]


@contextmanager
def open_marts(path: Path) -> Iterator[MartReader]:
    """Open ``path`` read-only; a clear error when it does not exist."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: build the warehouse first (journey build), or pass --source")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield MartReader(con)
    finally:
        con.close()
