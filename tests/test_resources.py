"""The warehouse resource: how every warehouse connection is opened."""

from __future__ import annotations

from dagster_project.resources import WarehouseResource, duckdb_config


def test_a_new_warehouse_is_owner_only_by_default(tmp_path, monkeypatch):
    """The warehouse holds every raw record: created 0600 unless JOURNEY_FILE_ACCESS says otherwise."""
    monkeypatch.delenv("JOURNEY_FILE_ACCESS", raising=False)
    private = tmp_path / "private" / "journey.duckdb"
    with WarehouseResource(warehouse=str(private)).connect() as con:
        con.execute("create table t as select 1 as x")
    assert private.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("JOURNEY_FILE_ACCESS", "group")
    shared = tmp_path / "shared" / "journey.duckdb"
    with WarehouseResource(warehouse=str(shared)).connect() as con:
        con.execute("select 1").fetchall()
    assert shared.stat().st_mode & 0o777 == 0o640


def test_duckdb_settings_come_from_configuration(monkeypatch):
    monkeypatch.setenv("JOURNEY_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("JOURNEY_DUCKDB_THREADS", "1")
    assert duckdb_config() == {"memory_limit": "1GB", "preserve_insertion_order": "false", "threads": "1"}
    monkeypatch.delenv("JOURNEY_DUCKDB_THREADS")
    assert "threads" not in duckdb_config()
