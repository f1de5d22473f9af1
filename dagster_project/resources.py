"""The warehouse resource: one DuckDB file, opened read-write only while an asset writes it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings


def duckdb_config() -> dict[str, str]:
    """DuckDB settings of every warehouse connection, from the same variables dbt's profile reads.

    ``JOURNEY_MEMORY_LIMIT`` (default ``8GB``) bounds DuckDB's memory (it spills to disk past it) and
    ``JOURNEY_DUCKDB_THREADS`` its threads (default: DuckDB's own, one per core); insertion order is
    not preserved (nothing reads raw rows in load order), which lets large loads stream.
    """
    config = {
        "memory_limit": os.environ.get("JOURNEY_MEMORY_LIMIT", "8GB"),
        "preserve_insertion_order": "false",
    }
    threads = os.environ.get("JOURNEY_DUCKDB_THREADS")
    if threads:
        config["threads"] = threads
    return config


class WarehouseResource(dg.ConfigurableResource):
    """Where the exports are read from and the warehouse is written to.

    Empty strings mean "from the environment" (``JOURNEY_EXPORTS_DIR``, ``JOURNEY_WAREHOUSE``),
    resolved when used, so ``dagster dev`` and ``journey build`` agree.
    """

    warehouse: str = ""
    exports: str = ""

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse).resolve() if self.warehouse else settings.warehouse_path()

    @property
    def exports_dir(self) -> Path:
        return Path(self.exports).resolve() if self.exports else settings.exports_dir()

    @property
    def publish_dir(self) -> Path:
        """Where this warehouse's marts, report and quality pages are published (``settings.publish_dir``)."""
        return settings.publish_dir(self.warehouse_path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.warehouse_path
        created = not read_only and not path.exists()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
        if created:  # the warehouse holds every raw record: owner-only from its first byte by default
            os.chmod(path, settings.file_access_modes()[0])
        try:
            yield con
        finally:
            con.close()
